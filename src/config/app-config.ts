import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { withoutPassword } from '../common/without-password.js';
import { ConfigError } from './config-error.js';
import { Environment, type LogLevel } from './environment.js';
import type { Rate } from './rate.js';
import { checkLayout } from './layout.js';

export { ConfigError };

/** Where users and messages live: the embedded SQLite file, or a PostgreSQL database. */
export type StorageConfig =
  | { driver: 'sqlite'; dataDir: string; sqliteFile: string; synchronous: 'NORMAL' | 'FULL'; lockWaitMs: number }
  | { driver: 'postgres'; dataDir: string; databaseUrl: string; poolSize: number; lockWaitMs: number };

/** The Redis every process of a deployment shares: the bus, rate limits and metrics. */
export interface RedisConfig {
  url: string;
  /** Namespaces keys and channels, so several deployments (or test runs) can share one Redis. */
  prefix: string;
}

/**
 * cohora's configuration, parsed and validated once at boot. Injected wherever a setting is
 * needed: nothing else reads `process.env`.
 */
export class AppConfig {
  readonly http: {
    port: number;
    host: string;
    bodyLimitBytes: number;
    /** Slow-loris guards: Node's headersTimeout and requestTimeout. */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    /** Express's `trust proxy`: whose X-Forwarded-For to believe (false: nobody's). */
    trustProxy: boolean | number | string[];
  };
  readonly storage: StorageConfig;
  readonly messages: {
    maxLength: number;
    maxQueuedPerUser: number;
    retentionMs: number;
    pruneIntervalMs: number;
    /** The bound on every send's wait for storage (SEND_TIMEOUT_MS). */
    sendTimeoutMs: number;
  };
  readonly ws: {
    authTimeoutMs: number;
    heartbeatIntervalMs: number;
    maxBufferedBytes: number;
    /** Sockets one user may hold in one process; one more is closed with 4409. */
    maxSocketsPerUser: number;
    /** Sockets one process holds at most; past it, upgrades are refused with 503. */
    maxConnections: number;
    /** Shutdown closes sockets in batches spread over this window (1012). */
    shutdownDrainMs: number;
  };
  /** open: the spec's rules; token: `/ws` needs `{id, token}` and send needs `Authorization: Bearer`. */
  readonly auth: { mode: 'open' | 'token' };
  /** Rate limits (null: off): registrations per address, sends per sender, frames per socket. */
  readonly rateLimits: { create: Rate | null; send: Rate | null; wsFrames: Rate | null };
  /** Browser origins allowed on /ws and /api (exact scheme://host:port); empty: no Origin check. */
  readonly origins: { allowed: readonly string[] };
  readonly log: { level: LogLevel };
  /** REDIS_URL and REDIS_PREFIX; null without REDIS_URL (one process, nothing shared). */
  readonly redis: RedisConfig | null;
  /** How pushes reach the process holding a recipient's sockets: in-process, or over `redis` (src/bus). */
  readonly bus: { driver: 'local' | 'redis' };

  constructor(env: Environment) {
    const dataDir = resolve(env.DATA_DIR);
    this.http = {
      port: env.PORT,
      host: env.HOST,
      bodyLimitBytes: 64 * 1024,
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
    };
    // Half a send's bound: a write kept from a lock that long fails with 503 (nothing stored)
    // while its sends still wait for an answer, instead of outliving them (504).
    const lockWaitMs = Math.max(100, Math.floor(env.SEND_TIMEOUT_MS / 2));
    this.storage = env.DATABASE_URL
      ? { driver: 'postgres', dataDir, databaseUrl: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, lockWaitMs }
      : {
          driver: 'sqlite',
          dataDir,
          sqliteFile: resolve(dataDir, 'cohora.sqlite'),
          synchronous: env.SQLITE_SYNCHRONOUS,
          lockWaitMs,
        };
    this.messages = {
      maxLength: env.MAX_MESSAGE_LENGTH,
      maxQueuedPerUser: env.MAX_QUEUED_PER_USER,
      retentionMs: env.HISTORY_RETENTION,
      pruneIntervalMs: env.PRUNE_INTERVAL,
      sendTimeoutMs: env.SEND_TIMEOUT_MS,
    };
    this.ws = {
      authTimeoutMs: env.AUTH_TIMEOUT_MS,
      heartbeatIntervalMs: env.HEARTBEAT_INTERVAL_MS,
      maxBufferedBytes: env.MAX_SOCKET_BUFFER_BYTES,
      maxSocketsPerUser: env.MAX_SOCKETS_PER_USER,
      maxConnections: env.MAX_CONNECTIONS,
      shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    };
    this.auth = { mode: env.AUTH_MODE };
    this.rateLimits = { create: env.RATE_LIMIT_CREATE, send: env.RATE_LIMIT_SEND, wsFrames: env.RATE_LIMIT_WS_FRAMES };
    this.origins = { allowed: parseOrigins(env.ALLOWED_ORIGINS) };
    this.log = { level: env.LOG_LEVEL };
    this.redis = env.REDIS_URL ? { url: env.REDIS_URL, prefix: env.REDIS_PREFIX } : null;
    this.bus = { driver: this.redis ? 'redis' : 'local' };
  }

  /** Reads the variables cohora knows from `vars`; unset or empty ones take their defaults. */
  static fromEnv(vars: Record<string, string | undefined>): AppConfig {
    const known = Object.keys(new Environment());
    const given = Object.fromEntries(
      Object.entries(vars).filter(([key, value]) => known.includes(key) && value !== undefined && value !== ''),
    );
    const env = plainToInstance(Environment, given, { exposeDefaultValues: true });
    const [error] = validateSync(env, { forbidUnknownValues: true });
    if (error) {
      const constraints = error.constraints ?? {};
      // Report the type rule before range rules: "must be an integer", not "must not be greater".
      const rule =
        constraints.isInt ??
        constraints.isIn ??
        constraints.isString ??
        constraints.isRate ??
        Object.values(constraints)[0];
      throw new ConfigError(`${rule} (got ${JSON.stringify(maybeWithoutPassword(given[error.property]))})`);
    }
    if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
      throw new ConfigError(
        `HTTP_HEADERS_TIMEOUT_MS must not be greater than HTTP_REQUEST_TIMEOUT_MS (got ${env.HTTP_HEADERS_TIMEOUT_MS} > ${env.HTTP_REQUEST_TIMEOUT_MS})`,
      );
    }
    const config = new AppConfig(env);
    checkLayout(config, vars);
    return config;
  }
}

/** `true`, a hop count, or a list of addresses, subnets and Express's keywords. */
function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  if (value === undefined) return false;
  if (value.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((entry) => entry.trim());
}

/** `https://Chat.example.com:443/` → `https://chat.example.com`: the form browsers send. */
function parseOrigins(list: string | undefined): string[] {
  if (list === undefined) return [];
  return [...new Set(list.split(',').map((entry) => new URL(entry.trim()).origin))];
}

function maybeWithoutPassword(value: string | undefined): string | undefined {
  return value === undefined ? undefined : withoutPassword(value);
}
