import type { Statement } from 'better-sqlite3';
import { NameTakenError } from '../../common/domain-errors.js';
import { type NewUser, type User, UserStore } from '../user.store.js';
import { promised, type SqliteDatabase } from './sqlite-database.js';

export class SqliteUserStore extends UserStore {
  private readonly insert: Statement<[string, string, string, number]>;
  private readonly byId: Statement<[string], User>;
  private readonly since: Statement<[number], User & { rowid: number }>;
  private readonly maxRowid: Statement<[], { version: number | null }>;

  constructor({ db }: SqliteDatabase) {
    super();
    this.insert = db.prepare('INSERT INTO users (id, name, name_key, created_at) VALUES (?, ?, ?, ?)');
    this.byId = db.prepare('SELECT id, name FROM users WHERE id = ?');
    this.since = db.prepare('SELECT rowid, id, name FROM users WHERE rowid > ? ORDER BY rowid');
    this.maxRowid = db.prepare('SELECT max(rowid) AS version FROM users');
  }

  create({ id, name, nameKey }: NewUser): Promise<User> {
    return promised(() => {
      try {
        this.insert.run(id, name, nameKey, Date.now());
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new NameTakenError(name);
        throw error;
      }
      return { id, name };
    });
  }

  findById(id: string): Promise<User | undefined> {
    return promised(() => this.byId.get(id));
  }

  listSince(since: number): Promise<{ users: User[]; version: number }> {
    return promised(() => {
      const rows = this.since.all(since);
      return { users: rows.map(({ id, name }) => ({ id, name })), version: rows.at(-1)?.rowid ?? since };
    });
  }

  version(): Promise<number> {
    return promised(() => this.maxRowid.get()?.version ?? 0);
  }

  ping(): Promise<void> {
    return promised(() => void this.maxRowid.get());
  }
}
