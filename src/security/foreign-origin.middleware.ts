import type { NextFunction, Request, Response } from 'express';
import { errorBody } from '../common/domain-error.filter.js';
import type { OriginPolicy } from './origin-policy.js';

/**
 * Refuses an API request that a browser sent from an origin outside ALLOWED_ORIGINS (403).
 * CORS alone only stops the foreign page from reading the answer: a form-encoded POST, which
 * cohora reads as JSON, would still be acted on.
 */
export function refuseForeignOrigins(policy: OriginPolicy) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (policy.allows(req.headers.origin)) return next();
    res.status(403).json(errorBody(403, 'Origin not allowed'));
  };
}
