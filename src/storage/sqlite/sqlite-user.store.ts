import type { Statement } from 'better-sqlite3';
import { NameTakenError } from '../../common/domain-errors.js';
import { type Credentials, type NewUser, type User, UserStore } from '../../ports/user.store.js';
import { promised, type SqliteDatabase } from './sqlite-database.js';

export class SqliteUserStore extends UserStore {
  private readonly insert: Statement<[string, string, string, number, string | null]>;
  private readonly byId: Statement<[string], User>;
  private readonly byTokenHash: Statement<[string], User>;
  private readonly credentials: Statement<[string], User & { token_hash: string | null }>;
  private readonly rotate: Statement<[string, string, string]>;
  private readonly since: Statement<[number], User & { rowid: number }>;
  private readonly maxRowid: Statement<[], { version: number | null }>;

  constructor({ db }: SqliteDatabase) {
    super();
    this.insert = db.prepare('INSERT INTO users (id, name, name_key, created_at, token_hash) VALUES (?, ?, ?, ?, ?)');
    this.byId = db.prepare('SELECT id, name FROM users WHERE id = ?');
    this.byTokenHash = db.prepare('SELECT id, name FROM users WHERE token_hash = ?');
    this.credentials = db.prepare('SELECT id, name, token_hash FROM users WHERE id = ?');
    this.rotate = db.prepare('UPDATE users SET token_hash = ? WHERE id = ? AND token_hash = ?');
    this.since = db.prepare('SELECT rowid, id, name FROM users WHERE rowid > ? ORDER BY rowid');
    this.maxRowid = db.prepare('SELECT max(rowid) AS version FROM users');
  }

  create({ id, name, nameKey, tokenHash }: NewUser): Promise<User> {
    return promised(() => {
      try {
        this.insert.run(id, name, nameKey, Date.now(), tokenHash ?? null);
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

  findByTokenHash(tokenHash: string): Promise<User | undefined> {
    return promised(() => this.byTokenHash.get(tokenHash));
  }

  findCredentials(id: string): Promise<Credentials | undefined> {
    return promised(() => {
      const row = this.credentials.get(id);
      return row && { user: { id: row.id, name: row.name }, tokenHash: row.token_hash };
    });
  }

  rotateToken(id: string, currentHash: string, nextHash: string): Promise<boolean> {
    return promised(() => this.rotate.run(nextHash, id, currentHash).changes === 1);
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
