import { rmSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { ServerProcess } from '../support/server-process.js';
import { TestApp, tempDataDir } from '../support/test-app.js';

describe('rate limits', () => {
  const apps: TestApp[] = [];
  const start = async (env: Record<string, string>) => {
    const app = await TestApp.start(env);
    apps.push(app);
    return app;
  };
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('refuses the 3001st registration from one address within a minute by default, with 429 and Retry-After', async () => {
    // Empty means unset: the server's defaults, not the tests' "off".
    const app = await start({ RATE_LIMIT_CREATE: '', RATE_LIMIT_SEND: '' });
    // Sixteen at a time, as a test suite's workers would register them.
    let next = 0;
    const statuses: number[] = [];
    const worker = async () => {
      while (next < 3_000) statuses.push((await app.post('/api/users/create', { name: `u${next++}` })).status);
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(statuses.filter((status) => status !== 201)).toEqual([]);
    const refused = await app.post('/api/users/create', { name: 'one-too-many' });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      message: expect.stringMatching(
        /^Too many registrations from this address: at most 3000 per 1 min; retry after \d+ s$/,
      ),
      error: 'Too Many Requests',
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Refused before the handler: the name is still free.
    const { body } = await app.get('/api/users/list');
    expect(body.users).not.toHaveProperty('one-too-many');
  }, 180_000);

  it('counts sends per sender: one sender is refused while another, and anonymous sends, go on', async () => {
    const app = await start({ RATE_LIMIT_SEND: '3/2s' });
    const [alice, bob, carol] = [
      await app.createUser('alice'),
      await app.createUser('bob'),
      await app.createUser('carol'),
    ];
    const tab = await app.connect(bob.id);
    for (let i = 0; i < 3; i++) expect((await app.send(bob.id, `a${i}`, alice.id)).status).toBe(200);
    const refused = await app.send(bob.id, 'a3', alice.id);
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/^Too many messages from this sender: at most 3 per 2 s; retry after [12] s$/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await app.send(bob.id, 'c0', carol.id)).status).toBe(200);
    expect((await app.send(bob.id, 'anon0')).status).toBe(200);
    // The refused send was never stored: Bob gets the others, in order, and nothing more.
    expect((await tab.nextFrames(5)).map((frame) => frame.message)).toEqual(['a0', 'a1', 'a2', 'c0', 'anon0']);
    // After the window, Alice may send again.
    await expect
      .poll(async () => (await app.send(bob.id, 'later', alice.id)).status, { timeout: 4_000, interval: 250 })
      .toBe(200);
    expect((await tab.nextFrame()).message).toBe('later');
    expect(tab.buffered).toEqual([]);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY names the proxy, so a client cannot dodge the limit', async () => {
    const create = (app: TestApp, name: string, forwardedFor: string) =>
      app.request('POST', '/api/users/create', { name }, { 'x-forwarded-for': forwardedFor });
    const direct = await start({ RATE_LIMIT_CREATE: '2/1m' });
    const spoofed = [];
    for (let i = 0; i < 3; i++) spoofed.push((await create(direct, `s${i}`, `203.0.113.${i}`)).status);
    expect(spoofed).toEqual([201, 201, 429]);

    const proxied = await start({ RATE_LIMIT_CREATE: '2/1m', TRUST_PROXY: 'loopback' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await create(proxied, `a${i}`, '203.0.113.7')).status);
    statuses.push((await create(proxied, 'b0', '203.0.113.8')).status);
    expect(statuses).toEqual([201, 201, 429, 201]);
  });

  it('closes a socket that floods frames after authenticating with 1008, and leaves others alone', async () => {
    const app = await start({ RATE_LIMIT_WS_FRAMES: '3/1s' });
    const bob = await app.createUser('bob');
    const quiet = await app.connect(bob.id);
    const noisy = await app.connect(bob.id);
    for (let i = 0; i < 10; i++) noisy.send({ chatter: i });
    expect(await noisy.closed()).toEqual({ code: 1008, reason: 'Policy violation: too many frames' });
    await app.send(bob.id, 'for the quiet one');
    expect((await quiet.nextFrame()).message).toBe('for the quiet one');
  });
});

describe('rate limits shared through Redis by two processes', () => {
  const dataDir = tempDataDir();
  let processes: ServerProcess[] = [];
  afterAll(async () => {
    for (const process of processes) process.api.terminateSockets();
    await Promise.all(processes.map((process) => process.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives a sender one budget whichever process it sends through', async () => {
    const env = {
      DATA_DIR: dataDir,
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_PREFIX: uniqueRedisPrefix(),
      RATE_LIMIT_SEND: '4/30s',
      RATE_LIMIT_CREATE: '3/30s',
    };
    processes = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
    const [a, b] = processes.map((process) => process.api);
    const alice = await a.createUser('alice');
    const bob = await b.createUser('bob');
    expect((await a.post('/api/users/create', { name: 'carol' })).status).toBe(201);
    // Three registrations from this address so far, over both processes: the fourth is refused on either.
    expect((await b.post('/api/users/create', { name: 'dave' })).status).toBe(429);
    expect((await a.post('/api/users/create', { name: 'erin' })).status).toBe(429);
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await (i % 2 ? a : b).send(bob.id, `m${i}`, alice.id)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});
