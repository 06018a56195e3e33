import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DirectoryBus } from '../ports/directory.bus.js';
import type { RedisClients } from '../redis/redis-clients.js';

/**
 * Directory news over one Redis channel that every process subscribes to: a registration
 * costs one publish, heard by each process once. A nudge that could not be published is sent
 * when the publisher is back; a subscriber that reconnects may have missed some, and counts
 * that as news.
 */
export class RedisDirectoryBus extends DirectoryBus {
  private readonly logger = new Logger(RedisDirectoryBus.name);
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly listeners: (() => void)[] = [];
  private owed = false;

  constructor(private readonly redis: RedisClients) {
    super();
    this.channel = redis.key('directory');
    redis.subscriber.on('message', (channel: string, origin: string) => {
      if (channel === this.channel && origin !== this.origin) this.tell();
    });
    redis.subscriber.on('ready', () => this.tell());
    redis.commands.on('ready', () => {
      if (this.owed) this.announce();
    });
    redis.subscriber.subscribe(this.channel).catch((error: Error) => {
      this.logger.warn(`Could not subscribe to directory news (resubscribed on reconnect): ${error.message}`);
    });
  }

  announce(): void {
    this.owed = false;
    this.redis.commands.publish(this.channel, this.origin).catch((error: Error) => {
      this.owed = true;
      this.logger.warn(`Could not announce a registration; it is sent when Redis answers: ${error.message}`);
    });
  }

  onNews(listener: () => void): void {
    this.listeners.push(listener);
  }

  private tell(): void {
    for (const listener of this.listeners) listener();
  }
}
