import type { Database } from 'better-sqlite3';

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
 * (check, then insert). A failed commit fails every unit in the batch.
 */
export class GroupCommit {
  private queue: Pending[] = [];

  constructor(private readonly db: Database) {}

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.commit());
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private commit(): void {
    const batch = this.queue;
    this.queue = [];
    const outcomes: Array<{ value?: unknown; error?: unknown; failed: boolean }> = [];
    try {
      this.db
        .transaction(() => {
          for (const { work } of batch) {
            try {
              outcomes.push({ value: work(), failed: false });
            } catch (error) {
              outcomes.push({ error, failed: true });
            }
          }
        })
        .immediate();
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i];
      if (outcome.failed) reject(outcome.error);
      else resolve(outcome.value);
    });
  }
}
