import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';

/** How often the checkpointer copies the log into the file: often enough that each copy is small. */
const CHECKPOINT_INTERVAL_MS = 100;

/**
 * Moves WAL checkpoints off the commit path (issue 13). A checkpoint copies the log into the
 * database file and fsyncs both; on a busy disk that takes 10–300 ms. Run by SQLite's
 * auto-checkpoint it stalled whichever commit reached the threshold, and with it every send
 * behind that commit. A thread of its own checkpoints every CHECKPOINT_INTERVAL_MS in PASSIVE
 * mode, which never blocks a writer (sqlite-writer.ts keeps a large auto-checkpoint as the
 * backstop that restarts the log under load that never pauses).
 */
export class WalCheckpointer {
  private readonly logger = new Logger(WalCheckpointer.name);
  private readonly thread: Worker;
  private lastFailure?: string;
  private closing?: Promise<void>;

  constructor(file: string, synchronous: 'NORMAL' | 'FULL') {
    this.thread = new Worker(new URL('./wal-checkpointer.thread.mjs', import.meta.url), {
      workerData: { file, synchronous, intervalMs: CHECKPOINT_INTERVAL_MS },
    });
    this.thread.on('message', (failure: string) => {
      // Once per kind of failure, not ten times a second.
      if (failure !== this.lastFailure) this.logger.warn(`A WAL checkpoint failed, will retry: ${failure}`);
      this.lastFailure = failure;
    });
    this.thread.on('error', (error) => this.logger.error(`The WAL checkpointer stopped: ${error.message}`));
  }

  /** Stops the timer and closes the thread's connection; resolves when the thread has exited. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.thread.once('exit', () => resolve());
      this.thread.postMessage('close');
    });
    return this.closing;
  }
}
