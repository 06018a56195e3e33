// Starts and stops the servers under test: each one fresh (new port, new DATA_DIR), pinned to
// core 0 when taskset exists, ready once GET /health answers 200. Every server started is
// tracked, so an error or Ctrl-C never leaves one running.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cohoraEnv, VARIANTS } from './cohora-config.mjs';
import { HttpClient } from './http-client.mjs';
import { loopDelayProbe, loopDelayReader } from './loop-delay.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const COHORA_MAIN = join(ROOT, 'dist/main.js');
const BASELINES = {
  floor: resolve(import.meta.dirname, '../baselines/floor.mjs'),
  bare: resolve(import.meta.dirname, '../baselines/bare.mjs'),
};
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 12_000;

/** cohora in the bench configuration, cohora in a variant of it, and the two baselines. */
export const SERVER_KINDS = ['cohora', ...Object.keys(VARIANTS), ...Object.keys(BASELINES)];

/** cohora itself, in any configuration: not a baseline. */
export const isCohora = (kind) => kind === 'cohora' || kind in VARIANTS;

const running = new Set();
/** What node prints about its inspector: not the server's own log. */
const INSPECTOR_CHATTER = /^(Debugger (listening|attached|ending)|For help, see|Waiting for the debugger)/;

export const HAS_TASKSET = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Two cores or more: the server gets core 0, the generator core 1, so they never compete. */
export const PINNING = HAS_TASKSET && availableParallelism() >= 2;

/**
 * `[command, args]` that runs `command` free to use every core. Children inherit their parent's
 * CPU affinity, and the bench process may have pinned itself to core 1: a helper it starts (a
 * PM2 daemon and its workers, a redis-server) would otherwise share that core with the generator.
 */
export function onAllCores(command, args) {
  if (!PINNING) return [command, args];
  return ['taskset', ['-c', ALL_CORES, command, ...args]];
}

/** Read now: once this process is pinned, availableParallelism() says 1. */
const ALL_CORES = `0-${availableParallelism() - 1}`;

/** Pins this process (all its threads) to core 1, where the load generator runs. */
export function pinGenerator() {
  if (!PINNING) return false;
  execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
  return true;
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** The lead may rebuild dist/ at any time: wait a little for a build in progress, else build. */
export async function ensureCohoraBuilt() {
  for (let waited = 0; !existsSync(COHORA_MAIN) && waited < 20_000; waited += 500) await sleep(500);
  if (existsSync(COHORA_MAIN)) return;
  process.stderr.write('bench: dist/main.js is missing, running `npx nest build`\n');
  execFileSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Starts `kind` (one of SERVER_KINDS) with extra `env` (cohora only; see cohora-config.mjs).
 * Resolves with `{ kind, pid, baseUrl, port, config, warnings, stop() }` once it answers
 * /health; `config` is the environment cohora was given. With `inspect`, node also opens its
 * inspector on a free local port (`server.inspectorUrl`), for forced GCs; with `loopDelay`,
 * the server measures its event-loop delay (`server.loopDelay`, see loop-delay.mjs);
 * `nodeArgs` go to node before the script (e.g. a CPU profile).
 */
export async function startServer(kind, env = {}, options = {}) {
  if (!SERVER_KINDS.includes(kind)) throw new Error(`unknown server kind ${kind}`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(kind, env, options);
    } catch (error) {
      // A port taken between probe and listen, or dist/ rebuilt under us: try again, a few times.
      if (attempt >= 3) throw error;
      const detail = error.message.split('\n').slice(0, 4).join(' | ').slice(0, 400);
      process.stderr.write(`\nbench: ${kind} failed to start (${detail}), retrying\n`);
      await sleep(1_000);
    }
  }
}

async function startOnce(kind, env, { inspect = false, loopDelay = false, nodeArgs: extraNodeArgs = [] }) {
  const cohora = isCohora(kind);
  if (cohora) await ensureCohoraBuilt();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `cohora-bench-${kind}-`));
  const main = cohora ? COHORA_MAIN : BASELINES[kind];
  const command = PINNING ? 'taskset' : process.execPath;
  const probe = loopDelay ? loopDelayProbe(dataDir) : { nodeArgs: [], env: {} };
  const nodeArgs = [...(inspect ? ['--inspect=127.0.0.1:0'] : []), ...probe.nodeArgs, ...extraNodeArgs, main];
  const args = PINNING ? ['-c', '0', process.execPath, ...nodeArgs] : nodeArgs;
  const own = { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir };
  // cohora gets the bench configuration, stated whole; the baselines read only PORT and HOST
  // (and Express reads NODE_ENV, which cohora runs with too).
  const config = cohora ? cohoraEnv({ ...own, ...env }, kind === 'cohora' ? undefined : kind) : { ...own, NODE_ENV: 'production' };
  const child = spawn(command, args, {
    // Not the repository: a developer's .env there would reach cohora (it reads ./.env).
    cwd: dataDir,
    env: { PATH: process.env.PATH ?? '', ...config, ...probe.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = {
    kind,
    pid: child.pid, // taskset execs node, so this is the server's own pid
    port,
    config,
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir,
    /** Log lines at warn level or above, and anything else that is not a JSON log line below warn: evidence for the report. */
    warnings: [],
    warningCount: 0,
    exited: false,
    stop: () => stopServer(server, child, dataDir),
  };
  if (loopDelay) server.loopDelay = loopDelayReader(child.pid, probe.env.BENCH_LOOP_DELAY_FILE);
  // A chunk may end mid-line (a long request log line): keep the rest for the next chunk.
  const readLines = (stream) => {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop();
      collect(lines);
    });
    stream.on('end', () => collect([rest]));
  };
  const collect = (lines) => {
    for (const line of lines) {
      const inspector = /^Debugger listening on (ws:\S+)/.exec(line);
      if (inspector) server.inspectorUrl = inspector[1];
      if (!line.trim() || line.includes('listening on') || INSPECTOR_CHATTER.test(line) || belowWarn(line)) continue;
      server.warningCount++;
      if (server.warnings.length < 20) server.warnings.push(line.slice(0, 300));
    }
  };
  readLines(child.stdout);
  readLines(child.stderr);
  child.once('exit', () => (server.exited = true));
  running.add(server);
  try {
    await waitReady(server);
    if (inspect && !server.inspectorUrl) throw new Error(`${kind} did not print its inspector address`);
  } catch (error) {
    await server.stop();
    throw new Error(`${error.message}\n${server.warnings.join('\n')}`);
  }
  return server;
}

/** A JSON log line below warn (a variant at LOG_LEVEL=info logs every request): not a problem. */
function belowWarn(line) {
  if (!line.startsWith('{')) return false;
  try {
    const { level } = JSON.parse(line);
    return typeof level === 'number' ? level < 40 : ['trace', 'debug', 'info'].includes(level);
  } catch {
    return false;
  }
}

async function waitReady(server) {
  const client = new HttpClient(server.baseUrl, 1);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (Date.now() < deadline) {
      if (server.exited) throw new Error(`${server.kind} exited before it was ready`);
      try {
        const { status } = await client.request('GET', '/health', undefined, 2_000);
        if (status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`${server.kind} was not ready after ${READY_TIMEOUT_MS} ms`);
  } finally {
    client.close();
  }
}

async function stopServer(server, child, dataDir) {
  if (!running.delete(server)) return;
  if (!server.exited) {
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * Tracks a process the bench started some other way (a PM2 cluster, a private redis-server),
 * so errors and signals stop it too: `stop()` then, `killNow()` (synchronous) on exit. Its
 * own `stop()` calls `untrackServer` first and does nothing if that returns false.
 */
export function trackServer(server) {
  running.add(server);
}

export function untrackServer(server) {
  return running.delete(server);
}

/** Stops every server still running; for error paths and signals. */
export async function stopAllServers() {
  await Promise.all([...running].map((server) => server.stop()));
}

/** Synchronous last resort on process exit: nothing async runs there any more. */
process.on('exit', () => {
  for (const server of running) {
    try {
      if (server.killNow) {
        server.killNow();
        continue;
      }
      process.kill(server.pid, 'SIGKILL');
      rmSync(server.dataDir, { recursive: true, force: true });
    } catch {
      // already gone
    }
  }
});
