import type { OnApplicationShutdown } from '@nestjs/common';
import type { StorageConfig } from '../config/app-config.js';
import type { MessageStore } from '../ports/message.store.js';
import { InstanceLock } from './sqlite/instance-lock.js';
import { SqliteDatabase } from './sqlite/sqlite-database.js';
import { SqliteMessageStore } from './sqlite/sqlite-message.store.js';
import { SqliteUserStore } from './sqlite/sqlite-user.store.js';
import type { UserStore } from '../ports/user.store.js';

/** The configured database could not be opened at start; main.ts prints the message as one line. */
export class StorageOpenError extends Error {
  override name = 'StorageOpenError';
}

/** The configured database, opened once: the two stores made from it, and its closing at shutdown. */
export class StorageEngine implements OnApplicationShutdown {
  private constructor(
    readonly users: UserStore,
    readonly messages: MessageStore,
    private readonly close: () => void | Promise<void>,
  ) {}

  /**
   * `bus` names how this process reaches the others (`local`, or the Redis URL without its
   * password and the prefix): processes may share a SQLite DATA_DIR only on one shared bus.
   */
  static async open(storage: StorageConfig, bus: string): Promise<StorageEngine> {
    if (storage.driver === 'postgres') {
      // Imported on demand: the embedded default never loads the PostgreSQL adapters or driver.
      const [{ PostgresDatabase }, { PostgresUserStore }, { PostgresMessageStore }] = await Promise.all([
        import('./postgres/postgres-database.js'),
        import('./postgres/postgres-user.store.js'),
        import('./postgres/postgres-message.store.js'),
      ]);
      const db = await PostgresDatabase.connect(storage).catch((error: Error) => {
        throw new StorageOpenError(error.message, { cause: error });
      });
      return new StorageEngine(new PostgresUserStore(db), new PostgresMessageStore(db), () =>
        db.onApplicationShutdown(),
      );
    }
    // Taken before the file is opened: a process that may not serve it never touches it.
    const lock = await InstanceLock.acquire(storage.dataDir, bus);
    try {
      const db = SqliteDatabase.open(storage);
      return new StorageEngine(new SqliteUserStore(db), new SqliteMessageStore(db), async () => {
        await db.onApplicationShutdown();
        await lock.release();
      });
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
