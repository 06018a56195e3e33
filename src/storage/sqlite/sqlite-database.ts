import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { SqliteWriter } from './sqlite-writer.js';
import { WalCheckpointer } from './wal-checkpointer.js';

const logger = new Logger('SqliteDatabase');

/** How long a connection waits for another's lock, unless told otherwise: long enough for processes booting together. */
const LOCK_WAIT_MS = 5_000;

export interface SqliteOptions {
  sqliteFile: string;
  /** NORMAL survives a process crash; FULL also survives power loss, at about 10x the commit cost. */
  synchronous: 'NORMAL' | 'FULL';
  /** How long a write waits for another connection's write lock before failing with SQLITE_BUSY (default LOCK_WAIT_MS). */
  lockWaitMs?: number;
}

/**
 * The SQLite file as the stores see it: `db`, this thread's connection, for reads, and `writer`,
 * the thread every write goes through (sqlite-writer.ts); beside them the thread that
 * checkpoints the WAL (wal-checkpointer.ts). All closed at shutdown.
 */
export class SqliteDatabase implements OnApplicationShutdown {
  private constructor(
    readonly db: Database.Database,
    readonly writer: SqliteWriter,
    private readonly checkpointer: WalCheckpointer,
  ) {}

  static open({ sqliteFile, synchronous, lockWaitMs = LOCK_WAIT_MS }: SqliteOptions): SqliteDatabase {
    mkdirSync(dirname(sqliteFile), { recursive: true });
    const db = new Database(sqliteFile);
    // First, so that processes starting together wait for each other instead of failing.
    db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
    // WAL lets readers and the single writer proceed together, and several processes share the file.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    try {
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteDatabase(
      db,
      new SqliteWriter(sqliteFile, synchronous, lockWaitMs),
      new WalCheckpointer(sqliteFile, synchronous),
    );
  }

  /** The writer last: the last connection to close checkpoints the whole WAL, and its thread does so off the event loop. */
  async onApplicationShutdown(): Promise<void> {
    if (this.db.open) this.db.close();
    await this.checkpointer.close();
    await this.writer.close();
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
