import { Module } from '@nestjs/common';
import { BusModule } from './bus/bus.module.js';
import { ConfigModule } from './config/config.module.js';
import { DirectoryModule } from './directory/directory.module.js';
import { HealthModule } from './health/health.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MessagesModule } from './messages/messages.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { PresenceModule } from './presence/presence.module.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { RedisModule } from './redis/redis.module.js';
import { StorageModule } from './storage/storage.module.js';
import { UsersModule } from './users/users.module.js';

/**
 * The composition root: the infrastructure modules (global, each providing ports) and the
 * feature modules, which ask for the ports and never import an adapter's module.
 */
@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    RedisModule,
    StorageModule,
    BusModule,
    MetricsModule,
    RateLimitModule,
    UsersModule,
    MessagesModule,
    DirectoryModule,
    PresenceModule,
    IdempotencyModule,
    HealthModule,
  ],
})
export class AppModule {}
