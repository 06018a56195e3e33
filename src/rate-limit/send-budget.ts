import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { SendRateLimitedError } from '../common/domain-errors.js';
import { AppConfig } from '../config/app-config.js';
import { describeRate, type Rate } from '../config/rate.js';
import { rateLimitKey, senderTracker } from './rate-limits.js';

/**
 * RATE_LIMIT_SEND for sends that do not come over HTTP (a v2 socket's): the same counter as
 * the HTTP send route's (the throttler's storage, shared through Redis when it is set), so a
 * sender has one budget whichever way they send.
 */
@Injectable()
export class SendBudget {
  private readonly rate: Rate | null;

  constructor(
    // An interface and a token of one name: the metadata would name the interface (Object).
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    config: AppConfig,
  ) {
    this.rate = config.rateLimits.send;
  }

  /** Whether sends are limited at all (RATE_LIMIT_SEND is not `off`). */
  get limited(): boolean {
    return this.rate !== null;
  }

  /** Spends one send of `senderId`'s budget; rejects with SendRateLimitedError (429) over it. */
  async spend(senderId: string): Promise<void> {
    const { rate } = this;
    if (rate === null) return;
    const hit = await this.storage.increment(
      rateLimitKey('send', senderTracker(senderId)),
      rate.windowMs,
      rate.limit,
      0,
      'send',
    );
    if (hit.isBlocked) throw new SendRateLimitedError(hit.timeToBlockExpire, describeRate(rate));
  }
}
