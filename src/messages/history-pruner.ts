import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MessageStore } from '../ports/message.store.js';

/** Deletes delivered messages once they are older than HISTORY_RETENTION; queued ones stay. */
@Injectable()
export class HistoryPruner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HistoryPruner.name);
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
      const pruned = await this.store.pruneDelivered(new Date(now.getTime() - this.config.messages.retentionMs));
      if (pruned > 0) this.logger.log(`Pruned ${pruned} delivered messages past retention`);
      return pruned;
    } catch (error) {
      this.logger.warn(`Pruning failed, will retry: ${(error as Error).message}`);
      return 0;
    }
  }
}
