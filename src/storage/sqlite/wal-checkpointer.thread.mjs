// @ts-check
// The WAL checkpointer thread (issue 13): copies committed pages from the write-ahead log into
// the database file, and fsyncs both, on a connection of its own, so that neither the event
// loop nor the writer thread waits for a checkpoint's fsyncs. PASSIVE mode takes no lock a
// writer needs: commits go on while it runs. Plain JavaScript for the reason given in
// sqlite-writer.thread.mjs; wal-checkpointer.ts starts and stops it.
import { clearInterval, setInterval } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, synchronous, intervalMs } = workerData;

const db = new Database(file);
// The checkpointing connection's setting decides a checkpoint's fsyncs: the same as the writer's.
db.pragma(`synchronous = ${synchronous}`);
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    checkpoint.run();
  } catch (error) {
    // The writer's own auto-checkpoint (a backstop) still runs; say why this one failed.
    port.postMessage(String(/** @type {any} */ (error)?.message ?? error));
  }
}, intervalMs);

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
port.on('message', () => {
  clearInterval(timer);
  db.close();
  port.close();
});
