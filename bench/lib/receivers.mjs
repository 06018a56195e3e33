// WebSocket receivers: one authenticated socket per user, opened in batches so that neither
// the generator nor the server melts, each frame handed to the Verifier.
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

const OPEN_TIMEOUT_MS = 15_000;

/**
 * Opens one socket for `userId` and sends the auth frame. Resolves with the socket once the
 * auth frame is written; the server gives no acknowledgement, see `probe` for that.
 */
export function connectReceiver(wsUrl, userId, onFrame, since) {
  return new Promise((resolve, reject) => {
    // No compression (cohora refuses it anyway) and no UTF-8 check: the generator's CPU is scarce.
    const socket = new WebSocket(wsUrl, { perMessageDeflate: false, skipUTF8Validation: true });
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`WebSocket open timed out after ${OPEN_TIMEOUT_MS} ms`));
    }, OPEN_TIMEOUT_MS);
    socket.once('open', () => {
      clearTimeout(timer);
      socket.send(JSON.stringify(since ? { id: userId, since } : { id: userId }));
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('message', (data) => onFrame(data.toString()));
  });
}

export class Receivers {
  /**
   * `users[i]` = { id } receives as recipient index `i + offset`. Frames go to
   * `verifier.frame`, probes resolve `probe()` waiters.
   */
  constructor(baseUrl, verifier) {
    this.wsUrl = baseUrl.replace(/^http/, 'ws') + '/ws';
    this.verifier = verifier;
    this.sockets = [];
    this.closedUnexpectedly = 0;
    this.closeCodes = {};
    this.probeWaiters = new Map();
    this.closing = false;
  }

  /** Opens sockets for `users` (recipient indexes start at `offset`) in batches of `batch`. */
  async open(users, { offset = 0, batch = 250, pauseMs = 10, onProgress } = {}) {
    for (let start = 0; start < users.length; start += batch) {
      const slice = users.slice(start, start + batch);
      const sockets = await Promise.all(slice.map((user, i) => this.openOne(user.id, offset + start + i)));
      this.sockets.push(...sockets);
      onProgress?.(this.sockets.length);
      if (pauseMs > 0) await sleep(pauseMs);
    }
  }

  async openOne(userId, index) {
    const connection = { lastId: '' };
    const socket = await connectReceiver(this.wsUrl, userId, (data) => {
      if (data.startsWith('{"from"') && data.includes('"probe:')) return this.probeArrived(index, data);
      this.verifier.frame(index, connection, data, performance.now());
    });
    socket.once('close', (code) => {
      if (this.closing) return;
      this.closedUnexpectedly++;
      this.closeCodes[code] = (this.closeCodes[code] ?? 0) + 1;
    });
    return socket;
  }

  probeArrived(index, data) {
    const { message } = JSON.parse(data);
    const waiter = this.probeWaiters.get(message);
    if (waiter) waiter(index);
  }

  /**
   * Sends one probe to each of `indexes` (default: all) through `client` and waits for them:
   * proof that those sockets are authenticated and still receive. Resolves with how many
   * arrived within `timeoutMs`.
   */
  async probe(client, users, indexes, timeoutMs = 10_000) {
    let arrived = 0;
    const expected = new Set();
    let done;
    const all = new Promise((resolve) => (done = resolve));
    for (const index of indexes) {
      const text = `probe:${index}:${Math.random().toString(36).slice(2)}`;
      expected.add(text);
      this.probeWaiters.set(text, (receivedAt) => {
        if (receivedAt !== index || !this.probeWaiters.delete(text)) return;
        if (++arrived === expected.size) done();
      });
    }
    const texts = [...expected];
    const sends = indexes.map((index, i) =>
      client.request('POST', '/api/messages/send', { recipient_id: users[index].id, message: texts[i] }),
    );
    await Promise.all(sends);
    await Promise.race([all, sleep(timeoutMs)]);
    for (const text of texts) this.probeWaiters.delete(text);
    return arrived;
  }

  /** Closes every socket (close handshake first, then cut) and waits, bounded, until they are gone. */
  async close() {
    this.closing = true;
    const closed = this.sockets.map(
      (socket) => new Promise((resolve) => (socket.readyState === WebSocket.CLOSED ? resolve() : socket.once('close', resolve))),
    );
    for (const socket of this.sockets) socket.close(1000);
    await Promise.race([Promise.all(closed), sleep(3_000)]);
    for (const socket of this.sockets) socket.terminate();
    this.sockets = [];
  }
}
