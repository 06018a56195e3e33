import cluster from 'node:cluster';
import { closeSync, openSync, readlinkSync, readSync } from 'node:fs';
import type { Server } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * The first step of a shutdown in which no request fails, for PM2 reloads, rolling restarts and
 * processes behind a load balancer: the server stops taking new connections, and this resolves
 * once no new connection can reach this process any more. Connections already open are still
 * served; each ends after its next response (sent with `Connection: close`) or at the server's
 * keep-alive timeout, which clients know and stop reusing a connection before. Meanwhile new
 * connections go to the other processes (a PM2 cluster's other workers, the balancer's other
 * upstreams); where there is none, they are refused, never accepted and then dropped.
 * See docs/decisions.md, "Operations".
 */
export async function stopTakingConnections(server: Server): Promise<void> {
  // Node's server.close() drops idle keep-alive connections at once, and a client may be
  // sending its next request on one at that very moment: it would get a reset.
  server.closeIdleConnections = () => undefined;
  // Prepended: a response may be written within the application's own listener.
  server.prependListener('request', (_request, response) => response.setHeader('Connection', 'close'));
  if (!server.listening) return;
  if (cluster.isWorker) {
    server.close();
    await primaryHandsOverNoMore();
  } else {
    await closeListenerGently(server);
  }
}

/**
 * In a cluster worker, the primary (PM2's daemon) owns the listening socket and hands each
 * connection to a worker over IPC, without waiting for the worker's `close`. A connection it sent
 * before it read that `close` still arrives afterwards; Node's worker refuses it back to the
 * primary, which gives it to another worker, but only if the worker is still alive to read it:
 * had it exited, the primary would hold the connection forever, unanswered. The primary
 * acknowledges a worker's disconnect only after everything the worker sent before it, so once
 * `cluster.worker.disconnect()` completes (the listener being closed already, it waits for
 * nothing else), every hand-off sent to this worker has been read and answered.
 */
function primaryHandsOverNoMore(): Promise<void> {
  const worker = cluster.worker;
  if (!worker?.isConnected()) return Promise.resolve();
  return new Promise((resolve) => {
    worker.once('disconnect', () => resolve());
    worker.disconnect();
  });
}

/** Longest a single process waits for its listen queue to empty before it closes the listener anyway. */
const LISTEN_QUEUE_DRAIN_MS = 2_000;

/**
 * Closing a listening socket resets every connection still waiting in its listen queue: the
 * client has connected and sent its request, and gets a reset. On a busy process a hundred
 * milliseconds' worth of connections can wait there. So the queue is first shrunk to nothing
 * (`listen(fd, 0)`: the kernel completes no new handshake while one waits, and drops further
 * SYNs, so those clients retry and are refused once the listener is gone), Node accepts what
 * waits, and the listener closes in the first turn of the event loop that finds the queue empty.
 * What remains: Linux counts a queue as full only above its backlog, so even at 0 it completes
 * one handshake, and one completed between the last check and the close is reset (at most one
 * per shutdown, against 6-7 before; docs/decisions.md, "Operations").
 */
async function closeListenerGently(server: Server): Promise<void> {
  const handle = (server as Server & { _handle?: { fd?: number; listen?: (backlog: number) => number } })._handle;
  handle?.listen?.(0);
  const until = Date.now() + LISTEN_QUEUE_DRAIN_MS;
  // Each turn polls without waiting, so connections are accepted as soon as they complete.
  do await nextTurn();
  while ((listenQueueLength(handle?.fd) ?? 0) > 0 && Date.now() < until);
  server.close();
}

/** Connections waiting in a listening socket's queue (Linux's /proc/net/tcp); undefined where unknown. */
function listenQueueLength(fd: number | undefined): number | undefined {
  if (fd === undefined || fd < 0) return undefined;
  try {
    const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
    if (inode === undefined) return undefined;
    for (const table of ['/proc/net/tcp6', '/proc/net/tcp']) {
      const queue = queueInTable(table, inode);
      if (queue !== undefined) return queue;
    }
  } catch {
    // No /proc (not Linux): the listener closes after one turn.
  }
  return undefined;
}

/**
 * Reads only the listening sockets at the head of a /proc table: the kernel lists them before
 * every connection, and a busy server has thousands of connections after them. Reading the
 * whole table would take milliseconds, in which a connection could complete and then be reset
 * by the close that follows the check.
 */
function queueInTable(table: string, inode: string): number | undefined {
  const fd = openSync(table, 'r');
  try {
    const chunk = Buffer.alloc(16 * 1024);
    let pending = '';
    let header = true;
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return undefined;
      const lines = (pending + chunk.toString('latin1', 0, read)).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (header) {
          header = false;
          continue;
        }
        // sl local remote st tx_queue:rx_queue tr:when retransmits uid timeout inode; for a listener rx_queue is its queue.
        const fields = line.trim().split(/\s+/);
        if (fields[9] === inode) return parseInt(fields[4].split(':')[1], 16);
        if (fields[3] !== '0A') return undefined; // past the listeners
      }
    }
  } finally {
    closeSync(fd);
  }
}
