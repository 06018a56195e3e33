// Open loop at a fixed rate: message i is due at start + i/rate and is sent then, whatever
// happened to earlier ones. Latency runs from that intended time to the frame's arrival, so a
// stall is charged to every message it delayed (no coordinated omission).
import { correctnessOf, setupChat, waitForFrames } from '../lib/chat-fixture.mjs';
import { cpuWindow } from '../lib/proc-stats.mjs';
import { openLoop } from '../lib/send-loops.mjs';
import { latencySummary } from '../lib/stats.mjs';

export const metrics = [
  { key: 'p50Ms', label: 'latency p50', unit: 'ms', better: 'lower' },
  { key: 'p99Ms', label: 'latency p99', unit: 'ms', better: 'lower', target: { max: 2 } },
  { key: 'p999Ms', label: 'latency p99.9', unit: 'ms', better: 'lower' },
  { key: 'maxMs', label: 'latency max', unit: 'ms', better: 'lower' },
  { key: 'serverCpuUtil', label: 'server CPU use', unit: 'cores', better: 'lower' },
];

export function estimateSeconds(config) {
  return 2.5 + (config.warmupMs + config.durationMs) / 1000;
}

export async function run(server, config) {
  // Enough sockets that a brief stall queues requests in the agent, not in our schedule.
  const chat = await setupChat(server, { ...config, maxSockets: 128 });
  const { verifier } = chat;
  try {
    const { sent, measured, sendErrors, errorExamples, abandoned, cost } = await openLoop(chat, config, () => cpuWindow(server.pid));
    await waitForFrames(verifier, 10_000);
    const latency = latencySummary(verifier.latencies);
    const correctness = correctnessOf(verifier, chat.receivers, sendErrors, errorExamples);
    if (abandoned) correctness.ok = false;
    return {
      metrics: {
        p50Ms: latency.p50,
        p99Ms: latency.p99,
        p999Ms: latency.p999,
        maxMs: latency.max,
        serverCpuUtil: cost.cpu / cost.wall,
      },
      correctness,
      info: { rate: config.rate, sent, measured, latencySamples: latency.count },
    };
  } finally {
    await chat.close();
  }
}
