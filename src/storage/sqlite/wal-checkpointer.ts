import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';

/** Runs in the worker: its own connection to the file, checkpointing on a timer. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage(String(error && error.message));
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves WAL checkpoints off the event loop. A checkpoint copies the log into the database file
 * and fsyncs it, which can stall for milliseconds; done by SQLite's auto-checkpoint, that stall
 * would land on whichever send happened to commit. A worker thread checkpoints instead, every
 * interval, in PASSIVE mode (it never blocks the writer). The connection keeps a large
 * auto-checkpoint as a backstop, should the worker ever stop.
 */
export class WalCheckpointer {
  private readonly logger = new Logger(WalCheckpointer.name);

  private constructor(private readonly worker: Worker) {
    worker.on('message', (error: string) => this.logger.warn(`WAL checkpoint failed, will retry: ${error}`));
    worker.on('error', (error) => this.logger.error(`WAL checkpointer stopped: ${error.message}`));
    worker.unref();
  }

  static start(file: string, intervalMs = 1_000): WalCheckpointer {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    return new WalCheckpointer(new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file, intervalMs } }));
  }

  /** Stops the timer and closes the worker's connection; resolves when the worker has exited. */
  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    await exited;
  }
}
