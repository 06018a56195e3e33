import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Response } from 'express';
import { describeRate } from '../config/rate.js';
import { RATE_LIMITED_ACTION, RATE_LIMITED_WHAT, type RateLimitedAction } from './rate-limits.js';

/**
 * The throttler guard with cohora's answer to a refused request: 429 in Nest's error shape, a
 * message naming the limit, and a plain `Retry-After` header in seconds.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** A limit set to `off` costs one metadata lookup, not the library's loop over every throttler. */
  override canActivate(context: ExecutionContext): Promise<boolean> {
    const action = this.reflector.get<RateLimitedAction | undefined>(RATE_LIMITED_ACTION, context.getHandler());
    const throttler = this.throttlers.find(({ name }) => name === action);
    if (throttler?.skipIf?.(context)) return Promise.resolve(true);
    return super.canActivate(context);
  }

  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const action = this.reflector.get<RateLimitedAction | undefined>(RATE_LIMITED_ACTION, context.getHandler());
    const retryAfter = detail.timeToBlockExpire;
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    const limit = describeRate({ limit: detail.limit, windowMs: detail.ttl });
    throw new ThrottlerException(
      `Too many ${action ? RATE_LIMITED_WHAT[action] : 'requests'}: at most ${limit}; retry after ${retryAfter} s`,
    );
  }
}
