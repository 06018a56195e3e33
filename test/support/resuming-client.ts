import WebSocket from 'ws';
import type { MessageFrame } from '../../src/protocol/ws-frames.js';

/**
 * A client as PROTOCOL.md describes one: it reconnects whenever its socket closes (after a
 * short random pause, so a restart does not become a stampede), resumes with `since` set to
 * the last id it holds, and drops frames it already has by `id`.
 */
export class ResumingClient {
  /** Every message received, by id, once each. */
  readonly received = new Map<string, MessageFrame>();
  duplicates = 0;
  reconnects = 0;
  private lastId?: string;
  private socket?: WebSocket;
  private stopped = false;

  constructor(
    private readonly wsUrl: string,
    private readonly userId: string,
  ) {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.socket?.terminate();
  }

  private connect(): void {
    const socket = new WebSocket(this.wsUrl);
    this.socket = socket;
    socket.on('open', () =>
      socket.send(JSON.stringify(this.lastId ? { id: this.userId, since: this.lastId } : { id: this.userId })),
    );
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as MessageFrame;
      if (this.received.has(frame.id)) this.duplicates++;
      else this.received.set(frame.id, frame);
      if (!this.lastId || frame.id > this.lastId) this.lastId = frame.id;
    });
    socket.on('error', () => undefined); // 'close' follows.
    socket.on('close', () => {
      if (this.stopped) return;
      this.reconnects++;
      setTimeout(() => this.connect(), 50 + Math.random() * 200);
    });
  }
}
