import type { Statement } from 'better-sqlite3';
import { NameTakenError } from '../../common/domain-errors.js';
import { type Credentials, type NewUser, type User, UserStore } from '../../ports/user.store.js';
import { promised, type SqliteDatabase } from './sqlite-database.js';
import type { SqliteWriter } from './sqlite-writer.js';

/** Reads on this thread's connection; registrations and rotations through the writer thread. */
export class SqliteUserStore extends UserStore {
  private readonly writer: SqliteWriter;
  private readonly byId: Statement<[string], User>;
  private readonly byTokenHash: Statement<[string], User>;
  private readonly credentials: Statement<[string], User & { token_hash: string | null }>;
  private readonly since: Statement<[number, number], User & { rowid: number }>;
  private readonly maxRowid: Statement<[], { version: number | null }>;

  constructor({ db, writer }: SqliteDatabase) {
    super();
    this.writer = writer;
    this.byId = db.prepare('SELECT id, name FROM users WHERE id = ?');
    this.byTokenHash = db.prepare('SELECT id, name FROM users WHERE token_hash = ?');
    this.credentials = db.prepare('SELECT id, name, token_hash FROM users WHERE id = ?');
    this.since = db.prepare('SELECT rowid, id, name FROM users WHERE rowid > ? ORDER BY rowid LIMIT ?');
    this.maxRowid = db.prepare('SELECT max(rowid) AS version FROM users');
  }

  async create({ id, name, nameKey, tokenHash }: NewUser): Promise<User> {
    try {
      await this.writer.write('createUser', { id, name, nameKey, createdAt: Date.now(), tokenHash: tokenHash ?? null });
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new NameTakenError(name);
      throw error;
    }
    return { id, name };
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
    return this.writer.write('rotateToken', { id, currentHash, nextHash });
  }

  listSince(since: number, limit?: number): Promise<{ users: User[]; version: number }> {
    return promised(() => {
      // LIMIT -1: no limit.
      const rows = this.since.all(since, limit ?? -1);
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
