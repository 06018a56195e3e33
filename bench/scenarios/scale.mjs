// How cost grows with data: the CPU a send costs and the time and size of GET /api/users/list
// as registered users and stored messages grow. A flat send cost is the goal.
import { HttpClient, pool } from '../lib/http-client.mjs';
import { cpuWindow } from '../lib/proc-stats.mjs';
import { median, percentile } from '../lib/stats.mjs';
import { createUsers } from '../lib/users.mjs';
import { sendBody } from '../lib/chat-fixture.mjs';

const SEED_CONCURRENCY = 32;
const MEASURE_CONCURRENCY = 16;

export function short(n) {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

export function levelLabel({ users, messages }) {
  return `${short(users)} users, ${short(messages)} msgs`;
}

export function metricsFor(config) {
  const rows = [];
  for (const level of config.levels) {
    const at = `@${level.users}`;
    const where = levelLabel(level);
    rows.push({ key: `sendCpuUs${at}`, label: `server CPU per send, ${where}`, unit: 'µs', better: 'lower' });
    rows.push({ key: `sendP50Ms${at}`, label: `send response p50, ${where}`, unit: 'ms', better: 'lower' });
    rows.push({ key: `listMs${at}`, label: `GET /api/users/list, ${where}`, unit: 'ms', better: 'lower' });
    rows.push({ key: `listKB${at}`, label: `GET /api/users/list size, ${where}`, unit: 'KB', better: 'lower' });
  }
  rows.push({ key: 'sendCostGrowth', label: 'send CPU, largest / smallest level', unit: '×', better: 'lower', target: { absMax: 1.2 } });
  return rows;
}

export function estimateSeconds(config, kind) {
  const top = config.levels.at(-1);
  const perOp = kind === 'cohora' ? 1 / 3_000 : 1 / 25_000;
  return 2 + (top.users + top.messages + config.sends * config.levels.length) * perOp;
}

export async function run(server, config, { progress } = {}) {
  const client = new HttpClient(server.baseUrl, SEED_CONCURRENCY);
  const users = [];
  let stored = 0;
  let sendErrors = 0;
  const errorExamples = [];
  const metrics = {};
  const send = async (recipient, sender) => {
    const body = sendBody(recipient.id, sender.id, 'x'.repeat(64));
    const { status, text } = await client.request('POST', '/api/messages/send', body).catch((error) => ({ status: 0, text: String(error) }));
    if (status !== 200) {
      sendErrors++;
      if (errorExamples.length < 5) errorExamples.push(`${status} ${text.slice(0, 160)}`);
    }
  };
  try {
    for (const level of config.levels) {
      const at = `@${level.users}`;
      const more = await createUsers(client, 'user', level.users - users.length, {
        from: users.length,
        concurrency: SEED_CONCURRENCY,
        onProgress: (n) => progress?.detail(`registering ${users.length + n}/${level.users}`),
      });
      users.push(...more);
      // Stored, undelivered messages spread over every user (nobody is connected).
      const seed = level.messages - stored;
      await pool(seed, SEED_CONCURRENCY, (k) => send(users[(stored + k) % users.length], users[(stored + k + 1) % users.length]), (n) =>
        progress?.detail(`storing ${stored + n}/${level.messages}`),
      );
      stored += seed;

      const latencies = [];
      const sending = cpuWindow(server.pid);
      await pool(config.sends, MEASURE_CONCURRENCY, async (k) => {
        // Spread over the whole directory, so lookups cannot all hit one warm corner.
        const r = (k * 7_919) % users.length;
        const t0 = performance.now();
        await send(users[r], users[(r + 1) % users.length]);
        latencies.push(performance.now() - t0);
      });
      const cost = sending.end();
      stored += config.sends;
      metrics[`sendCpuUs${at}`] = (cost.cpu / config.sends) * 1e6;
      metrics[`sendP50Ms${at}`] = percentile(latencies, 50);

      // Each list follows a registration, as in a live chat: the server cannot serve a stale copy.
      const times = [];
      let bytes = 0;
      for (let i = 0; i < config.lists; i++) {
        users.push(...(await createUsers(client, 'late', 1, { from: users.length })));
        const t0 = performance.now();
        const { status, text } = await client.request('GET', '/api/users/list');
        times.push(performance.now() - t0);
        if (status !== 200) throw new Error(`GET /api/users/list answered ${status}`);
        bytes = Buffer.byteLength(text);
        const listed = Object.keys(JSON.parse(text).users).length;
        if (listed !== users.length) throw new Error(`the directory lists ${listed} users, ${users.length} registered`);
      }
      metrics[`listMs${at}`] = median(times);
      metrics[`listKB${at}`] = bytes / 1024;
    }
    const first = config.levels[0].users;
    const last = config.levels.at(-1).users;
    metrics.sendCostGrowth = metrics[`sendCpuUs@${last}`] / metrics[`sendCpuUs@${first}`];
    return {
      metrics,
      correctness: { ok: sendErrors === 0, sendErrors, examples: errorExamples },
      info: { levels: config.levels, storedMessages: stored, users: users.length },
    };
  } finally {
    client.close();
  }
}
