import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

const logger = new Logger('SqliteDatabase');

export interface SqliteOptions {
  sqliteFile: string;
  /** NORMAL survives a process crash; FULL also survives power loss, at about 10x the commit cost. */
  synchronous: 'NORMAL' | 'FULL';
}

/** One better-sqlite3 connection shared by the SQLite stores; closed at shutdown. */
export class SqliteDatabase implements OnApplicationShutdown {
  private constructor(readonly db: Database.Database) {}

  static open({ sqliteFile, synchronous }: SqliteOptions): SqliteDatabase {
    mkdirSync(dirname(sqliteFile), { recursive: true });
    const db = new Database(sqliteFile);
    // WAL lets readers and the single writer proceed together, and several processes share the file.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma('busy_timeout = 5000');
    try {
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteDatabase(db);
  }

  onApplicationShutdown(): void {
    if (this.db.open) this.db.close();
  }
}

function migrate(db: Database.Database): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > MIGRATIONS.length) {
    throw new Error(
      `The database schema (version ${applied}) is newer than this cohora (version ${MIGRATIONS.length})`,
    );
  }
  MIGRATIONS.slice(applied).forEach((sql, index) => {
    const version = applied + index + 1;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    }).immediate();
    logger.log(`Applied schema migration ${version}`);
  });
}

/** better-sqlite3 is synchronous; this turns its result or its throw into the promise a port promises. */
export function promised<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}
