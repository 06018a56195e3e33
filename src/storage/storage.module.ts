import { Global, Module } from '@nestjs/common';
import { withoutPassword } from '../common/without-password.js';
import { AppConfig } from '../config/app-config.js';
import { MessageStore } from '../ports/message.store.js';
import { StorageEngine } from './storage-engine.js';
import { UserStore } from '../ports/user.store.js';

/**
 * Picks the storage adapters for the configured driver: the embedded SQLite file by default,
 * PostgreSQL when DATABASE_URL is set. Services depend on UserStore and MessageStore only; a
 * new engine is a new pair of adapters in StorageEngine.
 */
@Global()
@Module({
  providers: [
    {
      provide: StorageEngine,
      inject: [AppConfig],
      useFactory: ({ storage, redis }: AppConfig) =>
        // Processes sharing one SQLite file must share one bus, too: the instance lock compares these names.
        StorageEngine.open(storage, redis ? `${withoutPassword(redis.url)} ${redis.prefix}` : 'local'),
    },
    { provide: UserStore, inject: [StorageEngine], useFactory: (engine: StorageEngine) => engine.users },
    { provide: MessageStore, inject: [StorageEngine], useFactory: (engine: StorageEngine) => engine.messages },
  ],
  exports: [UserStore, MessageStore],
})
export class StorageModule {}
