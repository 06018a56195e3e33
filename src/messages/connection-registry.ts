import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { WebSocket } from 'ws';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { type LocalSockets, MessageBus } from '../ports/message.bus.js';
import { MessageStore, type StoredMessage } from '../ports/message.store.js';
import { PresenceService } from '../presence/presence.service.js';
import { UsersService } from '../users/users.service.js';
import { closeInBatches } from './calm-shutdown.js';
import { ClientConnection, type ConnectionContext } from './client-connection.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { Close, messageFrame } from './frames.js';

/** How long shutdown waits for clients to acknowledge the close before going on. */
const SHUTDOWN_CLOSE_WAIT_MS = 1_500;

/**
 * Owns this process's sockets: opens a ClientConnection for each, files the authenticated ones
 * by user for O(1) routing, hands them what the bus announces, pings them, closes those whose
 * token was rotated away, and closes them all, in batches, at shutdown.
 */
@Injectable()
export class ConnectionRegistry implements LocalSockets, OnModuleInit, BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger(ConnectionRegistry.name);
  private readonly all = new Set<ClientConnection>();
  private readonly byUser = new Map<string, Set<ClientConnection>>();
  private readonly context: ConnectionContext;
  private heartbeat?: NodeJS.Timeout;
  private accepting = true;

  constructor(
    store: MessageStore,
    private readonly bus: MessageBus,
    private readonly tracker: DeliveryTracker,
    private readonly users: UsersService,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly presence: PresenceService,
  ) {
    const { ws, rateLimits } = config;
    this.context = { store, tracker, metrics, maxBufferedBytes: ws.maxBufferedBytes, frameRate: rateLimits.wsFrames };
  }

  onModuleInit(): void {
    this.metrics.countSocketsWith(() => this.all.size);
    this.users.onTokenRotated((userId, tokenHash) => this.closeRotatedAway(userId, tokenHash));
    this.bus.attach(this);
    this.heartbeat = setInterval(() => this.checkHeartbeats(), this.config.ws.heartbeatIntervalMs).unref();
  }

  /** A connection for a new socket; undefined, and the socket closed with 1012, once shutdown began. */
  open(socket: WebSocket): ClientConnection | undefined {
    if (!this.accepting) {
      socket.close(Close.ServiceRestart.code, Close.ServiceRestart.reason);
      return undefined;
    }
    const connection = new ClientConnection(socket, this.context);
    this.all.add(connection);
    void connection.closed.then((code) => this.forget(connection, code));
    return connection;
  }

  /** Files an authenticated connection under its user; false if they already hold MAX_SOCKETS_PER_USER here. */
  admit(connection: ClientConnection, userId: string, tokenHash?: string): boolean {
    // No await between the count and the filing: two sockets authenticating at once cannot both pass.
    let connections = this.byUser.get(userId);
    if ((connections?.size ?? 0) >= this.config.ws.maxSocketsPerUser) return false;
    connection.authenticated(userId, tokenHash);
    if (!connections) this.byUser.set(userId, (connections = new Set()));
    connections.add(connection);
    this.presence.socketOpened(userId);
    return true;
  }

  /**
   * Replays what an admitted connection's user missed, then keeps it live: from `resumeAfter`
   * when the client resumes (null: from the start), else from the user's delivery cursor.
   */
  async serve(connection: ClientConnection, resumeAfter: string | null | undefined): Promise<void> {
    const userId = connection.userId!;
    // Where the catch-up starts is fixed now, as the socket is admitted: a message that comes
    // later reaches this socket even if another socket of the user gets it first.
    const start = resumeAfter !== undefined ? resumeAfter : await this.tracker.deliveredThrough(userId);
    // News published from here on reaches this process before the catch-up reads the store.
    await this.bus.watch(userId);
    await connection.catchUp(start);
  }

  deliver(message: StoredMessage): boolean {
    const connections = this.byUser.get(message.recipientId);
    if (!connections) return false;
    const frame = messageFrame(message);
    let delivered = false;
    for (const connection of connections) delivered = connection.offer(message, frame) || delivered;
    return delivered;
  }

  catchUp(userId: string): boolean {
    let delivering = false;
    for (const connection of this.byUser.get(userId) ?? []) delivering = connection.catchUpAgain() || delivering;
    return delivering;
  }

  catchUpAll(): void {
    for (const connection of this.all) connection.catchUpAgain();
  }

  /**
   * Closes every socket with 1012 so clients reconnect and resume elsewhere or later: in random
   * batches spread over SHUTDOWN_DRAIN_MS, so that a deploy's reconnects do not all land at
   * once. HTTP still serves meanwhile; sockets not yet closed keep receiving.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.accepting = false;
    clearInterval(this.heartbeat);
    const open = [...this.all];
    await closeInBatches(open, this.config.ws.shutdownDrainMs, (connection) => connection.close(Close.ServiceRestart));
    const acknowledged = Promise.all(open.map((connection) => connection.closed));
    await Promise.race([acknowledged, sleep(SHUTDOWN_CLOSE_WAIT_MS, undefined, { ref: false })]);
    await this.tracker.stop();
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
  }

  private forget(connection: ClientConnection, code: number): void {
    const userId = connection.userId;
    this.logger.debug(`Socket of ${userId ?? 'an unauthenticated client'} closed with ${code}`);
    this.all.delete(connection);
    if (userId === undefined) return;
    const connections = this.byUser.get(userId);
    connections?.delete(connection);
    if (connections?.size === 0) this.byUser.delete(userId);
    this.bus.unwatch(userId);
    this.presence.socketClosed(userId);
  }

  /** Closes the user's sockets that proved a token other than the current one. */
  private closeRotatedAway(userId: string, currentHash: string | null): void {
    for (const connection of this.byUser.get(userId) ?? []) connection.closeIfTokenReplaced(currentHash);
  }

  /**
   * AUTH_MODE=token: a rotation in another process is seen here at the next heartbeat: each
   * user with sockets here is looked up once. A store that does not answer closes nothing.
   */
  private async recheckTokens(): Promise<void> {
    for (const userId of [...this.byUser.keys()]) {
      try {
        this.closeRotatedAway(userId, (await this.users.currentTokenHash(userId)) ?? null);
      } catch {
        return;
      }
    }
  }

  private checkHeartbeats(): void {
    if (this.config.auth.mode === 'token') void this.recheckTokens();
    for (const connection of this.all) connection.heartbeat();
  }
}
