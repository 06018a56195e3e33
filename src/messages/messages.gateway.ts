import { setTimeout as sleep } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Logger, type OnModuleInit } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { MessageBus } from '../ports/message.bus.js';
import { AppConfig } from '../config/app-config.js';
import { MessageStore, type StoredMessage } from '../ports/message.store.js';
import type { User } from '../ports/user.store.js';
import { type TokenCheck, UsersService } from '../users/users.service.js';
import { closeInBatches } from './calm-shutdown.js';
import { ClientConnection } from './client-connection.js';
import { ConnectionRegistry } from './connection-registry.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { type AuthFailureReason, Metrics } from '../metrics/metrics.js';
import { FrameRateLimiter } from '../rate-limit/frame-rate-limiter.js';
import { MAX_INBOUND_FRAME_BYTES } from '../protocol/ws-frames.js';
import { Close, type CloseReason, messageFrame, parseAuthFrame } from './frames.js';

/** How long shutdown waits for clients to acknowledge the close before going on. */
const SHUTDOWN_CLOSE_WAIT_MS = 1_500;

/**
 * The `/ws` endpoint: authenticates each socket by its first frame, replays what the user
 * missed, then routes pushes to every socket the user holds. Failures map to close codes
 * in frames.ts, and nowhere else.
 */
@WebSocketGateway({ path: '/ws', maxPayload: MAX_INBOUND_FRAME_BYTES, perMessageDeflate: false })
export class MessagesGateway implements OnModuleInit, OnGatewayInit, OnGatewayConnection, BeforeApplicationShutdown {
  private readonly logger = new Logger(MessagesGateway.name);
  private readonly connections = new ConnectionRegistry();
  private heartbeat?: NodeJS.Timeout;
  private shuttingDown = false;

  constructor(
    private readonly users: UsersService,
    private readonly store: MessageStore,
    private readonly bus: MessageBus,
    private readonly tracker: DeliveryTracker,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.metrics.countSocketsWith(() => this.connections.size);
    this.users.onTokenRotated((userId, tokenHash) => this.closeRotatedAway(userId, tokenHash));
    this.bus.attach({
      deliver: (message) => this.deliverLocally(message),
      catchUp: (userId) => this.catchUpLocally(userId),
      catchUpAll: () => this.catchUpEveryone(),
    });
  }

  /** Sends a stored message to its recipient's sockets, in whichever process they are. */
  push(message: StoredMessage): Promise<boolean> {
    return this.bus.publish(message);
  }

  afterInit(_server: WebSocketServer): void {
    this.heartbeat = setInterval(() => this.checkHeartbeats(), this.config.ws.heartbeatIntervalMs).unref();
  }

  handleConnection(socket: WebSocket): void {
    if (this.shuttingDown) {
      socket.close(Close.ServiceRestart.code, Close.ServiceRestart.reason);
      return;
    }
    const connection = new ClientConnection(
      socket,
      this.config.ws.maxBufferedBytes,
      (userId, messageId) => this.tracker.delivered(userId, messageId),
      this.recordPush,
    );
    this.connections.add(connection);
    const authTimeout = setTimeout(
      () => this.refuse(connection, Close.AuthTimeout, 'timeout'),
      this.config.ws.authTimeoutMs,
    );
    socket.on('pong', () => (connection.alive = true));
    const frameRate = this.config.rateLimits.wsFrames;
    if (frameRate) {
      const limiter = new FrameRateLimiter(frameRate);
      socket.on('message', () => {
        if (!limiter.allow()) connection.close(Close.TooManyFrames);
      });
    }
    socket.once('message', (data) => {
      clearTimeout(authTimeout);
      void this.authenticate(connection, data);
    });
    socket.once('close', (code: number) => {
      this.logger.debug(`Socket of ${connection.userId ?? 'an unauthenticated client'} closed with ${code}`);
      clearTimeout(authTimeout);
      connection.socketClosed();
      this.connections.remove(connection);
      if (connection.userId !== undefined) this.bus.unwatch(connection.userId);
    });
  }

  /**
   * Closes every socket with 1012 so clients reconnect and resume elsewhere or later: in random
   * batches spread over SHUTDOWN_DRAIN_MS, so that a deploy's reconnects do not all land at
   * once. HTTP still serves meanwhile; sockets not yet closed keep receiving.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.heartbeat);
    await closeInBatches([...this.connections], this.config.ws.shutdownDrainMs, (connection) =>
      connection.close(Close.ServiceRestart),
    );
    const deadline = Date.now() + SHUTDOWN_CLOSE_WAIT_MS;
    while (this.connections.size > 0 && Date.now() < deadline) await sleep(20);
    await this.tracker.stop();
  }

  private async authenticate(connection: ClientConnection, data: RawData): Promise<void> {
    const frame = parseAuthFrame(rawText(data));
    if (!frame) return this.refuse(connection, Close.Unauthorized, 'invalid_frame');
    try {
      const checked = await this.checkCredentials(frame.id, frame.token);
      if ('refused' in checked) return this.refuse(connection, Close.Unauthorized, checked.refused);
      const { user } = checked;
      connection.tokenHash = checked.tokenHash;
      if (!connection.isOpen) return;
      // Checked with no await before assign, so two sockets authenticating at once cannot both pass.
      if ((this.connections.forUser(user.id)?.size ?? 0) >= this.config.ws.maxSocketsPerUser) {
        return this.refuse(connection, Close.TooManyConnections, 'too_many_sockets');
      }
      connection.authenticated(user.id, (afterId, limit) => this.readPage(user.id, afterId, limit));
      this.logger.debug(
        `Socket authenticated for ${user.id}${frame.resume ? `, resuming after ${frame.since ?? 'the start'}` : ''}`,
      );
      this.connections.assign(connection, user.id);
      // Where the catch-up starts is fixed now, as the socket is authenticated: a message that
      // comes later reaches this socket even if another socket of the user gets it first.
      const start = frame.resume ? (frame.since ?? null) : await this.tracker.deliveredThrough(user.id);
      // News published from here on reaches this process before the catch-up reads the store.
      await this.bus.watch(user.id);
      await connection.catchUp(start);
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

  private async readPage(userId: string, afterId: string | null, limit: number): Promise<StoredMessage[]> {
    const started = performance.now();
    const page = await this.store.listAfter(userId, afterId, limit);
    this.metrics.readLatency.observe(Metrics.since(started));
    return page;
  }

  private readonly recordPush = (message: StoredMessage): void =>
    this.metrics.pushLatency.observe((Date.now() - message.sentAt.getTime()) / 1_000);

  private deliverLocally(message: StoredMessage): boolean {
    const connections = this.connections.forUser(message.recipientId);
    if (!connections) return false;
    const frame = messageFrame(message);
    let delivered = false;
    for (const connection of connections) delivered = connection.offer(message, frame) || delivered;
    return delivered;
  }

  private catchUpLocally(userId: string): boolean {
    const connections = this.connections.forUser(userId);
    if (!connections) return false;
    let delivering = false;
    for (const connection of connections) delivering = connection.catchUpAgain(this.readFailed) || delivering;
    return delivering;
  }

  private catchUpEveryone(): void {
    for (const connection of this.connections) connection.catchUpAgain(this.readFailed);
  }

  private readonly readFailed = (error: Error): void =>
    this.logger.error(`Could not read messages for a connection: ${error.message}`);

  /** Closes the user's sockets that proved a token other than the current one. */
  private closeRotatedAway(userId: string, currentHash: string | null): void {
    for (const connection of this.connections.forUser(userId) ?? []) {
      if (connection.tokenHash !== undefined && connection.tokenHash !== currentHash) {
        connection.close(Close.TokenRotated);
      }
    }
  }

  /**
   * AUTH_MODE=token: a rotation in another process is seen here at the next heartbeat: each
   * user with sockets here is looked up once. A store that does not answer closes nothing.
   */
  private async recheckTokens(): Promise<void> {
    for (const [userId] of [...this.connections.byUserEntries()]) {
      try {
        const current = await this.users.currentTokenHash(userId);
        this.closeRotatedAway(userId, current ?? null);
      } catch {
        return;
      }
    }
  }

  private checkHeartbeats(): void {
    if (this.config.auth.mode === 'token') void this.recheckTokens();
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}
