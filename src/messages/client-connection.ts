import type { WebSocket } from 'ws';
import type { StoredMessage } from '../ports/message.store.js';
import { Close, type CloseReason, messageFrame } from './frames.js';

/** Reads the next page of a user's stored messages after `afterId` (null: from the start). */
export type BacklogReader = (afterId: string | null, limit: number) => Promise<StoredMessage[]>;

/** Called once a frame has been handed to the kernel for this connection's user. */
export type DeliveredListener = (userId: string, messageId: string) => void;

/** Called for each frame written after the first catch-up: a live push, for its latency. */
export type PushedListener = (message: StoredMessage) => void;

const BACKLOG_PAGE = 500;
/** How long a closing socket may take to finish its close handshake before it is cut. */
const CLOSE_GRACE_MS = 2_000;

type Phase = 'authenticating' | 'catching-up' | 'live' | 'closed';

/**
 * One client socket and its place in the recipient's message stream. After authentication it
 * first catches up from the store, page by page and at the pace the client reads, then goes
 * live. Frames leave in id order and never twice on one connection.
 */
export class ClientConnection {
  userId?: string;
  /** AUTH_MODE=token: the hash of the token this socket proved; a rotation away from it closes the socket. */
  tokenHash?: string;
  /** Cleared at every heartbeat, set again by the client's pong. */
  alive = true;

  private phase: Phase = 'authenticating';
  private lastSentId: string | null = null;
  /** A message was published while catching up; read the store once more before going live. */
  private missedWhileCatchingUp = false;
  private read: BacklogReader = () => Promise.resolve([]);
  /** The first catch-up (the backlog) is done: frames from here on are live pushes. */
  private caughtUp = false;

  constructor(
    readonly socket: WebSocket,
    private readonly maxBufferedBytes: number,
    private readonly onDelivered: DeliveredListener,
    private readonly onPushed: PushedListener = () => undefined,
  ) {}

  get isOpen(): boolean {
    return this.phase !== 'closed';
  }

  /**
   * Binds the connection to its user and to where their messages are read from. From here on,
   * messages offered to it are delivered by the catch-up that follows, then live.
   */
  authenticated(userId: string, read: BacklogReader): void {
    this.userId = userId;
    this.read = read;
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
  catchUpAgain(onFailure: (error: Error) => void): boolean {
    if (this.phase === 'catching-up') {
      this.missedWhileCatchingUp = true;
      return true;
    }
    if (this.phase !== 'live') return false;
    this.phase = 'catching-up';
    this.drain().catch((error: Error) => {
      onFailure(error);
      this.close(Close.InternalError);
    });
    return true;
  }

  private async drain(): Promise<void> {
    for (;;) {
      this.missedWhileCatchingUp = false;
      const page = await this.read(this.lastSentId, BACKLOG_PAGE);
      if (!this.isOpen) return;
      for (const [index, message] of page.entries()) {
        const frame = messageFrame(message);
        // Frames leave in order, so the report for a page's last frame covers the page. Past
        // half the buffer limit, wait for the client to read: the catch-up goes at its pace.
        if (index < page.length - 1 && this.socket.bufferedAmount <= this.maxBufferedBytes / 2) {
          this.sendAhead(message, frame);
          continue;
        }
        await new Promise<void>((written) => this.send(message, frame, written));
        if (!this.isOpen) return;
      }
      if (page.length < BACKLOG_PAGE && !this.missedWhileCatchingUp) break;
    }
    this.phase = 'live';
    this.caughtUp = true;
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
    if (this.socket.bufferedAmount > this.maxBufferedBytes) this.close(Close.TooSlow);
    return true;
  }

  /** Closes with `reason`, and cuts the socket if the close handshake does not finish soon. */
  close({ code, reason }: CloseReason): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Marks the connection closed once the socket is gone, whoever closed it. */
  socketClosed(): void {
    this.phase = 'closed';
  }

  /** Sends a frame and, once it has been handed to the kernel, reports it delivered. */
  private send(message: StoredMessage, frame: string, onWritten?: () => void): void {
    this.lastSentId = message.id;
    if (this.caughtUp) this.onPushed(message);
    const userId = this.userId!;
    this.socket.send(frame, (error) => {
      if (!error) this.onDelivered(userId, message.id);
      onWritten?.();
    });
  }

  /** Sends a frame whose delivery a later frame's report will cover. */
  private sendAhead(message: StoredMessage, frame: string): void {
    this.lastSentId = message.id;
    if (this.caughtUp) this.onPushed(message);
    this.socket.send(frame);
  }
}
