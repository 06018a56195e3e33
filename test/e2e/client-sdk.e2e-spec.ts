import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CohoraHttpError, CohoraNetworkError } from '../../src/client/client-errors.js';
import { CohoraClient } from '../../src/client/cohora-client.js';
import type { ConnectionEvents, ConnectionOptions } from '../../src/client/cohora-connection.js';
import type { HistoryEntry } from '../../src/client/history.store.js';
import { MemoryHistoryStore } from '../../src/client/memory-history.store.js';
import { JsonLinesHistoryStore } from '../../src/client/node/json-lines-history.store.js';
import { NodeCohoraConnection } from '../../src/client/node/node-connection.js';
import { LiveDirectory } from '../../src/client/live-directory.js';
import { InspectingProxy } from '../support/inspecting-proxy.js';
import { TestApp, tempDataDir } from '../support/test-app.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Waits for `done()` by polling, never longer than `timeoutMs`. */
async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A connection that records its events, closed after the test. */
function connect(options: ConnectionOptions) {
  const connection = new NodeCohoraConnection({ backoff: { baseMs: 50, capMs: 400 }, ...options });
  const messages: HistoryEntry[] = [];
  const disconnects: Array<ConnectionEvents['disconnected']> = [];
  const users: Array<ConnectionEvents['users']> = [];
  const presence: Array<ConnectionEvents['presence']> = [];
  let connects = 0;
  let readies = 0;
  connection.on('message', (entry) => messages.push(entry));
  connection.on('disconnected', (event) => disconnects.push(event));
  connection.on('connected', () => connects++);
  connection.on('ready', () => readies++);
  connection.on('users', (event) => users.push(event));
  connection.on('presence', (event) => presence.push(event));
  cleanups.push(() => connection.close());
  return { connection, messages, disconnects, users, presence, connects: () => connects, readies: () => readies };
}

/** A REST client that fails the test if it is used: the sends must go over the socket. */
const noRest = (server: string) =>
  new CohoraClient({ server, fetch: () => Promise.reject(new Error('the send went over REST')) });

describe('client SDK against a running cohora', () => {
  let app: TestApp;
  let client: CohoraClient;
  beforeAll(async () => {
    app = await TestApp.start();
    client = new CohoraClient({ server: app.baseUrl });
  });
  afterAll(() => app.close());

  let n = 0;
  const register = async (prefix: string) => {
    const name = `${prefix}${++n}`;
    return { name, id: (await client.createUser(name)).id };
  };

  it('registers, lists and sends with typed calls', async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    expect(alice.id).toMatch(/^[0-9a-f-]{36}$/);
    const users = await client.listUsers();
    expect(users.get(alice.name)).toBe(alice.id);
    expect(users.get(bob.name)).toBe(bob.id);
    const result = await client.sendMessage({ recipientId: bob.id, message: 'hi', senderId: alice.id });
    expect(result).toEqual({
      status: 'success',
      details: `Message sent to recipient_id: ${bob.id}`,
      delivery: 'queued',
      message_id: expect.stringMatching(/^\d{16}$/),
    });
  });

  it('throws CohoraHttpError with the status and the server message', async () => {
    const alice = await register('alice');
    const taken = await client.createUser(alice.name.toUpperCase()).catch((error: unknown) => error);
    expect(taken).toBeInstanceOf(CohoraHttpError);
    expect(taken).toMatchObject({ status: 409, message: `The name "${alice.name.toUpperCase()}" is already taken` });
    const unknown = '00000000-0000-4000-8000-000000000000';
    await expect(client.sendMessage({ recipientId: unknown, message: 'hi' })).rejects.toMatchObject({
      status: 404,
      message: `recipient_id "${unknown}" is not a registered user`,
    });
    await expect(client.createUser('')).rejects.toMatchObject({ status: 400 });
  });

  it('throws CohoraNetworkError naming the server when nothing answers', async () => {
    const down = await TestApp.start();
    await down.close();
    const error = await new CohoraClient({ server: down.baseUrl }).listUsers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CohoraNetworkError);
    expect((error as CohoraNetworkError).url).toBe(down.baseUrl);
    expect((error as Error).message).toBe(`could not reach ${down.baseUrl} (ECONNREFUSED)`);
  });

  it('receives messages live, appends them to the history, and emits them once', async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    const history = new MemoryHistoryStore();
    const bobs = connect({ server: app.baseUrl, userId: bob.id, history });
    await bobs.connection.start();
    await until(() => bobs.connects() === 1, 'the connection');
    for (const text of ['one', 'two', 'three']) {
      await client.sendMessage({ recipientId: bob.id, message: text, senderId: alice.id });
    }
    await until(() => bobs.messages.length === 3, 'three messages');
    expect(bobs.messages.map((m) => [m.from, m.from_id, m.message, m.direction])).toEqual([
      [alice.name, alice.id, 'one', 'in'],
      [alice.name, alice.id, 'two', 'in'],
      [alice.name, alice.id, 'three', 'in'],
    ]);
    expect(await history.entries()).toEqual(bobs.messages);
  });

  it('resumes from its history file after the last id it holds, without repeating what it holds', async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    const dir = mkdtempSync(join(tmpdir(), 'cohora-sdk-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bob.jsonl');

    const first = connect({ server: app.baseUrl, userId: bob.id, history: new JsonLinesHistoryStore(file) });
    await first.connection.start();
    await client.sendMessage({ recipientId: bob.id, message: 'before', senderId: alice.id });
    await until(() => first.messages.length === 1, 'the first message');
    await first.connection.close();
    // Bob's phone takes it meanwhile, so the server counts it delivered: only `since` brings it back.
    const phone = await app.connect(bob.id);
    await client.sendMessage({ recipientId: bob.id, message: 'while away', senderId: alice.id });
    expect((await phone.nextFrame()).message).toBe('while away');

    const second = connect({ server: app.baseUrl, userId: bob.id, history: new JsonLinesHistoryStore(file) });
    await second.connection.start();
    await until(() => second.messages.length === 1, 'the message sent while away');
    await client.sendMessage({ recipientId: bob.id, message: 'after', senderId: alice.id });
    await until(() => second.messages.length === 2, 'the live message');
    expect(second.messages.map((m) => m.message)).toEqual(['while away', 'after']);
    const stored = await new JsonLinesHistoryStore(file).entries();
    expect(stored.map((m) => m.message)).toEqual(['before', 'while away', 'after']);
  });

  it('stops and reports 4401 for an id the server does not know', async () => {
    const stranger = connect({ server: app.baseUrl, userId: '00000000-0000-4000-8000-000000000000' });
    await stranger.connection.start();
    await until(() => stranger.disconnects.length === 1, 'the 4401');
    expect(stranger.disconnects).toEqual([{ code: 4401, reason: 'Unauthorized', willReconnect: false }]);
    expect(stranger.connection.state).toBe('stopped');
  });
});

describe('client SDK across a server restart', () => {
  it('loses and repeats nothing when the server closes the connection mid-burst and comes back', async () => {
    const dir = tempDataDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = await TestApp.start({}, dir);
    const client = new CohoraClient({ server: first.baseUrl });
    const alice = await client.createUser('Alice');
    const bob = await client.createUser('Bob');
    const history = new MemoryHistoryStore();
    const bobs = connect({ server: first.baseUrl, userId: bob.id, history });
    await bobs.connection.start();
    await until(() => bobs.connects() === 1, 'the connection');

    // Ten senders in parallel; the server shuts down (1012 to Bob) while they are sending.
    const accepted: string[] = [];
    const attempted = new Set<string>();
    let stopping: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: 10 }, async (_, lane) => {
        for (let i = lane; i < 200; i += 10) {
          if (i === 100) stopping ??= first.stop();
          const text = `burst ${i}`;
          attempted.add(text);
          const sent = await client.sendMessage({ recipientId: bob.id, message: text, senderId: alice.id }).then(
            () => true,
            () => false,
          );
          if (sent) accepted.push(text);
        }
      }),
    );
    await stopping;
    expect(bobs.disconnects[0]).toMatchObject({ code: 1012, willReconnect: true });

    const second = await TestApp.start({}, dir, first.port);
    cleanups.push(() => second.stop());
    for (const text of ['after 1', 'after 2']) {
      await client.sendMessage({ recipientId: bob.id, message: text, senderId: alice.id });
      accepted.push(text);
      attempted.add(text);
    }
    await until(
      () => accepted.every((text) => bobs.messages.some((m) => m.message === text)),
      'every accepted message',
    );

    const ids = bobs.messages.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort());
    expect(bobs.messages.every((m) => attempted.has(m.message))).toBe(true);
    expect(bobs.messages.at(-1)?.message).toBe('after 2');
    expect(await history.entries()).toEqual(bobs.messages);
    expect(bobs.connects()).toBeGreaterThanOrEqual(2);
    expect(accepted.length).toBeGreaterThan(100);
  });
});

describe('client SDK over a cohora.v2 socket', () => {
  let app: TestApp;
  let client: CohoraClient;
  beforeAll(async () => {
    app = await TestApp.start();
    client = new CohoraClient({ server: app.baseUrl });
  });
  afterAll(() => app.close());

  let n = 0;
  const register = async (prefix: string) => {
    const name = `${prefix}v2-${++n}`;
    return { name, id: (await client.createUser(name)).id };
  };
  /** A v2 connection of `user` whose `ready` has arrived; REST is off limits to it. */
  async function ready(user: { id: string }, options: Partial<ConnectionOptions> = {}) {
    const made = connect({ server: app.baseUrl, userId: user.id, rest: noRest(app.baseUrl), ...options });
    await made.connection.start();
    await until(() => made.readies() === 1, 'ready');
    return made;
  }

  it('sends over its socket, resolving with the stored id that the recipient’s frame carries', async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    const alices = await ready(alice);
    const bobs = await ready(bob);
    expect(alices.connection.serverProtocol).toBe('cohora.v2');
    const ack = await alices.connection.send(bob.id, 'over the socket');
    expect(ack).toEqual({ message_id: expect.stringMatching(/^\d{16}$/), delivery: 'delivered' });
    await until(() => bobs.messages.length === 1, 'the message');
    expect(bobs.messages[0]).toMatchObject({
      id: ack.message_id,
      from: alice.name,
      from_id: alice.id,
      message: 'over the socket',
    });
  });

  it('rejects with the status and the text the REST send gives for the same mistake', async () => {
    const alice = await register('alice');
    const alices = await ready(alice);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const overSocket = await alices.connection.send(unknown, 'hi').catch((e: unknown) => e);
    expect(overSocket).toBeInstanceOf(CohoraHttpError);
    expect(overSocket).toMatchObject({ status: 404, message: `recipient_id "${unknown}" is not a registered user` });
    const empty = await alices.connection.send(alice.id, '').catch((e: unknown) => e);
    const overRest = await client
      .sendMessage({ recipientId: alice.id, message: '', senderId: alice.id })
      .catch((e: unknown) => e);
    expect(empty).toMatchObject({ status: 400, message: (overRest as CohoraHttpError).message });
    // The socket is still up and still sends.
    await expect(alices.connection.send(alice.id, 'still here')).resolves.toMatchObject({ delivery: 'delivered' });
    expect(alices.disconnects).toEqual([]);
  });

  it('stores a message once for one key, whether it comes again over the socket or over REST', async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    const alices = await ready(alice);
    const first = await alices.connection.send(bob.id, 'once', { key: 'the-same-key' });
    const again = await alices.connection.send(bob.id, 'once', { key: 'the-same-key' });
    const overRest = await client.sendMessage({
      recipientId: bob.id,
      message: 'once',
      senderId: alice.id,
      idempotencyKey: 'the-same-key',
    });
    expect(again.message_id).toBe(first.message_id);
    expect(overRest.message_id).toBe(first.message_id);
    const other = await alices.connection.send(bob.id, 'other text', { key: 'the-same-key' }).catch((e: unknown) => e);
    expect(other).toMatchObject({ status: 422 });
    const bobs = await ready(bob);
    await until(() => bobs.messages.length === 1, 'the stored message');
    expect(bobs.messages.map((m) => m.message)).toEqual(['once']);
  });

  it('hears of users registered after ready, a burst in few frames', async () => {
    const alice = await register('alice');
    const alices = await ready(alice);
    const burst = await Promise.all(Array.from({ length: 20 }, () => register('burst')));
    await until(() => alices.users.flatMap((frame) => frame.added).length >= 20, 'twenty users');
    const added = alices.users.flatMap((frame) => frame.added);
    expect(added.map((user) => user.id).sort()).toEqual(burst.map((user) => user.id).sort());
    expect(added.find((user) => user.id === burst[0].id)?.name).toBe(burst[0].name);
    expect(alices.users.length).toBeLessThanOrEqual(3);
  });

  it('keeps a live directory: the list after ready, merged with the users events', async () => {
    const before = await register('before');
    const alice = await register('alice');
    const alices = connect({ server: app.baseUrl, userId: alice.id });
    const directory = new LiveDirectory(client, alices.connection);
    await alices.connection.start();
    await until(() => directory.users.has(before.id), 'the listed users');
    const later = await register('later');
    await until(() => directory.users.has(later.id), 'the user registered later');
    expect(directory.users.get(later.id)).toBe(later.name);
  });

  it('reports the presence of watched users: a snapshot, then online and offline as they come and go', async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    const alices = await ready(alice);
    const nobody = '00000000-0000-4000-8000-000000000001';
    alices.connection.watch([bob.id, nobody]);
    await until(() => alices.connection.isOnline(bob.id) === false, 'the snapshot');
    expect(alices.connection.isOnline(nobody)).toBe(false);

    const bobs = await ready(bob);
    await until(() => alices.connection.isOnline(bob.id) === true, 'Bob online', 3_000);
    await bobs.connection.close();
    await until(() => alices.connection.isOnline(bob.id) === false, 'Bob offline', 4_000);
    expect(alices.presence.some((change) => change.online.includes(bob.id))).toBe(true);
  });

  it('falls back to REST, and still receives, when a proxy strips the subprotocol', async () => {
    const proxy = await InspectingProxy.start(app.port, { stripSubprotocol: true });
    cleanups.push(() => proxy.close());
    const alice = await register('alice');
    const bob = await register('bob');
    const bobs = connect({ server: proxy.baseUrl, userId: bob.id });
    await bobs.connection.start();
    const ack = await bobs.connection.send(alice.id, 'over REST');
    expect(bobs.connection.serverProtocol).toBe('v1');
    expect(ack.message_id).toMatch(/^\d{16}$/);
    await client.sendMessage({ recipientId: bob.id, message: 'to the v1 socket', senderId: alice.id });
    await until(() => bobs.messages.length === 1, 'the message on the v1 socket');
    expect(bobs.readies()).toBe(0);
    expect(proxy.requests('POST', '/api/messages/send')).toBe(1);
    // ws refuses such a handshake where a browser opens the socket: the SDK hides the difference.
    expect(bobs.disconnects).toEqual([]);
    expect(bobs.connects()).toBe(1);
  });
});

describe('client SDK over cohora.v2 with AUTH_MODE=token', () => {
  it('sends as the user who proved the token in its auth frame', async () => {
    const app = await TestApp.start({ AUTH_MODE: 'token' });
    cleanups.push(() => app.close());
    const client = new CohoraClient({ server: app.baseUrl });
    const alice = await client.createUser('Alice');
    const bob = await client.createUser('Bob');
    expect(alice.token).toEqual(expect.any(String));
    const alices = connect({ server: app.baseUrl, userId: alice.id, token: alice.token, rest: noRest(app.baseUrl) });
    const bobs = connect({ server: app.baseUrl, userId: bob.id, token: bob.token });
    await Promise.all([alices.connection.start(), bobs.connection.start()]);
    await until(() => alices.readies() === 1 && bobs.readies() === 1, 'both ready');
    const ack = await alices.connection.send(bob.id, 'proved');
    await until(() => bobs.messages.length === 1, 'the message');
    expect(bobs.messages[0]).toMatchObject({ id: ack.message_id, from: 'Alice', from_id: alice.id });
  });
});

describe('client SDK over cohora.v2 under RATE_LIMIT_SEND', () => {
  it('waits out a 429 and sends again with the same key: every message arrives once', async () => {
    const app = await TestApp.start({ RATE_LIMIT_SEND: '3/1s' });
    cleanups.push(() => app.close());
    const client = new CohoraClient({ server: app.baseUrl });
    const alice = await client.createUser('Alice');
    const bob = await client.createUser('Bob');
    const alices = connect({ server: app.baseUrl, userId: alice.id, rest: noRest(app.baseUrl) });
    const bobs = connect({ server: app.baseUrl, userId: bob.id });
    await Promise.all([alices.connection.start(), bobs.connection.start()]);
    await until(() => alices.readies() === 1 && bobs.readies() === 1, 'both ready');
    const started = Date.now();
    const texts = ['one', 'two', 'three', 'four', 'five'];
    const acks = await Promise.all(texts.map((text) => alices.connection.send(bob.id, text)));
    // Two of them waited for the budget's next window (retry_after), at least most of a second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    await until(() => bobs.messages.length === 5, 'five messages');
    expect(bobs.messages.map((m) => m.message).sort()).toEqual([...texts].sort());
    expect(new Set(acks.map((ack) => ack.message_id)).size).toBe(5);
  });
});

describe('client SDK over cohora.v2 across a server restart', () => {
  it('sends what was sent while the server was down once it is back, stored once', async () => {
    const dir = tempDataDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = await TestApp.start({}, dir);
    const client = new CohoraClient({ server: first.baseUrl });
    const alice = await client.createUser('Alice');
    const bob = await client.createUser('Bob');
    const alices = connect({
      server: first.baseUrl,
      userId: alice.id,
      rest: noRest(first.baseUrl),
      sendRetry: { giveUpAfterMs: 20_000 },
    });
    await alices.connection.start();
    await until(() => alices.readies() === 1, 'ready');
    await first.stop();
    const sent = alices.connection.send(bob.id, 'sent while down');
    const second = await TestApp.start({}, dir, first.port);
    cleanups.push(() => second.stop());
    const ack = await sent;
    expect(alices.readies()).toBeGreaterThanOrEqual(2);
    const bobs = connect({ server: second.baseUrl, userId: bob.id });
    await bobs.connection.start();
    await until(() => bobs.messages.length === 1, 'the message');
    expect(bobs.messages[0]).toMatchObject({ id: ack.message_id, message: 'sent while down' });
  });
});
