import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { TestApp } from '../support/test-app.js';
import { TestSchema } from '../support/test-schema.js';

/** cohora on PostgreSQL (DATABASE_URL), in a schema of this file's own. */
describe('PostgreSQL storage', () => {
  let schema: TestSchema;
  let app: TestApp;
  const redis = { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: uniqueRedisPrefix() };
  const env = () => ({ DATABASE_URL: schema.url, DATABASE_POOL_SIZE: '4', MAX_QUEUED_PER_USER: '50', ...redis });
  beforeAll(async () => {
    schema = await TestSchema.create();
    app = await TestApp.start(env());
  });
  afterAll(async () => {
    await app?.close();
    await schema?.drop();
  });

  let n = 0;
  const user = (prefix: string) => app.createUser(`${prefix}${++n}`);

  it('keeps users and messages in PostgreSQL, not in the SQLite file', async () => {
    const bob = await user('Stored');
    await app.send(bob.id, 'in postgres');
    expect(await schema.query('SELECT name FROM users WHERE id = $1', [bob.id])).toEqual([{ name: bob.name }]);
    expect(await schema.query('SELECT body FROM messages WHERE recipient_id = $1', [bob.id])).toEqual([
      { body: 'in postgres' },
    ]);
  });

  it('registers names, refuses a taken one with 409 whatever its case, and lists every user', async () => {
    const dave = await app.createUser('Dave');
    const proto = await app.createUser('__proto__');
    for (const name of ['Dave', 'dave', ' DAVE ', 'Ｄａｖｅ']) {
      const res = await app.post('/api/users/create', { name });
      expect(res.status, name).toBe(409);
      expect(res.body).toEqual({ statusCode: 409, message: expect.any(String), error: 'Conflict' });
    }
    const list = await app.get('/api/users/list');
    expect(list.status).toBe(200);
    expect(list.body.users).toMatchObject({ Dave: dave.id });
    expect(Object.getOwnPropertyDescriptor(list.body.users, '__proto__')?.value).toBe(proto.id);
  });

  it('answers exactly one 201 to 30 concurrent creates of one name', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => app.post('/api/users/create', { name: i % 2 ? 'Racer' : 'racer' })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(29);
  });

  it('delivers queued messages oldest first on connect, then live ones to every socket', async () => {
    const [alice, bob] = [await user('Alice'), await user('Bob')];
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      const res = await app.send(bob.id, text, alice.id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'success',
        details: `Message sent to recipient_id: ${bob.id}`,
        delivery: 'queued',
        message_id: expect.stringMatching(/^\d{16}$/),
      });
      ids.push(res.body.message_id);
    }
    const tab = await app.connect(bob.id);
    const frames = await tab.nextFrames(3);
    expect(frames.map((f) => f.message)).toEqual(['one', 'two', 'three']);
    expect(frames.map((f) => f.id)).toEqual(ids);
    expect(frames[0]).toMatchObject({ from: alice.name, from_id: alice.id, id: expect.stringMatching(/^\d{16}$/) });
    // A second tab resumes after what it holds, so it gets 'live' whenever its auth completes.
    const tabs = [tab, await app.connect(bob.id, frames[2].id)];
    expect((await app.send(bob.id, 'live')).body.delivery).toBe('delivered');
    for (const each of tabs) expect((await each.nextFrame()).message).toBe('live');
  });

  it('keeps per-pair order for a burst of concurrent sends', async () => {
    const [alice, bob] = [await user('Alice'), await user('Bob')];
    const tab = await app.connect(bob.id);
    const sends = [];
    // Sequential acceptance per pair is the client's to impose; concurrent sends arrive in id order.
    for (let i = 0; i < 40; i++) sends.push(app.send(bob.id, `m${i}`, alice.id));
    const answers = await Promise.all(sends);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const frames = await tab.nextFrames(40);
    const ids = frames.map((f) => f.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(frames.map((f) => f.message)).size).toBe(40);
  });

  it('replays everything after `since` to a resuming client', async () => {
    const bob = await user('Bob');
    const first = await app.connect(bob.id);
    for (const text of ['a', 'b', 'c']) await app.send(bob.id, text);
    const [a] = await first.nextFrames(3);
    first.close();
    const resumed = await app.connect(bob.id, a.id);
    expect((await resumed.nextFrames(2)).map((f) => f.message)).toEqual(['b', 'c']);
  });

  it('refuses a send past MAX_QUEUED_PER_USER undelivered messages with 429, storing nothing', async () => {
    const bob = await user('Bob');
    const queued = Array.from({ length: 50 }, (_, i) => `q${i}`);
    for (const text of queued) expect((await app.send(bob.id, text)).status).toBe(200);
    const refused = await app.send(bob.id, 'one too many');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    const tab = await app.connect(bob.id);
    expect((await tab.nextFrames(50)).map((f) => f.message)).toEqual(queued);
    // Delivered ones no longer count: room again.
    await expect.poll(async () => (await app.send(bob.id, 'room again')).status).toBe(200);
  });

  it('answers a client’s U+0000 with 400 or 404 and a socket’s with 4401, never a 500', async () => {
    const bob = await user('Bob');
    const nul = await app.send(bob.id, 'a \u0000 b');
    expect(nul.status).toBe(400);
    expect(nul.body).toEqual({ statusCode: 400, message: expect.stringContaining('U+0000'), error: 'Bad Request' });
    expect((await app.send('bob\u0000', 'hi')).status).toBe(404);
    expect((await app.send(bob.id, 'hi', 'x\u0000')).status).toBe(401);
    const socket = await app.connect('\u0000');
    expect((await socket.closed()).code).toBe(4401);
  });

  it('answers /health with 200 while PostgreSQL answers', async () => {
    const res = await app.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
  });

  describe('several processes on one database', () => {
    let other: TestApp;
    beforeAll(async () => (other = await TestApp.start(env())));
    afterAll(() => other?.close());

    it('lists and finds a user created through the other process', async () => {
      const eve = await app.createUser('Eve');
      const list = await other.get('/api/users/list');
      expect(list.body.users).toMatchObject({ Eve: eve.id });
      expect((await other.send(eve.id, 'found')).status).toBe(200);
    });

    it('answers exactly one 201 to concurrent creates of one name spread over both processes', async () => {
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => [app, other][i % 2].post('/api/users/create', { name: 'Spread' })),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 409)).toHaveLength(29);
    });

    it('delivers, on a socket of one process, what was queued through the other, in order', async () => {
      const [alice, bob] = [await user('Alice'), await user('Bob')];
      for (let i = 0; i < 4; i++) expect((await [app, other][i % 2].send(bob.id, `x${i}`, alice.id)).status).toBe(200);
      const tab = await other.connect(bob.id);
      expect((await tab.nextFrames(4)).map((f) => f.message)).toEqual(['x0', 'x1', 'x2', 'x3']);
    });
  });

  it('keeps queued messages across a restart, and resumes numbering above them', async () => {
    const bob = await user('Bob');
    const before = await app.connect(bob.id);
    await app.send(bob.id, 'delivered before');
    const [delivered] = await before.nextFrames(1);
    before.close();
    await app.send(bob.id, 'queued before');
    await app.stop();
    app = await TestApp.start(env(), app.dataDir);
    const after = await app.connect(bob.id);
    expect((await after.nextFrame()).message).toBe('queued before');
    await app.send(bob.id, 'after restart');
    const next = await after.nextFrame();
    expect(next.message).toBe('after restart');
    expect(next.id > delivered.id).toBe(true);
  });
});
