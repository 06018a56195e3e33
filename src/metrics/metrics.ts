import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Why a socket was refused or closed before it could receive. */
export type AuthFailureReason = 'invalid_frame' | 'unknown_user' | 'bad_token' | 'timeout' | 'too_many_sockets';
/** Why an upgrade was refused before any socket existed. */
export type UpgradeRefusalReason = 'origin' | 'capacity';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * cohora's Prometheus instruments, in a registry of its own (two apps in one test process
 * must not share prom-client's global one). The hot path only increments counters and
 * observes histograms; gauges are read when scraped. Aggregators say how a cluster-wide
 * scrape merges each metric over processes (see ClusterMetrics): sums, except the backlog,
 * which every process reads from the same store.
 */
export class Metrics {
  readonly registry = new Registry();

  private socketCount: () => number = () => 0;
  private queuedCount: () => Promise<number | undefined> = () => Promise.resolve(undefined);

  readonly authFailures = new Counter({
    name: 'cohora_websocket_auth_failures_total',
    help: 'Sockets closed before authenticating, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly upgradesRefused = new Counter({
    name: 'cohora_websocket_upgrades_refused_total',
    help: 'WebSocket upgrades refused before a socket existed: foreign origin (403) or MAX_CONNECTIONS (503)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly sends = new Counter({
    name: 'cohora_sends_total',
    help:
      'POST /api/messages/send and cohora.v2 send frames by outcome: delivered, queued, replayed (an Idempotency-Key repeat), or the HTTP ' +
      'status of a refusal (503 not stored, 504 outcome unknown, 507 storage full or read-only, 409, 422, ...)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly pushLatency = new Histogram({
    name: 'cohora_push_latency_seconds',
    help: 'From a send being accepted to its frame being written to a live socket',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly storeLatency = new Histogram({
    name: 'cohora_store_latency_seconds',
    help: 'Message store calls: append (a send, durable on return) and read (a page for a socket)',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly busLatency = new Histogram({
    name: 'cohora_bus_publish_latency_seconds',
    help: 'Handing a stored message to the bus, until the process holding the sockets has it (or it is owed)',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  /** Children bound once: the hot path skips the label lookup. */
  readonly delivered = this.sends.labels({ outcome: 'delivered' });
  readonly queued = this.sends.labels({ outcome: 'queued' });
  readonly replayed = this.sends.labels({ outcome: 'replayed' });
  readonly appendLatency = this.storeLatency.labels({ operation: 'append' });
  readonly readLatency = this.storeLatency.labels({ operation: 'read' });

  constructor() {
    const sockets: Gauge = new Gauge({
      name: 'cohora_websocket_connections',
      help: 'Open WebSocket connections, authenticated or not',
      registers: [this.registry],
      collect: () => sockets.set(this.socketCount()),
    });
    const queued: Gauge = new Gauge({
      name: 'cohora_queued_messages',
      help: 'Messages stored and not yet delivered to any socket of their recipient',
      // Every process reads the same store: a cluster-wide scrape shows the figure once.
      aggregator: 'max',
      registers: [this.registry],
      collect: async () => {
        const count = await this.queuedCount();
        if (count !== undefined) queued.set(count);
      },
    });
    new Gauge({
      name: 'cohora_processes',
      help: 'cohora processes whose metrics this scrape includes',
      registers: [this.registry],
    }).set(1);
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the socket gauge reads from: the gateway's registry. */
  countSocketsWith(count: () => number): void {
    this.socketCount = count;
  }

  /** Where the backlog gauge reads from: the store, if it can count (undefined: it cannot). */
  countQueuedWith(count: () => Promise<number | undefined>): void {
    this.queuedCount = count;
  }

  /** Seconds since `startedAt` (a performance.now() reading). */
  static since(startedAt: number): number {
    return (performance.now() - startedAt) / 1_000;
  }
}
