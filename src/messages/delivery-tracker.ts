import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { MessageStore } from '../ports/message.store.js';

/**
 * How long a mark may wait for this process's next send, to be written in its transaction
 * instead of one of its own (issue 13: at steady rates a mark per message was a second commit,
 * with a wake-up of the writer and of the event loop, per message). Short, because another
 * process's catch-up reads only what is stored: a mark not yet written there means a message
 * sent again to a socket that opened in those milliseconds.
 */
export const MARK_WAIT_MS = 3;

const NOTHING_PENDING = Promise.resolve();

/**
 * Collects "delivered through" marks as frames leave and writes them to the store with the
 * next send (MessagesService flushes before each append) or after MARK_WAIT_MS, so a burst of
 * frames costs one write and a steady stream none of its own. Losing a batch in a crash only
 * means those messages are delivered again, and clients drop them by id: the cursor may lag,
 * never lead. Readers in this process (the catch-up's start) see pending marks too.
 */
@Injectable()
export class DeliveryTracker implements OnModuleDestroy {
  private readonly logger = new Logger(DeliveryTracker.name);
  private pending = new Map<string, string>();
  /** Batches handed to the store and not yet committed: still news to a reader of the store. */
  private readonly writing = new Set<ReadonlyMap<string, string>>();
  /**
   * Fires MARK_WAIT_MS after the first mark since the last flush. One timer, re-armed with
   * refresh(): a steady stream, flushed by every send, would otherwise make and clear a timer
   * per message. A flush leaves it running; firing with nothing pending writes nothing.
   */
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly store: MessageStore) {}

  delivered(recipientId: string, messageId: string): void {
    if (this.stopped) return;
    const first = this.pending.size === 0;
    const current = this.pending.get(recipientId);
    if (current === undefined || messageId > current) this.pending.set(recipientId, messageId);
    if (first) this.timer = this.timer?.refresh() ?? setTimeout(() => void this.flush(), MARK_WAIT_MS);
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

  /**
   * Hands the pending marks to the store at once: the store takes them before this returns, so
   * a write made next in the same turn shares their transaction and comes after them.
   */
  flush(): Promise<void> {
    // Called before every send: nothing pending costs no promise.
    if (this.pending.size === 0) return NOTHING_PENDING;
    const batch = this.pending;
    this.pending = new Map();
    return this.record(batch);
  }

  private async record(batch: ReadonlyMap<string, string>): Promise<void> {
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
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
