import { NameTakenError } from '../../common/domain-errors.js';
import { type Credentials, type NewUser, type User, UserStore } from '../../ports/user.store.js';
import type { PostgresDatabase, Statement } from './postgres-database.js';
import { sqlState } from './postgres-errors.js';

const UNIQUE_VIOLATION = '23505';

// One statement, so one round trip: the directory row is locked and bumped first, and the
// insert takes that version. A refused insert rolls the bump back with it.
const CREATE: Statement = {
  name: 'cohora.users.create',
  text: `
    WITH bumped AS (UPDATE directory SET version = version + 1 RETURNING version)
    INSERT INTO users (id, name, name_key, version, token_hash) SELECT $1, $2, $3, version, $4 FROM bumped`,
};
const BY_ID: Statement = { name: 'cohora.users.by-id', text: 'SELECT id, name FROM users WHERE id = $1' };
const BY_TOKEN_HASH: Statement = {
  name: 'cohora.users.by-token-hash',
  text: 'SELECT id, name FROM users WHERE token_hash = $1',
};
const CREDENTIALS: Statement = {
  name: 'cohora.users.credentials',
  text: 'SELECT id, name, token_hash FROM users WHERE id = $1',
};
// Compare-and-set: of two rotations presenting the same token, the row lock lets one win.
const ROTATE: Statement = {
  name: 'cohora.users.rotate-token',
  text: 'UPDATE users SET token_hash = $1 WHERE id = $2 AND token_hash = $3',
};
const SINCE: Statement = {
  name: 'cohora.users.since',
  text: 'SELECT id, name, version FROM users WHERE version > $1 ORDER BY version LIMIT $2',
};
const VERSION: Statement = { name: 'cohora.users.version', text: 'SELECT version FROM directory' };

/**
 * Users in PostgreSQL. Names are unique by the users_name_key index, whichever process
 * creates them; directory versions commit in order (see migrations.ts), so a cache that read
 * version N and then lists what came after it never misses a user.
 */
export class PostgresUserStore extends UserStore {
  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  async create({ id, name, nameKey, tokenHash }: NewUser): Promise<User> {
    try {
      await this.db.run(CREATE, [id, name, nameKey, tokenHash ?? null]);
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION && (error as { constraint?: string }).constraint === 'users_name_key') {
        throw new NameTakenError(name);
      }
      throw error;
    }
    return { id, name };
  }

  async findById(id: string): Promise<User | undefined> {
    // PostgreSQL text cannot hold U+0000, so no user has such an id; asking would be an error.
    if (id.includes('\0')) return undefined;
    const { rows } = await this.db.run<User>(BY_ID, [id]);
    return rows[0];
  }

  async findByTokenHash(tokenHash: string): Promise<User | undefined> {
    if (tokenHash.includes('\0')) return undefined;
    const { rows } = await this.db.run<User>(BY_TOKEN_HASH, [tokenHash]);
    return rows[0];
  }

  async findCredentials(id: string): Promise<Credentials | undefined> {
    if (id.includes('\0')) return undefined;
    const { rows } = await this.db.run<User & { token_hash: string | null }>(CREDENTIALS, [id]);
    const row = rows[0];
    return row && { user: { id: row.id, name: row.name }, tokenHash: row.token_hash };
  }

  async rotateToken(id: string, currentHash: string, nextHash: string): Promise<boolean> {
    const { rowCount } = await this.db.run(ROTATE, [nextHash, id, currentHash]);
    return rowCount === 1;
  }

  async listSince(since: number, limit?: number): Promise<{ users: User[]; version: number }> {
    // LIMIT NULL: no limit.
    const { rows } = await this.db.run<User & { version: string }>(SINCE, [since, limit ?? null]);
    return {
      users: rows.map(({ id, name }) => ({ id, name })),
      version: rows.length > 0 ? Number(rows[rows.length - 1].version) : since,
    };
  }

  async version(): Promise<number> {
    const { rows } = await this.db.run<{ version: string }>(VERSION);
    return Number(rows[0].version);
  }

  ping(): Promise<void> {
    return this.db.ping();
  }
}
