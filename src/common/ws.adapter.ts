import { Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import type { WebSocket, WebSocketServer } from 'ws';

/**
 * Nest's ws adapter with two changes. A gateway without `@SubscribeMessage` handlers (cohora's
 * reads its one inbound frame itself) gets no per-socket message pipeline: Nest would otherwise
 * build an rxjs chain and parse every frame for each of thousands of idle sockets. And a
 * client's protocol mistakes are logged as warnings, not errors, so a misbehaving client cannot
 * flood the error log.
 */
export class CohoraWsAdapter extends WsAdapter {
  private readonly clientLogger = new Logger('WebSocket');

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
