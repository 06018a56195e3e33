// Sends over cohora.v2 sockets (issue 16) against the bare baseline's REST sends: the same
// unit of work, one message in, one frame out to a connected recipient, verified. First a
// closed loop (messages per server CPU-second), then an open loop at a fixed rate (latency).
// cohora's REST sends are the throughput and latency scenarios.
import { correctnessOf, setupChat, waitForFrames } from '../lib/chat-fixture.mjs';
import { combineCorrectness } from '../lib/correctness.mjs';
import { cpuWindow } from '../lib/proc-stats.mjs';
import { closedLoop, openLoop, restTransport } from '../lib/send-loops.mjs';
import { socketTransport } from '../lib/socket-senders.mjs';
import { latencySummary } from '../lib/stats.mjs';
import { Verifier } from '../lib/verifier.mjs';

export const servers = [
  { kind: 'cohora', label: 'cohora, sends over cohora.v2 sockets', short: 'cohora v2', role: 'subject' },
  { kind: 'bare', label: 'bare (node:http + ws), REST sends', short: 'bare REST', role: 'baseline' },
];

/** The targets: ≥ 0.6 × bare's messages per CPU-second, p99 at the rate ≤ 1.5 × bare's. */
export function metricsFor(config) {
  const at = `${config.rate.toLocaleString('en-US')} msg/s`;
  return [
    { key: 'msgsPerCpuSec', label: 'messages per server CPU-second (closed loop)', unit: 'msg/cpu-s', better: 'higher', target: { against: 'bare', min: 0.6 } },
    { key: 'acceptedPerSec', label: 'accepted/s (closed loop)', unit: 'msg/s', better: 'higher' },
    { key: 'p50Ms', label: `latency p50 at ${at}`, unit: 'ms', better: 'lower' },
    { key: 'p99Ms', label: `latency p99 at ${at}`, unit: 'ms', better: 'lower', target: { against: 'bare', max: 1.5 } },
    { key: 'serverCpuUtil', label: `server CPU use at ${at}`, unit: 'cores', better: 'lower' },
  ];
}

export function estimateSeconds(config) {
  return 4 + (config.throughput.warmupMs + config.throughput.durationMs + config.latency.warmupMs + config.latency.durationMs) / 1000;
}

export function notes(config) {
  return [
    `${config.senders} senders (cohora: one cohora.v2 socket each; bare: REST over a keep-alive agent), ${config.receivers} receivers on v1 sockets, 64-char messages`,
    `closed loop ${config.throughput.durationMs / 1000} s after ${config.throughput.warmupMs / 1000} s warm-up, then an open loop at ${config.rate} msg/s for ${config.latency.durationMs / 1000} s after ${config.latency.warmupMs / 1000} s; an ack (cohora) or a 200 (bare) counts a send accepted, and only after its frame arrived is it verified`,
  ];
}

export async function run(server, config) {
  const chat = await setupChat(server, { senders: config.senders, receivers: config.receivers, maxSockets: 128 });
  const transport = server.kind === 'bare' ? restTransport(chat) : await socketTransport(server, chat);
  try {
    const closed = await closedLoop(chat, config.throughput, () => cpuWindow(server.pid), transport);
    await waitForFrames(chat.verifier, 10_000);
    const throughputCorrectness = correctnessOf(chat.verifier, chat.receivers, closed.sendErrors, closed.errorExamples);

    chat.verifier = new Verifier(
      chat.senders.map((s) => s.name),
      chat.recipients.length,
    );
    chat.receivers.verifier = chat.verifier;
    const open = await openLoop(chat, { ...config.latency, rate: config.rate }, () => cpuWindow(server.pid), transport);
    await waitForFrames(chat.verifier, 10_000);
    const latency = latencySummary(chat.verifier.latencies);
    const latencyCorrectness = correctnessOf(chat.verifier, chat.receivers, open.sendErrors, open.errorExamples);
    return {
      metrics: {
        msgsPerCpuSec: closed.acceptedInWindow / closed.cost.cpu,
        acceptedPerSec: closed.acceptedInWindow / closed.cost.wall,
        p50Ms: latency.p50,
        p99Ms: latency.p99,
        serverCpuUtil: open.cost.cpu / open.cost.wall,
      },
      correctness: combineCorrectness([throughputCorrectness, latencyCorrectness]),
      info: { acceptedInWindow: closed.acceptedInWindow, openLoopSent: open.sent, abandoned: open.abandoned, latencySamples: latency.count },
    };
  } finally {
    transport.close();
    await chat.close();
  }
}
