import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api-client.js';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { ServerProcess } from '../support/server-process.js';
import { tempDataDir } from '../support/test-app.js';
import { TestSchema } from '../support/test-schema.js';

/** The two multi-process layouts: what differs is where the data lives. */
const LAYOUTS = [
  {
    name: 'one SQLite file (one host)',
    setUp: () => Promise.resolve({ env: {}, tearDown: () => Promise.resolve() }),
  },
  {
    name: 'PostgreSQL (many hosts)',
    setUp: async () => {
      const schema = await TestSchema.create();
      return { env: { DATABASE_URL: schema.url }, tearDown: () => schema.drop() };
    },
  },
];

/**
 * Two real cohora processes on one Redis bus and one store: every PROTOCOL.md rule must hold
 * whichever process a client talks to.
 */
describe.each(LAYOUTS)('two processes on the Redis bus and $name', ({ setUp }) => {
  const dataDir = tempDataDir();
  let processes: ServerProcess[];
  let a: ApiClient;
  let b: ApiClient;
  let tearDown: () => Promise<void>;

  beforeAll(async () => {
    const layout = await setUp();
    tearDown = layout.tearDown;
    const env = { DATA_DIR: dataDir, REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: uniqueRedisPrefix(), ...layout.env };
    processes = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
    [a, b] = processes.map((process) => process.api);
  });
  afterAll(async () => {
    for (const process of processes ?? []) process.api.terminateSockets();
    await Promise.all((processes ?? []).map((process) => process.stop()));
    await tearDown?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let n = 0;
  const user = (prefix: string) => a.createUser(`${prefix}${++n}`);

  it('pushes a message sent through one process to a socket held by the other, and says delivered', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const tab = await a.connectLive(bob.id);
    const res = await b.send(bob.id, 'across', alice.id);
    expect(res.status).toBe(200);
    expect(res.body.delivery).toBe('delivered');
    expect(await tab.nextFrame()).toMatchObject({ from: alice.name, from_id: alice.id, message: 'across' });
  });

  it('says queued when no process holds a socket of the recipient, and delivers on connect to either', async () => {
    const bob = await user('bob');
    expect((await a.send(bob.id, 'one')).body.delivery).toBe('queued');
    expect((await b.send(bob.id, 'two')).body.delivery).toBe('queued');
    const tab = await b.connect(bob.id);
    expect((await tab.nextFrames(2)).map((frame) => frame.message)).toEqual(['one', 'two']);
  });

  it('sees every user registered through either process in both directories', async () => {
    const [x, y] = [await a.createUser(`dir-a${++n}`), await b.createUser(`dir-b${++n}`)];
    for (const api of [a, b]) {
      const { body } = await api.get('/api/users/list');
      expect(body.users[x.name]).toBe(x.id);
      expect(body.users[y.name]).toBe(y.id);
    }
  });

  it('gives exactly one 201 for 50 concurrent creates of one name spread over both processes', async () => {
    const name = `race${++n}`;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).post('/api/users/create', { name })),
    );
    expect(results.filter((res) => res.status === 201)).toHaveLength(1);
    expect(results.filter((res) => res.status === 409)).toHaveLength(49);
  });

  it('keeps per-pair order when one sender alternates between the processes', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const tab = await a.connectLive(bob.id);
    for (let i = 0; i < 100; i++) {
      const res = await (i % 2 ? a : b).send(bob.id, `m${i}`, alice.id);
      expect(res.status).toBe(200);
    }
    const frames = await tab.nextFrames(100);
    expect(frames.map((frame) => frame.message)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
  });

  it('keeps every pair in order, with no loss or double, when senders hit both processes at once', async () => {
    const bob = await user('bob');
    const senders = [await user('s'), await user('s'), await user('s'), await user('s')];
    const tab = await b.connectLive(bob.id);
    await Promise.all(
      senders.map(async (sender, s) => {
        for (let i = 0; i < 50; i++)
          expect((await (i % 2 ? a : b).send(bob.id, `${s}:${i}`, sender.id)).status).toBe(200);
      }),
    );
    const frames = await tab.nextFrames(200);
    expect(new Set(frames.map((frame) => frame.id)).size).toBe(200);
    for (const [s] of senders.entries()) {
      const mine = frames.filter((frame) => frame.message.startsWith(`${s}:`)).map((frame) => frame.message);
      expect(mine).toEqual(Array.from({ length: 50 }, (_, i) => `${s}:${i}`));
    }
    // Ids are the store's order: the socket got them ascending.
    expect(frames.map((frame) => frame.id)).toEqual(frames.map((frame) => frame.id).sort());
  });

  it('sends every frame to a user connected to both processes at once', async () => {
    const bob = await user('bob');
    const onA = await a.connectLive(bob.id);
    const onB = await b.connectLive(bob.id);
    // The second socket's probe reached the first one too.
    expect((await onA.nextFrame()).message).toMatch(/^probe /);
    for (let i = 0; i < 20; i++) await (i % 2 ? a : b).send(bob.id, `both${i}`);
    const expected = Array.from({ length: 20 }, (_, i) => `both${i}`);
    expect((await onA.nextFrames(20)).map((frame) => frame.message)).toEqual(expected);
    expect((await onB.nextFrames(20)).map((frame) => frame.message)).toEqual(expected);
  });

  it('resumes with since on the other process, replaying what came after', async () => {
    const bob = await user('bob');
    const first = await a.connectLive(bob.id);
    await a.send(bob.id, 'before');
    const held = await first.nextFrame();
    first.close();
    await first.closed();
    await b.send(bob.id, 'while away');
    await a.send(bob.id, 'also while away');
    const again = await b.connect(bob.id, held.id);
    expect((await again.nextFrames(2)).map((frame) => frame.message)).toEqual(['while away', 'also while away']);
  });
});
