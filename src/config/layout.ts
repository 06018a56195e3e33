import type { AppConfig } from './app-config.js';
import { ConfigError } from './config-error.js';

/**
 * Refuses, at boot, a deployment whose processes could not reach each other's sockets. The
 * layouts that work (README, "Deployment layouts"):
 * - one process: SQLite and the in-process bus (the default);
 * - a PM2 cluster on one host: SQLite shared in WAL mode, and the Redis bus;
 * - many hosts: PostgreSQL and the Redis bus.
 * Two processes sharing SQLite on the in-process bus are refused later, by the instance lock.
 */
export function checkLayout(config: AppConfig, vars: Record<string, string | undefined>): void {
  // PostgreSQL is for many processes, and nothing can stop a second host from using the same
  // database: each would push only to its own sockets.
  if (config.storage.driver === 'postgres' && config.bus.driver === 'local') {
    throw new ConfigError(
      "DATABASE_URL needs REDIS_URL: processes sharing PostgreSQL reach each other's sockets only over Redis. " +
        'Set REDIS_URL, or leave DATABASE_URL unset to run one process on SQLite.',
    );
  }
  // PM2 marks its cluster workers so; every worker would hold sockets no other worker can reach.
  if (vars.exec_mode === 'cluster_mode' && config.bus.driver === 'local') {
    throw new ConfigError(
      'PM2 cluster mode needs REDIS_URL: without it a worker cannot push to sockets held by another worker. ' +
        'Set REDIS_URL, or run one instance in fork mode.',
    );
  }
}
