import type { BackoffOptions } from './backoff.js';
import { type Clock, systemClock } from './clock.js';
import { type HistoryEntry, HistoryStore, incomingEntry, lastReceivedId } from './history.store.js';
import { MemoryHistoryStore } from './memory-history.store.js';
import { isLaterId, isServerMessageId, MessageDeduper } from './message-deduper.js';
import { CloseCode } from '../protocol/close-codes.js';
import type { AuthFrame, MessageFrame } from '../protocol/ws-frames.js';
import { ReconnectPolicy } from './reconnect-policy.js';
import { ServerUrl } from './server-url.js';
import type { SocketConstructor, SocketLike } from './socket-like.js';
import { TypedEmitter } from './typed-emitter.js';

export interface ConnectionOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:3000`; the socket goes to `<server>/ws`. */
  server: string | ServerUrl;
  userId: string;
  /** Sent in the auth frame when given (servers that issue tokens check it). */
  token?: string;
  /** Where received messages are appended, and where the resume point is read from at start. */
  history?: HistoryStore;
  /** Defaults to `globalThis.WebSocket`; in Node, import from `cohora/client`, which passes `ws`. */
  WebSocket?: SocketConstructor;
  backoff?: BackoffOptions;
  /** A connection that stayed open this long was healthy: the next failure starts the backoff afresh. */
  stableAfterMs?: number;
  /** A socket that has not opened by then is abandoned and retried. */
  connectTimeoutMs?: number;
  clock?: Clock;
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'stopped';

export interface ConnectionEvents {
  /** A socket is being opened; `attempt` counts failures since the last healthy connection. */
  connecting: { url: string; attempt: number };
  /** The socket opened and the auth frame went out, resuming after `since` when set. */
  connected: { since?: string };
  /** A message not seen before, already appended to the history. */
  message: HistoryEntry;
  /**
   * The socket closed. `willReconnect` is false after close() and after 4401 (the server does
   * not know this user id: retrying cannot help); otherwise the next attempt is in `retryInMs`.
   */
  disconnected: { code: number; reason: string; willReconnect: boolean; retryInMs?: number };
  /** Something went wrong that does not end the connection: a bad frame, a history write. */
  error: Error;
}

const decoder = new TextDecoder();

/**
 * A live connection to cohora's `/ws` for one user. It authenticates, resumes with `since`
 * (the last message id it holds), drops duplicates by id, appends every new message to the
 * history before emitting it, and reconnects after any close except 4401 or close(), as long
 * after it as ReconnectPolicy says for the close code (0.5–5 s after 1012, backoff otherwise).
 */
export class CohoraConnection extends TypedEmitter<ConnectionEvents> {
  private readonly url: string;
  private readonly userId: string;
  private readonly token?: string;
  private readonly history: HistoryStore;
  private readonly WebSocket: SocketConstructor;
  private readonly reconnect: ReconnectPolicy;
  private readonly stableAfterMs: number;
  private readonly connectTimeoutMs: number;
  private readonly clock: Clock;
  private readonly deduper = new MessageDeduper();

  private currentState: ConnectionState = 'idle';
  private socket?: SocketLike;
  private openedAt?: number;
  private lastId?: string;
  private retryTimer?: unknown;
  private connectTimer?: unknown;
  private started?: Promise<void>;
  private onStoppedSocketClosed?: () => void;
  /** Frames are appended one after another, in the order they arrived. */
  private processing: Promise<void> = Promise.resolve();

  constructor(options: ConnectionOptions) {
    super();
    const server = typeof options.server === 'string' ? new ServerUrl(options.server) : options.server;
    const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
    if (!WebSocketImpl) {
      throw new TypeError('no WebSocket here: pass the WebSocket option (in Node, import from cohora/client)');
    }
    this.url = server.ws;
    this.userId = options.userId;
    this.token = options.token;
    this.history = options.history ?? new MemoryHistoryStore();
    this.WebSocket = WebSocketImpl;
    this.clock = options.clock ?? systemClock;
    this.reconnect = new ReconnectPolicy(options.backoff);
    this.stableAfterMs = options.stableAfterMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The id a reconnect would send as `since`. */
  get lastReceivedId(): string | undefined {
    return this.lastId;
  }

  /** Reads the history (for `since` and for dedupe), then connects. Calling it again does nothing. */
  start(): Promise<void> {
    this.started ??= this.loadHistory().then(() => {
      if (this.currentState === 'idle') this.connect();
    });
    return this.started;
  }

  /**
   * Stops for good: closes the socket with 1000 and waits (at most `timeoutMs`) for it to close
   * and for the history writes still running.
   */
  async close(timeoutMs = 1_000): Promise<void> {
    if (this.currentState !== 'stopped') {
      this.currentState = 'stopped';
      this.clock.clearTimeout(this.retryTimer);
      this.clock.clearTimeout(this.connectTimer);
      const socket = this.socket;
      if (socket) {
        await new Promise<void>((resolve) => {
          const timer = this.clock.setTimeout(resolve, timeoutMs);
          this.onStoppedSocketClosed = () => {
            this.clock.clearTimeout(timer);
            resolve();
          };
          socket.close(CloseCode.Normal, 'Client closing');
        });
      }
    }
    await this.processing;
  }

  private async loadHistory(): Promise<void> {
    const entries = await this.history.entries();
    // Sent ones too: a message to oneself is stored once, as sent, and its frame is a duplicate.
    for (const entry of entries) this.deduper.accept(entry.id);
    this.lastId = lastReceivedId(entries);
  }

  private connect(): void {
    this.currentState = 'connecting';
    this.emit('connecting', { url: this.url, attempt: this.reconnect.failures });
    let socket: SocketLike;
    try {
      socket = new this.WebSocket(this.url);
    } catch (error) {
      // A constructor throws only for a URL it rejects: retrying will not help either.
      this.currentState = 'stopped';
      this.emit('disconnected', { code: CloseCode.Abnormal, reason: String(error), willReconnect: false });
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    this.connectTimer = this.clock.setTimeout(() => socket.close(), this.connectTimeoutMs);
    socket.onopen = () => this.opened(socket);
    socket.onmessage = (event) => {
      if (socket === this.socket) this.receive(event.data);
    };
    // A close event always follows an error; the close is where it is handled.
    socket.onerror = () => undefined;
    socket.onclose = (event) => this.closed(socket, event.code, event.reason);
  }

  private opened(socket: SocketLike): void {
    if (socket !== this.socket || this.currentState === 'stopped') return;
    this.clock.clearTimeout(this.connectTimer);
    this.openedAt = this.clock.now();
    const auth: AuthFrame = { id: this.userId };
    if (this.lastId !== undefined) auth.since = this.lastId;
    if (this.token !== undefined) auth.token = this.token;
    socket.send(JSON.stringify(auth));
    this.currentState = 'connected';
    this.emit('connected', { since: auth.since });
  }

  private closed(socket: SocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.clock.clearTimeout(this.connectTimer);
    const healthy = this.openedAt !== undefined && this.clock.now() - this.openedAt >= this.stableAfterMs;
    this.openedAt = undefined;
    if (this.currentState === 'stopped') {
      this.emit('disconnected', { code, reason, willReconnect: false });
      this.onStoppedSocketClosed?.();
      return;
    }
    const retryInMs = this.reconnect.delayAfter(code, healthy);
    if (retryInMs === undefined) {
      this.currentState = 'stopped';
      this.emit('disconnected', { code, reason, willReconnect: false });
      return;
    }
    this.currentState = 'waiting';
    this.retryTimer = this.clock.setTimeout(() => this.connect(), retryInMs);
    this.emit('disconnected', { code, reason, willReconnect: true, retryInMs });
  }

  private receive(data: unknown): void {
    const frame = parseMessageFrame(data);
    if (!frame) {
      this.emit('error', new Error('ignored a frame that is not a cohora message'));
      return;
    }
    if (!this.deduper.accept(frame.id)) return;
    if (isServerMessageId(frame.id) && isLaterId(frame.id, this.lastId)) this.lastId = frame.id;
    const entry = incomingEntry(frame);
    this.processing = this.processing.then(async () => {
      try {
        await this.history.append(entry);
      } catch (error) {
        this.emit('error', error instanceof Error ? error : new Error(String(error)));
      }
      // Emitted even when another tab or process stored it first: this one has not shown it yet.
      this.emit('message', entry);
    });
  }
}

/** A message frame, or undefined for anything else (the server sends nothing else). */
export function parseMessageFrame(data: unknown): MessageFrame | undefined {
  let text: string;
  if (typeof data === 'string') text = data;
  else if (data instanceof ArrayBuffer) text = decoder.decode(new Uint8Array(data));
  else if (ArrayBuffer.isView(data))
    text = decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  else return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { from, message, from_id, id, sent_at } = parsed as Record<string, unknown>;
  if (typeof from !== 'string' || typeof message !== 'string' || typeof id !== 'string' || id === '') {
    return undefined;
  }
  return {
    from,
    message,
    from_id: typeof from_id === 'string' ? from_id : null,
    id,
    sent_at: typeof sent_at === 'string' ? sent_at : new Date().toISOString(),
  };
}
