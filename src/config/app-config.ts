import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ConfigError } from './config-error.js';
import { Environment, type LogLevel } from './environment.js';
import { checkLayout } from './layout.js';

export { ConfigError };

/** Where users and messages live: the embedded SQLite file, or a PostgreSQL database. */
export type StorageConfig =
  | { driver: 'sqlite'; dataDir: string; sqliteFile: string; synchronous: 'NORMAL' | 'FULL' }
  | { driver: 'postgres'; dataDir: string; databaseUrl: string; poolSize: number };

/**
 * cohora's configuration, parsed and validated once at boot. Injected wherever a setting is
 * needed: nothing else reads `process.env`.
 */
export class AppConfig {
  readonly http: { port: number; host: string; bodyLimitBytes: number };
  readonly storage: StorageConfig;
  readonly messages: { maxLength: number; maxQueuedPerUser: number; retentionMs: number; pruneIntervalMs: number };
  readonly ws: { authTimeoutMs: number; heartbeatIntervalMs: number; maxBufferedBytes: number };
  readonly log: { level: LogLevel };
  /** How pushes reach the process holding a recipient's sockets: see src/bus. */
  readonly bus: { driver: 'local' } | { driver: 'redis'; url: string; prefix: string };

  constructor(env: Environment) {
    const dataDir = resolve(env.DATA_DIR);
    this.http = { port: env.PORT, host: env.HOST, bodyLimitBytes: 64 * 1024 };
    this.storage = env.DATABASE_URL
      ? { driver: 'postgres', dataDir, databaseUrl: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE }
      : {
          driver: 'sqlite',
          dataDir,
          sqliteFile: resolve(dataDir, 'cohora.sqlite'),
          synchronous: env.SQLITE_SYNCHRONOUS,
        };
    this.messages = {
      maxLength: env.MAX_MESSAGE_LENGTH,
      maxQueuedPerUser: env.MAX_QUEUED_PER_USER,
      retentionMs: env.HISTORY_RETENTION,
      pruneIntervalMs: env.PRUNE_INTERVAL,
    };
    this.ws = {
      authTimeoutMs: env.AUTH_TIMEOUT_MS,
      heartbeatIntervalMs: env.HEARTBEAT_INTERVAL_MS,
      maxBufferedBytes: env.MAX_SOCKET_BUFFER_BYTES,
    };
    this.log = { level: env.LOG_LEVEL };
    this.bus = env.REDIS_URL ? { driver: 'redis', url: env.REDIS_URL, prefix: env.REDIS_PREFIX } : { driver: 'local' };
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
      const rule = constraints.isInt ?? constraints.isIn ?? constraints.isString ?? Object.values(constraints)[0];
      throw new ConfigError(`${rule} (got ${JSON.stringify(withoutPassword(given[error.property]))})`);
    }
    const config = new AppConfig(env);
    checkLayout(config, vars);
    return config;
  }
}

/** A URL's password never reaches a log: `postgres://app:secret@db` is shown as `postgres://app:***@db`. */
function withoutPassword(value: string | undefined): string | undefined {
  return value?.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@/\s]*@/i, '$1:***@');
}
