import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  NameTakenError,
  RecipientQueueFullError,
  StoreUnavailableError,
} from '../../src/common/domain-errors.js';
import type { MessageDraft, StoredMessage } from '../../src/ports/message.store.js';
import { PostgresDatabase } from '../../src/storage/postgres/postgres-database.js';
import { PostgresMessageStore } from '../../src/storage/postgres/postgres-message.store.js';
import { PostgresUserStore } from '../../src/storage/postgres/postgres-user.store.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestSchema } from '../support/test-schema.js';
import { messageStoreContract } from './message-store.contract.js';
import { userStoreContract } from './user-store.contract.js';
import { MIGRATIONS } from '../../src/storage/postgres/migrations.js';

const schemas: TestSchema[] = [];
const opened: PostgresDatabase[] = [];

/** A database handle on `schema`, as one cohora process would hold it. */
async function openDatabase(schema: TestSchema, url = schema.url): Promise<PostgresDatabase> {
  const database = await PostgresDatabase.connect({ databaseUrl: url, poolSize: 4 });
  opened.push(database);
  return database;
}

/** A fresh schema, so that each store the contract opens starts empty. */
async function freshSchema(): Promise<TestSchema> {
  const schema = await TestSchema.create();
  schemas.push(schema);
  return schema;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((database) => database.onApplicationShutdown()));
});
afterAll(async () => {
  await Promise.all(schemas.splice(0).map((schema) => schema.drop()));
});

userStoreContract('PostgreSQL', async () => new PostgresUserStore(await openDatabase(await freshSchema())));
messageStoreContract('PostgreSQL', async () => new PostgresMessageStore(await openDatabase(await freshSchema())));

const draft = (recipientId: string, text: string): MessageDraft => ({
  recipientId,
  senderId: null,
  senderName: 'anonymous',
  text,
  sentAt: new Date(),
});

describe('PostgreSQL stores shared by several processes', () => {
  let schema: TestSchema;
  beforeAll(async () => (schema = await freshSchema()));

  /** Two handles with a pool each: two cohora processes on one database. */
  const twoProcesses = async () => [await openDatabase(schema), await openDatabase(schema)];

  it('lets exactly one of many concurrent creates of one name succeed, across processes', async () => {
    const stores = (await twoProcesses()).map((db) => new PostgresUserStore(db));
    const attempts = Array.from({ length: 40 }, (_, i) =>
      stores[i % 2].create({ id: randomUUID(), name: i % 3 ? 'Raced' : 'RACED', nameKey: 'raced' }),
    );
    const results = await Promise.allSettled(attempts);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      results.every((r) => r.status === 'fulfilled' || r.reason instanceof NameTakenError),
      'every other attempt is refused as taken',
    ).toBe(true);
    for (const store of stores) {
      expect((await store.listSince(0)).users.filter((u) => u.name.toLowerCase() === 'raced')).toHaveLength(1);
    }
  });

  it('never lets a directory reader miss a user, while several processes create users', async () => {
    const writers = [...(await twoProcesses()), ...(await twoProcesses())].map((db) => new PostgresUserStore(db));
    const reader = new PostgresUserStore(await openDatabase(schema));
    const start = await reader.version();
    const created = new Set<string>();
    const creating = Promise.all(
      writers.map(async (store, process) => {
        for (let i = 0; i < 50; i++) {
          const name = `Dir${process}x${i}`;
          await store.create({ id: randomUUID(), name, nameKey: name.toLowerCase() });
          created.add(name);
        }
      }),
    );
    let done = false;
    void creating.finally(() => (done = true));
    const seen: string[] = [];
    let version = start;
    // Read what is new, over and over while users are added, as UsersService does.
    for (let reading = true; reading;) {
      reading = !done;
      const page = await reader.listSince(version);
      seen.push(...page.users.map((u) => u.name));
      version = page.version;
    }
    await creating;
    expect(seen.sort()).toEqual([...created].sort());
    expect(version).toBe(await reader.version());
  });

  it('gives a reader polling during concurrent appends from several processes every message, in id order', async () => {
    const writers = [...(await twoProcesses()), ...(await twoProcesses())].map((db) => new PostgresMessageStore(db));
    const reader = new PostgresMessageStore(await openDatabase(schema));
    const recipient = `bob-${randomUUID()}`;
    const appended: StoredMessage[] = [];
    const appending = Promise.all(
      writers.map(async (store, process) => {
        // Waves of concurrent appends, so each process commits many batches of several.
        for (let wave = 0; wave < 15; wave++) {
          const sent = await Promise.all(
            Array.from({ length: 8 }, (_, i) => store.append(draft(recipient, `p${process} w${wave} m${i}`), 10_000)),
          );
          appended.push(...sent);
        }
      }),
    );
    let done = false;
    void appending.finally(() => (done = true));
    const seen: StoredMessage[] = [];
    for (let reading = true; reading;) {
      reading = !done;
      // Pages after the last id seen, as a catching-up connection reads them.
      const page = await reader.listAfter(recipient, seen.at(-1)?.id ?? null, 1_000);
      seen.push(...page);
    }
    await appending;
    expect(seen).toHaveLength(writers.length * 15 * 8);
    const ids = seen.map((m) => m.id);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(appended.map((m) => m.id).sort());
  });

  it('keeps each process’s appends for one recipient in the order they were accepted', async () => {
    const [a, b] = (await twoProcesses()).map((db) => new PostgresMessageStore(db));
    const recipient = `carol-${randomUUID()}`;
    await Promise.all(
      [a, b].map((store, process) =>
        Promise.all(Array.from({ length: 50 }, (_, i) => store.append(draft(recipient, `${process}:${i}`), 10_000))),
      ),
    );
    const listed = await a.listAfter(recipient, null, 1_000);
    for (const process of ['0', '1']) {
      const own = listed.filter((m) => m.text.startsWith(`${process}:`)).map((m) => Number(m.text.split(':')[1]));
      expect(own).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
  });

  it('holds the queue limit across processes: exactly maxQueued appends are accepted', async () => {
    const [a, b] = (await twoProcesses()).map((db) => new PostgresMessageStore(db));
    const recipient = `dave-${randomUUID()}`;
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => [a, b][i % 2].append(draft(recipient, `q${i}`), 7)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
    expect(results.every((r) => r.status === 'fulfilled' || r.reason instanceof RecipientQueueFullError)).toBe(true);
    expect(await a.listAfter(recipient, null, 100)).toHaveLength(7);
  });

  it('never moves a delivery cursor back, whichever process reports last', async () => {
    const [a, b] = (await twoProcesses()).map((db) => new PostgresMessageStore(db));
    const recipient = `erin-${randomUUID()}`;
    const [first, second] = [await a.append(draft(recipient, '1'), 10), await a.append(draft(recipient, '2'), 10)];
    await a.markDelivered(new Map([[recipient, second.id]]));
    await b.markDelivered(new Map([[recipient, first.id]]));
    expect(await b.deliveredThrough(recipient)).toBe(second.id);
    // Both were counted delivered: the queue has room for maxQueued more.
    await expect(b.append(draft(recipient, '3'), 1)).resolves.toBeDefined();
  });
});

describe(PostgresDatabase.name, () => {
  it('applies its migrations once when several processes boot at the same time', async () => {
    const schema = await freshSchema();
    await Promise.all(Array.from({ length: 4 }, () => openDatabase(schema)));
    expect(await schema.query('SELECT version FROM cohora_migrations ORDER BY version')).toEqual(
      MIGRATIONS.map((_, i) => ({ version: i + 1 })),
    );
  });

  it('refuses a database written by a newer cohora', async () => {
    const schema = await freshSchema();
    await (await openDatabase(schema)).onApplicationShutdown();
    await schema.query('INSERT INTO cohora_migrations (version) VALUES (99)');
    await expect(openDatabase(schema)).rejects.toThrow(/newer than this cohora/);
  });

  it('refuses to start on a search_path that names no schema, saying so', async () => {
    const schema = await freshSchema();
    await schema.drop();
    await expect(openDatabase(schema)).rejects.toThrow(/no schema to create tables in/);
  });

  it('ends its pool at shutdown, leaving no connection open', async () => {
    const schema = await freshSchema();
    const database = await openDatabase(schema);
    await database.ping();
    const connections = () =>
      schema.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [
        schema.name,
      ]);
    expect(Number((await connections())[0].n)).toBeGreaterThan(1);
    await database.onApplicationShutdown();
    // Only the query's own connection remains.
    await expect.poll(async () => Number((await connections())[0].n)).toBe(1);
  });

  it('stores a message as given, and refuses only U+0000, which PostgreSQL text cannot hold', async () => {
    const store = new PostgresMessageStore(await openDatabase(await freshSchema()));
    const text = `quotes " ' \\ {braces}, NULL, a tab\t, 😀, \u200b`;
    // One batch: neither the refused nor the odd message may fail the others.
    const [stored, refused, lone] = await Promise.allSettled([
      store.append(draft('bob', text), 10),
      store.append(draft('bob', 'nul \u0000 here'), 10),
      store.append(draft('bob', 'lone \ud800 surrogate'), 10),
    ]);
    expect(stored).toMatchObject({ status: 'fulfilled', value: { text } });
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.any(InvalidInputError) });
    expect(lone.status).toBe('fulfilled');
    // As UTF-8 stores it (and SQLite does): the lone surrogate becomes U+FFFD.
    expect((await store.listAfter('bob', null, 10)).map((m) => m.text)).toEqual([text, 'lone \ufffd surrogate']);
    expect(await new PostgresUserStore(await openDatabase(await freshSchema())).findById('a\u0000b')).toBeUndefined();
  });

  it('fails only the write the database refuses, not the others of its batch', async () => {
    const store = new PostgresMessageStore(await openDatabase(await freshSchema()));
    // Not a user id cohora would ever pass; PostgreSQL refuses it, as it would any odd value.
    const [odd, fine] = await Promise.allSettled([
      store.append(draft('x\u0000y', 'to nobody'), 10),
      store.append(draft('bob', 'to bob'), 10),
    ]);
    expect(odd.status).toBe('rejected');
    expect(fine).toMatchObject({ status: 'fulfilled', value: { text: 'to bob' } });
    expect((await store.listAfter('bob', null, 10)).map((m) => m.text)).toEqual(['to bob']);
  });
});

describe('PostgreSQL stores during an outage', () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  beforeAll(async () => {
    schema = await freshSchema();
    proxy = await TcpProxy.start(Number(new URL(schema.url).port || 5432));
  });
  afterAll(async () => proxy.close());

  it('rejects with StoreUnavailableError while the database is cut off, and serves again once it is back', async () => {
    const database = await openDatabase(schema, schema.urlVia(proxy.port));
    const users = new PostgresUserStore(database);
    const messages = new PostgresMessageStore(database);
    await users.create({ id: randomUUID(), name: 'Before', nameKey: 'before' });

    proxy.refuse();
    const during = [
      users.create({ id: randomUUID(), name: 'During', nameKey: 'during' }),
      users.findById(randomUUID()),
      users.version(),
      messages.append(draft('bob', 'not stored'), 10),
      messages.listAfter('bob', null, 10),
      messages.markDelivered(new Map([['bob', '0000000000000001']])),
      database.ping(),
    ];
    for (const attempt of await Promise.allSettled(during)) {
      expect(attempt.status).toBe('rejected');
      expect((attempt as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    }

    proxy.restore();
    await users.create({ id: randomUUID(), name: 'After', nameKey: 'after' });
    const stored = await messages.append(draft('bob', 'stored'), 10);
    expect((await messages.listAfter('bob', null, 10)).map((m) => m.text)).toEqual(['stored']);
    expect((await users.listSince(0)).users.map((u) => u.name)).toEqual(['Before', 'After']);
    expect(stored.id).toMatch(/^\d{16}$/);
  });
});
