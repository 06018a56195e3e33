import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { UpgradeCheck } from '../security/upgrade-check.js';
import { answerRawSocket } from './raw-http-answer.js';

/** Hop-by-hop headers of an upgrade offer, dropped when the request is served as plain HTTP. */
const UPGRADE_HEADERS = new Set(['upgrade', 'http2-settings']);

/**
 * Answers every request Node hands over as an upgrade, as a well-behaved HTTP/1.1 server would
 * (PROTOCOL.md, "Defaults that serve every spec client"); Nest's ws adapter would drop the
 * connection of any it does not take:
 * - an upgrade to anything but `websocket` (curl --http2 offers `h2c`) is served as the plain
 *   HTTP request it also is;
 * - a WebSocket upgrade to a path without an endpoint: 404;
 * - a `Sec-WebSocket-Version` other than 13 (RFC 6455): 426 with `Sec-WebSocket-Version: 13`;
 * - a foreign origin (403), a full process (503 + Retry-After), a closing one (503 + Retry-After);
 * all in the JSON error shape. What passes goes to ws, whose own refusals of a malformed
 * handshake the adapter also answers in that shape (its `wsClientError`).
 */
export class UpgradeRouter {
  constructor(
    private readonly server: Server,
    private readonly endpointAt: (path: string) => WebSocketServer | undefined,
    private readonly check: UpgradeCheck,
    private readonly closing: () => boolean,
  ) {}

  readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!offersWebSocket(req)) {
      this.serveAsPlainHttp(req, socket, head);
      return;
    }
    const path = pathOf(req.url);
    const endpoint = path === undefined ? undefined : this.endpointAt(path);
    if (!endpoint) {
      answerRawSocket(socket, 404, `No WebSocket endpoint at ${path ?? 'this path'}: connect to /ws`);
      return;
    }
    if (req.headers['sec-websocket-version'] !== '13') {
      answerRawSocket(socket, 426, 'Unsupported WebSocket version: this server speaks version 13 (RFC 6455)', {
        'Sec-WebSocket-Version': '13',
      });
      return;
    }
    if (this.closing()) {
      answerRawSocket(socket, 503, 'The server is restarting; reconnect in a moment', { 'Retry-After': '1' });
      return;
    }
    const refusal = this.check.refusal(req.headers.origin, endpoint.clients.size);
    if (refusal) {
      const headers: Record<string, string> = {};
      if (refusal.retryAfterSeconds !== undefined) headers['Retry-After'] = String(refusal.retryAfterSeconds);
      answerRawSocket(socket, refusal.status, refusal.message, headers);
      return;
    }
    endpoint.handleUpgrade(req, socket, head, (ws) => endpoint.emit('connection', ws, req));
  };

  /** CONNECT asks the server to be a proxy, which it is not: answered, not dropped. */
  readonly onConnect = (_req: IncomingMessage, socket: Duplex): void => {
    answerRawSocket(socket, 405, 'CONNECT is not supported: this is not a proxy', { Allow: 'GET, POST' });
  };

  /**
   * Gives the connection back to the HTTP server with the request as it would have been sent
   * without the upgrade offer: Node reads it afresh (body and keep-alive included), and Express
   * answers it like any other. Header bytes are written back exactly as they came (latin1).
   */
  private serveAsPlainHttp(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i];
      const lower = name.toLowerCase();
      if (UPGRADE_HEADERS.has(lower)) continue;
      if (lower === 'connection') {
        const kept = req.rawHeaders[i + 1]
          .split(',')
          .map((token) => token.trim())
          .filter((token) => token !== '' && !UPGRADE_HEADERS.has(token.toLowerCase()));
        if (kept.length > 0) lines.push(`${name}: ${kept.join(', ')}`);
        continue;
      }
      lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
    }
    socket.unshift(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), head]));
    this.server.emit('connection', socket);
  }
}

function offersWebSocket(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').split(',').some((protocol) => protocol.trim().toLowerCase() === 'websocket');
}

function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '/', 'ws://localhost').pathname;
  } catch {
    return undefined;
  }
}
