import { applyDecorators, type CanActivate, SetMetadata, type Type, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RATE_LIMITED_ACTION, RATE_LIMITED_ACTIONS, type RateLimitedAction } from './rate-limits.js';

/**
 * Spends `action`'s budget (RATE_LIMIT_CREATE, RATE_LIMIT_SEND) on each request to this route.
 * `first` are guards that must run before the limit is counted (the sender's token check).
 */
export function RateLimited(action: RateLimitedAction, ...first: Type<CanActivate>[]): MethodDecorator {
  const others = Object.fromEntries(RATE_LIMITED_ACTIONS.filter((a) => a !== action).map((a) => [a, true]));
  return applyDecorators(
    SetMetadata(RATE_LIMITED_ACTION, action),
    SkipThrottle(others),
    UseGuards(...first, RateLimitGuard),
  );
}
