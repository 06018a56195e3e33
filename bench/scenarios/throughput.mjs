// Closed loop: each sender sends its next message as soon as the previous one is answered.
// What it costs the server per message matters more than the raw rate, because on one core the
// generator may saturate before a fast server does.
import { correctnessOf, setupChat, waitForFrames } from '../lib/chat-fixture.mjs';
import { cpuWindow, rssBytes } from '../lib/proc-stats.mjs';
import { closedLoop } from '../lib/send-loops.mjs';
import { latencySummary } from '../lib/stats.mjs';
import { withVariants } from '../lib/summary.mjs';

/** cohora, then cohora at its defaults, each of the two changes alone and with keyed sends, then the baselines. */
export const servers = withVariants(['cohora-defaults', 'cohora-info', 'cohora-limits', 'cohora-keyed']);

export const metrics = [
  // The target: cohora's own work costs at most 10 % on top of the framework's.
  { key: 'msgsPerCpuSec', label: 'messages per server CPU-second', unit: 'msg/cpu-s', better: 'higher', target: { against: 'floor', min: 0.9 } },
  { key: 'acceptedPerSec', label: 'accepted/s', unit: 'msg/s', better: 'higher' },
  { key: 'p50Ms', label: 'latency p50', unit: 'ms', better: 'lower' },
  { key: 'p99Ms', label: 'latency p99', unit: 'ms', better: 'lower' },
  { key: 'serverCpuUtil', label: 'server CPU use', unit: 'cores', better: 'lower' },
  { key: 'rssMB', label: 'server RSS at end', unit: 'MB', better: 'lower' },
];

export function estimateSeconds(config) {
  return 2.5 + (config.warmupMs + config.durationMs) / 1000;
}

export async function run(server, config) {
  const chat = await setupChat(server, config);
  const { verifier } = chat;
  try {
    const { acceptedInWindow, sendErrors, errorExamples, cost } = await closedLoop(chat, config, () => cpuWindow(server.pid));
    await waitForFrames(verifier, 10_000);
    const latency = latencySummary(verifier.latencies);
    return {
      metrics: {
        msgsPerCpuSec: acceptedInWindow / cost.cpu,
        acceptedPerSec: acceptedInWindow / cost.wall,
        p50Ms: latency.p50,
        p99Ms: latency.p99,
        serverCpuUtil: cost.cpu / cost.wall,
        rssMB: rssBytes(server.pid) / 2 ** 20,
      },
      correctness: correctnessOf(verifier, chat.receivers, sendErrors, errorExamples),
      info: { acceptedInWindow, totalAccepted: verifier.counts.accepted, latencySamples: latency.count },
    };
  } finally {
    await chat.close();
  }
}
