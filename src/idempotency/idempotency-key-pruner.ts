import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { IDEMPOTENCY_WINDOW_MS, MessageStore } from '../ports/message.store.js';

/**
 * Forgets Idempotency-Keys once they are past their 24 h, on the history pruner's interval.
 * The store deletes them in small batches, never in one long statement.
 */
@Injectable()
export class IdempotencyKeyPruner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyKeyPruner.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: MessageStore,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune(), this.config.messages.pruneIntervalMs).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async prune(now = new Date()): Promise<number> {
    try {
      const pruned = await this.store.pruneIdempotencyKeys(new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS));
      if (pruned > 0) this.logger.log(`Forgot ${pruned} Idempotency-Keys past 24 h`);
      return pruned;
    } catch (error) {
      this.logger.warn(`Pruning Idempotency-Keys failed, will retry: ${(error as Error).message}`);
      return 0;
    }
  }
}
