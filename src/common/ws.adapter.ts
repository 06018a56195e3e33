import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import type { ServerOptions, VerifyClientCallbackAsync, WebSocket, WebSocketServer } from 'ws';
import type { UpgradeCheck } from '../security/upgrade-check.js';

/**
 * Nest's ws adapter with three changes. Each upgrade passes `UpgradeCheck` (origin, connection
 * cap) before the socket exists. A gateway without `@SubscribeMessage` handlers (cohora's
 * reads its one inbound frame itself) gets no per-socket message pipeline: Nest would otherwise
 * build an rxjs chain and parse every frame for each of thousands of idle sockets. And a
 * client's protocol mistakes are logged as warnings, not errors, so a misbehaving client cannot
 * flood the error log.
 */
export class CohoraWsAdapter extends WsAdapter {
  private readonly clientLogger = new Logger('WebSocket');

  constructor(
    app: INestApplicationContext,
    private readonly upgradeCheck: UpgradeCheck,
  ) {
    super(app);
  }

  override create(port: number, options?: ServerOptions & { path?: string; namespace?: string }): WebSocketServer {
    let server: WebSocketServer | undefined = undefined;
    const verifyClient: VerifyClientCallbackAsync<IncomingMessage> = ({ origin }, answer) => {
      const refusal = this.upgradeCheck.refusal(origin || undefined, server?.clients.size ?? 0);
      if (refusal) answer(false, refusal.status, refusal.message);
      else answer(true);
    };
    server = super.create(port, { ...options, verifyClient }) as WebSocketServer;
    return server;
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
}
