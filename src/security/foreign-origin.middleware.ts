import type { NextFunction, Request, Response } from 'express';
import { ForeignOriginError } from '../common/domain-errors.js';
import type { OriginPolicy } from './origin-policy.js';

/**
 * Refuses an API request that a browser sent from an origin outside ALLOWED_ORIGINS (403).
 * CORS alone only stops the foreign page from reading the answer: a form-encoded POST, which
 * cohora reads as JSON, would still be acted on.
 */
export function refuseForeignOrigins(policy: OriginPolicy) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    next(policy.allows(req.headers.origin) ? undefined : new ForeignOriginError());
  };
}
