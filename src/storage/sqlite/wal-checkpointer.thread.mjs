// @ts-check
// The WAL checkpointer thread (issue 13): copies committed pages from the write-ahead log into
// the database file, and fsyncs both, on a connection of its own, so that the event loop never
// waits for a checkpoint's fsyncs. PASSIVE mode takes no lock a writer needs: commits go on
// while it runs. wal-checkpointer.ts starts and stops it. Plain JavaScript because a worker
// thread loads a file, and the contract tests run the TypeScript sources, which Node 20 cannot
// load in a worker; nest-cli.json copies it to dist/.
import { clearInterval, setInterval } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, synchronous, intervalMs } = workerData;

const db = new Database(file);
// The checkpointing connection's setting decides a checkpoint's fsyncs: the same as the committing one's.
db.pragma(`synchronous = ${synchronous}`);
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    checkpoint.run();
  } catch (error) {
    // The main connection's auto-checkpoint (the backstop) still runs; say why this one failed.
    port.postMessage(String(/** @type {any} */ (error)?.message ?? error));
  }
}, intervalMs);

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
port.on('message', () => {
  clearInterval(timer);
  db.close();
  port.close();
});
