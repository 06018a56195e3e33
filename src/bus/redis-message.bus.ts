import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type LocalSockets, MessageBus } from '../ports/message.bus.js';
import type { StoredMessage } from '../ports/message.store.js';
import type { RedisClients } from '../redis/redis-clients.js';

/** How long a new socket waits for its subscription before catching up anyway (Redis is slow or down). */
const SUBSCRIBE_WAIT_MS = 1_000;

/**
 * Routes nudges between processes over Redis pub/sub, one channel per user that some process
 * holds a socket of: a process subscribes while it holds one. A nudge carries no message, only
 * the news that the recipient has something new in the store; the process holding the
 * recipient's sockets reads it from there. So order and completeness come from the store, and
 * a lost nudge only delays a message until the next catch-up:
 * - when the subscriber reconnects, every local socket catches up (nudges may have been lost);
 * - a nudge that could not be published is owed, and sent when the publisher is back.
 * It publishes on the shared commands client (RedisClients: a publish that is slow or fails
 * counts as failed, and the nudge is owed) and listens on the dedicated subscriber.
 */
export class RedisMessageBus extends MessageBus {
  private readonly logger = new Logger(RedisMessageBus.name);
  /** Tells this process's own nudges apart from other processes'. */
  private readonly origin = randomUUID();
  /** Users with a socket here, with how many sockets. */
  private readonly watched = new Map<string, number>();
  /** Recipients whose nudge could not be published. */
  private readonly owed = new Set<string>();
  private sockets?: LocalSockets;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  /**
   * Messages are stored whether Redis answers or not, and sockets of this process are served;
   * pushes between processes begin, with a catch-up, once Redis answers.
   */
  constructor(private readonly redis: RedisClients) {
    super();
    this.publisher = redis.commands;
    this.subscriber = redis.subscriber;
    this.subscriber.on('message', (channel: string, origin: string) => this.received(channel, origin));
    this.subscriber.on('ready', () => this.subscriberReady());
    this.publisher.on('ready', () => void this.payOwedNudges());
  }

  attach(sockets: LocalSockets): void {
    this.sockets = sockets;
  }

  async watch(userId: string): Promise<void> {
    const count = this.watched.get(userId) ?? 0;
    this.watched.set(userId, count + 1);
    if (count > 0) return;
    // Queued while Redis is down, and sent on reconnect; the reconnect's catch-up covers the gap.
    const subscribed = this.subscriber.subscribe(this.channel(userId)).then(
      () => undefined,
      (error: Error) => this.logger.warn(`Could not subscribe for ${userId}: ${error.message}`),
    );
    await Promise.race([subscribed, sleep(SUBSCRIBE_WAIT_MS)]);
  }

  unwatch(userId: string): void {
    const count = this.watched.get(userId) ?? 0;
    if (count > 1) {
      this.watched.set(userId, count - 1);
      return;
    }
    this.watched.delete(userId);
    this.subscriber.unsubscribe(this.channel(userId)).catch(() => {
      // Gone with the connection anyway: a reconnect resubscribes only what is still watched.
    });
  }

  async publish(message: StoredMessage): Promise<boolean> {
    const recipient = message.recipientId;
    // Sockets here read the store themselves; other processes hear of it over Redis.
    const here = this.sockets?.catchUp(recipient) ?? false;
    const elsewhere = await this.nudge(recipient);
    return here || elsewhere;
  }

  connected(): boolean {
    return this.redis.ready;
  }

  /** Publishes a nudge; resolves whether another process holds a socket of the recipient. */
  private async nudge(recipient: string): Promise<boolean> {
    if (this.publisher.status !== 'ready') {
      this.owed.add(recipient);
      return false;
    }
    try {
      const receivers = await this.publisher.publish(this.channel(recipient), this.origin);
      // A publish that timed out without the link dropping leaves no 'ready' to pay it on.
      if (this.owed.size > 0) void this.payOwedNudges();
      // Our own subscription counts too while we watch (or have just stopped watching) the user.
      return receivers - (this.watched.has(recipient) ? 1 : 0) > 0;
    } catch (error) {
      this.owed.add(recipient);
      this.logger.warn(`Could not publish a nudge; it is sent when Redis answers: ${(error as Error).message}`);
      return false;
    }
  }

  private received(channel: string, origin: string): void {
    // The subscriber also carries the directory's and presence's channels.
    if (origin === this.origin || !channel.startsWith(this.channel(''))) return;
    this.sockets?.catchUp(channel.slice(this.channel('').length));
  }

  /**
   * After a (re)connect, nudges sent while the subscriber was away are lost: once Redis has
   * processed the resubscription (the PING after it answers), every local socket catches up.
   */
  private subscriberReady(): void {
    if (this.watched.size > 0) this.logger.log('Redis subscriber connected; catching up local sockets from the store');
    // ioredis queues the resubscription right after emitting 'ready'; the PING goes behind it.
    setImmediate(() => {
      this.subscriber.ping().then(
        () => this.sockets?.catchUpAll(),
        () => undefined, // Dropped again: the next 'ready' catches up.
      );
    });
  }

  private async payOwedNudges(): Promise<void> {
    const owed = [...this.owed];
    this.owed.clear();
    if (owed.length > 0) this.logger.log(`Redis publisher reconnected; sending ${owed.length} owed nudge(s)`);
    for (const recipient of owed) await this.nudge(recipient);
  }

  private channel(userId: string): string {
    return this.redis.key('user', userId);
  }
}
