import type { Request } from 'express';
import type { Metrics } from './metrics.js';

const SEND_PATH = '/api/messages/send';

/**
 * For the error filter: counts refused sends by HTTP status, whichever layer refused them
 * (origin check, body parser, token, rate limit, validation or the service). Accepted sends
 * are counted by MessagesService, which knows whether they were delivered or queued. Nothing
 * runs for a send that succeeds.
 */
export function countRefusedSends(metrics: Metrics): (request: Request, status: number) => void {
  return (request, status) => {
    if (request.path === SEND_PATH) metrics.sends.inc({ outcome: String(status) });
  };
}
