import type { Rate } from '../config/rate.js';
import type { User } from '../ports/user.store.js';
import { V2_MAX_IN_FLIGHT, type V2Limits } from '../protocol/ws-frames-v2.js';
import { FrameRateLimiter } from '../rate-limit/frame-rate-limiter.js';
import type { ClientConnection } from './client-connection.js';
import { Close } from './frames.js';
import type { SendOutcome } from './messages.service.js';
import type { SocketSends } from './socket-sends.js';
import { errorFrame, parseV2Frame, readyFrame } from './v2-frames.js';

/** What a session needs of the process: the sends, and the listeners of a socket's `watch` and `ready`. */
export interface V2SessionContext {
  readonly sends: SocketSends;
  readonly limits: V2Limits;
  /** RATE_LIMIT_WS_FRAMES, for every frame but a send; null: no limit. */
  readonly frameRate: Rate | null;
  /** Called once the socket is ready: it receives `users` frames from here on, until it closes. */
  readonly followDirectory: (connection: ClientConnection) => void;
  /** A well-formed watch list (at most max_watch ids), for the socket's presence frames. */
  readonly watch: (connection: ClientConnection, ids: string[]) => Promise<void>;
}

const TOO_EARLY = 'Too early: send nothing after the auth frame until the ready frame has arrived';
const MAX_ID_LENGTH = 128;

/**
 * One v2 socket's frames after its auth frame: refused with 425 until `ready`, then each
 * `send` goes through SocketSends and each `watch` to presence. Sends are handed to the store
 * in the order their frames arrived, while their commits overlap; their answers come back as
 * they commit. An error is a frame and never closes the socket.
 */
export class V2Session {
  private user?: User;
  private inFlight = 0;
  /** Resolves once the previous send has been handed to the store: the next one waits for it. */
  private storeTurn: Promise<void> = Promise.resolve();
  private readonly limiter?: FrameRateLimiter;

  constructor(
    private readonly connection: ClientConnection,
    private readonly context: V2SessionContext,
  ) {
    if (context.frameRate) this.limiter = new FrameRateLimiter(context.frameRate);
    connection.onLaterFrames((text) => this.received(text));
  }

  /** The socket is admitted: `ready` goes out before any message frame, and frames are served from here on. */
  ready(user: User): void {
    this.connection.sendFrame(readyFrame(user.id, this.context.limits));
    this.user = user;
    this.context.followDirectory(this.connection);
  }

  private received(text: string): void {
    const frame = parseV2Frame(text);
    if (frame.type !== 'send' && !this.countFrame()) return;
    if (this.user === undefined) {
      const key = frame.type === 'send' && typeof frame.key === 'string' ? frame.key : null;
      return this.answer(errorFrame(key, 425, TOO_EARLY));
    }
    if (frame.type === 'invalid') return this.answer(errorFrame(null, 400, frame.message));
    if (frame.type === 'watch') return this.watch(frame.ids);
    this.send(this.user, frame.key, frame.fields);
  }

  private send(user: User, rawKey: unknown, fields: Record<string, unknown>): void {
    const { sends } = this.context;
    let key: string;
    try {
      key = sends.key(rawKey);
    } catch (error) {
      return this.answer(sends.refusal(typeof rawKey === 'string' ? rawKey : null, error));
    }
    if (this.inFlight >= V2_MAX_IN_FLIGHT) {
      return this.answer(
        errorFrame(key, 429, `Too many sends in flight on this socket: at most ${V2_MAX_IN_FLIGHT} unanswered`, 1),
      );
    }
    this.inFlight++;
    void this.carryOut(user, key, fields);
  }

  /**
   * Checks a send at once, hands it to the store only after the sends before it (so that frame
   * order is store order, while their commits overlap), and answers once it has committed or
   * been refused. A refusal too waits for its turn, so answers never overtake a handover.
   */
  private async carryOut(user: User, key: string, fields: Record<string, unknown>): Promise<void> {
    const { sends } = this.context;
    try {
      const prepared = sends.prepare(user, key, fields);
      // Answered below, in its turn; until then its refusal must not count as unhandled.
      prepared.catch(() => undefined);
      const previous = this.storeTurn;
      let handedOver!: () => void;
      this.storeTurn = new Promise((resolve) => (handedOver = resolve));
      let committed: Promise<SendOutcome>;
      try {
        await previous;
        committed = sends.commit(await prepared);
      } catch (error) {
        return this.answer(sends.refusal(key, error));
      } finally {
        handedOver();
      }
      try {
        this.answer(sends.ack(key, await committed));
      } catch (error) {
        this.answer(sends.refusal(key, error));
      }
    } finally {
      this.inFlight--;
    }
  }

  private watch(ids: unknown): void {
    const { max_watch: maxWatch } = this.context.limits;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && id.length <= MAX_ID_LENGTH)) {
      return this.answer(
        errorFrame(null, 400, `ids must be an array of user ids (strings of at most ${MAX_ID_LENGTH} characters)`),
      );
    }
    if (ids.length > maxWatch) return this.answer(errorFrame(null, 400, `ids must name at most ${maxWatch} users`));
    void this.context.watch(this.connection, [...new Set(ids as string[])]);
  }

  /** Counts a frame other than a send; false (and the socket closed with 1008) over RATE_LIMIT_WS_FRAMES. */
  private countFrame(): boolean {
    if (!this.limiter || this.limiter.allow()) return true;
    this.connection.close(Close.TooManyFrames);
    return false;
  }

  private answer(frame: string): void {
    this.connection.sendFrame(frame);
  }
}
