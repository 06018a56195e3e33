// The same closed-loop send workload against one cohora process on PostgreSQL and one on the
// SQLite file, both on the Redis bus (a private redis-server each), so only the store differs.
// Headline: messages per cohora-process CPU-second. PostgreSQL's own backends do work that
// SQLite does inside cohora, so their CPU is measured too (by application_name) and shown apart.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { correctnessOf, setupChat, waitForFrames } from '../lib/chat-fixture.mjs';
import { cpuLedger } from '../lib/cpu-ledger.mjs';
import { createSchema } from '../lib/pg-schema.mjs';
import { rssBytes } from '../lib/proc-stats.mjs';
import { startRedis } from '../lib/redis-server.mjs';
import { closedLoop } from '../lib/send-loops.mjs';
import { startServer as startProcess } from '../lib/servers.mjs';
import { latencySummary } from '../lib/stats.mjs';

export const servers = [
  { kind: 'postgres', label: 'PostgreSQL' },
  { kind: 'sqlite', label: 'SQLite' },
];

export const metrics = [
  { key: 'msgsPerCpuSec', label: 'messages per cohora CPU-second', unit: 'msg/cpu-s', better: 'higher', target: { against: 'sqlite', min: 0.5 } },
  { key: 'msgsPerAllCpuSec', label: 'messages per CPU-second, database backends and Redis included', unit: 'msg/cpu-s', better: 'higher' },
  { key: 'acceptedPerSec', label: 'accepted/s', unit: 'msg/s', better: 'higher' },
  { key: 'p50Ms', label: 'push latency p50', unit: 'ms', better: 'lower' },
  { key: 'p99Ms', label: 'push latency p99', unit: 'ms', better: 'lower' },
  { key: 'serverCpuUtil', label: 'cohora CPU use', unit: 'cores', better: 'lower' },
  { key: 'databaseCpuUtil', label: 'PostgreSQL backends CPU use', unit: 'cores', better: 'lower' },
  { key: 'redisCpuUtil', label: 'Redis CPU use', unit: 'cores', better: 'lower' },
  { key: 'otherCpuUtil', label: "other work on the machine (others' tests)", unit: 'cores', better: 'lower' },
  { key: 'rssMB', label: 'cohora RSS at end', unit: 'MB', better: 'lower' },
  { key: 'loadAverage', label: 'load average (1 min) at the start', unit: 'runnable tasks', better: 'lower' },
];

export function estimateSeconds(config) {
  return 4 + (config.warmupMs + config.durationMs) / 1000;
}

/** One cohora process (pinned to core 0 like every other scenario's) on a private Redis, and for `postgres` a throwaway schema. */
export async function startServer(kind) {
  const redis = await startRedis();
  let schema;
  try {
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: `bench-${randomUUID().slice(0, 8)}:` };
    if (kind === 'postgres') {
      schema = await createSchema();
      env.DATABASE_URL = schema.url;
    }
    const server = await startProcess('cohora', env);
    const stopProcess = server.stop;
    Object.assign(server, { redis, schema });
    server.stop = async () => {
      await stopProcess();
      await redis.stop();
      await schema?.drop();
    };
    return server;
  } catch (error) {
    await redis.stop();
    await schema?.drop();
    throw error;
  }
}

export async function run(server, config) {
  const loadAverage = loadavg()[0];
  const chat = await setupChat(server, config);
  const backends = server.schema?.backends;
  await backends?.watch();
  try {
    const ledger = cpuLedger({ cohora: [server.pid], redis: [server.redis.pid], database: backends });
    const { acceptedInWindow, sendErrors, errorExamples, cost } = await closedLoop(chat, config, ledger);
    backends?.stop();
    await waitForFrames(chat.verifier, 10_000);
    const latency = latencySummary(chat.verifier.latencies);
    const correctness = correctnessOf(chat.verifier, chat.receivers, sendErrors, errorExamples);
    return {
      metrics: {
        msgsPerCpuSec: acceptedInWindow / cost.cpu,
        msgsPerAllCpuSec: acceptedInWindow / (cost.cpu + cost.databaseCpu + cost.redisCpu),
        acceptedPerSec: acceptedInWindow / cost.wall,
        p50Ms: latency.p50,
        p99Ms: latency.p99,
        serverCpuUtil: cost.cpu / cost.wall,
        databaseCpuUtil: cost.databaseCpu / cost.wall,
        redisCpuUtil: cost.redisCpu / cost.wall,
        otherCpuUtil: cost.otherCpu / cost.wall,
        rssMB: rssBytes(server.pid) / 2 ** 20,
        loadAverage,
      },
      correctness,
      info: {
        acceptedInWindow,
        generatorCpuUtil: cost.generatorCpu / cost.wall,
        databaseBackends: backends?.count ?? 0,
        databaseBackendsGoneInWindow: backends?.lost ?? 0,
      },
    };
  } finally {
    backends?.stop();
    await chat.close();
  }
}

export function notes(config) {
  return [
    `closed loop, ${config.senders} senders, ${config.receivers} receivers, 64-char messages, ${config.durationMs / 1000} s measured after ${config.warmupMs / 1000} s warm-up; one cohora process on each store, both on the Redis bus (a private redis-server per run), cohora pinned to core 0, the generator to core 1 except in smoke mode`,
    'PostgreSQL is the machine\'s server (a throwaway schema per run, DATABASE_POOL_SIZE=10 as the bench configuration states); its backends run on either core and are not pinned; their CPU is read from /proc by the pids pg_stat_activity names for the run\'s application_name',
  ];
}
