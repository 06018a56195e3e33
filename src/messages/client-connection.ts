import { Logger } from '@nestjs/common';
import type { RawData, WebSocket } from 'ws';
import type { Rate } from '../config/rate.js';
import { Metrics } from '../metrics/metrics.js';
import type { MessageStore, StoredMessage } from '../ports/message.store.js';
import { FrameRateLimiter } from '../rate-limit/frame-rate-limiter.js';
import type { DeliveryTracker } from './delivery-tracker.js';
import { CorkedWrites } from './corked-writes.js';
import { V2_PROTOCOL } from '../protocol/ws-frames-v2.js';
import { Close, type CloseReason, messageFrame } from './frames.js';

/** What every connection of a process shares: where it reads, whom it tells, its limits. */
export interface ConnectionContext {
  /** Where the catch-up reads the user's messages from. */
  readonly store: Pick<MessageStore, 'listAfter'>;
  /** Told once a frame has been handed to the kernel, so the user's delivery cursor moves. */
  readonly tracker: Pick<DeliveryTracker, 'delivered'>;
  readonly metrics: Pick<Metrics, 'readLatency' | 'pushLatency'>;
  /** Past this many unsent bytes, a live connection is closed with 4429. */
  readonly maxBufferedBytes: number;
  /** Frames one socket may send (RATE_LIMIT_WS_FRAMES); null: no limit. */
  readonly frameRate: Rate | null;
}

const BACKLOG_PAGE = 500;
/** How long a closing socket may take to finish its close handshake before it is cut. */
const CLOSE_GRACE_MS = 2_000;

type Phase = 'authenticating' | 'catching-up' | 'live' | 'closed';

/**
 * One client socket and its place in the recipient's message stream. After authentication it
 * first catches up from the store, page by page and at the pace the client reads, then goes
 * live. Frames leave in id order and never twice on one connection. It owns its socket: its
 * heartbeat, its inbound frame limit and its close.
 */
export class ClientConnection {
  private static readonly logger = new Logger(ClientConnection.name);
  /** Resolves with the close code once the socket is gone, whoever closed it. */
  readonly closed: Promise<number>;

  private user?: string;
  /** AUTH_MODE=token: the hash of the token this socket proved; a rotation away from it closes the socket. */
  private tokenHash?: string;
  /** Cleared at every heartbeat, set again by the client's pong. */
  private alive = true;
  private phase: Phase = 'authenticating';
  private lastSentId: string | null = null;
  /** A message was published while catching up; read the store once more before going live. */
  private missedWhileCatchingUp = false;
  /** The first catch-up (the backlog) is done: frames from here on are live pushes. */
  private caughtUp = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly context: ConnectionContext,
  ) {
    this.closed = new Promise((resolve) =>
      socket.once('close', (code: number) => {
        this.phase = 'closed';
        resolve(code);
      }),
    );
    socket.on('pong', () => (this.alive = true));
    // A v2 socket's sends are limited by RATE_LIMIT_SEND instead; its session counts the rest.
    if (context.frameRate && socket.protocol !== V2_PROTOCOL) {
      const limiter = new FrameRateLimiter(context.frameRate);
      socket.on('message', () => {
        if (!limiter.allow()) this.close(Close.TooManyFrames);
      });
    }
  }

  get userId(): string | undefined {
    return this.user;
  }

  get isOpen(): boolean {
    return this.phase !== 'closed';
  }

  /** Hands the socket's first frame, as text, to `listener` (the handshake's auth frame). */
  onFirstFrame(listener: (text: string) => void): void {
    this.socket.once('message', (data: RawData) => listener(rawText(data)));
  }

  /** Whether the client offered, and got, the two-way `cohora.v2` subprotocol. */
  get isV2(): boolean {
    return this.socket.protocol === V2_PROTOCOL;
  }

  /** Hands every frame after the first to `listener` (a v2 socket's session). */
  onLaterFrames(listener: (text: string) => void): void {
    let first = true;
    this.socket.on('message', (data: RawData) => {
      if (first) first = false;
      else listener(rawText(data));
    });
  }

  /** Sends a frame that is not a message (v2's ready, ack, error, users, presence), with the same backpressure rule. */
  sendFrame(text: string): void {
    if (this.phase === 'closed') return;
    this.socket.send(text);
    if (this.socket.bufferedAmount > this.context.maxBufferedBytes) this.close(Close.TooSlow);
  }

  /**
   * Binds the connection to its user (and, in token mode, to the token it proved). From here
   * on, messages offered to it are delivered by the catch-up that follows, then live.
   */
  authenticated(userId: string, tokenHash?: string): void {
    this.user = userId;
    this.tokenHash = tokenHash;
    this.phase = 'catching-up';
    this.missedWhileCatchingUp = true;
  }

  /**
   * Sends everything stored after `afterId`, then switches to live delivery. The final read
   * and the switch happen without a gap in between, and a publish that lands while a read is
   * in flight triggers one more read, so no message falls between the backlog and live.
   */
  async catchUp(afterId: string | null): Promise<void> {
    this.lastSentId = afterId;
    await this.drain();
  }

  /**
   * Reads the store again for messages not yet sent here: news of one came from another
   * process, or news may have been lost. Returns whether this connection will deliver them.
   * A failed read closes the connection (1011), and the client resumes with `since`.
   */
  catchUpAgain(): boolean {
    if (this.phase === 'catching-up') {
      this.missedWhileCatchingUp = true;
      return true;
    }
    if (this.phase !== 'live') return false;
    this.phase = 'catching-up';
    this.drain().catch((error: Error) => {
      ClientConnection.logger.error(`Could not read messages for a connection: ${error.message}`);
      this.close(Close.InternalError);
    });
    return true;
  }

  /**
   * Offers a freshly stored message, which must come after every message offered before it
   * (the in-process bus guarantees so). Returns whether this connection will deliver it (now,
   * or through the catch-up in progress).
   */
  offer(message: StoredMessage, frame: string): boolean {
    if (this.phase === 'catching-up') {
      this.missedWhileCatchingUp = true;
      return true;
    }
    if (this.phase !== 'live') return false;
    if (this.lastSentId !== null && message.id <= this.lastSentId) return true;
    this.send(message, frame);
    if (this.socket.bufferedAmount > this.context.maxBufferedBytes) this.close(Close.TooSlow);
    return true;
  }

  /** Pings the client; one that did not answer the previous ping is cut. */
  heartbeat(): void {
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  /** AUTH_MODE=token: closes the socket (4401) if it proved a token other than the user's current one. */
  closeIfTokenReplaced(currentHash: string | null): void {
    if (this.tokenHash !== undefined && this.tokenHash !== currentHash) this.close(Close.TokenRotated);
  }

  /** Closes with `reason`, and cuts the socket if the close handshake does not finish soon. */
  close({ code, reason }: CloseReason): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  private async drain(): Promise<void> {
    const userId = this.user!;
    for (;;) {
      this.missedWhileCatchingUp = false;
      const started = performance.now();
      const page = await this.context.store.listAfter(userId, this.lastSentId, BACKLOG_PAGE);
      this.context.metrics.readLatency.observe(Metrics.since(started));
      if (!this.isOpen) return;
      // A page's frames leave together: corked until the frame whose write is awaited.
      const writes = new CorkedWrites(this.socket);
      writes.cork();
      try {
        for (const [index, message] of page.entries()) {
          const frame = messageFrame(message);
          // Frames leave in order, so the report for a page's last frame covers the page. Past
          // half the buffer limit, wait for the client to read: the catch-up goes at its pace.
          if (index < page.length - 1 && this.socket.bufferedAmount <= this.context.maxBufferedBytes / 2) {
            this.sendAhead(message, frame);
            continue;
          }
          const written = new Promise<void>((resolve) => this.send(message, frame, resolve));
          writes.uncork();
          await written;
          writes.cork();
          if (!this.isOpen) return;
        }
      } finally {
        writes.uncork();
      }
      if (page.length < BACKLOG_PAGE && !this.missedWhileCatchingUp) break;
    }
    this.phase = 'live';
    this.caughtUp = true;
  }

  /** Sends a frame and, once it has been handed to the kernel, reports it delivered. */
  private send(message: StoredMessage, frame: string, onWritten?: () => void): void {
    this.lastSentId = message.id;
    if (this.caughtUp) this.recordPush(message);
    const userId = this.user!;
    this.socket.send(frame, (error) => {
      if (!error) this.context.tracker.delivered(userId, message.id);
      onWritten?.();
    });
  }

  /** Sends a frame whose delivery a later frame's report will cover. */
  private sendAhead(message: StoredMessage, frame: string): void {
    this.lastSentId = message.id;
    if (this.caughtUp) this.recordPush(message);
    this.socket.send(frame);
  }

  private recordPush(message: StoredMessage): void {
    this.context.metrics.pushLatency.observe((Date.now() - message.sentAt.getTime()) / 1_000);
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}
