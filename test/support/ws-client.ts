import WebSocket from 'ws';
import type { MessageFrame } from '../../src/protocol/ws-frames.js';

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A real WebSocket client that buffers what it receives, so a test can wait for the next frame
 * or the close with a timeout instead of sleeping.
 */
export class WsClient {
  private readonly frames: unknown[] = [];
  private waiter?: () => void;
  private closeInfo?: Closed;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString('utf8')));
      this.waiter?.();
    });
    socket.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.waiter?.();
    });
  }

  /** Opens a socket to `url`; sends nothing yet. */
  static async open(url: string, options?: WebSocket.ClientOptions): Promise<WsClient> {
    const socket = new WebSocket(url, options);
    const client = new WsClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async nextFrame(timeoutMs = 3_000): Promise<MessageFrame> {
    await this.until(() => this.frames.length > 0 || this.closeInfo !== undefined, timeoutMs, 'a frame');
    if (this.frames.length === 0) throw new Error(`socket closed (${JSON.stringify(this.closeInfo)}) before a frame`);
    return this.frames.shift() as MessageFrame;
  }

  async nextFrames(count: number, timeoutMs = 5_000): Promise<MessageFrame[]> {
    await this.until(() => this.frames.length >= count || this.closeInfo !== undefined, timeoutMs, `${count} frames`);
    if (this.frames.length < count) {
      throw new Error(
        `socket closed (${JSON.stringify(this.closeInfo)}) after ${this.frames.length} of ${count} frames`,
      );
    }
    return this.frames.splice(0, count) as MessageFrame[];
  }

  /** Frames received and not yet taken. */
  get buffered(): readonly unknown[] {
    return this.frames;
  }

  async closed(timeoutMs = 3_000): Promise<Closed> {
    await this.until(() => this.closeInfo !== undefined, timeoutMs, 'the close');
    return this.closeInfo!;
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  close(): void {
    this.socket.close();
  }

  private async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
