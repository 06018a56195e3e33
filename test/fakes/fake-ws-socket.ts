import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';

/**
 * Enough of a `ws` socket for unit tests of the server's side of /ws: it records what is sent,
 * pinged and closed; `emit('message' | 'pong')` and `peerCloses()` play the client.
 */
export class FakeWsSocket extends EventEmitter {
  sent: string[] = [];
  pings = 0;
  terminated = false;
  bufferedAmount = 0;
  closedWith?: { code: number; reason: string };

  /** This fake where the code wants a ws socket. */
  get socket(): WebSocket {
    return this as unknown as WebSocket;
  }

  send(data: string, callback?: (error?: Error) => void): void {
    this.sent.push(data);
    queueMicrotask(() => callback?.());
  }

  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }

  terminate(): void {
    this.terminated = true;
    this.emit('close', 1006);
  }

  ping(): void {
    this.pings += 1;
  }

  /** The client's side of the close handshake (or the client closing first). */
  peerCloses(code = this.closedWith?.code ?? 1000): void {
    this.emit('close', code);
  }

  /** The `message` field of each frame sent. */
  texts(): string[] {
    return this.sent.map((frame) => (JSON.parse(frame) as { message: string }).message);
  }
}
