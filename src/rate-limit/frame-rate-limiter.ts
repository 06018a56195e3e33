import type { Rate } from '../config/rate.js';

/**
 * Counts the frames one socket sends in fixed windows (RATE_LIMIT_WS_FRAMES). A spec client
 * sends one frame, its auth frame, and then nothing: a socket that keeps sending is refused
 * before it costs more than a counter. Two numbers per socket, no timer.
 */
export class FrameRateLimiter {
  private windowEndsAt = 0;
  private frames = 0;

  constructor(
    private readonly rate: Rate,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one frame; false once the socket has sent more than the limit in this window. */
  allow(): boolean {
    const now = this.now();
    if (now >= this.windowEndsAt) {
      this.windowEndsAt = now + this.rate.windowMs;
      this.frames = 0;
    }
    return ++this.frames <= this.rate.limit;
  }
}
