import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, uniqueRedisPrefix } from '../support/redis-server.js';
import { ServerProcess } from '../support/server-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestSchema } from '../support/test-schema.js';

/** PROTOCOL.md: no send waits more than a few seconds, whatever Redis does. */
const ANSWER_WITHIN_MS = 3_000;

/**
 * A partition, not a refusal: process A's link to Redis stops carrying packets but stays open
 * (a stalled proxy, as a dropping route does on a real network). A must find out within
 * seconds, answer every send meanwhile, count rate limits on its own, and pay the nudges it
 * owes once the link carries again, so that B's socket gets what A stored, without reconnecting.
 */
describe('a process cut off Redis by a partition', () => {
  let schema: TestSchema;
  let redis: RedisServer;
  let link: TcpProxy;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    // On PostgreSQL, as hosts are: each process may name its own link to the one Redis.
    [schema, redis] = await Promise.all([TestSchema.create(), RedisServer.start()]);
    link = await TcpProxy.start(redis.port);
    const env = { DATABASE_URL: schema.url, REDIS_PREFIX: uniqueRedisPrefix() };
    [a, b] = await Promise.all([
      ServerProcess.start({ ...env, REDIS_URL: `redis://127.0.0.1:${link.port}` }),
      ServerProcess.start({ ...env, REDIS_URL: redis.url }),
    ]);
  });
  afterAll(async () => {
    for (const server of [a, b]) server?.api.terminateSockets();
    await Promise.all([a?.stop(), b?.stop()]);
    await link?.close();
    await redis?.stop();
    await schema?.drop();
  });

  it('answers every send within seconds while the link is silent, and pushes what it stored once it carries', async () => {
    const [alice, bob] = [await a.api.createUser('alice'), await a.api.createUser('bob')];
    const tab = await b.api.connectLive(bob.id);
    await a.api.busConnected();
    expect((await a.api.send(bob.id, 'before', alice.id)).body.delivery).toBe('delivered');
    expect((await tab.nextFrame()).message).toBe('before');

    link.stall();
    const during = Array.from({ length: 8 }, (_, i) => `during ${i}`);
    for (const text of during) {
      const started = Date.now();
      const res = await a.api.send(bob.id, text, alice.id);
      expect(res.status).toBe(200);
      expect(res.body.delivery).toBe('queued');
      expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
    }
    // Found out: the bus reports itself down rather than waiting on TCP.
    await until(async () => (await a.api.get('/health')).body.details.bus.connected === false, 10_000);
    expect(tab.buffered).toHaveLength(0);

    link.restore();
    await a.api.busConnected();
    const caughtUp = await tab.nextFrames(during.length, 15_000);
    expect(caughtUp.map((frame) => frame.message)).toEqual(during);
    expect(tab.isClosed).toBe(false);
    expect((await a.api.send(bob.id, 'after', alice.id)).body.delivery).toBe('delivered');
    expect((await tab.nextFrame()).message).toBe('after');
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition());) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
