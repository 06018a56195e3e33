// The cost of one presence change (issue 16): one user goes online or offline while W sockets,
// each of its own online user, watch them. Per level of W: the server's CPU per change (read
// from /proc over the toggles, divided by their count), that per watcher frame, and how long
// the last watcher waited for an online change. The cost must grow with W (the frames it
// writes), and not with the online users that do not watch (see docs/PERFORMANCE.md).
// Runs from `npm run bench` or on its own: node bench/scenarios/presence.mjs [--smoke|--full] [--rounds N]
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { HttpClient } from '../lib/http-client.mjs';
import { cpuWindow } from '../lib/proc-stats.mjs';
import { median } from '../lib/stats.mjs';
import { createUsers } from '../lib/users.mjs';

export const servers = [{ kind: 'cohora', label: 'cohora (one process)', short: 'cohora', role: 'subject' }];

const OPEN_BATCH = 250;
const TIMEOUT_MS = 20_000;

export function metricsFor(config) {
  return config.levels.flatMap((watchers) => {
    const at = `@${watchers}`;
    const where = `at ${watchers.toLocaleString('en-US')} watchers`;
    return [
      { key: `cpuMsPerChange${at}`, label: `server CPU per presence change ${where}`, unit: 'ms', better: 'lower' },
      { key: `cpuUsPerWatcher${at}`, label: `server CPU per watcher frame ${where}`, unit: 'µs', better: 'lower' },
      { key: `fanoutMs${at}`, label: `online change to the last watcher's frame ${where} (median)`, unit: 'ms', better: 'lower' },
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
      const perChangeMs = (cost.cpu * 1000) / config.changes;
      Object.assign(metrics, {
        [`cpuMsPerChange@${level}`]: perChangeMs,
        [`cpuUsPerWatcher@${level}`]: (perChangeMs * 1000) / level,
        [`fanoutMs@${level}`]: median(fanouts),
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
  const { runBench } = await import('../run.mjs');
  const { toMarkdown } = await import('../lib/report.mjs');
  const argv = process.argv.slice(2);
  const mode = argv.includes('--smoke') ? 'smoke' : argv.includes('--full') ? 'full' : 'quick';
  const roundsAt = argv.indexOf('--rounds');
  const summary = await runBench({ mode, scenarios: ['presence'], rounds: roundsAt >= 0 ? Number(argv[roundsAt + 1]) : undefined });
  process.stdout.write(toMarkdown(summary));
  process.exit(summary.ok ? 0 : 1);
}
