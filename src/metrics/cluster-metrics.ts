import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type BeforeApplicationShutdown,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { RedisClients } from '../redis/redis-clients.js';
import type { Metrics } from './metrics.js';

/** How often each process publishes its snapshot, and how long a snapshot outlives its process. */
const PUBLISH_EVERY_MS = 5_000;
const SNAPSHOT_TTL_MS = 15_000;

type Snapshot = MetricObjectWithValues<MetricValue<string>>[];

/**
 * What `/metrics` shows. One process: its own registry. With REDIS_URL, the whole deployment:
 * every process publishes its registry as JSON under REDIS_PREFIX every few seconds (and just
 * before it answers a scrape), with a TTL, so whichever process a scrape reaches merges the
 * snapshots of every live process with prom-client's AggregatorRegistry, each metric by its
 * aggregator (counters and histograms add up; see Metrics). A process that died drops out
 * once its snapshot expires; its counts leave the sums then, which Prometheus reads as a
 * counter reset.
 */
export class ClusterMetrics implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterMetrics.name);
  private readonly process = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly metrics: Metrics,
    private readonly redis: RedisClients | null,
  ) {}

  get contentType(): string {
    return this.metrics.registry.contentType;
  }

  onApplicationBootstrap(): void {
    if (!this.redis) return;
    void this.publishQuietly();
    this.timer = setInterval(() => void this.publishQuietly(), PUBLISH_EVERY_MS).unref();
  }

  /** The exposition text for a scrape. Falls back to this process alone if Redis fails. */
  async scrape(): Promise<string> {
    if (!this.redis) return this.metrics.registry.metrics();
    try {
      const own = await this.publish();
      const snapshots = await this.othersSnapshots();
      return await AggregatorRegistry.aggregate([own, ...snapshots]).metrics();
    } catch (error) {
      this.logger.warn(`Scraping this process only: Redis failed (${(error as Error).message})`);
      return this.metrics.registry.metrics();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // A process that stops leaves the cluster's figures now, not when its snapshot expires.
    await this.redis?.commands
      .multi()
      .del(this.snapshotKey(this.process))
      .srem(this.processesKey, this.process)
      .exec()
      .catch(() => undefined);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async publish(): Promise<Snapshot> {
    const snapshot = (await this.metrics.registry.getMetricsAsJSON()) as Snapshot;
    await this.redis!.commands.multi()
      .set(this.snapshotKey(this.process), JSON.stringify(snapshot), 'PX', SNAPSHOT_TTL_MS)
      .sadd(this.processesKey, this.process)
      .exec();
    return snapshot;
  }

  private async publishQuietly(): Promise<void> {
    try {
      await this.publish();
    } catch {
      // Redis is away: the next tick tries again, and a scrape meanwhile shows this process only.
    }
  }

  private async othersSnapshots(): Promise<Snapshot[]> {
    const client = this.redis!.commands;
    const others = (await client.smembers(this.processesKey)).filter((name) => name !== this.process);
    if (others.length === 0) return [];
    const texts = await client.mget(others.map((name) => this.snapshotKey(name)));
    const gone = others.filter((_, i) => texts[i] === null);
    if (gone.length > 0) void client.srem(this.processesKey, ...gone).catch(() => undefined);
    return texts.filter((text): text is string => text !== null).map((text) => JSON.parse(text) as Snapshot);
  }

  private get processesKey(): string {
    return this.redis!.key('metrics', 'processes');
  }

  private snapshotKey(name: string): string {
    return this.redis!.key('metrics', 'snapshot', name);
  }
}
