import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { StoredMessage } from '../ports/message.store.js';
import { withoutPassword } from '../common/without-password.js';
import type { InstanceLock } from './instance-lock.js';
import { type LocalSockets, MessageBus } from '../ports/message.bus.js';

/** How long boot waits for Redis before going on without it. */
const BOOT_WAIT_MS = 5_000;
/** How long a new socket waits for its subscription before catching up anyway (Redis is slow or down). */
const SUBSCRIBE_WAIT_MS = 1_000;
/** A publish that takes longer than this counts as failed; the nudge is sent again on reconnect. */
const PUBLISH_TIMEOUT_MS = 1_000;

export interface RedisBusOptions {
  url: string;
  /** Namespaces the channels, so several deployments (or test runs) can share one Redis. */
  prefix: string;
}

/**
 * Routes nudges between processes over Redis pub/sub, one channel per user that some process
 * holds a socket of: a process subscribes while it holds one. A nudge carries no message, only
 * the news that the recipient has something new in the store; the process holding the
 * recipient's sockets reads it from there. So order and completeness come from the store, and
 * a lost nudge only delays a message until the next catch-up:
 * - when the subscriber reconnects, every local socket catches up (nudges may have been lost);
 * - a nudge that could not be published is owed, and sent when the publisher is back.
 */
export class RedisMessageBus extends MessageBus implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisMessageBus.name);
  /** Tells this process's own nudges apart from other processes'. */
  private readonly origin = randomUUID();
  /** Users with a socket here, with how many sockets. */
  private readonly watched = new Map<string, number>();
  /** Recipients whose nudge could not be published. */
  private readonly owed = new Set<string>();
  private sockets?: LocalSockets;

  private constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly lock: InstanceLock | undefined,
  ) {
    super();
    subscriber.on('message', (channel: string, origin: string) => this.received(channel, origin));
    subscriber.on('ready', () => this.subscriberReady());
    publisher.on('ready', () => void this.payOwedNudges());
    for (const [role, client] of [
      ['publisher', publisher],
      ['subscriber', subscriber],
    ] as const) {
      client.on('error', (error: Error) => this.logger.warn(`Redis ${role}: ${error.message}`));
    }
  }

  /**
   * Connects to Redis. Boot waits for it a few seconds, then goes on without it: messages are
   * stored either way, sockets of this process are served, and pushes between processes begin,
   * with a catch-up, once Redis answers. `lock`, when the data is a SQLite file, is held for as
   * long as the bus runs.
   */
  static async connect({ url, prefix }: RedisBusOptions, lock?: InstanceLock): Promise<RedisMessageBus> {
    const { Redis } = await import('ioredis');
    // Publishes fail fast while disconnected (the nudge is owed); subscriptions wait for the reconnect.
    const publisher = new Redis(url, { enableOfflineQueue: false, commandTimeout: PUBLISH_TIMEOUT_MS });
    const subscriber = new Redis(url, { maxRetriesPerRequest: null });
    const bus = new RedisMessageBus(publisher, subscriber, prefix, lock);
    const ready = Promise.all([publisher, subscriber].map((client) => new Promise((up) => client.once('ready', up))));
    const answered = await Promise.race([ready.then(() => true), sleep(BOOT_WAIT_MS).then(() => false)]);
    if (!answered) {
      bus.logger.error(`Redis at ${withoutPassword(url)} does not answer; starting without it and retrying`);
    }
    return bus;
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
    return this.publisher.status === 'ready' && this.subscriber.status === 'ready';
  }

  async onApplicationShutdown(): Promise<void> {
    // Not QUIT: it would wait for a Redis that may be down. Nothing is left to send by now.
    this.publisher.disconnect();
    this.subscriber.disconnect();
    await this.lock?.release();
  }

  /** Publishes a nudge; resolves whether another process holds a socket of the recipient. */
  private async nudge(recipient: string): Promise<boolean> {
    if (this.publisher.status !== 'ready') {
      this.owed.add(recipient);
      return false;
    }
    try {
      const receivers = await this.publisher.publish(this.channel(recipient), this.origin);
      // Our own subscription counts too while we watch (or have just stopped watching) the user.
      return receivers - (this.watched.has(recipient) ? 1 : 0) > 0;
    } catch (error) {
      this.owed.add(recipient);
      this.logger.warn(`Could not publish a nudge; it is sent when Redis answers: ${(error as Error).message}`);
      return false;
    }
  }

  private received(channel: string, origin: string): void {
    if (origin === this.origin) return;
    this.sockets?.catchUp(channel.slice(this.prefix.length + 'user:'.length));
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
    return `${this.prefix}user:${userId}`;
  }
}
