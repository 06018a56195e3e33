// Senders over cohora.v2 sockets, and the send loops that drive a transport: a v2 socket per
// sender (a send frame out, its ack back) or REST (a request out, its answer back). One loop
// for both, so the socket-sends scenario loads cohora's sockets and bare's REST alike.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import WebSocket from 'ws';
import { sendBody } from './chat-fixture.mjs';
import { messageText } from './verifier.mjs';

const OPEN_TIMEOUT_MS = 15_000;
/** More in flight than this means the server has fallen hopelessly behind: stop the run. */
const MAX_IN_FLIGHT = 5_000;

/** One sender's cohora.v2 socket: `send()` resolves with the ack's or error's status once it comes back. */
export class SocketSender {
  constructor(socket) {
    this.socket = socket;
    this.waiting = new Map();
    this.nextKey = 0;
    socket.on('message', (data) => {
      const text = data.toString();
      // An ack or error: `{"type":"ack","key":"…"` (ack frames are written field by field).
      const keyAt = text.indexOf('"key":');
      if (keyAt < 0) return;
      const frame = JSON.parse(text);
      const resolve = this.waiting.get(frame.key);
      if (!resolve) return;
      this.waiting.delete(frame.key);
      resolve(frame.type === 'ack' ? { status: 200, text } : { status: frame.status, text });
    });
    socket.once('close', (code) => {
      for (const resolve of this.waiting.values()) resolve({ status: 0, text: `socket closed with ${code}` });
      this.waiting.clear();
    });
  }

  /** Opens the socket of `userId` offering cohora.v2 and resolves once `ready` arrived. */
  static open(wsUrl, userId) {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(wsUrl, ['cohora.v2'], { perMessageDeflate: false, skipUTF8Validation: true });
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`v2 socket not ready after ${OPEN_TIMEOUT_MS} ms`));
      }, OPEN_TIMEOUT_MS);
      socket.once('open', () => socket.send(JSON.stringify({ id: userId })));
      socket.once('message', (data) => {
        clearTimeout(timer);
        if (!data.toString().startsWith('{"type":"ready"')) return reject(new Error(`expected ready, got ${data.toString().slice(0, 100)}`));
        resolve(new SocketSender(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  send(recipientId, text) {
    const key = String(this.nextKey++);
    return new Promise((resolve) => {
      this.waiting.set(key, resolve);
      this.socket.send(`{"type":"send","key":"${key}","recipient_id":"${recipientId}","message":"${text}"}`);
    });
  }

  close() {
    this.socket.close(1000);
    setTimeout(() => this.socket.terminate(), 1_000).unref();
  }
}

/** Sends of sender `s` to recipient `r` over REST: what the baselines (and cohora v1 clients) do. */
export function restTransport(chat) {
  return {
    send: (s, r, text) =>
      chat.client
        .request('POST', '/api/messages/send', sendBody(chat.recipients[r].id, chat.senders[s].id, text))
        .catch((error) => ({ status: 0, text: String(error) })),
    close() {},
  };
}

/** Sends of sender `s` over its own cohora.v2 socket. */
export async function socketTransport(server, chat) {
  const wsUrl = server.baseUrl.replace(/^http/, 'ws') + '/ws';
  const sockets = await Promise.all(chat.senders.map((sender) => SocketSender.open(wsUrl, sender.id)));
  return {
    send: (s, r, text) => sockets[s].send(chat.recipients[r].id, text),
    close: () => sockets.forEach((socket) => socket.close()),
  };
}

/**
 * Closed loop through `transport` (see closedLoop in send-loops.mjs, which this mirrors): each
 * sender sends its next message as soon as the last is answered; the window opens and closes
 * on a timer. Returns `{ acceptedInWindow, sendErrors, errorExamples, cost }`.
 */
export async function closedLoopVia(chat, transport, config, openWindow) {
  const { senders, recipients, verifier } = chat;
  const startedAt = performance.now();
  const windowStart = startedAt + config.warmupMs;
  const windowEnd = windowStart + config.durationMs;
  verifier.latencyFrom = windowStart;
  verifier.latencyUntil = windowEnd;
  let window;
  let cost;
  let acceptedInWindow = 0;
  let sendErrors = 0;
  const errorExamples = [];
  const opened = setTimeout(() => (window = openWindow()), config.warmupMs);
  const closed = setTimeout(() => (cost = window.end()), config.warmupMs + config.durationMs);
  const sender = async (s) => {
    for (let seq = 0; performance.now() < windowEnd; seq++) {
      const r = (s * 7 + seq) % recipients.length;
      const sentAt = performance.now();
      const { status, text } = await transport.send(s, r, messageText(r, s, seq, sentAt));
      if (status === 200) {
        verifier.accepted(s, r);
        if (sentAt >= windowStart && sentAt < windowEnd) acceptedInWindow++;
      } else {
        sendErrors++;
        if (errorExamples.length < 5) errorExamples.push(`${status} ${text.slice(0, 120)}`);
      }
    }
  };
  try {
    await Promise.all(senders.map((_, s) => sender(s)));
  } finally {
    clearTimeout(opened);
    clearTimeout(closed);
  }
  cost ??= window.end();
  return { acceptedInWindow, sendErrors, errorExamples, cost };
}

/** Open loop at `config.rate` through `transport` (see openLoop in send-loops.mjs, which this mirrors). */
export async function openLoopVia(chat, transport, config, openWindow) {
  const { senders, recipients, verifier } = chat;
  verifier.seqOrdered = false;
  const total = Math.round(((config.warmupMs + config.durationMs) / 1000) * config.rate);
  const interval = 1000 / config.rate;
  const start = performance.now() + 5;
  verifier.latencyFrom = start + config.warmupMs;
  verifier.latencyUntil = start + config.warmupMs + config.durationMs;
  let window;
  let measured = 0;
  let sendErrors = 0;
  let inFlight = 0;
  let abandoned = false;
  const errorExamples = [];
  const pending = [];
  const send = async (i, dueAt) => {
    const s = i % senders.length;
    const r = Math.floor(i / senders.length) % recipients.length;
    const seq = Math.floor(i / (senders.length * recipients.length));
    inFlight++;
    try {
      const { status, text } = await transport.send(s, r, messageText(r, s, seq, dueAt));
      if (status === 200) verifier.accepted(s, r);
      else {
        sendErrors++;
        if (errorExamples.length < 5) errorExamples.push(`${status} ${text.slice(0, 120)}`);
      }
    } finally {
      inFlight--;
    }
  };
  for (let i = 0; i < total; ) {
    const now = performance.now();
    while (i < total && start + i * interval <= now) {
      const dueAt = start + i * interval;
      if (!window && dueAt >= verifier.latencyFrom) window = openWindow();
      if (window) measured++;
      pending.push(send(i, dueAt));
      i++;
    }
    if (inFlight > MAX_IN_FLIGHT) {
      abandoned = true;
      errorExamples.push(`abandoned: more than ${MAX_IN_FLIGHT} sends in flight`);
      break;
    }
    await yieldToEventLoop();
  }
  await Promise.all(pending);
  const cost = window.end();
  return { sent: total, measured, sendErrors, errorExamples, abandoned, cost };
}
