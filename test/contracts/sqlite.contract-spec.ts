import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/storage/sqlite/migrations.js';
import { SqliteDatabase } from '../../src/storage/sqlite/sqlite-database.js';
import { SqliteMessageStore } from '../../src/storage/sqlite/sqlite-message.store.js';
import { SqliteUserStore } from '../../src/storage/sqlite/sqlite-user.store.js';
import { messageStoreContract } from './message-store.contract.js';
import { userStoreContract } from './user-store.contract.js';

const opened: Array<{ database: SqliteDatabase; dir: string }> = [];
afterEach(async () => {
  for (const { database, dir } of opened.splice(0)) {
    await database.onApplicationShutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});

function openDatabase(dir = mkdtempSync(join(tmpdir(), 'cohora-sqlite-'))): SqliteDatabase {
  const database = SqliteDatabase.open({ sqliteFile: join(dir, 'cohora.sqlite'), synchronous: 'NORMAL' });
  opened.push({ database, dir });
  return database;
}

userStoreContract('SQLite', () => Promise.resolve(new SqliteUserStore(openDatabase())));
messageStoreContract('SQLite', () => Promise.resolve(new SqliteMessageStore(openDatabase())));

describe(SqliteDatabase.name, () => {
  it('keeps messages and cursors in the file across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohora-sqlite-'));
    const first = SqliteDatabase.open({ sqliteFile: join(dir, 'cohora.sqlite'), synchronous: 'NORMAL' });
    const stored = await new SqliteMessageStore(first).append(
      { recipientId: 'bob', senderId: null, senderName: 'anonymous', text: 'kept', sentAt: new Date() },
      10,
    );
    await new SqliteMessageStore(first).markDelivered(new Map([['bob', stored.id]]));
    await first.onApplicationShutdown();

    const reopened = new SqliteMessageStore(openDatabase(dir));
    expect((await reopened.listAfter('bob', null, 10)).map((m) => m.text)).toEqual(['kept']);
    expect(await reopened.deliveredThrough('bob')).toBe(stored.id);
  });

  it('has a message committed to the file by the time append resolves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohora-sqlite-'));
    const store = new SqliteMessageStore(openDatabase(dir));
    const appends = Array.from({ length: 20 }, (_, i) =>
      store.append(
        { recipientId: 'bob', senderId: null, senderName: 'anonymous', text: `m${i}`, sentAt: new Date() },
        100,
      ),
    );
    const first = await appends[0];
    // Another connection, as another process would open it, sees only committed data.
    const reader = new Database(join(dir, 'cohora.sqlite'), { readonly: true });
    const row = reader.prepare('SELECT body FROM messages WHERE id = ?').get(Number(first.id));
    reader.close();
    expect(row).toEqual({ body: 'm0' });
    await Promise.all(appends);
  });

  it('checkpoints the write-ahead log into the database file in the background', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohora-sqlite-'));
    const store = new SqliteMessageStore(openDatabase(dir));
    const file = join(dir, 'cohora.sqlite');
    const sizeBefore = statSync(file).size;
    const text = 'x'.repeat(1_000);
    // About 500 pages of log: far below the writer's own auto-checkpoint (16,384), so only the
    // checkpointer thread can have copied them into the file.
    await Promise.all(
      Array.from({ length: 500 }, () =>
        store.append({ recipientId: 'bob', senderId: null, senderName: 'anonymous', text, sentAt: new Date() }, 1_000),
      ),
    );
    await expect
      .poll(() => statSync(file).size, { timeout: 5_000, interval: 50 })
      .toBeGreaterThan(sizeBefore + 400_000);
  });

  it('refuses a database written by a newer cohora', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohora-sqlite-'));
    const database = openDatabase(dir);
    database.db.pragma('user_version = 99');
    await database.onApplicationShutdown();
    expect(() => SqliteDatabase.open({ sqliteFile: join(dir, 'cohora.sqlite'), synchronous: 'NORMAL' })).toThrow(
      /newer/,
    );
  });

  it('upgrades a database from before tokens: its users stay, without a token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohora-sqlite-'));
    const old = new Database(join(dir, 'cohora.sqlite'));
    old.exec(MIGRATIONS[0]);
    old.pragma('user_version = 1');
    old.prepare('INSERT INTO users (id, name, name_key, created_at) VALUES (?, ?, ?, ?)').run('u1', 'Old', 'old', 0);
    old.close();
    const users = new SqliteUserStore(openDatabase(dir));
    expect(await users.findCredentials('u1')).toEqual({ user: { id: 'u1', name: 'Old' }, tokenHash: null });
    await users.create({ id: 'u2', name: 'New', nameKey: 'new', tokenHash: 'ab'.repeat(32) });
    expect(await users.findByTokenHash('ab'.repeat(32))).toEqual({ id: 'u2', name: 'New' });
  });
});
