export interface BackoffOptions {
  /** Upper bound of the first delay. */
  baseMs?: number;
  /** No delay is ever longer than this. */
  capMs?: number;
  /** Returns a number in [0, 1); tests inject their own. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: the n-th delay is uniform in [0, min(cap, base * 2^n)).
 * Jitter spreads the reconnects of many clients after a server restart, so they do not all
 * arrive in the same instant.
 */
export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;

  constructor({ baseMs = 500, capMs = 30_000, random = Math.random }: BackoffOptions = {}) {
    this.baseMs = baseMs;
    this.capMs = capMs;
    this.random = random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    // 2^attempt stops growing once it passes the cap, so the exponent cannot overflow.
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.floor(this.random() * ceiling);
  }

  /** After a connection that stayed up: the next failure starts from the base again. */
  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}
