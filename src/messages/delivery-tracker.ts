import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { MessageStore } from '../storage/message.store.js';

/** Often enough that a restart re-sends little, rarely enough that a burst costs one write. */
const FLUSH_DELAY_MS = 50;

/**
 * Collects "delivered through" marks as frames leave and writes them to the store in one
 * batch. Losing a batch in a crash only means those messages are delivered again, and
 * clients drop them by id: the cursor may lag, never lead.
 */
@Injectable()
export class DeliveryTracker implements OnModuleDestroy {
  private readonly logger = new Logger(DeliveryTracker.name);
  private pending = new Map<string, string>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: MessageStore) {}

  delivered(recipientId: string, messageId: string): void {
    const current = this.pending.get(recipientId);
    if (current === undefined || messageId > current) this.pending.set(recipientId, messageId);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.store.markDelivered(batch);
    } catch (error) {
      this.logger.warn(`Could not record deliveries; they will be sent again: ${(error as Error).message}`);
    }
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
  }
}
