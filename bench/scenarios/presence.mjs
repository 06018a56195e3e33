// The cost of one presence change (issue 16): one user goes online or offline while W sockets,
// each of its own online user, watch them. Per level of W: the server's CPU per change (read
// from /proc over the toggles, divided by their count), that per watcher frame, and how long
// the last watcher waited for an online change. The cost must grow with W (the frames it
// writes), and not with the online users that do not watch (see docs/PERFORMANCE.md). Run on
// the Redis buses (a private redis-server: the layout of many processes, its CPU read too) and
// alone (in-process presence).
// Runs from `npm run bench` or on its own: node bench/scenarios/presence.mjs [--smoke|--full] [--rounds N]
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { HttpClient } from '../lib/http-client.mjs';
import { cpuWindow } from '../lib/proc-stats.mjs';
import { median } from '../lib/stats.mjs';
import { startRedis } from '../lib/redis-server.mjs';
import { startServer as startProcess } from '../lib/servers.mjs';
import { createUsers } from '../lib/users.mjs';

/** cohora on the Redis buses (the layout of many processes) against cohora alone (in-process presence). */
export const servers = [
  { kind: 'redis', label: 'cohora on a Redis bus', short: 'redis', role: 'subject' },
  { kind: 'cohora', label: 'cohora alone (in-process presence)', short: 'alone', role: 'baseline' },
];

/** `cohora`: one process as every scenario's; `redis`: the same with REDIS_URL on a private redis-server. */
export async function startServer(kind) {
  if (kind !== 'redis') return startProcess('cohora');
  const redis = await startRedis();
  try {
    const server = await startProcess('cohora', { REDIS_URL: redis.url, REDIS_PREFIX: `bench-${randomUUID().slice(0, 8)}:` });
    const stopProcess = server.stop;
    Object.assign(server, { redis });
    server.stop = async () => {
      await stopProcess();
      await redis.stop();
    };
    return server;
  } catch (error) {
    await redis.stop();
    throw error;
  }
}

const OPEN_BATCH = 250;
/** Users that come online, watched by one socket, for the cost of a change few watch. */
const LONE_CHANGES = 40;
const TIMEOUT_MS = 20_000;

export function metricsFor(config) {
  return config.levels.flatMap((watchers) => {
    const at = `@${watchers}`;
    const where = `at ${watchers.toLocaleString('en-US')} watchers`;
    return [
      { key: `cpuMsPerChange${at}`, label: `server CPU per presence change ${where}`, unit: 'ms', better: 'lower' },
      { key: `cpuUsPerWatcher${at}`, label: `server CPU per watcher frame ${where}`, unit: 'µs', better: 'lower' },
      { key: `fanoutMs${at}`, label: `online change to the last watcher's frame ${where} (median)`, unit: 'ms', better: 'lower' },
      { key: `cpuMsPerLoneChange${at}`, label: `server CPU per change of a user with one watcher, ${where} online`, unit: 'ms', better: 'lower' },
      { key: `redisCpuMsPerChange${at}`, label: `redis-server CPU per presence change ${where} (Redis layout)`, unit: 'ms', better: 'lower' },
    ];
  });
}

export function estimateSeconds(config) {
  const largest = Math.max(...config.levels);
  return 5 + largest / 400 + config.levels.length * config.changes * 1.6;
}

export function notes(config) {
  return [
    `levels of ${config.levels.map((w) => w.toLocaleString('en-US')).join(', ')} watcher sockets (one user each, all online, each watching one target); ${config.changes} changes per level, online and offline in turn`,
    'CPU per change = server CPU over the toggles / their number: it includes the target socket opening or closing and the 1 s offline grace (idle); the frame fan-out dominates',
    `one-watcher changes: ${LONE_CHANGES} other users come online one after another, watched by one socket, while the level's watchers are online (each change includes that user's socket opening and authenticating): what a change costs when few watch it, however many are online`,
  ];
}

/** A watcher: a cohora.v2 socket that watches `target` and counts the presence frames it gets. */
function openWatcher(wsUrl, userId, target, onChange) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, ['cohora.v2'], { perMessageDeflate: false, skipUTF8Validation: true });
    const timer = setTimeout(() => reject(new Error('watcher not answered in time')), TIMEOUT_MS);
    let answered = false;
    socket.once('open', () => socket.send(JSON.stringify({ id: userId })));
    socket.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"ready"')) return socket.send(JSON.stringify({ type: 'watch', ids: [target] }));
      if (!text.startsWith('{"type":"presence"')) return;
      if (answered) return onChange(text);
      answered = true;
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * LONE_CHANGES users come online one after another, watched by one socket: the server's CPU per
 * change, with whatever else is online meanwhile.
 */
async function loneChanges(server, client, wsUrl, index) {
  const targets = await createUsers(client, `lone${index}-`, LONE_CHANGES);
  const [watcherUser] = await createUsers(client, `lonewatcher${index}-`, 1);
  const online = new Set();
  let wake = () => undefined;
  const watcher = await new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, ['cohora.v2'], { perMessageDeflate: false });
    let answered = false;
    socket.once('open', () => socket.send(JSON.stringify({ id: watcherUser.id })));
    socket.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"ready"')) return socket.send(JSON.stringify({ type: 'watch', ids: targets.map((t) => t.id) }));
      if (!text.startsWith('{"type":"presence"')) return;
      if (!answered) {
        answered = true;
        return resolve(socket);
      }
      for (const id of JSON.parse(text).online) online.add(id);
      wake();
    });
    socket.once('error', reject);
  });
  const sockets = [];
  const window = cpuWindow(server.pid);
  for (const target of targets) {
    const socket = new WebSocket(wsUrl, { perMessageDeflate: false });
    socket.once('open', () => socket.send(JSON.stringify({ id: target.id })));
    sockets.push(socket);
  }
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${online.size} of ${LONE_CHANGES} lone changes seen`)), TIMEOUT_MS);
    wake = () => {
      if (online.size < LONE_CHANGES) return;
      clearTimeout(timer);
      resolve();
    };
    wake();
  });
  const cost = window.end();
  for (const socket of [...sockets, watcher]) socket.terminate();
  return (cost.cpu * 1000) / LONE_CHANGES;
}

export async function run(server, config) {
  const client = new HttpClient(server.baseUrl, 64);
  const wsUrl = server.baseUrl.replace(/^http/, 'ws') + '/ws';
  const largest = Math.max(...config.levels);
  const watchers = await createUsers(client, 'watcher', largest);
  const metrics = {};
  const levels = [];
  let ok = true;
  const examples = [];
  try {
    for (const [index, level] of config.levels.entries()) {
      const [target] = await createUsers(client, `target${index}-`, 1);
      let frames = 0;
      let wake = () => undefined;
      const sockets = [];
      for (let start = 0; start < level; start += OPEN_BATCH) {
        const batch = watchers.slice(start, Math.min(level, start + OPEN_BATCH));
        sockets.push(
          ...(await Promise.all(
            batch.map((user) =>
              openWatcher(wsUrl, user.id, target.id, () => {
                frames++;
                wake();
              }),
            ),
          )),
        );
      }
      const allFramesIn = (expected) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${frames} of ${expected} presence frames after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
          wake = () => {
            if (frames < expected) return;
            clearTimeout(timer);
            resolve(performance.now());
          };
          wake();
        });

      const window = cpuWindow(server.pid);
      const redisWindow = server.redis ? cpuWindow(server.redis.pid) : undefined;
      const fanouts = [];
      let targetSocket;
      for (let change = 0; change < config.changes; change++) {
        const expected = frames + level;
        const started = performance.now();
        if (change % 2 === 0) {
          targetSocket = new WebSocket(wsUrl, { perMessageDeflate: false });
          targetSocket.once('open', () => targetSocket.send(JSON.stringify({ id: target.id })));
        } else {
          targetSocket.close(1000);
        }
        const lastAt = await allFramesIn(expected);
        if (change % 2 === 0) fanouts.push(lastAt - started);
      }
      const cost = window.end();
      const redisCost = redisWindow?.end();
      const perChangeMs = (cost.cpu * 1000) / config.changes;
      const loneMs = await loneChanges(server, client, wsUrl, index);
      Object.assign(metrics, {
        [`cpuMsPerChange@${level}`]: perChangeMs,
        [`cpuUsPerWatcher@${level}`]: (perChangeMs * 1000) / level,
        [`fanoutMs@${level}`]: median(fanouts),
        [`cpuMsPerLoneChange@${level}`]: loneMs,
        ...(redisCost ? { [`redisCpuMsPerChange@${level}`]: (redisCost.cpu * 1000) / config.changes } : {}),
      });
      levels.push({ watchers: level, changes: config.changes, cpuSeconds: cost.cpu, wallSeconds: cost.wall, fanoutsMs: fanouts });
      if (frames !== level * config.changes) {
        ok = false;
        examples.push(`level ${level}: ${frames} change frames, expected ${level * config.changes}`);
      }
      targetSocket?.terminate();
      await Promise.all(
        sockets.map(
          (socket) =>
            new Promise((resolve) => {
              socket.once('close', resolve);
              socket.close(1000);
            }),
        ),
      );
    }
  } finally {
    client.close();
  }
  return { metrics, correctness: { ok, examples }, info: { levels } };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // After this module has finished loading: run.mjs imports it, and would otherwise wait for it.
  setImmediate(() => void runAlone(process.argv.slice(2)));
}

async function runAlone(argv) {
  const { runBench } = await import('../run.mjs');
  const { toMarkdown } = await import('../lib/report.mjs');
  const mode = argv.includes('--smoke') ? 'smoke' : argv.includes('--full') ? 'full' : 'quick';
  const roundsAt = argv.indexOf('--rounds');
  const summary = await runBench({ mode, scenarios: ['presence'], rounds: roundsAt >= 0 ? Number(argv[roundsAt + 1]) : undefined });
  process.stdout.write(toMarkdown(summary));
  process.exit(summary.ok ? 0 : 1);
}
