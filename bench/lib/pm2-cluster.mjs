// cohora as operators run it on one host: the shipped ecosystem.config.cjs profile
// (COHORA_LAYOUT=cluster: PM2 cluster mode, SQLite shared in WAL mode, the Redis bus) under a
// PM2 daemon of the bench's own (a private PM2_HOME, so nobody else's PM2 is touched). PM2's
// cluster master hands each new connection to the next worker, so senders and receivers spread
// over the workers by themselves, and pushes cross between them.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BENCH_CONFIG, cohoraEnv, UNSET } from './cohora-config.mjs';
import { HttpClient } from './http-client.mjs';
import { ensureCohoraBuilt, freePort, onAllCores, trackServer, untrackServer } from './servers.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const PM2 = join(ROOT, 'node_modules/pm2/bin/pm2');
const READY_TIMEOUT_MS = 30_000;
const run = promisify(execFile);

/**
 * Starts the shipped `cluster` profile with `instances` workers, `env` over its environment
 * and `options` over its PM2 options (e.g. `node_args` for a CPU profile).
 * Resolves once every worker is online (PM2 waits for each one's 'ready') and /health answers,
 * with `{ kind, pid, pids, workerPids, daemonPid, baseUrl, port, warnings, workers(), stop() }`.
 * `pids` is every process that serves: the workers and the PM2 daemon, which is the cluster
 * master that accepts each connection and hands it to a worker.
 */
export async function startPm2Cluster(kind, instances, env, options = {}) {
  await ensureCohoraBuilt();
  const home = mkdtempSync(join(tmpdir(), 'cohora-bench-pm2-'));
  const pm2Home = join(home, 'pm2');
  const port = await freePort();
  const app = {
    ...shippedApp('cluster'),
    name: `bench-${kind}`,
    script: join(ROOT, 'dist/main.js'),
    // Not the repository: a developer's .env there would reach the workers (cohora reads ./.env).
    cwd: home,
    instances,
    ...options,
  };
  // PM2 gives each worker the daemon's environment with the app's `env` over it: the bench
  // configuration must be in `env`, or the profile's values (LOG_LEVEL=info) and cohora's
  // defaults (rate limits) win.
  app.env = cohoraEnv({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(home, 'data'), ...env }, undefined, app.env);
  const configFile = join(home, 'bench.config.cjs');
  writeFileSync(configFile, `module.exports = ${JSON.stringify({ apps: [app] })};\n`);
  // Only what PM2 needs: the workers inherit the daemon's environment, and the bench's own
  // (a DATABASE_URL, npm's variables) must not reach them.
  const pm2Env = { PATH: process.env.PATH ?? '', HOME: home, PM2_HOME: pm2Home };
  // The daemon, and so every worker, inherits the CLI's CPU affinity: all cores, not the generator's.
  const pm2 = async (...args) => (await run(...onAllCores(process.execPath, [PM2, ...args]), { env: pm2Env, cwd: ROOT, timeout: 60_000 })).stdout;

  const server = {
    kind,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    dataDir: join(home, 'data'),
    config: app.env,
    warnings: [],
    warningCount: 0,
    pids: [],
    workerPids: [],
    /** PM2's view of the workers: pid, status, restarts. */
    workers: async () => JSON.parse(await pm2('jlist')).map((p) => ({ pid: p.pid, status: p.pm2_env.status, restarts: p.pm2_env.restart_time })),
    stop: async () => {
      if (!untrackServer(server)) return;
      await pm2('kill').catch(() => server.killNow());
      readLogs(pm2Home, server);
      rmSync(home, { recursive: true, force: true });
    },
    killNow: () => {
      for (const pid of server.pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
  trackServer(server);
  try {
    await pm2('start', configFile);
    server.daemonPid = Number(readFileSync(join(pm2Home, 'pm2.pid'), 'utf8'));
    const workers = await server.workers();
    server.workerPids = workers.map((worker) => worker.pid);
    server.pid = server.workerPids[0];
    server.pids = [...server.workerPids, server.daemonPid];
    const online = workers.filter((worker) => worker.status === 'online' && worker.pid > 0);
    if (online.length !== instances) throw new Error(`PM2 has ${online.length} of ${instances} workers online: ${JSON.stringify(workers)}`);
    for (const pid of server.workerPids) checkEnvironment(pid, app.env);
    await waitHealthy(server.baseUrl);
  } catch (error) {
    await server.stop();
    throw new Error(`${error.message}\n${server.warnings.join('\n')}`);
  }
  return server;
}

/**
 * What really reached a worker: the environment it was started with (/proc/<pid>/environ), with
 * what PM2's ProcessContainer copies over it before cohora starts (every top-level key of the
 * JSON in its `pm2_env` variable, as `process.env[key] = value`). Every variable of the bench
 * configuration must have its stated value, and none the bench left unset (cohora's default)
 * may have crept in from the daemon or the profile.
 */
function checkEnvironment(pid, expected) {
  const actual = new Map(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
  if (actual.has('pm2_env')) for (const [name, value] of Object.entries(JSON.parse(actual.get('pm2_env')))) actual.set(name, String(value));
  const wrong = Object.entries(expected).filter(([name, value]) => actual.get(name) !== String(value));
  const crept = [...UNSET, ...Object.keys(BENCH_CONFIG)].filter((name) => !(name in expected) && actual.has(name));
  if (wrong.length || crept.length) {
    const detail = [...wrong.map(([name, value]) => `${name}=${actual.get(name)} (bench: ${value})`), ...crept.map((name) => `${name}=${actual.get(name)} (bench: unset)`)];
    throw new Error(`PM2 worker ${pid} runs with another configuration than the bench's: ${detail.join(', ')}`);
  }
}

/** The app of ecosystem.config.cjs for `layout`, exactly as PM2 would read it. */
function shippedApp(layout) {
  const file = join(ROOT, 'ecosystem.config.cjs');
  const previous = process.env.COHORA_LAYOUT;
  process.env.COHORA_LAYOUT = layout;
  try {
    const require = createRequire(import.meta.url);
    delete require.cache[file];
    return structuredClone(require(file).apps[0]);
  } finally {
    if (previous === undefined) delete process.env.COHORA_LAYOUT;
    else process.env.COHORA_LAYOUT = previous;
  }
}

async function waitHealthy(baseUrl) {
  const client = new HttpClient(baseUrl, 1);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (Date.now() < deadline) {
      const status = await client.request('GET', '/health', undefined, 2_000).then(
        (res) => res.status,
        () => 0,
      );
      if (status === 200) return;
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
    throw new Error(`the PM2 cluster did not answer /health within ${READY_TIMEOUT_MS} ms`);
  } finally {
    client.close();
  }
}

/** The workers log at warn and above only (LOG_LEVEL=warn): every line is evidence for the report. */
function readLogs(pm2Home, server) {
  let files = [];
  try {
    files = readdirSync(join(pm2Home, 'logs')).map((name) => join(pm2Home, 'logs', name));
  } catch {
    return;
  }
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      server.warningCount++;
      if (server.warnings.length < 20) server.warnings.push(line.slice(0, 300));
    }
  }
}
