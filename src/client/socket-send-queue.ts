import { Backoff, type BackoffOptions } from './backoff.js';
import { CohoraHttpError, CohoraNetworkError, MessageNotSentError } from './client-errors.js';
import type { Clock } from './clock.js';
import type { AckFrame, ErrorFrame, SendFrame } from '../protocol/ws-frames-v2.js';

/** What a send resolves with, over the socket or REST: the stored message's id and whether it reached a socket. */
export interface SendAck {
  message_id: string;
  delivery: AckFrame['delivery'];
}

export interface SocketSendOptions {
  /** Frames written in all for one send, the first included (default 5). */
  attempts?: number;
  /** Jittered delays after a retryable error (default: up to 250 ms, doubling, at most 4 s). */
  backoff?: BackoffOptions;
  /** A send not acknowledged by then (waiting for a socket included) is not sent (default 10 s). */
  giveUpAfterMs?: number;
}

/**
 * Statuses after which the same frame may be sent again with its key: in flight (409), too
 * early (425), over a limit (429, after retry_after), not stored (503), unknown (504).
 */
const RETRYABLE = new Set([409, 425, 429, 503, 504]);

interface PendingSend {
  frame: SendFrame;
  attempts: number;
  backoff: Backoff;
  lastError?: Error;
  /** A try went out and got a 504 or no answer before its socket closed: it may be stored. */
  maybeStored: boolean;
  retryTimer?: unknown;
  giveUpTimer: unknown;
  resolve: (ack: SendAck) => void;
  reject: (error: Error) => void;
  promise: Promise<SendAck>;
}

/**
 * The sends of one connection over its v2 sockets. A send waits until a socket is ready, is
 * written with its key, and resolves with its ack. A retryable error is tried again with the
 * same key after a jittered delay (at least `retry_after`); a send still unanswered when its
 * socket closed is written again on the next ready socket. Attempts and time are bounded: then
 * MessageNotSentError. Any other error rejects with its CohoraHttpError. At most
 * `max_in_flight` frames wait for an answer at once; the rest wait their turn.
 */
export class SocketSendQueue {
  private readonly pending = new Map<string, PendingSend>();
  /** Sends waiting for a free slot on a ready socket, in the order they were made. */
  private waiting: PendingSend[] = [];
  /** Keys written on the current socket and not answered yet (a given-up send's too: it holds a slot). */
  private readonly unanswered = new Set<string>();
  private write?: (frame: SendFrame) => void;
  private maxInFlight = 1;
  private readonly attempts: number;
  private readonly backoff: BackoffOptions;
  private readonly giveUpAfterMs: number;

  constructor(
    private readonly clock: Clock,
    /** Named in errors: where the sends went. */
    private readonly url: string,
    options: SocketSendOptions = {},
  ) {
    this.attempts = options.attempts ?? 5;
    this.backoff = options.backoff ?? { baseMs: 250, capMs: 4_000 };
    this.giveUpAfterMs = options.giveUpAfterMs ?? 10_000;
  }

  /** Sends that are not answered yet. */
  get size(): number {
    return this.pending.size;
  }

  /** Queues a send; the same key while it is pending is the same send. */
  send(frame: SendFrame): Promise<SendAck> {
    const known = this.pending.get(frame.key);
    if (known) return known.promise;
    let resolve!: (ack: SendAck) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<SendAck>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const send: PendingSend = {
      frame,
      attempts: 0,
      maybeStored: false,
      backoff: new Backoff(this.backoff),
      resolve,
      reject,
      promise,
      giveUpTimer: this.clock.setTimeout(() => this.giveUp(send), this.giveUpAfterMs),
    };
    this.pending.set(frame.key, send);
    this.waiting.push(send);
    this.pump();
    return promise;
  }

  /** A v2 socket is ready: sends go out through `write`, at most `maxInFlight` unanswered at once. */
  socketReady(write: (frame: SendFrame) => void, maxInFlight: number): void {
    this.write = write;
    this.maxInFlight = Math.max(1, maxInFlight);
    this.unanswered.clear();
    this.pump();
  }

  /** The socket closed: what it had not answered waits for the next one, first in line. */
  socketClosed(): void {
    this.write = undefined;
    const orphans = [...this.unanswered].flatMap((key) => this.pending.get(key) ?? []);
    this.unanswered.clear();
    const lost = new CohoraNetworkError(this.url, { cause: new Error('the socket closed before the answer') });
    const again: PendingSend[] = [];
    for (const send of orphans) {
      send.lastError = lost;
      send.maybeStored = true;
      if (send.attempts >= this.attempts) this.settle(send, this.notSent(send, lost));
      else again.push(send);
    }
    this.waiting = [...again, ...this.waiting];
  }

  /** An ack or a keyed error; false when it answers no send of this queue. */
  answer(frame: AckFrame | ErrorFrame): boolean {
    const key = frame.key;
    if (key === null || !this.unanswered.delete(key)) return false;
    const send = this.pending.get(key);
    if (send) {
      if (frame.type === 'ack') this.settle(send, { message_id: frame.message_id, delivery: frame.delivery });
      else this.refused(send, frame);
    }
    this.pump();
    return true;
  }

  /**
   * The server has no v2: every send not yet on a socket is handed to `fallback` (REST, with
   * its own keyed retries), and its outcome becomes the send's.
   */
  handOver(fallback: (frame: SendFrame) => Promise<SendAck>): void {
    for (const send of [...this.pending.values()]) {
      if (this.unanswered.has(send.frame.key)) continue;
      this.clock.clearTimeout(send.retryTimer);
      this.clock.clearTimeout(send.giveUpTimer);
      this.pending.delete(send.frame.key);
      fallback(send.frame).then(send.resolve, send.reject);
    }
    this.waiting = [];
  }

  /** The connection closed for good: nothing pending will be sent. */
  stop(): void {
    for (const send of [...this.pending.values()]) {
      const reason = send.lastError ?? new Error('the connection was closed');
      if (this.unanswered.has(send.frame.key)) send.maybeStored = true;
      this.settle(send, this.notSent(send, reason));
    }
    this.write = undefined;
    this.waiting = [];
    this.unanswered.clear();
  }

  private pump(): void {
    while (this.write && this.unanswered.size < this.maxInFlight) {
      const send = this.waiting.shift();
      if (!send) return;
      send.attempts += 1;
      this.unanswered.add(send.frame.key);
      this.write(send.frame);
    }
  }

  private refused(send: PendingSend, frame: ErrorFrame): void {
    const error = new CohoraHttpError(frame.status, frame.message, `send over ${this.url}`);
    if (!RETRYABLE.has(frame.status)) return this.settle(send, error);
    send.lastError = error;
    if (frame.status === 504) send.maybeStored = true;
    if (send.attempts >= this.attempts) return this.settle(send, this.notSent(send, error));
    const delay = Math.max(send.backoff.next(), (frame.retry_after ?? 0) * 1000);
    send.retryTimer = this.clock.setTimeout(() => {
      send.retryTimer = undefined;
      if (this.pending.get(send.frame.key) !== send) return;
      this.waiting.push(send);
      this.pump();
    }, delay);
  }

  private giveUp(send: PendingSend): void {
    const reason = send.lastError ?? new CohoraNetworkError(this.url, { cause: new Error('no answer in time') });
    this.waiting = this.waiting.filter((waiting) => waiting !== send);
    if (this.unanswered.has(send.frame.key)) send.maybeStored = true;
    this.settle(send, this.notSent(send, reason));
  }

  private notSent(send: PendingSend, reason: Error): MessageNotSentError {
    return new MessageNotSentError(send.frame.key, send.attempts, reason, send.maybeStored);
  }

  private settle(send: PendingSend, outcome: SendAck | Error): void {
    if (this.pending.get(send.frame.key) !== send) return;
    this.pending.delete(send.frame.key);
    this.clock.clearTimeout(send.retryTimer);
    this.clock.clearTimeout(send.giveUpTimer);
    if (outcome instanceof Error) send.reject(outcome);
    else send.resolve(outcome);
  }
}
