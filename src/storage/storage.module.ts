import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MessageStore } from './message.store.js';
import { SqliteDatabase } from './sqlite/sqlite-database.js';
import { SqliteMessageStore } from './sqlite/sqlite-message.store.js';
import { SqliteUserStore } from './sqlite/sqlite-user.store.js';
import { UserStore } from './user.store.js';

/**
 * Picks the storage adapters for the configured driver. Services depend on UserStore and
 * MessageStore only; a new engine is a new pair of adapters here.
 */
@Module({
  providers: [
    {
      provide: SqliteDatabase,
      inject: [AppConfig],
      useFactory: ({ storage }: AppConfig) => SqliteDatabase.open(storage),
    },
    { provide: UserStore, inject: [SqliteDatabase], useFactory: (db: SqliteDatabase) => new SqliteUserStore(db) },
    { provide: MessageStore, inject: [SqliteDatabase], useFactory: (db: SqliteDatabase) => new SqliteMessageStore(db) },
  ],
  exports: [UserStore, MessageStore],
})
export class StorageModule {}
