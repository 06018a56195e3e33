import { Global, Module } from '@nestjs/common';
import { RedisClients } from '../redis/redis-clients.js';
import { MessageStore } from '../ports/message.store.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { Metrics } from './metrics.js';
import { MetricsController } from './metrics.controller.js';

/** Metrics for any module to count into, and `/metrics` to read them. */
@Global()
@Module({
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
      inject: [Metrics, RedisClients],
      useFactory: (metrics: Metrics, redis: RedisClients | null) => new ClusterMetrics(metrics, redis),
    },
  ],
  exports: [Metrics],
})
export class MetricsModule {}
