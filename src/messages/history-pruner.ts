import { Injectable } from '@nestjs/common';
import { PeriodicPruner } from '../common/periodic-pruner.js';
import { AppConfig } from '../config/app-config.js';
import { MessageStore } from '../ports/message.store.js';

/** Deletes delivered messages once they are older than HISTORY_RETENTION; queued ones stay. */
@Injectable()
export class HistoryPruner extends PeriodicPruner {
  protected readonly subject = 'delivered messages past retention';

  constructor(
    private readonly store: MessageStore,
    private readonly config: AppConfig,
  ) {
    super(config.messages.pruneIntervalMs);
  }

  protected pruneDue(now: Date): Promise<number> {
    return this.store.pruneDelivered(new Date(now.getTime() - this.config.messages.retentionMs));
  }
}
