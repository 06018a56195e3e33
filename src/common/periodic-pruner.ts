import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';

/**
 * A store's housekeeping, run every PRUNE_INTERVAL from boot to shutdown. A failed round is
 * logged and tried again on the next tick: pruning is never a reason to stop serving. The
 * store deletes in small batches, never in one long statement.
 */
export abstract class PeriodicPruner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(this.constructor.name);
  private timer?: NodeJS.Timeout;

  /** What goes, as the log lines name it: "delivered messages past retention". */
  protected abstract readonly subject: string;

  constructor(private readonly intervalMs: number) {}

  /** Deletes what is due at `now`; resolves to how many went. */
  protected abstract pruneDue(now: Date): Promise<number>;

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune(), this.intervalMs).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async prune(now = new Date()): Promise<number> {
    try {
      const pruned = await this.pruneDue(now);
      if (pruned > 0) this.logger.log(`Pruned ${pruned} ${this.subject}`);
      return pruned;
    } catch (error) {
      this.logger.warn(`Pruning ${this.subject} failed, will retry: ${(error as Error).message}`);
      return 0;
    }
  }
}
