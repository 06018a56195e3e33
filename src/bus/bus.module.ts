import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { InstanceLock } from './instance-lock.js';
import { LocalMessageBus } from './local-message.bus.js';
import { MessageBus } from '../ports/message.bus.js';
import { withoutPassword } from '../common/without-password.js';
import { RedisMessageBus } from './redis-message.bus.js';

/**
 * Picks the bus for the configured layout. The Redis client library is loaded only when
 * REDIS_URL is set: the embedded default never loads it.
 */
@Global()
@Module({
  providers: [
    {
      provide: MessageBus,
      inject: [AppConfig],
      useFactory: async ({ bus, storage }: AppConfig): Promise<MessageBus> => {
        if (bus.driver === 'local') return new LocalMessageBus(await InstanceLock.acquire(storage.dataDir));
        if (storage.driver === 'postgres') return RedisMessageBus.connect(bus);
        // Processes sharing one SQLite file must share one bus, too.
        const lock = await InstanceLock.acquire(storage.dataDir, `${withoutPassword(bus.url)} ${bus.prefix}`);
        return RedisMessageBus.connect(bus, lock);
      },
    },
  ],
  exports: [MessageBus],
})
export class BusModule {}
