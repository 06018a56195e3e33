import type { Database } from 'better-sqlite3';
import { StoreUnavailableError } from '../../common/domain-errors.js';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs the writes queued during one event-loop turn in a single IMMEDIATE transaction, and
 * settles each caller's promise only after that transaction has committed. Many concurrent
 * sends then cost one commit instead of one each, and none is answered before it is durable.
 *
 * A unit of work that throws fails alone, so it must throw before it writes anything
 * (check, then insert). A failed commit fails every unit in the batch, as does a unit whose
 * failure rolled the whole transaction back (SQLite does so on a full disk). `failure` turns
 * SQLite's errors into the ones callers are given.
 */
export class GroupCommit {
  private queue: Pending[] = [];

  constructor(
    private readonly db: Database,
    private readonly failure: (error: unknown) => unknown = (error) => error,
    private readonly committed: () => void = () => undefined,
  ) {}

  /**
   * Queues `work`. If `signal` aborts before the batch runs, the work is taken out of the queue,
   * never runs, and the promise rejects with StoreUnavailableError.
   */
  run<T>(work: () => T, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(new StoreUnavailableError());
      if (this.queue.length === 0) setImmediate(() => this.commit());
      const pending: Pending = { work, resolve: resolve as (value: unknown) => void, reject };
      this.queue.push(pending);
      signal?.addEventListener('abort', () => this.withdraw(pending), { once: true });
    });
  }

  private withdraw(pending: Pending): void {
    const index = this.queue.indexOf(pending);
    if (index === -1) return;
    this.queue.splice(index, 1);
    pending.reject(new StoreUnavailableError());
  }

  private commit(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const outcomes: Array<{ value?: unknown; error?: unknown; failed: boolean }> = [];
    try {
      this.db
        .transaction(() => {
          for (const { work } of batch) {
            try {
              outcomes.push({ value: work(), failed: false });
            } catch (error) {
              // Rolled back under our feet: the rest would run in autocommit, outside the batch.
              if (!this.db.inTransaction) throw error;
              outcomes.push({ error, failed: true });
            }
          }
        })
        .immediate();
    } catch (error) {
      const failed = this.failure(error);
      for (const { reject } of batch) reject(failed);
      return;
    }
    this.committed();
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i];
      if (outcome.failed) reject(this.failure(outcome.error));
      else resolve(outcome.value);
    });
  }
}
