import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { freePort } from '../support/free-port.js';
import { Pm2Daemon } from '../support/pm2-daemon.js';
import { RedisServer } from '../support/redis-server.js';
import { TestSchema } from '../support/test-schema.js';

/**
 * README: the profiles' values are defaults, and a variable set in the environment wins. PM2
 * itself applies an app's `env` over the shell's, so this starts the shipped file exactly as an
 * operator would (`PORT=… npx pm2 start ecosystem.config.cjs`) and looks where cohora went.
 */
describe('the PM2 profiles take their settings from the environment', () => {
  // A daemon per test: PM2's daemon keeps the environment it was first started with.
  const daemons: Pm2Daemon[] = [];
  const newDaemon = () => daemons[daemons.push(new Pm2Daemon()) - 1];
  let redis: RedisServer;
  let schema: TestSchema;

  beforeAll(async () => {
    [redis, schema] = await Promise.all([RedisServer.start(), TestSchema.create()]);
  });

  afterAll(async () => {
    await Promise.all(daemons.map((daemon) => daemon.kill()));
    await Promise.all([redis?.stop(), schema?.drop()]);
  });

  it('hosts: PORT, HOST, DATABASE_URL, REDIS_URL and REDIS_PREFIX from the shell', async () => {
    const port = await freePort();
    const prefix = 'from-the-shell:';
    const daemon = newDaemon();
    await daemon.startFile('hosts', {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: schema.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    });
    const api = new ApiClient(`http://127.0.0.1:${port}`);
    const alice = await api.createUser('Alice');
    expect(await schema.query('SELECT id FROM users')).toEqual([{ id: alice.id }]);

    // A live socket: its worker watches the user's channel on the Redis the shell named.
    const socket = await api.connectLive(alice.id);
    const client = new Redis(redis.url);
    try {
      const channels = (await client.pubsub('CHANNELS', '*')) as string[];
      expect(channels.some((name) => name.startsWith(prefix) && name.includes(alice.id))).toBe(true);
    } finally {
      client.disconnect();
      socket.close();
    }
  }, 60_000);

  it('cluster: DATA_DIR from the shell', async () => {
    const port = await freePort();
    const daemon = newDaemon();
    const dataDir = join(daemon.home, 'shell-data');
    await daemon.startFile('cluster', {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      REDIS_URL: redis.url,
    });
    expect((await new ApiClient(`http://127.0.0.1:${port}`).createUser('Bob')).id).toBeTruthy();
    expect(existsSync(join(dataDir, 'cohora.sqlite'))).toBe(true);
  }, 60_000);
});
