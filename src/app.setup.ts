import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import { BadRequestException, type NestApplicationOptions, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Application } from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { DomainErrorFilter } from './common/domain-error.filter.js';
import { CohoraWsAdapter } from './common/ws.adapter.js';
import { AppConfig } from './config/app-config.js';
import { AppLogger } from './logging/app-logger.js';
import { requestLogger } from './logging/request-logger.js';
import { Metrics } from './metrics/metrics.js';
import { countRefusedSends } from './metrics/refused-sends.js';
import { refuseDeepJson } from './security/json-depth.js';
import { refuseForeignOrigins } from './security/foreign-origin.middleware.js';
import { OriginPolicy } from './security/origin-policy.js';
import { UpgradeCheck } from './security/upgrade-check.js';

/** Options both main.ts and the e2e tests create the app with. */
export const appOptions: NestApplicationOptions = {
  // configureApp installs the JSON parser itself, with the 64 KiB limit that answers 413.
  bodyParser: false,
  bufferLogs: true,
  abortOnError: false,
};

const WEBSOCKET_PROTOCOL = `Register a name, see who is there, and send messages that arrive in real time.

**Receiving: WebSocket \`/ws\`.** Connect, then send one text frame \`{"id": "<user id>"}\` within 10 s,
optionally with \`"since": "<message id>"\` (the last message you hold) to resume. The server then sends only
message frames: \`{"from": "Alice", "message": "…", "from_id": "<id or null>", "id": "<message id>", "sent_at": "<ISO 8601>"}\`,
queued ones first, oldest first, then live ones. Drop duplicates by \`id\`.

**Tokens.** \`POST /api/users/create\` also returns the user's secret \`token\`, once. With AUTH_MODE=token the first
frame must be \`{"id", "token"}\` and a send must carry \`Authorization: Bearer <token>\`, which names the sender.

Close codes: 4401 unknown or missing id, or a first frame that is not JSON; 4408 no first frame in time;
4429 the client stopped reading; 4409 the user already holds too many sockets; 1008 too many frames; 1009 frame too large;
1012 server restarting (reconnect after a random delay); 1011 internal error.

Every HTTP error is JSON: \`{"statusCode": 400, "message": "…", "error": "Bad Request"}\`.`;

/** The chat page, built by `npm run build` into dist/public; the same path from src/ (tests) and dist/. */
const CHAT_PAGE_DIR = resolve(import.meta.dirname, '..', 'dist', 'public');

/** The page loads only its own files and talks only to its own server: defence in depth against injected markup. */
const CHAT_PAGE_CSP = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The chat page at `/`, its scripts and styles under `/app/`. Only those paths touch the disk:
 * an API request never costs a file lookup. An unbuilt page is a 404 saying how to build it.
 */
function serveChatPage(app: NestExpressApplication): void {
  app.useStaticAssets(join(CHAT_PAGE_DIR, 'app'), {
    prefix: '/app/',
    index: false,
    setHeaders: (res: ServerResponse) => {
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
    },
  });
  const index = join(CHAT_PAGE_DIR, 'index.html');
  (app.getHttpAdapter().getInstance() as Application).get('/', (_req, res) => {
    if (!existsSync(index)) {
      res
        .status(404)
        .json({ statusCode: 404, message: 'The chat page is not built: run npm run build', error: 'Not Found' });
      return;
    }
    res.setHeader('content-security-policy', CHAT_PAGE_CSP);
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  });
}

/** Checks every request body against its DTO; any failure is a 400 naming the rule broken. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) =>
      new BadRequestException(
        errors.length === 0
          ? 'The request body must be a JSON object'
          : errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '),
      ),
  });
}

/**
 * Slow-loris: a client that dribbles its headers (or an upgrade's) is answered 408 and cut after
 * HTTP_HEADERS_TIMEOUT_MS, one that dribbles its body after HTTP_REQUEST_TIMEOUT_MS. Node checks
 * these every 30 s by default, which would let a slow client hold its connection up to 30 s
 * longer; once a second is cheap, as upgraded WebSockets are no longer on the list it walks.
 */
function guardAgainstSlowClients(server: Server, { http }: AppConfig): void {
  server.headersTimeout = http.headersTimeoutMs;
  server.requestTimeout = http.requestTimeoutMs;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = 1_000;
}

/** Everything that makes the app cohora beyond its modules; main.ts and the tests share it. */
export function configureApp(app: NestExpressApplication): void {
  const config = app.get(AppConfig);
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  app.disable('x-powered-by');
  // Rate limits count per client address: behind a proxy, believe only the proxies configured.
  app.set('trust proxy', config.http.trustProxy);
  guardAgainstSlowClients(app.getHttpServer(), config);
  // An ETag would hash every response, the whole directory included, for clients that never ask.
  app.set('etag', false);
  app.use(requestLogger(logger.pino));
  const metrics = app.get(Metrics);
  // Bodies are read as JSON whatever their Content-Type says: `curl -d` sends a form type.
  // Deeply nested bodies are refused before parsing: validation would overflow the stack on them.
  // (Nest's useBodyParser does the same app.use, but its types leave `verify` out.)
  app.use(express.json({ limit: config.http.bodyLimitBytes, type: () => true, verify: refuseDeepJson }));
  const origins = new OriginPolicy(config.origins.allowed);
  if (origins.enforced) {
    app.enableCors({
      origin: origins.origins,
      methods: ['GET', 'POST'],
      allowedHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-Request-Id'],
      exposedHeaders: ['Retry-After', 'X-Request-Id'],
      maxAge: 600,
    });
    app.use('/api', refuseForeignOrigins(origins));
  }
  app.useWebSocketAdapter(new CohoraWsAdapter(app, new UpgradeCheck(origins, config.ws.maxConnections, metrics)));
  app.useGlobalFilters(new DomainErrorFilter(countRefusedSends(metrics)));
  app.useGlobalPipes(validationPipe());
  serveChatPage(app);
  const openApi = new DocumentBuilder().setTitle('cohora').setDescription(WEBSOCKET_PROTOCOL).build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi));
}
