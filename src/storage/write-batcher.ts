import { OutcomeUnknownError, StoreUnavailableError } from '../common/domain-errors.js';

/** A write waiting for its batch; rejected with the batch's error if the batch fails as a whole. */
export interface BatchedWrite {
  reject(error: unknown): void;
}

/** Where a write is: waiting in this process, or sent to the database (its outcome unknown until answered). */
type Stage = 'queued' | 'sent' | 'withdrawn';

/** What the batcher keeps of a write: its stage, and the signal it waits on. */
interface Tracking {
  stage: Stage;
  signal?: AbortSignal;
}

/**
 * Gathers the writes queued during one event-loop turn, and while a batch is running, all
 * those queued meanwhile, and hands them to `write` together: one transaction for many sends.
 * One batch runs at a time, so under load batches grow instead of transactions multiplying.
 * `write` settles each write itself once its transaction has committed; if it throws, every
 * write of the batch is rejected with that error.
 *
 * A write added with a signal that aborts (the send's time is up) while it is still in this
 * process is withdrawn: `write` never sends it (see `sendable`), and it rejects with
 * StoreUnavailableError. One aborted after `write` marked it sent rejects with
 * OutcomeUnknownError at once; its batch goes on, and its later outcome is not reported.
 */
export class WriteBatcher<W extends BatchedWrite> {
  private queue: W[] = [];
  /**
   * The writes queued or in a batch, until their batch is over. A Map emptied as writes settle,
   * not a WeakMap: a WeakMap's entries go only with a full GC, so at thousands of sends a second
   * its table grew, was copied and was walked by every young-generation GC in between (issue 13).
   */
  private readonly tracked = new Map<W, Tracking>();
  /**
   * The unsettled writes of each signal, which one abort listener per signal answers: sends
   * share their bound's signal (SharedTimeouts), and a listener added and removed per write on
   * it doubled what the young-generation GC kept per scavenge (issue 13). The listener stays
   * until the signal aborts and then finds only the writes still waiting; an entry goes with
   * its signal.
   */
  private readonly waiting = new WeakMap<AbortSignal, Set<W>>();
  private running = false;
  private scheduled = false;

  constructor(private readonly write: (batch: W[]) => Promise<void>) {}

  add(item: W, signal?: AbortSignal): void {
    if (signal?.aborted) return item.reject(new StoreUnavailableError());
    this.tracked.set(item, { stage: 'queued', signal });
    if (signal) this.writesOf(signal).add(item);
    this.queue.push(item);
    this.schedule();
  }

  /**
   * Called by `write` just before it sends: the writes of `batch` not withdrawn, from now on
   * marked sent. A write may be sent again after the database refused its batch (rolled back).
   */
  sendable(batch: W[]): W[] {
    return batch.filter((item) => {
      const tracking = this.tracked.get(item)!;
      if (tracking.stage === 'withdrawn') return false;
      tracking.stage = 'sent';
      return true;
    });
  }

  /** The writes waiting on `signal`; the first one arms its listener. */
  private writesOf(signal: AbortSignal): Set<W> {
    const known = this.waiting.get(signal);
    if (known) return known;
    const writes = new Set<W>();
    signal.addEventListener('abort', () => writes.forEach((item) => this.timedOut(item)), { once: true });
    this.waiting.set(signal, writes);
    return writes;
  }

  /** The batcher is done with `item`: settled, or withdrawn before any batch took it. */
  private forget(item: W): void {
    const signal = this.tracked.get(item)?.signal;
    if (signal) this.waiting.get(signal)?.delete(item);
    this.tracked.delete(item);
  }

  private timedOut(item: W): void {
    const tracking = this.tracked.get(item);
    if (tracking?.stage === 'sent') return item.reject(new OutcomeUnknownError());
    if (tracking?.stage !== 'queued') return;
    tracking.stage = 'withdrawn';
    const index = this.queue.indexOf(item);
    if (index !== -1) {
      this.queue.splice(index, 1);
      // In no batch: nothing will ask for it again. One in a batch is forgotten with its batch.
      this.forget(item);
    }
    item.reject(new StoreUnavailableError());
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
    if (batch.length === 0) return;
    this.running = true;
    try {
      await this.write(batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      // Every write of the batch is settled now. Its signal's listener must not find it: firing
      // would build an error nobody reads, which at thousands of sends a second was a
      // measurable part of the CPU and the GC (issue 13).
      for (const item of batch) this.forget(item);
      this.running = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
