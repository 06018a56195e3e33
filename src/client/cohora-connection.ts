import type { BackoffOptions } from './backoff.js';
import { type Clock, systemClock } from './clock.js';
import { MessageNotSentError } from './client-errors.js';
import { CohoraClient, newIdempotencyKey } from './cohora-client.js';
import { type HistoryEntry, HistoryStore, incomingEntry, lastReceivedId } from './history.store.js';
import { MemoryHistoryStore } from './memory-history.store.js';
import { isLaterId, isServerMessageId, MessageDeduper } from './message-deduper.js';
import { CloseCode } from '../protocol/close-codes.js';
import type { AuthFrame } from '../protocol/ws-frames.js';
import {
  type ReadyFrame,
  type SendFrame,
  type ServerFrameV2,
  type V2Limits,
  type WatchFrame,
  V2_PROTOCOL,
} from '../protocol/ws-frames-v2.js';
import { type PresenceChange, PresenceWatch } from './presence-watch.js';
import { ReconnectPolicy } from './reconnect-policy.js';
import { parseServerFrame } from './server-frames.js';
import { ServerUrl } from './server-url.js';
import type { SocketConstructor, SocketLike } from './socket-like.js';
import { type SendAck, type SocketSendOptions, SocketSendQueue } from './socket-send-queue.js';
import { TypedEmitter } from './typed-emitter.js';

export { parseMessageFrame } from './server-frames.js';

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
  /** Offer `cohora.v2` (default true): sends over the socket, directory and presence events. */
  twoWay?: boolean;
  /** How socket sends retry and when they give up. */
  sendRetry?: SocketSendOptions;
  /** Sends go here when the server has no v2 (default: a CohoraClient for the same server and token). */
  rest?: CohoraClient;
}

/** `cohora.v2` once a socket opened with it, `v1` once one opened without, undefined before any did. */
export type ServerProtocol = typeof V2_PROTOCOL | 'v1';

/** Until a `ready` says otherwise: docs/protocol-v2.md's defaults. */
export const DEFAULT_V2_LIMITS: V2Limits = {
  max_message_length: 4096,
  max_frame_bytes: 65_536,
  max_in_flight: 256,
  max_watch: 256,
};

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
  /** A v2 socket was admitted: sends go over it from now on, and watch() is answered. */
  ready: { userId: string; limits: V2Limits };
  /** Users registered after the socket's `ready` (a burst arrives in a few frames, not one each). */
  users: { added: Array<{ id: string; name: string }> };
  /** Watched users whose state the server reported: the whole list after watch() and each ready, then changes. */
  presence: PresenceChange;
  /** Something went wrong that does not end the connection: a bad frame, a history write. */
  error: Error;
}

const encoder = new TextEncoder();

/**
 * At most one `watch` frame per this long: frames other than sends count under the server's
 * RATE_LIMIT_WS_FRAMES (5 per second by default, the auth frame included; more closes with
 * 1008), and a page that watches the rows in view would otherwise send one per scroll step.
 */
export const WATCH_INTERVAL_MS = 500;

/**
 * A live connection to cohora's `/ws` for one user. It authenticates, resumes with `since`
 * (the last message id it holds), drops duplicates by id, appends every new message to the
 * history before emitting it, and reconnects after any close except 4401 or close(), as long
 * after it as ReconnectPolicy says for the close code (0.5–5 s after 1012, backoff otherwise).
 *
 * It offers `cohora.v2` (docs/protocol-v2.md): then send() goes over the socket, `users` and
 * `presence` events arrive, and watch() picks whose presence to follow. A server that does
 * not select v2 gets v1's behaviour, and send() goes over REST.
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
  private readonly twoWay: boolean;
  private readonly sends: SocketSendQueue;
  private readonly presenceWatch = new PresenceWatch();
  private readonly rest: CohoraClient;

  private protocolSeen?: ServerProtocol;
  private serverLimits = DEFAULT_V2_LIMITS;
  /** The socket whose `ready` arrived: sends and watches go out on it. */
  private readySocket?: SocketLike;
  private lastCloseCode?: number;
  private lastWatchAt = Number.NEGATIVE_INFINITY;
  private watchTimer?: unknown;

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
    this.twoWay = options.twoWay ?? true;
    this.sends = new SocketSendQueue(this.clock, this.url, options.sendRetry);
    this.rest = options.rest ?? new CohoraClient({ server, token: options.token });
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The id a reconnect would send as `since`. */
  get lastReceivedId(): string | undefined {
    return this.lastId;
  }

  /** What the last socket that opened spoke; undefined before one opened. */
  get serverProtocol(): ServerProtocol | undefined {
    return this.protocolSeen;
  }

  /** The server's limits from the last `ready` (the documented defaults before one). */
  get limits(): V2Limits {
    return this.serverLimits;
  }

  /** Whether a watched user is online: undefined when not watched, or not known (no socket). */
  isOnline(userId: string): boolean | undefined {
    return this.presenceWatch.isOnline(userId);
  }

  /**
   * Sends `message` to `recipientId` as this connection's user and resolves once it is stored:
   * over the socket when the server speaks v2 (waiting for a ready socket if none is), over
   * REST when it does not. The key (a fresh one unless given) is kept across every retry, so
   * the message is stored at most once. Rejects with CohoraHttpError for a refusal (400, 404,
   * 422, 507...) and MessageNotSentError when retries ran out; that one's key may be sent again.
   */
  send(recipientId: string, message: string, { key = newIdempotencyKey() }: { key?: string } = {}): Promise<SendAck> {
    const frame: SendFrame = { type: 'send', key, recipient_id: recipientId, message };
    if (this.protocolSeen === 'v1') return this.sendOverRest(frame);
    if (this.currentState === 'stopped') {
      return Promise.reject(new MessageNotSentError(key, 0, new Error('the connection is closed')));
    }
    // A frame over the socket's limit would close it (1009): REST answers it with its status.
    if (encoder.encode(JSON.stringify(frame)).length > this.serverLimits.max_frame_bytes)
      return this.sendOverRest(frame);
    const sent = this.sends.send(frame);
    this.reconnectNowForSend();
    return sent;
  }

  /**
   * Follows the presence of `ids` (the rows in view, the open conversation), replacing the
   * previous list; `presence` events report them, first all of them, then changes. The list
   * is sent again on every new socket. RangeError past the server's `max_watch`. Calls closer
   * together than WATCH_INTERVAL_MS are sent as one, the latest list, when the interval is up.
   */
  watch(ids: Iterable<string>): void {
    this.presenceWatch.replace(ids, this.serverLimits.max_watch);
    this.scheduleWatch();
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
      this.sends.stop();
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
      socket = this.twoWay ? new this.WebSocket(this.url, [V2_PROTOCOL]) : new this.WebSocket(this.url);
    } catch (error) {
      // A constructor throws only for a URL it rejects: retrying will not help either.
      this.currentState = 'stopped';
      this.sends.stop();
      this.emit('disconnected', { code: CloseCode.Abnormal, reason: String(error), willReconnect: false });
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    this.connectTimer = this.clock.setTimeout(() => socket.close(), this.connectTimeoutMs);
    socket.onopen = () => this.opened(socket);
    socket.onmessage = (event) => {
      if (socket === this.socket) this.receive(socket, event.data);
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
    this.protocolSeen = socket.protocol === V2_PROTOCOL ? V2_PROTOCOL : 'v1';
    // No v2 here (an older server, a proxy that strips the header): what waits goes over REST.
    if (this.protocolSeen === 'v1') this.sends.handOver((frame) => this.sendOverRest(frame));
    this.currentState = 'connected';
    this.emit('connected', { since: auth.since });
  }

  private closed(socket: SocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.readySocket = undefined;
    this.clock.clearTimeout(this.watchTimer);
    this.watchTimer = undefined;
    this.lastCloseCode = code;
    this.sends.socketClosed();
    this.presenceWatch.forget();
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
      this.sends.stop();
      this.emit('disconnected', { code, reason, willReconnect: false });
      return;
    }
    this.currentState = 'waiting';
    this.retryTimer = this.clock.setTimeout(() => this.connect(), retryInMs);
    this.emit('disconnected', { code, reason, willReconnect: true, retryInMs });
  }

  private receive(socket: SocketLike, data: unknown): void {
    const parsed = parseServerFrame(data);
    if (!parsed) {
      this.emit('error', new Error('ignored a frame that is not a cohora message'));
      return;
    }
    if (parsed.kind === 'typed') return this.receiveTyped(socket, parsed.frame);
    const frame = parsed.frame;
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

  private receiveTyped(socket: SocketLike, frame: ServerFrameV2): void {
    switch (frame.type) {
      case 'ready':
        return this.ready(socket, frame);
      case 'ack':
        this.sends.answer(frame);
        return;
      case 'error':
        // A keyed error answers a send; an unkeyed one is about a watch, the only other frame sent.
        if (this.sends.answer(frame) || frame.key !== null) return;
        if (frame.status === 503) {
          // The server could not look the watch up now: it asks for the same watch again later.
          this.lastWatchAt = this.clock.now() + (frame.retry_after ?? 1) * 1000 - WATCH_INTERVAL_MS;
          this.scheduleWatch();
        }
        this.emit('error', new Error(`the server refused a frame: ${frame.status} ${frame.message}`));
        return;
      case 'users':
        return this.emit('users', { added: frame.added });
      case 'presence': {
        const change = this.presenceWatch.apply(frame);
        if (change.online.length + change.offline.length > 0) this.emit('presence', change);
        return;
      }
    }
  }

  private ready(socket: SocketLike, frame: ReadyFrame): void {
    this.serverLimits = frame.limits;
    this.readySocket = socket;
    // A new socket watches nobody: only a list with ids needs sending.
    if (this.presenceWatch.ids.length > 0) this.writeWatch(socket);
    this.sends.socketReady((send) => socket.send(JSON.stringify(send)), frame.limits.max_in_flight);
    this.emit('ready', { userId: frame.user_id, limits: frame.limits });
  }

  /** Sends the watch list now, or when WATCH_INTERVAL_MS has passed since the last one. */
  private scheduleWatch(): void {
    if (!this.readySocket || this.watchTimer !== undefined) return;
    const wait = this.lastWatchAt + WATCH_INTERVAL_MS - this.clock.now();
    if (wait <= 0) return this.writeWatch(this.readySocket);
    this.watchTimer = this.clock.setTimeout(() => {
      this.watchTimer = undefined;
      if (this.readySocket) this.writeWatch(this.readySocket);
    }, wait);
  }

  private writeWatch(socket: SocketLike): void {
    const frame: WatchFrame = { type: 'watch', ids: [...this.presenceWatch.ids] };
    this.lastWatchAt = this.clock.now();
    socket.send(JSON.stringify(frame));
  }

  private sendOverRest(frame: SendFrame): Promise<SendAck> {
    return this.rest.sendMessage({
      recipientId: frame.recipient_id,
      message: frame.message,
      senderId: this.userId,
      idempotencyKey: frame.key,
    });
  }

  /**
   * A person's send while the connection waits to reconnect tries at once: the backoff is for
   * nobody in particular, a send is for someone now. Not after 4409, whose wait frees a slot.
   */
  private reconnectNowForSend(): void {
    if (this.currentState !== 'waiting' || this.lastCloseCode === CloseCode.TooManyConnections) return;
    this.clock.clearTimeout(this.retryTimer);
    this.connect();
  }
}
