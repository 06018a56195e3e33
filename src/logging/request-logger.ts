import type { NextFunction, Request, Response } from 'express';
import type { Logger as Pino } from 'pino';
import { requestId } from '../common/request-id.js';

/**
 * One log line per HTTP request: id, method, URL, status, time. Bodies are never logged: they
 * hold people's messages. Below `info` this costs nothing per request.
 */
export function requestLogger(logger: Pino) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!logger.isLevelEnabled('info')) return next();
    const started = performance.now();
    const id = requestId(req, res);
    res.once('finish', () => {
      const line = {
        req: { id, method: req.method, url: req.originalUrl },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - started),
      };
      if (res.statusCode >= 500) logger.error(line, 'request failed');
      else logger.info(line, 'request completed');
    });
    next();
  };
}
