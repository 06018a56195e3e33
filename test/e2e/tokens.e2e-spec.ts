import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api-client.js';
import { scrape } from '../support/prometheus.js';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { ServerProcess } from '../support/server-process.js';
import { TestApp, tempDataDir } from '../support/test-app.js';

const guess = () => randomBytes(32).toString('base64url');
const UNAUTHORIZED = { code: 4401, reason: 'Unauthorized' };

describe('tokens in open mode (the default: the spec)', () => {
  let app: TestApp;
  beforeAll(async () => (app = await TestApp.start()));
  afterAll(() => app.close());

  it('returns a 256-bit token beside the id on create', async () => {
    const res = await app.post('/api/users/create', { name: 'Alice' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'token']);
    expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('still authenticates by id alone and sends without a token, whatever token a client adds', async () => {
    const [alice, bob] = [await app.createUser('alice2'), await app.createUser('bob2')];
    const tab = await app.connect(bob.id);
    const wrong = await app.connectWithToken(bob.id, guess());
    expect((await app.send(bob.id, 'spec send', alice.id)).status).toBe(200);
    expect((await app.sendWithToken(guess(), bob.id, 'header ignored', alice.id)).status).toBe(200);
    for (const socket of [tab, wrong]) {
      expect((await socket.nextFrames(2)).map((f) => f.message)).toEqual(['spec send', 'header ignored']);
    }
  });
});

describe('AUTH_MODE=token on one process', () => {
  let app: TestApp;
  beforeAll(async () => (app = await TestApp.start({ AUTH_MODE: 'token', RATE_LIMIT_SEND: '3/1m' })));
  afterAll(() => app.close());

  let n = 0;
  const user = (prefix: string) => app.createUser(`${prefix}${++n}`);

  it('lets a user in on /ws only with their own token', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    for (const frame of [
      { id: bob.id },
      { id: bob.id, token: guess() },
      { id: bob.id, token: alice.token },
      { id: bob.id, token: 42 },
    ]) {
      const socket = await app.open();
      socket.send(frame);
      expect(await socket.closed()).toEqual(UNAUTHORIZED);
    }
    const tab = await app.connectWithToken(bob.id, bob.token);
    await app.sendWithToken(alice.token, bob.id, 'hi Bob');
    expect(await tab.nextFrame()).toMatchObject({ from: alice.name, from_id: alice.id, message: 'hi Bob' });
  });

  it('names the sender by the bearer token: 401 without a valid one, 403 for a sender_id that disagrees', async () => {
    const [alice, bob, carol] = [await user('alice'), await user('bob'), await user('carol')];
    const missing = await app.send(bob.id, 'no token', alice.id);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      statusCode: 401,
      message: 'A token is required: send Authorization: Bearer <the token POST /api/users/create returned>',
      error: 'Unauthorized',
    });
    const invalid = await app.sendWithToken(guess(), bob.id, 'bad token');
    expect(invalid.body).toEqual({ statusCode: 401, message: 'The token is not valid', error: 'Unauthorized' });
    const mismatch = await app.sendWithToken(carol.token, bob.id, 'as Alice', alice.id);
    expect(mismatch.status).toBe(403);
    expect(mismatch.body).toEqual({
      statusCode: 403,
      message: "sender_id does not match the token's user",
      error: 'Forbidden',
    });
    expect((await app.sendWithToken(alice.token, bob.id, 'matching', alice.id)).status).toBe(200);
    expect((await app.sendWithToken(alice.token, bob.id, 'implied')).status).toBe(200);
    const tab = await app.connectWithToken(bob.id, bob.token);
    const frames = await tab.nextFrames(2);
    expect(frames.map((f) => [f.from_id, f.message])).toEqual([
      [alice.id, 'matching'],
      [alice.id, 'implied'],
    ]);
  });

  it('gives a client that knows only another user’s id no way to read or send as them', async () => {
    const [alice, bob, mallory] = [await user('alice'), await user('bob'), await user('mallory')];
    // Mallory reads Alice's id from the public directory.
    expect((await app.get('/api/users/list')).body.users[alice.name]).toBe(alice.id);
    const alicesTab = await app.connectWithToken(alice.id, alice.token);

    // Reading: every way in with Alice's id and without Alice's token is closed.
    for (const frame of [{ id: alice.id }, { id: alice.id, token: mallory.token }, { id: alice.id, token: guess() }]) {
      const socket = await app.open();
      socket.send(frame);
      expect(await socket.closed()).toEqual(UNAUTHORIZED);
    }
    // Sending: as Alice without a token, with her own token, or with a guess.
    expect((await app.send(bob.id, 'forged', alice.id)).status).toBe(401);
    expect((await app.sendWithToken(mallory.token, bob.id, 'forged', alice.id)).status).toBe(403);
    expect((await app.sendWithToken(guess(), bob.id, 'forged', alice.id)).status).toBe(401);

    // Alice meanwhile is served, and her messages reach only her.
    await app.sendWithToken(bob.token, alice.id, 'for Alice only');
    expect((await alicesTab.nextFrame()).message).toBe('for Alice only');
    const bobsTab = await app.connectWithToken(bob.id, bob.token);
    await app.sendWithToken(alice.token, bob.id, 'the only one');
    expect((await bobsTab.nextFrame()).message).toBe('the only one');
    expect(bobsTab.buffered).toEqual([]);
  });

  it('does not let a client without the token spend the sender’s rate budget', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    for (let i = 0; i < 10; i++) expect((await app.send(bob.id, `forged ${i}`, alice.id)).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await app.sendWithToken(alice.token, bob.id, `real ${i}`)).status).toBe(200);
    expect((await app.sendWithToken(alice.token, bob.id, 'one too many')).status).toBe(429);
  });

  it('rotates a token with the current one: the old one stops working at once, the new one works', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    expect((await app.request('POST', '/api/users/rotate-token')).status).toBe(401);
    expect(
      (await app.request('POST', '/api/users/rotate-token', undefined, { authorization: `Bearer ${guess()}` })).status,
    ).toBe(401);
    const rotated = await app.request('POST', '/api/users/rotate-token', undefined, {
      authorization: `Bearer ${alice.token}`,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.id).toBe(alice.id);
    expect(rotated.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rotated.body.token).not.toBe(alice.token);

    expect((await app.sendWithToken(alice.token, bob.id, 'old')).status).toBe(401);
    const old = await app.connectWithToken(alice.id, alice.token);
    expect(await old.closed()).toEqual(UNAUTHORIZED);
    expect((await app.sendWithToken(rotated.body.token, bob.id, 'new')).status).toBe(200);
    const tab = await app.connectWithToken(alice.id, rotated.body.token);
    await app.sendWithToken(bob.token, alice.id, 'reaches the new token');
    expect((await tab.nextFrame()).message).toBe('reaches the new token');
  });

  it('closes the sockets that proved the old token when it is rotated, and keeps the new token’s', async () => {
    const [erin, frank] = [await user('erin'), await user('frank')];
    const old = await app.connectWithToken(erin.id, erin.token);
    await app.sendWithToken(frank.token, erin.id, 'before');
    await old.nextFrame();
    const rotated = await app.request('POST', '/api/users/rotate-token', undefined, {
      authorization: `Bearer ${erin.token}`,
    });
    expect(await old.closed()).toEqual({ code: 4401, reason: 'Unauthorized: token rotated' });
    const fresh = await app.connectWithToken(erin.id, rotated.body.token);
    await app.sendWithToken(frank.token, erin.id, 'after');
    expect((await fresh.nextFrame()).message).toBe('after');
    expect(fresh.isClosed).toBe(false);
  });

  it('lets exactly one of several rotations with the same token win', async () => {
    const carol = await user('carol');
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        app.request('POST', '/api/users/rotate-token', undefined, { authorization: `Bearer ${carol.token}` }),
      ),
    );
    expect(results.filter((res) => res.status === 200)).toHaveLength(1);
    expect(results.filter((res) => res.status === 401)).toHaveLength(9);
  });

  it('answers 2,000 guessed tokens with 401 and 200 guessed socket logins with 4401, and counts them', async () => {
    const bob = await user('bob');
    const before = (await scrape(app.baseUrl)).get('cohora_websocket_auth_failures_total{reason="bad_token"}') ?? 0;
    const statuses = new Set<number>();
    for (let batch = 0; batch < 20; batch++) {
      const results = await Promise.all(Array.from({ length: 100 }, () => app.sendWithToken(guess(), bob.id, 'guess')));
      for (const res of results) statuses.add(res.status);
    }
    expect([...statuses]).toEqual([401]);
    const sockets = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const socket = await app.open();
        socket.send({ id: bob.id, token: guess() });
        return socket.closed();
      }),
    );
    expect(sockets.every((closed) => closed.code === 4401)).toBe(true);
    const after = (await scrape(app.baseUrl)).get('cohora_websocket_auth_failures_total{reason="bad_token"}');
    expect(after).toBe(before + 200);
  });
});

describe('AUTH_MODE=token across two processes on one store and Redis', () => {
  const dataDir = tempDataDir();
  let processes: ServerProcess[] = [];
  let a: ApiClient;
  let b: ApiClient;

  beforeAll(async () => {
    // LOG_LEVEL=trace: everything cohora can log, so that a token in any line would show.
    const env = {
      // Short heartbeats: a rotation on one process reaches the other's sockets at the next one.
      HEARTBEAT_INTERVAL_MS: '300',
      DATA_DIR: dataDir,
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_PREFIX: uniqueRedisPrefix(),
      AUTH_MODE: 'token',
      LOG_LEVEL: 'trace',
    };
    processes = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
    [a, b] = processes.map((process) => process.api);
  });
  afterAll(async () => {
    for (const process of processes) process.api.terminateSockets();
    await Promise.all(processes.map((process) => process.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  const tokensSeen: string[] = [];

  it('accepts a token issued by one process on the other, and still refuses a client with only the id', async () => {
    const [alice, bob, mallory] = [
      await a.createUser('alice'),
      await b.createUser('bob'),
      await a.createUser('mallory'),
    ];
    tokensSeen.push(alice.token, bob.token, mallory.token);
    const bobsTab = await a.connectWithToken(bob.id, bob.token);
    await settle();
    expect((await b.sendWithToken(alice.token, bob.id, 'across', alice.id)).status).toBe(200);
    expect(await bobsTab.nextFrame()).toMatchObject({ from_id: alice.id, message: 'across' });

    for (const api of [a, b]) {
      for (const frame of [{ id: alice.id }, { id: alice.id, token: mallory.token }]) {
        const socket = await api.open();
        socket.send(frame);
        expect(await socket.closed()).toEqual(UNAUTHORIZED);
      }
      expect((await api.send(bob.id, 'forged', alice.id)).status).toBe(401);
      expect((await api.sendWithToken(mallory.token, bob.id, 'forged', alice.id)).status).toBe(403);
    }
    await settle();
    expect(bobsTab.buffered).toEqual([]);
  });

  it('ends a token rotated on one process on the other at once', async () => {
    const [carol, dave] = [await a.createUser('carol'), await a.createUser('dave')];
    expect((await b.sendWithToken(carol.token, dave.id, 'before')).status).toBe(200);
    const rotated = await a.request('POST', '/api/users/rotate-token', undefined, {
      authorization: `Bearer ${carol.token}`,
    });
    tokensSeen.push(carol.token, dave.token, rotated.body.token);
    expect((await b.sendWithToken(carol.token, dave.id, 'old')).status).toBe(401);
    const old = await b.connectWithToken(carol.id, carol.token);
    expect(await old.closed()).toEqual(UNAUTHORIZED);
    expect((await b.sendWithToken(rotated.body.token, dave.id, 'new')).status).toBe(200);
  });

  it('closes, within a heartbeat, a socket on the other process that proved a token since rotated', async () => {
    const erin = await a.createUser('erin');
    const onB = await b.connectWithToken(erin.id, erin.token);
    await settle();
    expect(onB.isClosed).toBe(false);
    const rotated = await a.request('POST', '/api/users/rotate-token', undefined, {
      authorization: `Bearer ${erin.token}`,
    });
    tokensSeen.push(erin.token, rotated.body.token);
    expect(await onB.closed(3_000)).toEqual({ code: 4401, reason: 'Unauthorized: token rotated' });
  });

  it('never writes a token to the log', () => {
    const logs = processes.map((process) => process.logs).join('\n');
    expect(logs.length).toBeGreaterThan(1_000);
    for (const token of tokensSeen) expect(logs).not.toContain(token);
    expect(logs.toLowerCase()).not.toContain('bearer');
  });
});

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 100));
}
