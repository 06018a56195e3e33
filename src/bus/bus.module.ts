import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MessageBus } from '../ports/message.bus.js';
import { RedisClients } from '../redis/redis-clients.js';
import { LocalMessageBus } from './local-message.bus.js';
import { RedisMessageBus } from './redis-message.bus.js';

/** Picks the bus for the configured layout: in-process by default, Redis when REDIS_URL is set. */
@Global()
@Module({
  providers: [
    {
      provide: MessageBus,
      inject: [AppConfig, RedisClients],
      useFactory: ({ bus }: AppConfig, redis: RedisClients | null): MessageBus =>
        bus.driver === 'redis' && redis ? new RedisMessageBus(redis) : new LocalMessageBus(),
    },
  ],
  exports: [MessageBus],
})
export class BusModule {}
