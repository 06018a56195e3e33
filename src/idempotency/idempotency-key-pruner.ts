import { Injectable } from '@nestjs/common';
import { PeriodicPruner } from '../common/periodic-pruner.js';
import { AppConfig } from '../config/app-config.js';
import { IDEMPOTENCY_WINDOW_MS, MessageStore } from '../ports/message.store.js';

/** Forgets Idempotency-Keys once they are past their 24 h, on the history pruner's interval. */
@Injectable()
export class IdempotencyKeyPruner extends PeriodicPruner {
  protected readonly subject = 'Idempotency-Keys past 24 h';

  constructor(
    private readonly store: MessageStore,
    config: AppConfig,
  ) {
    super(config.messages.pruneIntervalMs);
  }

  protected pruneDue(now: Date): Promise<number> {
    return this.store.pruneIdempotencyKeys(new Date(now.getTime() - IDEMPOTENCY_WINDOW_MS));
  }
}
