import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { withoutPassword } from '../common/without-password.js';
import type { RedisConfig } from '../config/app-config.js';

/** How long boot waits for Redis before going on without it: everyone copes meanwhile. */
const BOOT_WAIT_MS = 5_000;
/** A command slower than this fails, so a slow Redis cannot hold a request (or a send) up. */
const COMMAND_TIMEOUT_MS = 500;
/**
 * A connection that owes replies and has heard nothing for this long is dropped and reopened:
 * a partition (packets dropped, not refused) would otherwise hold it open until TCP gives up,
 * minutes later. Dropped, it is down: commands fail at once and the bus catches up when it is back.
 */
const SILENCE_LIMIT_MS = 1_500;
/** Each connection is pinged this often, so that a silent one is found even when idle. */
const LIVENESS_PING_MS = 1_000;
/** A new connection that does not answer in this long is tried again. */
const CONNECT_TIMEOUT_MS = 2_000;
/** TCP keepalive's first probe: the kernel's own check on an idle link, behind the pings. */
const KEEPALIVE_MS = 5_000;

/**
 * The connections to the deployment's Redis (REDIS_URL), opened once, waited for once at boot
 * and closed at shutdown:
 * - `commands`, for plain commands: rate-limit counters, metrics snapshots and the bus's
 *   publishes. While Redis is away they fail at once (no offline queue): each caller decides
 *   how to go on without it, and none waits;
 * - `subscriber`, the bus's own: a connection that subscribes can run no other command, and it
 *   waits for Redis to come back rather than failing.
 * Both are pinged every second; one silent for SILENCE_LIMIT_MS (a partition) is reopened.
 */
export class RedisClients implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisClients.name);
  private readonly liveness: NodeJS.Timeout;

  private constructor(
    readonly commands: Redis,
    readonly subscriber: Redis,
    private readonly prefix: string,
  ) {
    commands.on('error', (error: Error) => this.logger.warn(`Redis commands: ${error.message}`));
    subscriber.on('error', (error: Error) => this.logger.warn(`Redis subscriber: ${error.message}`));
    this.liveness = setInterval(() => this.ping(), LIVENESS_PING_MS).unref();
  }

  static async connect({ url, prefix }: RedisConfig): Promise<RedisClients> {
    // Imported on demand: the embedded default never loads a Redis client.
    const { Redis } = await import('ioredis');
    const link = { connectTimeout: CONNECT_TIMEOUT_MS, socketTimeout: SILENCE_LIMIT_MS, keepAlive: KEEPALIVE_MS };
    const commands = new Redis(url, {
      ...link,
      enableOfflineQueue: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
    });
    const subscriber = new Redis(url, { ...link, maxRetriesPerRequest: null });
    const clients = new RedisClients(commands, subscriber, prefix);
    const ready = Promise.all([commands, subscriber].map((client) => new Promise((up) => client.once('ready', up))));
    if (!(await Promise.race([ready.then(() => true), sleep(BOOT_WAIT_MS).then(() => false)]))) {
      clients.logger.error(
        `Redis at ${withoutPassword(url)} does not answer; starting without it and retrying ` +
          '(pushes between processes, shared rate limits and metrics begin once it answers)',
      );
    }
    return clients;
  }

  /** A key or channel in this deployment's namespace (REDIS_PREFIX). */
  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /**
   * Pings each open connection: a ping owes a reply, so a silent link trips socketTimeout and
   * is reopened. Only when ready: the subscriber would queue pings while it reconnects.
   */
  private ping(): void {
    for (const client of [this.commands, this.subscriber]) {
      if (client.status === 'ready') client.ping().catch(() => undefined);
    }
  }

  /** Whether news can travel between the processes right now. */
  get ready(): boolean {
    return this.commands.status === 'ready' && this.subscriber.status === 'ready';
  }

  onApplicationShutdown(): void {
    clearInterval(this.liveness);
    // Not QUIT: it would wait for a Redis that may be down. Nothing is left to send by now.
    this.commands.disconnect();
    this.subscriber.disconnect();
  }
}
