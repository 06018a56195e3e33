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
  /** A nudge could not be published: another is sent when the publisher is back. */
  private owed = false;
  private publishing = false;
  /** Registrations came while a nudge was in flight: send one more after it. */
  private again = false;

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

  /**
   * One nudge in flight at a time: a nudge means "read the users after your cursor", so the
   * registrations of a burst that come meanwhile are covered by one more nudge after it.
   */
  announce(): void {
    if (this.publishing) {
      this.again = true;
      return;
    }
    this.publishing = true;
    this.redis.commands
      .publish(this.channel, this.origin)
      .then(
        () => (this.owed = false),
        (error: Error) => {
          // One line per outage, not one per registration.
          if (!this.owed)
            this.logger.warn(`Could not announce registrations; sent when Redis answers: ${error.message}`);
          this.owed = true;
        },
      )
      .finally(() => {
        this.publishing = false;
        if (this.again) {
          this.again = false;
          this.announce();
        }
      });
  }

  onNews(listener: () => void): void {
    this.listeners.push(listener);
  }

  private tell(): void {
    for (const listener of this.listeners) listener();
  }
}
