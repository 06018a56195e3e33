import { describe, expect, it } from 'vitest';
import { AppConfig, ConfigError } from './app-config.js';

describe(AppConfig.name, () => {
  it('takes the documented defaults from an empty environment', () => {
    const config = AppConfig.fromEnv({});
    expect(config.http).toMatchObject({ port: 3000, host: '0.0.0.0', bodyLimitBytes: 65_536 });
    expect(config.storage).toMatchObject({
      driver: 'sqlite',
      sqliteFile: expect.stringMatching(/data\/cohora\.sqlite$/),
    });
    expect(config.messages).toEqual({
      maxLength: 4096,
      maxQueuedPerUser: 10_000,
      retentionMs: 86_400_000,
      pruneIntervalMs: 60_000,
    });
    expect(config.ws).toEqual({ authTimeoutMs: 10_000, heartbeatIntervalMs: 30_000, maxBufferedBytes: 1_048_576 });
    expect(config.log.level).toBe('info');
  });

  it('reads numbers and durations from their text', () => {
    const config = AppConfig.fromEnv({
      PORT: '8080',
      HISTORY_RETENTION: '7d',
      PRUNE_INTERVAL: '90s',
      AUTH_TIMEOUT_MS: '2500',
    });
    expect(config.http.port).toBe(8080);
    expect(config.messages.retentionMs).toBe(7 * 86_400_000);
    expect(config.messages.pruneIntervalMs).toBe(90_000);
    expect(config.ws.authTimeoutMs).toBe(2500);
  });

  it('treats an empty variable as unset and ignores variables it does not know', () => {
    expect(AppConfig.fromEnv({ PORT: '', HOME: '/root' }).http.port).toBe(3000);
  });

  it('picks PostgreSQL when DATABASE_URL is set, with a pool of DATABASE_POOL_SIZE (default 10)', () => {
    const url = 'postgres://cohora@db.internal:5432/cohora';
    const REDIS_URL = 'redis://cache.internal:6379';
    expect(AppConfig.fromEnv({ DATABASE_URL: url, REDIS_URL }).storage).toMatchObject({
      driver: 'postgres',
      databaseUrl: url,
      poolSize: 10,
    });
    expect(AppConfig.fromEnv({ DATABASE_URL: url, DATABASE_POOL_SIZE: '4', REDIS_URL }).storage).toMatchObject({
      poolSize: 4,
    });
  });

  it('picks the Redis bus when REDIS_URL is set, with channels under REDIS_PREFIX', () => {
    expect(AppConfig.fromEnv({}).bus).toEqual({ driver: 'local' });
    expect(AppConfig.fromEnv({ REDIS_URL: 'redis://cache:6379', REDIS_PREFIX: 'chat:' }).bus).toEqual({
      driver: 'redis',
      url: 'redis://cache:6379',
      prefix: 'chat:',
    });
  });

  it('refuses layouts whose processes could not reach each other', () => {
    expect(() => AppConfig.fromEnv({ DATABASE_URL: 'postgres://db/cohora' })).toThrow(/DATABASE_URL needs REDIS_URL/);
    expect(() => AppConfig.fromEnv({ exec_mode: 'cluster_mode' })).toThrow(/PM2 cluster mode needs REDIS_URL/);
    expect(AppConfig.fromEnv({ exec_mode: 'cluster_mode', REDIS_URL: 'redis://cache' }).bus.driver).toBe('redis');
  });

  it('never repeats the password of a DATABASE_URL it refuses', () => {
    const attempt = () => AppConfig.fromEnv({ DATABASE_URL: 'postgres://cohora:s3cret@db/cohora with space' });
    expect(attempt).toThrow(/DATABASE_URL must be/);
    expect(attempt).toThrow('postgres://cohora:***@db');
    expect(attempt).not.toThrow(/s3cret/);
  });

  it.each([
    ['PORT', 'eighty', /PORT must be an integer/],
    ['PORT', '70000', /PORT must not be greater than 65535/],
    ['MAX_MESSAGE_LENGTH', '0', /MAX_MESSAGE_LENGTH must not be less than 1/],
    ['HISTORY_RETENTION', 'forever', /HISTORY_RETENTION must be a duration/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['SQLITE_SYNCHRONOUS', 'OFF', /SQLITE_SYNCHRONOUS must be one of/],
    ['DATABASE_URL', 'mysql://db/cohora', /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ connection URL/],
    ['DATABASE_POOL_SIZE', '0', /DATABASE_POOL_SIZE must not be less than 1/],
  ])('refuses %s=%s with a message naming the variable and the value', (name, value, message) => {
    const attempt = () => AppConfig.fromEnv({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(JSON.stringify(value));
  });
});
