import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DirectoryBus } from '../ports/directory.bus.js';
import { MessageBus } from '../ports/message.bus.js';
import { PresenceBus } from '../ports/presence.bus.js';
import { RedisClients } from '../redis/redis-clients.js';
import { LocalDirectoryBus } from './local-directory.bus.js';
import { LocalMessageBus } from './local-message.bus.js';
import { LocalPresenceBus } from './local-presence.bus.js';
import { RedisDirectoryBus } from './redis-directory.bus.js';
import { RedisPresenceBus } from './redis-presence.bus.js';
import { RedisMessageBus } from './redis-message.bus.js';

/** Picks the buses (messages, directory, presence) for the configured layout: in-process by default, Redis when REDIS_URL is set. */
@Global()
@Module({
  providers: [
    {
      provide: MessageBus,
      inject: [AppConfig, RedisClients],
      useFactory: ({ bus }: AppConfig, redis: RedisClients | null): MessageBus =>
        bus.driver === 'redis' && redis ? new RedisMessageBus(redis) : new LocalMessageBus(),
    },
    {
      provide: DirectoryBus,
      inject: [AppConfig, RedisClients],
      useFactory: ({ bus }: AppConfig, redis: RedisClients | null): DirectoryBus =>
        bus.driver === 'redis' && redis ? new RedisDirectoryBus(redis) : new LocalDirectoryBus(),
    },
    {
      provide: PresenceBus,
      inject: [AppConfig, RedisClients],
      useFactory: ({ bus }: AppConfig, redis: RedisClients | null): PresenceBus =>
        bus.driver === 'redis' && redis ? new RedisPresenceBus(redis) : new LocalPresenceBus(),
    },
  ],
  exports: [MessageBus, DirectoryBus, PresenceBus],
})
export class BusModule {}
