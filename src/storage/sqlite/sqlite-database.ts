import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { WalCheckpointer } from './wal-checkpointer.js';

const logger = new Logger('SqliteDatabase');

export interface SqliteOptions {
  sqliteFile: string;
  /** NORMAL survives a process crash; FULL also survives power loss, at about 10x the commit cost. */
  synchronous: 'NORMAL' | 'FULL';
}

/**
 * One better-sqlite3 connection shared by the SQLite stores, and beside it the thread that
 * checkpoints the WAL (wal-checkpointer.ts); both closed at shutdown.
 */
export class SqliteDatabase implements OnApplicationShutdown {
  private constructor(
    readonly db: Database.Database,
    /** The database file's path, for logs and for free-space checks. */
    readonly file: string,
    private readonly checkpointer: WalCheckpointer,
  ) {}

  static open({ sqliteFile, synchronous }: SqliteOptions): SqliteDatabase {
    mkdirSync(dirname(sqliteFile), { recursive: true });
    const db = new Database(sqliteFile);
    // First, so that processes starting together wait for each other instead of failing.
    db.pragma('busy_timeout = 5000');
    // WAL lets readers and the single writer proceed together, and several processes share the file.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    // The checkpointer thread copies the log into the file as it grows, without blocking a
    // commit. But SQLite restarts the log only when a commit begins with every frame copied,
    // which load that never pauses never allows: past this many frames (about 64 MB) this
    // connection checkpoints what is left itself, so that the log stays bounded.
    db.pragma('wal_autocheckpoint = 16384');
    try {
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteDatabase(db, sqliteFile, new WalCheckpointer(sqliteFile, synchronous));
  }

  /** The checkpointer first: the last connection to close checkpoints the whole log. */
  async onApplicationShutdown(): Promise<void> {
    await this.checkpointer.close();
    if (this.db.open) this.db.close();
  }
}

/**
 * Applies the migrations this database lacks. Each one reads the schema version inside its own
 * write transaction, so processes starting together on one file apply each migration once.
 */
function migrate(db: Database.Database): void {
  const nextMigration = db.transaction((): number | undefined => {
    const applied = db.pragma('user_version', { simple: true }) as number;
    if (applied > MIGRATIONS.length) {
      throw new Error(
        `The database schema (version ${applied}) is newer than this cohora (version ${MIGRATIONS.length})`,
      );
    }
    if (applied === MIGRATIONS.length) return undefined;
    db.exec(MIGRATIONS[applied]);
    db.pragma(`user_version = ${applied + 1}`);
    return applied + 1;
  });
  for (let version = nextMigration.immediate(); version !== undefined; version = nextMigration.immediate()) {
    logger.log(`Applied schema migration ${version}`);
  }
}

/** better-sqlite3 is synchronous; this turns its result or its throw into the promise a port promises. */
export function promised<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}
