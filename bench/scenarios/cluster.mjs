// Scale-out on one host: the shipped PM2 `cluster` profile (SQLite shared in WAL mode, the Redis
// bus) with 2 workers against the same profile with 1, side by side in one run. PM2 hands each
// connection to the next worker, so senders and receivers spread over the workers and about
// half the pushes cross from one worker to the other through Redis. Two phases on the same
// clients: a closed loop (throughput and CPU per message), then an open loop at a fixed rate
// (push latency, with the cross-worker hop). Redis is a private redis-server per run, measured too.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { correctnessOf, setupChat, waitForFrames } from '../lib/chat-fixture.mjs';
import { combineCorrectness } from '../lib/correctness.mjs';
import { cpuLedger } from '../lib/cpu-ledger.mjs';
import { startPm2Cluster } from '../lib/pm2-cluster.mjs';
import { startRedis } from '../lib/redis-server.mjs';
import { closedLoop, openLoop } from '../lib/send-loops.mjs';
import { connectionOwners } from '../lib/socket-owners.mjs';
import { latencySummary, median } from '../lib/stats.mjs';
import { fmt } from '../lib/report.mjs';
import { Verifier } from '../lib/verifier.mjs';

export const servers = [
  { kind: 'workers-2', label: '2 workers', instances: 2 },
  { kind: 'workers-1', label: '1 worker', instances: 1 },
];

export const metrics = [
  { key: 'acceptedPerSec', label: 'accepted/s, closed loop (wall clock)', unit: 'msg/s', better: 'higher', target: { against: 'workers-1', min: 1.6 } },
  { key: 'msgsPerCpuSec', label: 'messages per cohora CPU-second (workers + PM2 master)', unit: 'msg/cpu-s', better: 'higher' },
  { key: 'msgsPerServiceCpuSec', label: 'messages per CPU-second, Redis included', unit: 'msg/cpu-s', better: 'higher' },
  { key: 'p50Ms', label: 'push latency p50, closed loop', unit: 'ms', better: 'lower' },
  { key: 'p99Ms', label: 'push latency p99, closed loop', unit: 'ms', better: 'lower' },
  { key: 'fixedP50Ms', label: 'push latency p50 at a fixed rate (open loop)', unit: 'ms', better: 'lower' },
  { key: 'fixedP99Ms', label: 'push latency p99 at a fixed rate (open loop)', unit: 'ms', better: 'lower' },
  { key: 'serverCpuUtil', label: 'cohora CPU use, closed loop', unit: 'cores', better: 'lower' },
  { key: 'redisCpuUtil', label: 'Redis CPU use, closed loop', unit: 'cores', better: 'lower' },
  { key: 'generatorCpuUtil', label: 'load generator CPU use, closed loop', unit: 'cores', better: 'lower' },
  { key: 'otherCpuUtil', label: "other work on the machine (others' tests), closed loop", unit: 'cores', better: 'lower' },
  { key: 'crossingPct', label: 'pushes crossing workers (estimated)', unit: '%', better: 'higher' },
  { key: 'loadAverage', label: 'load average (1 min) at the start', unit: 'runnable tasks', better: 'lower' },
];

export function estimateSeconds(config) {
  // PM2's daemon and workers start in about 4 s and stop in about 2 s.
  return 8 + (config.latency.warmupMs + config.latency.durationMs + config.throughput.warmupMs + config.throughput.durationMs) / 1000;
}

export async function startServer(kind) {
  const { instances } = servers.find((server) => server.kind === kind);
  const redis = await startRedis();
  try {
    const server = await startPm2Cluster(kind, instances, { REDIS_URL: redis.url, REDIS_PREFIX: `bench-${randomUUID().slice(0, 8)}:` });
    const stopCluster = server.stop;
    server.redis = redis;
    server.stop = async () => {
      await stopCluster();
      await redis.stop();
    };
    return server;
  } catch (error) {
    await redis.stop();
    throw error;
  }
}

export async function run(server, config) {
  const loadAverage = loadavg()[0];
  // Enough sockets for the open loop's bursts; the closed loop uses one per sender.
  const chat = await setupChat(server, { senders: config.senders, receivers: config.receivers, maxSockets: 128 });
  const ledger = cpuLedger({ cohora: server.pids, redis: [server.redis.pid] });
  try {
    // Phase 1: the closed loop, whose long warm-up also lets the JIT optimise every worker.
    const loop = await closedLoop(chat, config.throughput, ledger);
    const spread = spreadOverWorkers(server, chat);
    await waitForFrames(chat.verifier, 10_000);
    const latency = latencySummary(chat.verifier.latencies);
    const loopCorrectness = correctnessOf(chat.verifier, chat.receivers, loop.sendErrors, loop.errorExamples);

    // Phase 2, on the same sockets with a fresh tally: push latency at a rate both setups sustain.
    chat.verifier = new Verifier(
      chat.senders.map((s) => s.name),
      chat.recipients.length,
    );
    chat.receivers.verifier = chat.verifier;
    const fixed = await openLoop(chat, config.latency, ledger);
    await waitForFrames(chat.verifier, 10_000);
    const fixedLatency = latencySummary(chat.verifier.latencies);
    const fixedCorrectness = correctnessOf(chat.verifier, chat.receivers, fixed.sendErrors, fixed.errorExamples);
    // Falling behind the fixed rate is a speed, not a fault (see latency.mjs): it is in the examples.
    const correctness = combineCorrectness([loopCorrectness, fixedCorrectness]);

    // A worker that crashed and came back would hide lost pushes behind PM2's restart.
    const workers = await server.workers();
    const restarts = workers.reduce((sum, worker) => sum + worker.restarts, 0);
    if (restarts > 0 || workers.some((worker) => worker.status !== 'online')) {
      correctness.ok = false;
      correctness.examples.push(`PM2 workers: ${JSON.stringify(workers)}`);
    }
    const { cost } = loop;
    return {
      metrics: {
        acceptedPerSec: loop.acceptedInWindow / cost.wall,
        msgsPerCpuSec: loop.acceptedInWindow / cost.cpu,
        msgsPerServiceCpuSec: loop.acceptedInWindow / (cost.cpu + cost.redisCpu),
        p50Ms: latency.p50,
        p99Ms: latency.p99,
        fixedP50Ms: fixedLatency.p50,
        fixedP99Ms: fixedLatency.p99,
        serverCpuUtil: cost.cpu / cost.wall,
        redisCpuUtil: cost.redisCpu / cost.wall,
        generatorCpuUtil: cost.generatorCpu / cost.wall,
        otherCpuUtil: cost.otherCpu / cost.wall,
        crossingPct: spread.crossingPct,
        loadAverage,
      },
      correctness,
      info: {
        acceptedInWindow: loop.acceptedInWindow,
        fixedRate: { sent: fixed.sent, latencySamples: fixedLatency.count, serverCpuUtil: fixed.cost.cpu / fixed.cost.wall },
        receiversPerWorker: spread.receivers,
        connectionsPerWorker: spread.connections,
        workerPids: server.workerPids,
        restarts,
      },
    };
  } finally {
    await chat.close();
  }
}

/**
 * Where PM2 put the receivers' sockets and the senders' keep-alive connections, and from that
 * the share of pushes that cross workers: a send arrives on one connection and its recipient
 * is picked evenly, so it crosses with probability 1 − Σ_w (connections on w) × (receivers on w).
 */
function spreadOverWorkers(server, chat) {
  const owners = connectionOwners(server.workerPids, server.port);
  const count = (ports) => {
    const perWorker = server.workerPids.map(() => 0);
    for (const port of ports) {
      const owner = owners.get(port);
      if (owner !== undefined) perWorker[owner]++;
    }
    return perWorker;
  };
  // ws keeps its net.Socket in `_socket`; the bench only reads the local port.
  const receivers = count(chat.receivers.sockets.map((socket) => socket._socket?.localPort));
  const agent = chat.client.agent;
  const connections = count([...Object.values(agent.sockets), ...Object.values(agent.freeSockets)].flat().map((socket) => socket.localPort));
  const share = (perWorker) => perWorker.map((n) => n / Math.max(1, perWorker.reduce((a, b) => a + b, 0)));
  const [r, c] = [share(receivers), share(connections)];
  const sameWorker = r.reduce((sum, rw, w) => sum + rw * c[w], 0);
  return { receivers, connections, crossingPct: 100 * (1 - sameWorker) };
}

export function notes(config, mode, runs) {
  const notes = [
    `PM2 cluster mode from ecosystem.config.cjs (COHORA_LAYOUT=cluster: SQLite shared in WAL mode, the Redis bus), 2 workers against 1, each under a PM2 daemon of its own and a private redis-server; ${config.senders} senders and ${config.receivers} receivers, spread over the workers by PM2`,
    `phase 1: closed loop for ${config.throughput.durationMs / 1000} s after ${config.throughput.warmupMs / 1000} s warm-up (throughput, CPU); phase 2: open loop at ${config.latency.rate} msg/s for ${config.latency.durationMs / 1000} s after ${config.latency.warmupMs / 1000} s warm-up (push latency from the intended send time)`,
    'cohora CPU is the workers plus the PM2 daemon (the cluster master, which accepts every connection), from /proc; the workers are not pinned, the generator is pinned to core 1 except in smoke mode',
  ];
  const valueOf = (kind, key) => median(runs.filter((run) => run.kind === kind).map((run) => run.metrics?.[key] ?? NaN));
  // The median of the per-round ratios, as the table's ratio column.
  const efficiency = median(
    runs
      .filter((run) => run.kind === 'workers-2')
      .map((two) => two.metrics?.msgsPerCpuSec / runs.find((one) => one.kind === 'workers-1' && one.round === two.round)?.metrics?.msgsPerCpuSec),
  );
  if (Number.isFinite(efficiency)) {
    notes.push(
      `CPU-bound projection: with a core of its own for each worker (and the generator and Redis elsewhere), 2 workers would deliver 2 × ${fmt(efficiency)} = ${fmt(2 * efficiency)} × one worker's throughput (the ratio of messages per cohora CPU-second, doubled)`,
    );
  }
  const used = ['serverCpuUtil', 'redisCpuUtil', 'generatorCpuUtil', 'otherCpuUtil'].map((key) => valueOf('workers-2', key));
  if (used.every(Number.isFinite)) {
    notes.push(
      `with 2 workers the machine's cores went to: cohora ${fmt(used[0])}, Redis ${fmt(used[1])}, the generator ${fmt(used[2])}, other work ${fmt(used[3])} (medians, in cores)`,
    );
  }
  return notes;
}
