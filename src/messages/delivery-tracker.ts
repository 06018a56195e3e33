import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MessageStore } from '../ports/message.store.js';

/**
 * How long a mark may wait for this process's next send, when this process is the store's only
 * reader (no Redis bus), to be written in its transaction instead of one of its own (issue 13:
 * at steady rates a mark per message was a second commit, with a wake-up of the writer and of
 * the event loop, per message). With other processes on the store, marks are written at the
 * end of the turn: those processes read only what is stored, so a mark held back would mean a
 * 429 for a backlog already delivered, or a message sent again to a socket that just opened.
 */
export const MARK_WAIT_MS = 3;

const NOTHING_PENDING = Promise.resolve();

/**
 * Collects "delivered through" marks as frames leave and writes them to the store with the
 * next send (MessagesService flushes before each append), or else at the end of the turn
 * (several processes) or after MARK_WAIT_MS (one), so a burst of frames costs one write and,
 * in one process, a steady stream none of its own. Losing a batch in a crash only
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
  /** With other processes on the store: the end of this turn. */
  private endOfTurn?: NodeJS.Immediate;
  /** No other process reads the store (the bus is in-process): marks may wait for a send. */
  private readonly alone: boolean;
  private stopped = false;

  constructor(
    private readonly store: MessageStore,
    config: AppConfig,
  ) {
    this.alone = config.bus.driver === 'local';
  }

  delivered(recipientId: string, messageId: string): void {
    if (this.stopped) return;
    const first = this.pending.size === 0;
    const current = this.pending.get(recipientId);
    if (current === undefined || messageId > current) this.pending.set(recipientId, messageId);
    if (!first) return;
    if (this.alone) this.timer = this.timer?.refresh() ?? setTimeout(() => void this.flush(), MARK_WAIT_MS);
    else this.endOfTurn = setImmediate(() => void this.flush());
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
    clearImmediate(this.endOfTurn);
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
    clearImmediate(this.endOfTurn);
  }
}
