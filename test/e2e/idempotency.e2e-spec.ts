import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api-client.js';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { ServerProcess } from '../support/server-process.js';
import { TEST_RATE_LIMITS, TestApp, tempDataDir } from '../support/test-app.js';

/** The bodies of the messages stored for `recipientId` in the SQLite file under `dataDir`. */
function storedTexts(dataDir: string, recipientId: string): string[] {
  const db = new Database(join(dataDir, 'cohora.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('SELECT body FROM messages WHERE recipient_id = ? ORDER BY id').all(recipientId);
    return (rows as Array<{ body: string }>).map((row) => row.body);
  } finally {
    db.close();
  }
}

describe('Idempotency-Key on POST /api/messages/send', () => {
  let app: TestApp;
  beforeAll(async () => (app = await TestApp.start(TEST_RATE_LIMITS)));
  afterAll(async () => app?.close());

  let n = 0;
  const pair = async () => [await app.createUser(`Keyed${++n}a`), await app.createUser(`Keyed${n}b`)];

  it('answers a repeat with the first answer and the same message_id, storing and pushing nothing new', async () => {
    const [alice, bob] = await pair();
    const key = randomUUID();
    const first = await app.sendKeyed(key, bob.id, 'exactly once', alice.id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'success', delivery: 'queued', message_id: expect.any(String) });
    const again = await app.sendKeyed(key, bob.id, 'exactly once', alice.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(storedTexts(app.dataDir, bob.id)).toEqual(['exactly once']);
    const tab = await app.connect(bob.id);
    expect(await tab.nextFrame()).toMatchObject({ message: 'exactly once', id: first.body.message_id });
  });

  it('tells a replay as delivered once the recipient has had the message', async () => {
    const [alice, bob] = await pair();
    const tab = await app.connectLive(bob.id);
    const key = randomUUID();
    const first = await app.sendKeyed(key, bob.id, 'seen', alice.id);
    expect(first.body.delivery).toBe('delivered');
    expect((await tab.nextFrame()).id).toBe(first.body.message_id);
    await expect.poll(async () => (await app.sendKeyed(key, bob.id, 'seen', alice.id)).body.delivery).toBe('delivered');
  });

  it('answers 422 for the same key with another text or recipient, storing nothing', async () => {
    const [alice, bob] = await pair();
    const carol = await app.createUser(`Keyed${n}c`);
    const key = randomUUID();
    expect((await app.sendKeyed(key, bob.id, 'first', alice.id)).status).toBe(200);
    const otherText = await app.sendKeyed(key, bob.id, 'second', alice.id);
    expect(otherText.status).toBe(422);
    expect(otherText.body).toEqual({
      statusCode: 422,
      message: 'This Idempotency-Key was already used for a different message',
      error: 'Unprocessable Entity',
    });
    expect((await app.sendKeyed(key, carol.id, 'first', alice.id)).status).toBe(422);
    expect(storedTexts(app.dataDir, bob.id)).toEqual(['first']);
    expect(storedTexts(app.dataDir, carol.id)).toEqual([]);
  });

  it('keeps keys per sender, and keys anonymous sends on the key alone', async () => {
    const [alice, bob] = await pair();
    const dave = await app.createUser(`Keyed${n}d`);
    const key = randomUUID();
    const fromAlice = await app.sendKeyed(key, bob.id, 'hi', alice.id);
    const fromDave = await app.sendKeyed(key, bob.id, 'hi', dave.id);
    expect(fromDave.body.message_id).not.toBe(fromAlice.body.message_id);
    const anonymous = await app.sendKeyed(key, bob.id, 'hi');
    const anonymousAgain = await app.sendKeyed(key, bob.id, 'hi');
    expect(anonymousAgain.body.message_id).toBe(anonymous.body.message_id);
    expect(storedTexts(app.dataDir, bob.id)).toEqual(['hi', 'hi', 'hi']);
  });

  it('remembers no key for a refused send: the retry is judged afresh', async () => {
    const [alice] = await pair();
    const key = randomUUID();
    const refused = await app.sendKeyed(key, 'nobody', 'to whom?', alice.id);
    expect(refused.status).toBe(404);
    const bob = await app.createUser(`Keyed${n}late`);
    expect((await app.sendKeyed(key, bob.id, 'to whom?', alice.id)).status).toBe(200);
  });

  it('refuses a malformed key with 400', async () => {
    const [alice, bob] = await pair();
    for (const key of ['x'.repeat(256), 'tab\there', '']) {
      const res = await app.sendKeyed(key, bob.id, 'hi', alice.id);
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Idempotency-Key must be 1 to 255 printable ASCII characters');
    }
    expect(storedTexts(app.dataDir, bob.id)).toEqual([]);
  });
});

describe('Idempotency-Key across two processes on the Redis bus and one SQLite file', () => {
  const dataDir = tempDataDir();
  let processes: ServerProcess[];
  let a: ApiClient;
  let b: ApiClient;
  beforeAll(async () => {
    const env = {
      DATA_DIR: dataDir,
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_PREFIX: uniqueRedisPrefix(),
      ...TEST_RATE_LIMITS,
    };
    processes = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
    [a, b] = processes.map((process) => process.api);
  });
  afterAll(async () => {
    await Promise.all((processes ?? []).map((process) => process.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('replays on one process what the other stored, and answers 422 there too', async () => {
    const [alice, bob] = [await a.createUser('CrossA'), await a.createUser('CrossB')];
    const key = randomUUID();
    const first = await a.sendKeyed(key, bob.id, 'once, anywhere', alice.id);
    expect(first.status).toBe(200);
    const again = await b.sendKeyed(key, bob.id, 'once, anywhere', alice.id);
    expect(again.status).toBe(200);
    expect(again.body.message_id).toBe(first.body.message_id);
    expect((await b.sendKeyed(key, bob.id, 'changed', alice.id)).status).toBe(422);
    expect(storedTexts(dataDir, bob.id)).toEqual(['once, anywhere']);
  });

  it('stores one copy of concurrent sends with one key on both processes, and both answer its id', async () => {
    const [alice, bob] = [await a.createUser('RaceA'), await a.createUser('RaceB')];
    for (let round = 0; round < 10; round++) {
      const key = randomUUID();
      const answers = await Promise.all(
        [a, b, a, b].map((api) => api.sendKeyed(key, bob.id, `race ${round}`, alice.id)),
      );
      const ok = answers.filter((res) => res.status === 200);
      // A repeat while the first is in flight on the same process is a 409; none is anything else.
      expect(answers.every((res) => res.status === 200 || res.status === 409)).toBe(true);
      expect(new Set(ok.map((res) => res.body.message_id)).size).toBe(1);
    }
    expect(storedTexts(dataDir, bob.id)).toEqual(Array.from({ length: 10 }, (_, round) => `race ${round}`));
  });
});
