import type { CorsOptions, CorsOptionsDelegate } from '@nestjs/common/interfaces/external/cors-options.interface.js';
import type { Request } from 'express';
import type { OriginPolicy } from './origin-policy.js';

/** Request headers a page may send: a send's JSON body, its token and its retry key. */
export const CORS_ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-Request-Id'];

/**
 * CORS for `/api` (PROTOCOL.md): any origin by default, since cohora reads no cookie and no
 * other ambient credential, so a foreign page learns nothing its own fetch could not; with
 * ALLOWED_ORIGINS, only those origins. Other paths (`/health`, `/metrics`, `/docs`) answer no
 * CORS at all: a page elsewhere has no business reading them through a visitor's browser.
 */
export function corsForApi(origins: OriginPolicy): CorsOptionsDelegate<Request> {
  const api: CorsOptions = {
    origin: origins.enforced ? origins.origins : '*',
    methods: ['GET', 'POST'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: ['Retry-After', 'X-Request-Id'],
    credentials: false,
    maxAge: 600,
  };
  const none: CorsOptions = { origin: false };
  return (req, callback) => callback(null, isApiPath(req.url) ? api : none);
}

function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}
