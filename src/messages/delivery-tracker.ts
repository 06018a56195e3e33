import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { MessageStore } from '../ports/message.store.js';

/**
 * Collects "delivered through" marks as frames leave and writes them to the store once per
 * event-loop turn, so a burst of frames costs one write. Losing a batch in a crash only means
 * those messages are delivered again, and clients drop them by id: the cursor may lag, never
 * lead.
 */
@Injectable()
export class DeliveryTracker implements OnModuleDestroy {
  private readonly logger = new Logger(DeliveryTracker.name);
  private pending = new Map<string, string>();
  /** Batches handed to the store and not yet committed: still news to a reader of the store. */
  private readonly writing = new Set<ReadonlyMap<string, string>>();
  private scheduled?: NodeJS.Immediate;
  private stopped = false;

  constructor(private readonly store: MessageStore) {}

  delivered(recipientId: string, messageId: string): void {
    if (this.stopped) return;
    const current = this.pending.get(recipientId);
    if (current === undefined || messageId > current) this.pending.set(recipientId, messageId);
    this.scheduled ??= setImmediate(() => void this.flush());
  }

  /** The newest message known delivered to `recipientId`, including marks not yet committed. */
  async deliveredThrough(recipientId: string): Promise<string | null> {
    let newest = await this.store.deliveredThrough(recipientId);
    for (const marks of [this.pending, ...this.writing]) {
      const id = marks.get(recipientId);
      if (id !== undefined && (newest === null || id > newest)) newest = id;
    }
    return newest;
  }

  async flush(): Promise<void> {
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.writing.add(batch);
    try {
      await this.store.markDelivered(batch);
    } catch (error) {
      this.logger.warn(`Could not record deliveries; they will be sent again: ${(error as Error).message}`);
    } finally {
      this.writing.delete(batch);
    }
  }

  /**
   * Writes what is pending and stops recording: at shutdown the store closes next, and a mark
   * that arrives after this only means a message is delivered again.
   */
  async stop(): Promise<void> {
    await this.flush();
    this.stopped = true;
  }

  onModuleDestroy(): void {
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }
}
