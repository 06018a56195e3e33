import { Logger } from '@nestjs/common';
import { type OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { type AuthFailureReason, Metrics } from '../metrics/metrics.js';
import { MessageBus } from '../ports/message.bus.js';
import type { StoredMessage } from '../ports/message.store.js';
import type { User } from '../ports/user.store.js';
import { MAX_INBOUND_FRAME_BYTES } from '../protocol/ws-frames.js';
import { V2_MAX_FRAME_BYTES } from '../protocol/ws-frames-v2.js';
import { type TokenCheck, UsersService } from '../users/users.service.js';
import type { ClientConnection } from './client-connection.js';
import { ConnectionRegistry } from './connection-registry.js';
import { Close, type CloseReason, limitInboundFrames, parseAuthFrame, selectProtocol } from './frames.js';
import type { V2Session } from './v2-session.js';
import type { V2Sessions } from './v2-sessions.js';

/**
 * The `/ws` endpoint: the handshake (one auth frame within AUTH_TIMEOUT_MS, checked against the
 * auth mode) and the entry point of pushes. Once a socket is authenticated, ConnectionRegistry
 * serves it; a push goes out over the bus, which hands it to the registry of whichever process
 * holds the recipient's sockets. Handshake failures map to close codes here, and nowhere else.
 * A socket that got `cohora.v2` has a V2Session for its later frames (docs/protocol-v2.md).
 */
@WebSocketGateway({
  path: '/ws',
  // ws has one limit per server: v2's; a v1 socket's own is narrowed back as it opens.
  maxPayload: V2_MAX_FRAME_BYTES,
  perMessageDeflate: false,
  handleProtocols: selectProtocol,
})
export class MessagesGateway implements OnGatewayConnection {
  private readonly logger = new Logger(MessagesGateway.name);

  constructor(
    private readonly connections: ConnectionRegistry,
    private readonly bus: MessageBus,
    private readonly users: UsersService,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** Where v2 sockets get their session; set by V2Sessions at init (it needs the service, which needs this). */
  private v2?: Pick<V2Sessions, 'open'>;

  serveV2With(sessions: Pick<V2Sessions, 'open'>): void {
    this.v2 = sessions;
  }

  /** Sends a stored message to its recipient's sockets, in whichever process they are. */
  push(message: StoredMessage): Promise<boolean> {
    return this.bus.publish(message);
  }

  handleConnection(socket: WebSocket): void {
    const connection = this.connections.open(socket);
    if (!connection) return;
    const session = connection.isV2 ? this.v2?.open(connection) : undefined;
    if (!session) limitInboundFrames(socket, MAX_INBOUND_FRAME_BYTES);
    const authTimeout = setTimeout(
      () => this.refuse(connection, Close.AuthTimeout, 'timeout'),
      this.config.ws.authTimeoutMs,
    );
    void connection.closed.then(() => clearTimeout(authTimeout));
    connection.onFirstFrame((text) => {
      clearTimeout(authTimeout);
      void this.authenticate(connection, text, session);
    });
  }

  private async authenticate(connection: ClientConnection, text: string, session?: V2Session): Promise<void> {
    const frame = parseAuthFrame(text);
    if (!frame) return this.refuse(connection, Close.Unauthorized, 'invalid_frame');
    try {
      const checked = await this.checkCredentials(frame.id, frame.token);
      if ('refused' in checked) return this.refuse(connection, Close.Unauthorized, checked.refused);
      if (!connection.isOpen) return;
      if (!this.connections.admit(connection, checked.user.id, checked.tokenHash)) {
        return this.refuse(connection, Close.TooManyConnections, 'too_many_sockets');
      }
      session?.ready(checked.user);
      this.logger.debug(
        `Socket authenticated for ${checked.user.id}${frame.resume ? `, resuming after ${frame.since ?? 'the start'}` : ''}`,
      );
      await this.connections.serve(connection, frame.resume ? (frame.since ?? null) : undefined);
    } catch (error) {
      this.logger.error(`Could not serve a connection: ${(error as Error).message}`);
      connection.close(Close.InternalError);
    }
  }

  /** Open mode: the id is enough (the spec). Token mode: the id and that user's token. */
  private async checkCredentials(
    id: string,
    token: string | undefined,
  ): Promise<TokenCheck | { user: User; tokenHash?: undefined }> {
    if (this.config.auth.mode === 'token') return this.users.checkToken(id, token);
    const user = await this.users.findById(id);
    return user ? { user } : { refused: 'unknown_user' };
  }

  private refuse(connection: ClientConnection, reason: CloseReason, metric: AuthFailureReason): void {
    this.metrics.authFailures.inc({ reason: metric });
    connection.close(reason);
  }
}
