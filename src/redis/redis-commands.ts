import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { withoutPassword } from '../common/without-password.js';

/** How long boot waits for Redis before going on: callers fail open meanwhile. */
const BOOT_WAIT_MS = 2_000;
/** A command slower than this fails, so a slow Redis cannot hold a request up. */
const COMMAND_TIMEOUT_MS = 500;

/**
 * The client for plain Redis commands shared by the processes of one deployment: rate-limit
 * counters and metrics snapshots. Apart from the bus's clients, which hold subscriptions. While
 * Redis is away, commands fail at once (no offline queue): each caller decides how to go on
 * without it, and none waits.
 */
export class RedisCommands implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisCommands.name);

  private constructor(
    readonly client: Redis,
    private readonly prefix: string,
  ) {
    client.on('error', (error: Error) => this.logger.warn(`Redis commands: ${error.message}`));
  }

  static async connect({ url, prefix }: { url: string; prefix: string }): Promise<RedisCommands> {
    // Imported on demand: the embedded default never loads a Redis client.
    const { Redis } = await import('ioredis');
    const client = new Redis(url, {
      enableOfflineQueue: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
    });
    const commands = new RedisCommands(client, prefix);
    const ready = new Promise((up) => client.once('ready', up)).then(() => true);
    if (!(await Promise.race([ready, sleep(BOOT_WAIT_MS).then(() => false)]))) {
      commands.logger.warn(
        `Redis at ${withoutPassword(url)} does not answer yet; rate limits and metrics are local meanwhile`,
      );
    }
    return commands;
  }

  /** A key in this deployment's namespace (REDIS_PREFIX). */
  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}
