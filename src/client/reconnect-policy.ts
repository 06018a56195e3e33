import { Backoff, type BackoffOptions } from './backoff.js';
import { CloseCode } from '../protocol/close-codes.js';

/** After 1012 (a deploy), a client waits a random 0.5–5 s, so that reconnects spread out. */
export const RESTART_DELAY_MS = { min: 500, max: 5_000 } as const;
/** After 4409, a slot frees only when another socket of the user closes: never retry sooner. */
export const TOO_MANY_CONNECTIONS_DELAY_MS = 5_000;

/**
 * What the SDK does after each close code (docs/decisions.md, "Close codes"): stop after 4401,
 * whose cause a retry cannot fix; wait 0.5–5 s after 1012, then back off as usual; wait at least
 * 5 s after 4409; after anything else (1006, 1008, 1011, 4408, 4429, ...) back off exponentially
 * with full jitter. Every reconnect resumes with `since`, so none loses a message.
 */
export class ReconnectPolicy {
  private readonly backoff: Backoff;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.backoff = new Backoff(options);
    this.random = options.random ?? Math.random;
  }

  /** Failures since the last healthy connection. */
  get failures(): number {
    return this.backoff.failures;
  }

  /**
   * The delay before reconnecting after a close with `code`, or undefined to stop. `healthy`: the
   * socket stayed open long enough that the backoff starts afresh.
   */
  delayAfter(code: number, healthy: boolean): number | undefined {
    if (code === CloseCode.Unauthorized) return undefined;
    if (healthy) this.backoff.reset();
    if (code === CloseCode.ServiceRestart) {
      const { min, max } = RESTART_DELAY_MS;
      return Math.floor(min + this.random() * (max - min));
    }
    const delay = this.backoff.next();
    return code === CloseCode.TooManyConnections ? Math.max(TOO_MANY_CONNECTIONS_DELAY_MS, delay) : delay;
  }
}
