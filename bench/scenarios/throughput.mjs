// Closed loop: each sender sends its next message as soon as the previous one is answered.
// What it costs the server per message matters more than the raw rate, because on one core the
// generator may saturate before a fast server does.
import { correctnessOf, sendBody, setupChat, waitForFrames } from '../lib/chat-fixture.mjs';
import { cpuWindow, rssBytes } from '../lib/proc-stats.mjs';
import { latencySummary } from '../lib/stats.mjs';
import { messageText } from '../lib/verifier.mjs';

export const metrics = [
  { key: 'msgsPerCpuSec', label: 'messages per server CPU-second', unit: 'msg/cpu-s', better: 'higher', target: { min: 0.6 } },
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
  const { client, senders, recipients, verifier } = chat;
  try {
    const startedAt = performance.now();
    const windowStart = startedAt + config.warmupMs;
    const windowEnd = windowStart + config.durationMs;
    verifier.latencyFrom = windowStart;
    verifier.latencyUntil = windowEnd;
    let window;
    let acceptedInWindow = 0;
    let sendErrors = 0;
    const errorExamples = [];
    // The window opens and closes on a timer, independent of the senders' progress.
    const opened = setTimeout(() => (window = cpuWindow(server.pid)), config.warmupMs);
    let cost;
    const closed = setTimeout(() => (cost = window.end()), config.warmupMs + config.durationMs);

    const sender = async (s) => {
      for (let seq = 0; performance.now() < windowEnd; seq++) {
        const r = (s * 7 + seq) % recipients.length; // spread each sender over all receivers
        const sentAt = performance.now();
        const body = sendBody(recipients[r].id, senders[s].id, messageText(r, s, seq, sentAt));
        const { status, text } = await client.request('POST', '/api/messages/send', body).catch((error) => ({ status: 0, text: String(error) }));
        if (status === 200) {
          verifier.accepted(s, r);
          if (sentAt >= windowStart && sentAt < windowEnd) acceptedInWindow++;
        } else {
          sendErrors++;
          if (errorExamples.length < 5) errorExamples.push(`${status} ${text.slice(0, 120)}`);
        }
      }
    };
    try {
      await Promise.all(senders.map((_, s) => sender(s)));
    } finally {
      clearTimeout(opened);
      clearTimeout(closed);
    }
    cost ??= window.end();
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
