// A redis-server of the bench's own for each scale-out run: the machine's shared Redis also
// carries other people's tests, whose traffic would land in our latencies and whose CPU we
// could not tell from ours. A private one is measured like the servers (/proc), and runs on
// any core (not on the generator's alone).
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, onAllCores, trackServer, untrackServer } from './servers.mjs';

const READY_TIMEOUT_MS = 5_000;

/** Starts `redis-server` on a free local port, nothing kept on disk. Resolves with `{ url, pid, stop() }`. */
export async function startRedis() {
  const port = await freePort();
  const [command, args] = onAllCores('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  const child = spawn(command, args, { stdio: 'ignore' });
  const failed = new Promise((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`could not run redis-server (${error.message}); the cluster and store scenarios need it: apt-get install -y redis-server`)),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it listened`)));
  });
  failed.catch(() => undefined); // read below; an exit after readiness is not an error
  const redis = {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      if (!untrackServer(redis) || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL'); // nothing to keep: it holds only pub/sub subscriptions
      await exited;
    },
    killNow: () => child.kill('SIGKILL'),
  };
  trackServer(redis);
  try {
    await Promise.race([failed, waitForPort(port)]);
  } catch (error) {
    await redis.stop();
    throw error;
  }
  return redis;
}

async function waitForPort(port) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(25);
  }
  throw new Error(`redis-server did not listen on ${port} within ${READY_TIMEOUT_MS} ms`);
}
