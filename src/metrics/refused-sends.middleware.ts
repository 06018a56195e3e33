import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from './metrics.js';

/**
 * Counts refused sends by HTTP status, whichever layer refused them: origin check, body parser,
 * rate limit, validation or the service. Accepted sends are counted by MessagesService, which
 * knows whether they were delivered or queued.
 */
export function countRefusedSends(metrics: Metrics) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.once('finish', () => {
      if (res.statusCode >= 400) metrics.sends.inc({ outcome: String(res.statusCode) });
    });
    next();
  };
}
