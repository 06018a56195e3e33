// Senders over cohora.v2 sockets: a transport for the send loops (send-loops.mjs) with a v2
// socket per sender, a send frame out and its ack back, so the socket-sends scenario loads
// cohora's sockets exactly as the other scenarios load REST.
import WebSocket from 'ws';

const OPEN_TIMEOUT_MS = 15_000;

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

/** Sends of sender `s` over its own cohora.v2 socket. */
export async function socketTransport(server, chat) {
  const wsUrl = server.baseUrl.replace(/^http/, 'ws') + '/ws';
  const sockets = await Promise.all(chat.senders.map((sender) => SocketSender.open(wsUrl, sender.id)));
  return {
    send: (s, r, text) => sockets[s].send(chat.recipients[r].id, text),
    close: () => sockets.forEach((socket) => socket.close()),
  };
}
