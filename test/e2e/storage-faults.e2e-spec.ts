import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { CohoraClient } from '../../src/client/cohora-client.js';
import { FullDiskPostgres } from '../support/full-disk-postgres.js';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { ProxiedPostgres } from '../support/proxied-postgres.js';
import { TEST_RATE_LIMITS, TestApp, tempDataDir } from '../support/test-app.js';
import { Tmpfs, fillDisk } from '../support/tmpfs.js';

/** The send bound these tests run with, and what a send may take beyond it. */
const SEND_TIMEOUT_MS = 1_500;
const MARGIN_MS = 1_000;

interface Attempt {
  status: number | 'network';
  ms: number;
}

/** The SDK, retrying as it does for users, with every attempt's answer and duration recorded. */
function recordingClient(baseUrl: string): { client: CohoraClient; attempts: Attempt[] } {
  const attempts: Attempt[] = [];
  const client = new CohoraClient({
    server: baseUrl,
    sendRetry: { attempts: 10, backoff: { baseMs: 200, capMs: 1_000 } },
    fetch: async (input, init) => {
      const started = Date.now();
      try {
        const response = await fetch(input, init);
        attempts.push({ status: response.status, ms: Date.now() - started });
        return response;
      } catch (error) {
        attempts.push({ status: 'network', ms: Date.now() - started });
        throw error;
      }
    },
  });
  return { client, attempts };
}

function expectNoSlowAnswerAndNo500(attempts: Attempt[]): void {
  expect(attempts.every((attempt) => attempt.status !== 500)).toBe(true);
  expect(Math.max(...attempts.map((attempt) => attempt.ms))).toBeLessThan(SEND_TIMEOUT_MS + MARGIN_MS);
}

/**
 * cohora on PostgreSQL through a proxy that loses answers or stalls: a client that retries with
 * its key ends with its message stored exactly once, and no send waits past SEND_TIMEOUT_MS.
 */
describe('storage faults on PostgreSQL', () => {
  let db: ProxiedPostgres;
  let app: TestApp;
  beforeAll(async () => {
    db = await ProxiedPostgres.start();
    app = await TestApp.start({
      ...db.env,
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_PREFIX: uniqueRedisPrefix(),
      SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS),
      ...TEST_RATE_LIMITS,
    });
  });
  afterEach(() => db.proxy.restore());
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  const copies = async (text: string) =>
    (await db.schema.query<{ id: string }>('SELECT id FROM messages WHERE body = $1', [text])).map((row) => row.id);

  it('stores once when the commit went through and its answer was lost (504, then a replay)', async () => {
    const [alice, bob] = [await app.createUser('LostA'), await app.createUser('LostB')];
    const { client, attempts } = recordingClient(app.baseUrl);
    const text = 'committed, answer lost';
    const key = 'lost-answer-1';
    db.proxy.swallowReplies();
    const sending = client.sendMessage({ recipientId: bob.id, message: text, senderId: alice.id, idempotencyKey: key });
    // The statement reaches PostgreSQL and commits; its answer never comes back.
    await expect.poll(() => copies(text), { timeout: 10_000 }).toHaveLength(1);
    // The first send is still waiting for that answer: the same key meanwhile is a 409.
    const meanwhile = await app.sendKeyed(key, bob.id, text, alice.id);
    expect(meanwhile.status).toBe(409);
    expect(meanwhile.headers.get('retry-after')).toBe('1');
    // Then the link drops.
    db.proxy.refuse();
    await expect.poll(() => attempts.length, { timeout: 10_000 }).toBeGreaterThan(0);
    db.proxy.restore();

    const sent = await sending;
    expect(attempts[0].status).toBe(504);
    expect(sent.message_id).toBe((await copies(text))[0].padStart(16, '0'));
    expect(await copies(text)).toHaveLength(1);
    expectNoSlowAnswerAndNo500(attempts);
    const tab = await app.connect(bob.id);
    expect(await tab.nextFrame()).toMatchObject({ message: text, id: sent.message_id });
  });

  it('answers within the bound while the link stalls, and stores once after the retries', async () => {
    const [alice, bob] = [await app.createUser('StallA'), await app.createUser('StallB')];
    const { client, attempts } = recordingClient(app.baseUrl);
    const text = 'sent into a stall';
    db.proxy.stall();
    const sending = client.sendMessage({ recipientId: bob.id, message: text, senderId: alice.id });
    // Several tries answer (503: never left this process, or 504: sent, unanswered) while it lasts.
    await expect.poll(() => attempts.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    expect(attempts.every((attempt) => attempt.status === 503 || attempt.status === 504)).toBe(true);
    db.proxy.restore();

    await sending;
    expect(await copies(text)).toHaveLength(1);
    expectNoSlowAnswerAndNo500(attempts);
  });

  it('answers 503 within the bound when another session holds the lock a send needs, then stores once', async () => {
    const [alice, bob] = [await app.createUser('PgLockA'), await app.createUser('PgLockB')];
    expect((await app.sendKeyed('pg-lock-0', bob.id, 'before the lock', alice.id)).status).toBe(200);
    // An operator's psql holding bob's mailbox row, which every send to bob updates.
    const psql = new pg.Client({ connectionString: db.schema.url });
    await psql.connect();
    onTestFinished(() => psql.end());
    await psql.query('BEGIN');
    await psql.query('SELECT * FROM mailboxes WHERE recipient_id = $1 FOR UPDATE', [bob.id]);
    const started = Date.now();
    const refused = await app.sendKeyed('pg-lock-1', bob.id, 'while locked', alice.id);
    const took = Date.now() - started;
    expect(refused.status).toBe(503);
    expect(refused.body.message).toBe('Storage is unavailable; nothing was stored; try again');
    // It waited for the lock for half its bound (lock_timeout), and answered before the bound.
    expect(took).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS / 2 - 50);
    expect(took).toBeLessThan(SEND_TIMEOUT_MS);
    await psql.query('COMMIT');
    expect(await copies('while locked')).toEqual([]);
    expect((await app.sendKeyed('pg-lock-1', bob.id, 'while locked', alice.id)).status).toBe(200);
    expect(await copies('while locked')).toHaveLength(1);
  });

  it('answers 503 and stores nothing when the write never reached PostgreSQL', async () => {
    const [alice, bob] = [await app.createUser('CutA'), await app.createUser('CutB')];
    db.proxy.refuse();
    const started = Date.now();
    const res = await app.sendKeyed('cut-1', bob.id, 'never sent', alice.id);
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(SEND_TIMEOUT_MS + MARGIN_MS);
    db.proxy.restore();
    expect(await copies('never sent')).toEqual([]);
  });
});

interface FullDiskLayout {
  env: Record<string, string>;
  /** DATA_DIR; removed by tearDown. */
  dataDir: string;
  /** The filesystem the test fills. */
  disk: string;
  /** How many stored messages have this text. */
  stored(text: string): Promise<number>;
  tearDown(): Promise<void> | void;
}

const FULL_DISK_LAYOUTS: Array<{ name: string; setUp: () => Promise<FullDiskLayout> }> = [
  {
    // DATA_DIR on a 2 MiB tmpfs: SQLite fails with SQLITE_FULL.
    name: 'SQLite on a full tmpfs',
    setUp: () => {
      const disk = Tmpfs.mount(2);
      const stored = (text: string) => {
        const db = new Database(join(disk.dir, 'cohora.sqlite'), { readonly: true, fileMustExist: true });
        try {
          return Promise.resolve(
            (db.prepare('SELECT count(*) AS n FROM messages WHERE body = ?').get(text) as { n: number }).n,
          );
        } finally {
          db.close();
        }
      };
      return Promise.resolve({ env: {}, dataDir: disk.dir, disk: disk.dir, stored, tearDown: () => disk.unmount() });
    },
  },
  {
    // A private PostgreSQL whose data directory is on a 64 MiB tmpfs: disk_full (53100).
    name: 'PostgreSQL on a full tmpfs',
    setUp: async () => {
      const postgres = await FullDiskPostgres.start();
      const pool = new pg.Pool({ connectionString: postgres.url, max: 1 });
      const stored = async (text: string) =>
        Number((await pool.query('SELECT count(*) AS n FROM messages WHERE body = $1', [text])).rows[0].n);
      const dataDir = tempDataDir();
      const tearDown = async () => {
        await pool.end();
        postgres.stop();
        rmSync(dataDir, { recursive: true, force: true });
      };
      const env = { DATABASE_URL: postgres.url, REDIS_URL: SHARED_REDIS_URL, REDIS_PREFIX: uniqueRedisPrefix() };
      return { env, dataDir, disk: postgres.dataDisk, stored, tearDown };
    },
  },
];

/** A full disk, then space freed: 507 meanwhile, never a 500, and exactly one copy after the retry. Needs root (mount). */
describe.each(FULL_DISK_LAYOUTS)('a full disk: $name (needs root: mounts a tmpfs)', ({ setUp }) => {
  let layout: FullDiskLayout;
  let app: TestApp;
  beforeAll(async () => {
    layout = await setUp();
    app = await TestApp.start(
      { SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS), ...TEST_RATE_LIMITS, ...layout.env },
      layout.dataDir,
    );
  });
  afterAll(async () => {
    await app?.stop();
    await layout?.tearDown();
  });

  it('answers 507 and says so on /health while the disk is full, then stores once when space is freed', async () => {
    const [alice, bob] = [await app.createUser('FullA'), await app.createUser('FullB')];
    const filler = fillDisk(layout.disk);
    const answers: Array<{ status: number; text: string }> = [];
    // A commit may still fit in space the database already holds; soon one does not. Random
    // text, which PostgreSQL cannot compress into the pages it has.
    for (let i = 0; i < 500 && !answers.some((a) => a.status === 507); i++) {
      const text = `${i} ${randomBytes(3_000).toString('base64')}`;
      answers.push({ status: (await app.sendKeyed(`full-${i}`, bob.id, text, alice.id)).status, text });
    }
    expect(answers.every((a) => a.status === 200 || a.status === 507)).toBe(true);
    expect(answers.filter((a) => a.status === 507).length).toBeGreaterThan(0);
    const again = await app.sendKeyed('full-again', bob.id, 'while full', alice.id);
    expect(again.status).toBe(507);
    expect(again.body).toEqual({
      statusCode: 507,
      message: 'Storage is full: nothing was stored; try again later',
      error: 'Insufficient Storage',
    });
    const health = await app.get('/health');
    expect(health.status).toBe(503);
    expect(health.body.details.storage).toEqual({ status: 'down', writable: false, fault: 'full' });

    rmSync(filler);
    const { client, attempts } = recordingClient(app.baseUrl);
    const sent = await client.sendMessage({
      recipientId: bob.id,
      message: 'while full',
      senderId: alice.id,
      idempotencyKey: 'full-again',
    });
    expect(sent.message_id).toMatch(/^\d{16}$/);
    expect(await layout.stored('while full')).toBe(1);
    for (const { status, text } of answers) expect(await layout.stored(text)).toBe(status === 200 ? 1 : 0);
    expect((await app.get('/health')).status).toBe(200);
    expectNoSlowAnswerAndNo500(attempts);
  });
});

/**
 * Something else holds the SQLite file's write lock (an operator's `sqlite3` shell in a
 * transaction, a backup tool, a stuck process): a send fails within its bound with 503, which
 * says nothing was stored, not with a 504 that would leave the client unsure; once the lock is
 * gone, the retry with the same key stores the message once.
 */
describe('another connection holds the SQLite write lock', () => {
  let app: TestApp;
  let dataDir: string;
  let shell: Database.Database;
  beforeAll(async () => {
    dataDir = tempDataDir();
    app = await TestApp.start({ SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS), ...TEST_RATE_LIMITS }, dataDir);
    shell = new Database(join(dataDir, 'cohora.sqlite'), { fileMustExist: true });
  });
  afterAll(async () => {
    if (shell?.inTransaction) shell.prepare('ROLLBACK').run();
    shell?.close();
    await app?.close();
  });

  const stored = (text: string) =>
    (shell.prepare('SELECT count(*) AS n FROM messages WHERE body = ?').get(text) as { n: number }).n;

  it('answers 503 within the bound and stores nothing, then stores once after the lock is released', async () => {
    const [alice, bob] = [await app.createUser('LockA'), await app.createUser('LockB')];
    // What the operator reads: the log says why sends fail, once, and when they work again.
    const warnings = vi.spyOn(Logger.prototype, 'warn');
    const notes = vi.spyOn(Logger.prototype, 'log');
    onTestFinished(() => void vi.restoreAllMocks());
    shell.prepare('BEGIN IMMEDIATE').run();
    const started = Date.now();
    const refused = await app.sendKeyed('locked-1', bob.id, 'while locked', alice.id);
    const took = Date.now() - started;
    expect(refused.status).toBe(503);
    expect(refused.body.message).toBe('Storage is unavailable; nothing was stored; try again');
    expect(refused.headers.get('retry-after')).toBe('1');
    // It waited for the lock for half its bound, and answered before the bound was up.
    expect(took).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS / 2 - 50);
    expect(took).toBeLessThan(SEND_TIMEOUT_MS);
    const lockWarnings = () => warnings.mock.calls.filter(([text]) => String(text).includes('held the write lock'));
    expect((await app.sendKeyed('locked-2', bob.id, 'still locked', alice.id)).status).toBe(503);
    expect(lockWarnings()).toHaveLength(1);
    expect(String(lockWarnings()[0][0])).toContain('sends answer 503 and nothing is stored until it lets go');
    shell.prepare('COMMIT').run();
    expect(stored('while locked')).toBe(0);

    const again = await app.sendKeyed('locked-1', bob.id, 'while locked', alice.id);
    expect(again.status).toBe(200);
    expect(stored('while locked')).toBe(1);
    expect(notes.mock.calls.some(([text]) => String(text).includes('is free again'))).toBe(true);
  });
});
