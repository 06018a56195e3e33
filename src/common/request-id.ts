import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';

const ids = new WeakMap<Request, string>();

/**
 * The request's id, the same each time it is asked for: the client's `X-Request-Id` when it is
 * a plausible one, else a new UUID. The first ask also sends it back as `X-Request-Id`, so a
 * client can quote the id of a failed request, and an operator find its log lines.
 */
export function requestId(req: Request, res: Response): string {
  let id = ids.get(req);
  if (id === undefined) {
    const given = req.headers['x-request-id'];
    id = typeof given === 'string' && given.length > 0 && given.length <= 128 ? given : randomUUID();
    ids.set(req, id);
    if (!res.headersSent) res.setHeader('X-Request-Id', id);
  }
  return id;
}
