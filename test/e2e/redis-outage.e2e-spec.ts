import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, uniqueRedisPrefix } from '../support/redis-server.js';
import { ServerProcess } from '../support/server-process.js';
import { tempDataDir } from '../support/test-app.js';

/**
 * The store is the truth and the bus only a nudge: with Redis gone, sends are still accepted
 * and stored, and when it comes back every connected client gets what it missed, in order,
 * without reconnecting.
 */
describe('a Redis outage under two processes', () => {
  const dataDir = tempDataDir();
  let redis: RedisServer;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const env = { DATA_DIR: dataDir, REDIS_URL: redis.url, REDIS_PREFIX: uniqueRedisPrefix() };
    [a, b] = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
  });
  afterAll(async () => {
    for (const server of [a, b]) server?.api.terminateSockets();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores sends while Redis is down, then catches connected sockets up when it is back', async () => {
    const [alice, bob] = [await a.api.createUser('alice'), await a.api.createUser('bob')];
    const tab = await a.api.connectLive(bob.id);
    expect((await b.api.send(bob.id, 'before', alice.id)).body.delivery).toBe('delivered');
    expect((await tab.nextFrame()).message).toBe('before');

    await redis.stop();
    await until(async () => (await b.api.get('/health')).body.details.bus.connected === false);
    // Through the other process: stored, but nobody can be told, so honestly "queued".
    const during = Array.from({ length: 10 }, (_, i) => `during ${i}`);
    for (const text of during) {
      const res = await b.api.send(bob.id, text, alice.id);
      expect(res.status).toBe(200);
      expect(res.body.delivery).toBe('queued');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(tab.buffered).toHaveLength(0);

    await redis.restart();
    // No reconnect: the process holding the socket catches it up once its subscriber is back.
    const caughtUp = await tab.nextFrames(10, 15_000);
    expect(caughtUp.map((frame) => frame.message)).toEqual(during);
    expect(tab.isClosed).toBe(false);

    // Pushes flow again across processes, and both processes are still healthy.
    await Promise.all([a.api.busConnected(), b.api.busConnected()]);
    expect((await b.api.send(bob.id, 'after', alice.id)).body.delivery).toBe('delivered');
    expect((await tab.nextFrame()).message).toBe('after');
    for (const server of [a, b]) expect((await server.api.get('/health')).status).toBe(200);
  });

  it('delivers at once, while Redis is down, through the process that holds the socket', async () => {
    const [alice, bob] = [await a.api.createUser('carol'), await a.api.createUser('dave')];
    const tab = await a.api.connectLive(bob.id);
    await redis.stop();
    try {
      const res = await a.api.send(bob.id, 'local', alice.id);
      expect(res.body.delivery).toBe('delivered');
      expect((await tab.nextFrame()).message).toBe('local');
    } finally {
      await redis.restart();
      await Promise.all([a.api.busConnected(), b.api.busConnected()]);
    }
  });
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 5_000; !(await condition());) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
