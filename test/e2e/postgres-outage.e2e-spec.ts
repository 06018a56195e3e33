import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { spawnServer } from '../support/server-process.js';
import { ProxiedPostgres } from '../support/proxied-postgres.js';
import { TestApp, tempDataDir } from '../support/test-app.js';

const UNAVAILABLE = {
  statusCode: 503,
  message: 'Storage is unavailable; nothing was stored; try again',
  error: 'Service Unavailable',
};

/**
 * cohora on PostgreSQL reached through a proxy the test controls, so the database can vanish
 * and come back while cohora runs. An unhandled error or a crash fails the run.
 */
describe('PostgreSQL outages', () => {
  const redis = { REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: uniqueRedisPrefix() };
  let db: ProxiedPostgres;
  let app: TestApp;
  beforeAll(async () => {
    db = await ProxiedPostgres.start();
    app = await TestApp.start({ ...db.env, ...redis });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  const expectUnavailable = (res: { status: number; body: unknown; headers: Headers }) => {
    expect(res.status).toBe(503);
    expect(res.body).toEqual(UNAVAILABLE);
    expect(res.headers.get('retry-after')).toBe('1');
  };

  it('answers 503 while PostgreSQL is cut off, closes sockets with 1011, and serves again once it is back', async () => {
    const [alice, bob] = [await app.createUser('Alice'), await app.createUser('Bob')];

    db.proxy.refuse();
    expectUnavailable(await app.post('/api/users/create', { name: 'Carol' }));
    // Sender and recipient are known to this process: the send fails at the store, unaccepted.
    expectUnavailable(await app.send(bob.id, 'lost?', alice.id));
    expectUnavailable(await app.get('/api/users/list'));
    const health = await app.get('/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      status: 'error',
      details: { database: { status: 'down', message: UNAVAILABLE.message } },
    });
    const socket = await app.connect(bob.id);
    expect((await socket.closed()).code).toBe(1011);

    db.proxy.restore();
    expect((await app.post('/api/users/create', { name: 'Carol' })).status).toBe(201);
    const sent = await app.send(bob.id, 'after the outage', alice.id);
    expect(sent.status).toBe(200);
    expect(sent.body.delivery).toBe('queued');
    expect((await app.get('/health')).status).toBe(200);
    expect(Object.keys((await app.get('/api/users/list')).body.users).sort()).toEqual(['Alice', 'Bob', 'Carol']);
    // Only what was answered 200 was stored: the 503'd send is not delivered.
    const back = await app.connect(bob.id);
    expect((await back.nextFrame()).message).toBe('after the outage');
    expect(await db.schema.query('SELECT body FROM messages')).toEqual([{ body: 'after the outage' }]);
  });

  it('answers 503 or 504 within the send bound when PostgreSQL stops answering, and recovers when it answers again', async () => {
    const dave = await app.createUser('Dave');
    db.proxy.stall();
    const started = Date.now();
    const [send, health] = await Promise.all([app.send(dave.id, 'stalled'), app.get('/health')]);
    // 504 if the statement left on an open connection, 503 if it never could (see storage-faults).
    expect([503, 504]).toContain(send.status);
    expect(health.status).toBe(503);
    // SEND_TIMEOUT_MS is 3 s by default.
    expect(Date.now() - started).toBeLessThan(5_000);

    db.proxy.restore();
    await expect.poll(async () => (await app.send(dave.id, 'flowing again')).status, { timeout: 10_000 }).toBe(200);
    expect((await app.get('/health')).status).toBe(200);
  });

  it('carries on when PostgreSQL closes its connections (an administrator’s terminate, a restart)', async () => {
    const erin = await app.createUser('Erin');
    const closed = await db.schema.query<{ closed: boolean }>(
      'SELECT pg_terminate_backend(pid) AS closed FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
      [db.schema.name],
    );
    expect(closed.length).toBeGreaterThan(0);
    // The pool drops the dead connections as their failure arrives, and opens new ones.
    await expect.poll(async () => (await app.send(erin.id, 'still here')).status, { timeout: 5_000 }).toBe(200);
    expect((await app.get('/health')).status).toBe(200);
  });

  it('refuses to start, with one line naming the database and exit code 1, when PostgreSQL does not answer', async () => {
    const dataDir = tempDataDir();
    db.proxy.refuse();
    try {
      const server = spawnServer({
        PORT: '0',
        DATA_DIR: dataDir,
        DATABASE_URL: db.schema.urlVia(db.proxy.port),
        ...redis,
      });
      let stderr = '';
      server.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = (await once(server, 'exit')) as [number | null];
      expect(code).toBe(1);
      const last = stderr.trim().split('\n').at(-1);
      expect(last).toMatch(new RegExp(`^cohora: PostgreSQL at 127\\.0\\.0\\.1:${db.proxy.port}/test: \\S+`));
    } finally {
      db.proxy.restore();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
