/** A write waiting for its batch; rejected with the batch's error if the batch fails as a whole. */
export interface BatchedWrite {
  reject(error: unknown): void;
}

/**
 * Gathers the writes queued during one event-loop turn, and while a batch is running, all
 * those queued meanwhile, and hands them to `write` together: one transaction for many sends.
 * One batch runs at a time, so under load batches grow instead of transactions multiplying.
 * `write` settles each write itself once its transaction has committed; if it throws, every
 * write of the batch is rejected with that error.
 */
export class WriteBatcher<W extends BatchedWrite> {
  private queue: W[] = [];
  private running = false;
  private scheduled = false;

  constructor(private readonly write: (batch: W[]) => Promise<void>) {}

  add(item: W): void {
    this.queue.push(item);
    this.schedule();
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.runBatch();
    });
  }

  private async runBatch(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.running = true;
    try {
      await this.write(batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
