import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import type { ServerOptions, WebSocket, WebSocketServer } from 'ws';
import type { UpgradeCheck } from '../security/upgrade-check.js';
import { answerRawSocket } from './raw-http-answer.js';
import { UpgradeRouter } from './upgrade-router.js';

/**
 * Nest's ws adapter with four changes. Every upgrade request is answered by `UpgradeRouter`
 * (plain HTTP for a non-WebSocket upgrade, 404 for another path, 426 for another version, the
 * `UpgradeCheck` refusals), before any socket exists, and ws's own refusals of a malformed
 * handshake come back in the JSON error shape too. A gateway without `@SubscribeMessage`
 * handlers (cohora's reads its one inbound frame itself) gets no per-socket message pipeline:
 * Nest would otherwise build an rxjs chain and parse every frame for each of thousands of idle
 * sockets. And a client's protocol mistakes are logged as warnings, not errors, so a
 * misbehaving client cannot flood the error log.
 */
export class CohoraWsAdapter extends WsAdapter {
  private readonly clientLogger = new Logger('WebSocket');
  private readonly routed = new Map<Server, UpgradeRouter>();
  private closing = false;

  constructor(
    app: INestApplicationContext,
    private readonly upgradeCheck: UpgradeCheck,
  ) {
    super(app);
  }

  override create(port: number, options?: ServerOptions & { path?: string; namespace?: string }): WebSocketServer {
    const server = super.create(port, options) as WebSocketServer;
    // With a listener, ws leaves the answer to a malformed handshake to it.
    server.on('wsClientError', (error: Error, socket: Duplex) => {
      const status = error.message === 'Invalid HTTP method' ? 405 : 400;
      answerRawSocket(socket, status, error.message, status === 405 ? { Allow: 'GET' } : {});
    });
    return server;
  }

  /** Where Nest would add its upgrade listener (which drops unknown paths), the router goes instead. */
  protected override ensureHttpServerExists(port: number, httpServer: Server = createServer()): Server | undefined {
    if (this.httpServersRegistry.has(port)) return undefined;
    this.httpServersRegistry.set(port, httpServer);
    const router = new UpgradeRouter(
      httpServer,
      (path) => (this.wsServersRegistry.get(port) as WebSocketServer[] | undefined)?.find((ws) => pathOf(ws) === path),
      this.upgradeCheck,
      () => this.closing,
    );
    httpServer.on('upgrade', router.onUpgrade);
    httpServer.on('connect', router.onConnect);
    this.routed.set(httpServer, router);
    return httpServer;
  }

  override bindMessageHandlers(
    client: WebSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    if (handlers.length > 0) super.bindMessageHandlers(client, handlers, transform);
  }

  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (socket) =>
      socket.on('error', (error: Error) => this.clientLogger.warn(`Client socket error: ${error.message}`)),
    );
    server.on('error', (error: Error) => this.clientLogger.error(error));
    return server;
  }

  /** From here on, upgrades are answered 503 (ws alone would answer a bare text one). */
  override async close(server: WebSocketServer): Promise<void> {
    this.closing = true;
    await super.close(server);
  }

  override async dispose(): Promise<void> {
    for (const [httpServer, router] of this.routed) {
      httpServer.off('upgrade', router.onUpgrade);
      httpServer.off('connect', router.onConnect);
    }
    this.routed.clear();
    await super.dispose();
  }
}

/** The path Nest's registry gave the server (normalised, e.g. `/ws`). */
function pathOf(server: WebSocketServer): string | undefined {
  return (server as WebSocketServer & { path?: string }).path;
}
