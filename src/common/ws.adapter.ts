import { Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { WebSocketServer } from 'ws';

/**
 * Nest's ws adapter with two changes: frames are not parsed for `@SubscribeMessage` routing
 * (cohora's one inbound frame is read by the gateway itself), and a client's protocol
 * mistakes are logged as warnings, not errors, so a misbehaving client cannot flood the
 * error log.
 */
export class CohoraWsAdapter extends WsAdapter {
  private readonly clientLogger = new Logger('WebSocket');

  constructor(...args: ConstructorParameters<typeof WsAdapter>) {
    super(args[0], { ...args[1], messageParser: () => undefined });
  }

  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (socket) =>
      socket.on('error', (error: Error) => this.clientLogger.warn(`Client socket error: ${error.message}`)),
    );
    server.on('error', (error: Error) => this.clientLogger.error(error));
    return server;
  }
}
