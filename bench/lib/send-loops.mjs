// The two ways the generator sends: a closed loop (each sender waits for its answer, so the
// server sets the pace) and an open loop (a fixed rate, whatever the server does). Shared by
// every scenario that sends, over REST or over cohora.v2 sockets (socket-senders.mjs), so they
// all load the server the same way.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { sendBody } from './chat-fixture.mjs';
import { messageText } from './verifier.mjs';

/** More in flight than this means the server has fallen hopelessly behind: stop the run. */
const MAX_IN_FLIGHT = 5_000;

/**
 * Sends of sender `s` to recipient `r` over REST, what the baselines and v1 clients do; with
 * `chat.keyed`, each with an Idempotency-Key of its own. A transport's `send` resolves to the
 * answer's `{ status, text }`, status 0 for a failed request.
 */
export function restTransport(chat) {
  let sent = 0;
  return {
    send: (s, r, text) => {
      const headers = chat.keyed ? { 'Idempotency-Key': `send-${sent++}` } : undefined;
      return chat.client
        .request('POST', '/api/messages/send', sendBody(chat.recipients[r].id, chat.senders[s].id, text), undefined, headers)
        .catch((error) => ({ status: 0, text: String(error) }));
    },
    close() {},
  };
}

/**
 * Closed loop over `chat` (see setupChat) for `warmupMs + durationMs`: each sender sends its
 * next message through `transport` as soon as the last is answered. The measurement window
 * opens and closes on a timer, independent of the senders' progress: `openWindow()` is called
 * as it opens and must return `{ end() }`; what `end()` returns comes back as `cost`. Latency
 * counts only sends stamped inside the window.
 */
export async function closedLoop(chat, config, openWindow, transport = restTransport(chat)) {
  const { senders, recipients, verifier } = chat;
  const startedAt = performance.now();
  const windowStart = startedAt + config.warmupMs;
  const windowEnd = windowStart + config.durationMs;
  verifier.latencyFrom = windowStart;
  verifier.latencyUntil = windowEnd;
  let window;
  let acceptedInWindow = 0;
  let sendErrors = 0;
  const errorExamples = [];
  const opened = setTimeout(() => (window = openWindow()), config.warmupMs);
  let cost;
  const closed = setTimeout(() => (cost = window.end()), config.warmupMs + config.durationMs);

  const sender = async (s) => {
    for (let seq = 0; performance.now() < windowEnd; seq++) {
      const r = (s * 7 + seq) % recipients.length; // spread each sender over all receivers
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

/**
 * Open loop at `config.rate` through `transport`: message i is due at start + i/rate and is
 * sent then, whatever happened to earlier ones, stamped with its due time, so a stall is
 * charged to every message it delayed (no coordinated omission). The window (`openWindow()`, as above) opens with the
 * first message due after the warm-up and ends once every send is answered. Gives up, marking
 * the run `abandoned`, if more than 5,000 sends are in flight.
 */
export async function openLoop(chat, config, openWindow, transport = restTransport(chat)) {
  const { senders, recipients, verifier } = chat;
  verifier.seqOrdered = false; // two sends of one pair may overlap in an open loop
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
    // Send everything that is due; a late loop sends a burst, stamped with the due times.
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
