import { describe, expect, it } from 'vitest';
import { AppConfig, ConfigError } from './app-config.js';

describe(AppConfig.name, () => {
  it('takes the documented defaults from an empty environment', () => {
    const config = AppConfig.fromEnv({});
    expect(config.http).toEqual({
      port: 3000,
      host: '0.0.0.0',
      bodyLimitBytes: 65_536,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      trustProxy: false,
    });
    expect(config.storage).toMatchObject({
      driver: 'sqlite',
      sqliteFile: expect.stringMatching(/data\/cohora\.sqlite$/),
      // Half of SEND_TIMEOUT_MS: a write kept from the file fails while its sends still wait.
      lockWaitMs: 1_500,
    });
    expect(config.messages).toEqual({
      maxLength: 4096,
      maxQueuedPerUser: 10_000,
      retentionMs: 86_400_000,
      pruneIntervalMs: 60_000,
      sendTimeoutMs: 3_000,
    });
    expect(config.ws).toEqual({
      authTimeoutMs: 10_000,
      heartbeatIntervalMs: 30_000,
      maxBufferedBytes: 1_048_576,
      maxSocketsPerUser: 16,
      maxConnections: 50_000,
      shutdownDrainMs: 3_000,
    });
    expect(config.origins.allowed).toEqual([]);
    expect(config.auth.mode).toBe('open');
    expect(config.rateLimits).toEqual({
      create: { limit: 3_000, windowMs: 60_000 },
      send: { limit: 5_000, windowMs: 10_000 },
      wsFrames: { limit: 5, windowMs: 1_000 },
    });
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

  it('reads ALLOWED_ORIGINS as exact origins in the form browsers send them', () => {
    const config = AppConfig.fromEnv({ ALLOWED_ORIGINS: 'https://Chat.example.com:443/, http://localhost:3000' });
    expect(config.origins.allowed).toEqual(['https://chat.example.com', 'http://localhost:3000']);
  });

  it('reads rate limits as a count per duration, or off', () => {
    const config = AppConfig.fromEnv({
      RATE_LIMIT_CREATE: '10 / 1h',
      RATE_LIMIT_SEND: 'OFF',
      RATE_LIMIT_WS_FRAMES: '2/500ms',
    });
    expect(config.rateLimits).toEqual({
      create: { limit: 10, windowMs: 3_600_000 },
      send: null,
      wsFrames: { limit: 2, windowMs: 500 },
    });
  });

  it('reads TRUST_PROXY as true, a hop count, or a list of addresses and subnets', () => {
    expect(AppConfig.fromEnv({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(AppConfig.fromEnv({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(AppConfig.fromEnv({ TRUST_PROXY: 'loopback, 10.0.0.0/8, ::1' }).http.trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      '::1',
    ]);
    expect(() => AppConfig.fromEnv({ TRUST_PROXY: 'the load balancer' })).toThrow(/TRUST_PROXY must be/);
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() => AppConfig.fromEnv({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS must not be greater than HTTP_REQUEST_TIMEOUT_MS/,
    );
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
      lockWaitMs: 1_500,
    });
    expect(AppConfig.fromEnv({ DATABASE_URL: url, DATABASE_POOL_SIZE: '4', REDIS_URL }).storage).toMatchObject({
      poolSize: 4,
    });
  });

  it('picks the Redis bus when REDIS_URL is set, with channels under REDIS_PREFIX', () => {
    expect(AppConfig.fromEnv({}).bus).toEqual({ driver: 'local' });
    expect(AppConfig.fromEnv({}).redis).toBeNull();
    const shared = AppConfig.fromEnv({ REDIS_URL: 'redis://cache:6379', REDIS_PREFIX: 'chat:' });
    expect(shared.bus).toEqual({ driver: 'redis' });
    expect(shared.redis).toEqual({ url: 'redis://cache:6379', prefix: 'chat:' });
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
    ['ALLOWED_ORIGINS', 'chat.example.com', /ALLOWED_ORIGINS must be a comma-separated list of origins/],
    ['ALLOWED_ORIGINS', 'https://a.example/path', /ALLOWED_ORIGINS must be a comma-separated list of origins/],
    ['RATE_LIMIT_SEND', '300', /RATE_LIMIT_SEND must be a count per duration such as 300\/10s/],
    ['RATE_LIMIT_SEND', '0/1s', /RATE_LIMIT_SEND must be a count per duration/],
    ['RATE_LIMIT_CREATE', '5/forever', /RATE_LIMIT_CREATE must be a count per duration/],
    ['AUTH_MODE', 'tokens', /AUTH_MODE must be one of the following values: open, token/],
    ['SHUTDOWN_DRAIN_MS', '8000', /SHUTDOWN_DRAIN_MS must not be greater than 6000/],
    ['MAX_SOCKETS_PER_USER', '0', /MAX_SOCKETS_PER_USER must not be less than 1/],
    ['DATABASE_URL', 'mysql://db/cohora', /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ connection URL/],
    ['DATABASE_POOL_SIZE', '0', /DATABASE_POOL_SIZE must not be less than 1/],
  ])('refuses %s=%s with a message naming the variable and the value', (name, value, message) => {
    const attempt = () => AppConfig.fromEnv({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(JSON.stringify(value));
  });
});
