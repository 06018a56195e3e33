import { Global, Module } from '@nestjs/common';
import { RedisCommands } from '../redis/redis-commands.js';
import { RedisModule } from '../redis/redis.module.js';
import { MessageStore } from '../ports/message.store.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { Metrics } from './metrics.js';
import { MetricsController } from './metrics.controller.js';

/** Metrics for any module to count into, and `/metrics` to read them. */
@Global()
@Module({
  imports: [RedisModule],
  controllers: [MetricsController],
  providers: [
    {
      provide: Metrics,
      inject: [MessageStore],
      useFactory: (store: MessageStore) => {
        const metrics = new Metrics();
        metrics.countQueuedWith(() => store.queuedCount());
        return metrics;
      },
    },
    {
      provide: ClusterMetrics,
      inject: [Metrics, RedisCommands],
      useFactory: (metrics: Metrics, redis: RedisCommands | null) => new ClusterMetrics(metrics, redis),
    },
  ],
  exports: [Metrics],
})
export class MetricsModule {}
