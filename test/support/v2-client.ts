import WebSocket from 'ws';
import type { MessageFrame } from '../../src/protocol/ws-frames.js';
import {
  type AckFrame,
  type ErrorFrame,
  type PresenceFrame,
  type ReadyFrame,
  type UsersFrame,
  V2_PROTOCOL,
} from '../../src/protocol/ws-frames-v2.js';
import type { Closed } from './ws-client.js';

type Typed = ReadyFrame | AckFrame | ErrorFrame | UsersFrame | PresenceFrame;
type FrameOf<T extends Typed['type']> = Extract<Typed, { type: T }>;

export interface V2Options {
  token?: string;
  since?: string;
  /** Subprotocols to offer; cohora.v2 alone by default. */
  protocols?: string[];
}

/**
 * A real `cohora.v2` socket for tests: buffers every frame and lets a test wait for the next
 * frame of a type (message frames have no type), the ack or error of a key, or the close.
 */
export class V2Client {
  private readonly frames: (Typed | MessageFrame)[] = [];
  private readonly arrivals = new WeakMap<object, number>();
  private waiters = new Set<() => void>();
  private closeInfo?: Closed;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Typed | MessageFrame;
      this.arrivals.set(frame, performance.now());
      this.frames.push(frame);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.wake();
    });
  }

  /** Opens a socket offering the given subprotocols; authenticates as `id` unless it is undefined. */
  static async open(wsUrl: string, id: string | undefined, options: V2Options = {}): Promise<V2Client> {
    const socket = new WebSocket(wsUrl, options.protocols ?? [V2_PROTOCOL]);
    const client = new V2Client(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    if (id !== undefined) {
      const auth: Record<string, string> = { id };
      if (options.token !== undefined) auth.token = options.token;
      if (options.since !== undefined) auth.since = options.since;
      client.send(auth);
    }
    return client;
  }

  /** Opens, authenticates and waits for `ready`. */
  static async ready(wsUrl: string, id: string, options: V2Options = {}): Promise<V2Client> {
    const client = await V2Client.open(wsUrl, id, options);
    await client.next('ready');
    return client;
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  sendMessage(key: string, recipientId: string, message: string): void {
    this.send({ type: 'send', key, recipient_id: recipientId, message });
  }

  watch(ids: string[]): void {
    this.send({ type: 'watch', ids });
  }

  /** Takes the first buffered frame of `type` (earlier frames of other types stay). */
  async next<T extends Typed['type']>(type: T, timeoutMs = 3_000): Promise<FrameOf<T>> {
    return (await this.take(
      (frame) => 'type' in frame && frame.type === type,
      timeoutMs,
      `a ${type} frame`,
    )) as FrameOf<T>;
  }

  /** Takes the first buffered message frame. */
  async nextMessage(timeoutMs = 3_000): Promise<MessageFrame> {
    return (await this.take((frame) => !('type' in frame), timeoutMs, 'a message frame')) as MessageFrame;
  }

  /** Takes the answer (ack or error) to the send with `key`. */
  async answer(key: string, timeoutMs = 5_000): Promise<AckFrame | ErrorFrame> {
    return (await this.take(
      (frame) => 'type' in frame && (frame.type === 'ack' || frame.type === 'error') && frame.key === key,
      timeoutMs,
      `the answer to ${key}`,
    )) as AckFrame | ErrorFrame;
  }

  /** Waits until `done` holds for a presence frame; takes every presence frame up to it. */
  async presenceUntil(done: (frame: PresenceFrame) => boolean, timeoutMs = 5_000): Promise<PresenceFrame> {
    for (const deadline = Date.now() + timeoutMs; ;) {
      const frame = await this.next('presence', Math.max(1, deadline - Date.now()));
      if (done(frame)) return frame;
    }
  }

  /** When `frame` arrived (performance.now()). */
  receivedAt(frame: object): number {
    return this.arrivals.get(frame)!;
  }

  /** Frames received and not yet taken. */
  get buffered(): readonly (Typed | MessageFrame)[] {
    return this.frames;
  }

  async closed(timeoutMs = 3_000): Promise<Closed> {
    await this.until(() => this.closeInfo !== undefined, timeoutMs, 'the close');
    return this.closeInfo!;
  }

  close(): void {
    this.socket.close();
  }

  private async take(
    match: (frame: Typed | MessageFrame) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<Typed | MessageFrame> {
    let taken: Typed | MessageFrame | undefined;
    // Found and taken in one step, so concurrent takers never take one frame twice.
    const takeNow = () => {
      const index = this.frames.findIndex(match);
      if (index >= 0) taken = this.frames.splice(index, 1)[0];
      return taken !== undefined || this.closeInfo !== undefined;
    };
    await this.until(takeNow, timeoutMs, what);
    if (taken === undefined) throw new Error(`socket closed (${JSON.stringify(this.closeInfo)}) before ${what}`);
    return taken;
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  private async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; buffered: ${JSON.stringify(this.frames).slice(0, 500)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const waiter = () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        };
        const timer = setTimeout(waiter, left);
        this.waiters.add(waiter);
      });
    }
  }
}
