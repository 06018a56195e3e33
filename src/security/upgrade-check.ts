import type { Metrics } from '../metrics/metrics.js';
import type { OriginPolicy } from './origin-policy.js';

/** An HTTP answer to an upgrade that is refused before any WebSocket exists. */
export interface UpgradeRefusal {
  status: number;
  message: string;
  /** Sent as `Retry-After`: the condition passes by itself. */
  retryAfterSeconds?: number;
}

/** A full process is worth asking again soon; a load balancer may try another at once. */
const CAPACITY_RETRY_AFTER_SECONDS = 5;

/**
 * What `/ws` checks in the HTTP upgrade, before the socket exists: a browser origin outside
 * ALLOWED_ORIGINS (403), and a process already holding MAX_CONNECTIONS sockets (503, so a load
 * balancer or client tries again elsewhere or later). Refusing here costs no socket, no timer.
 */
export class UpgradeCheck {
  constructor(
    private readonly origins: OriginPolicy,
    private readonly maxConnections: number,
    private readonly metrics: Metrics,
  ) {}

  /** `origin`: the handshake's `Origin` header (only version 13 handshakes get this far). */
  refusal(origin: string | undefined, openConnections: number): UpgradeRefusal | undefined {
    if (!this.origins.allows(origin)) {
      this.metrics.upgradesRefused.inc({ reason: 'origin' });
      return { status: 403, message: 'Origin not allowed' };
    }
    if (openConnections >= this.maxConnections) {
      this.metrics.upgradesRefused.inc({ reason: 'capacity' });
      return {
        status: 503,
        message: 'Too many connections: try again later',
        retryAfterSeconds: CAPACITY_RETRY_AFTER_SECONDS,
      };
    }
    return undefined;
  }
}
