// Open loop at a fixed rate: message i is due at start + i/rate and is sent then, whatever
// happened to earlier ones. Latency runs from that intended time to the frame's arrival, so a
// stall is charged to every message it delayed (no coordinated omission).
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { correctnessOf, sendBody, setupChat, waitForFrames } from '../lib/chat-fixture.mjs';
import { cpuWindow } from '../lib/proc-stats.mjs';
import { latencySummary } from '../lib/stats.mjs';
import { messageText } from '../lib/verifier.mjs';

export const metrics = [
  { key: 'p50Ms', label: 'latency p50', unit: 'ms', better: 'lower' },
  { key: 'p99Ms', label: 'latency p99', unit: 'ms', better: 'lower', target: { max: 2 } },
  { key: 'p999Ms', label: 'latency p99.9', unit: 'ms', better: 'lower' },
  { key: 'maxMs', label: 'latency max', unit: 'ms', better: 'lower' },
  { key: 'serverCpuUtil', label: 'server CPU use', unit: 'cores', better: 'lower' },
];

/** More in flight than this means the server has fallen hopelessly behind: stop the run. */
const MAX_IN_FLIGHT = 5_000;

export function estimateSeconds(config) {
  return 2.5 + (config.warmupMs + config.durationMs) / 1000;
}

export async function run(server, config) {
  // Enough sockets that a brief stall queues requests in the agent, not in our schedule.
  const chat = await setupChat(server, { ...config, maxSockets: 128 });
  const { client, senders, recipients, verifier } = chat;
  verifier.seqOrdered = false; // two sends of one pair may overlap in an open loop
  try {
    const total = Math.round(((config.warmupMs + config.durationMs) / 1000) * config.rate);
    const interval = 1000 / config.rate;
    const start = performance.now() + 5;
    verifier.latencyFrom = start + config.warmupMs;
    verifier.latencyUntil = start + config.warmupMs + config.durationMs;
    let window;
    let measured = 0;
    let sendErrors = 0;
    let inFlight = 0;
    let abandoned = false;
    const errorExamples = [];
    const pending = [];

    const send = async (i, dueAt) => {
      const s = i % senders.length;
      const r = Math.floor(i / senders.length) % recipients.length;
      const seq = Math.floor(i / (senders.length * recipients.length));
      const body = sendBody(recipients[r].id, senders[s].id, messageText(r, s, seq, dueAt));
      inFlight++;
      try {
        const { status, text } = await client.request('POST', '/api/messages/send', body).catch((error) => ({ status: 0, text: String(error) }));
        if (status === 200) verifier.accepted(s, r);
        else {
          sendErrors++;
          if (errorExamples.length < 5) errorExamples.push(`${status} ${text.slice(0, 120)}`);
        }
      } finally {
        inFlight--;
      }
    };

    for (let i = 0; i < total; ) {
      const now = performance.now();
      // Send everything that is due; a late loop sends a burst, stamped with the due times.
      while (i < total && start + i * interval <= now) {
        const dueAt = start + i * interval;
        if (!window && dueAt >= verifier.latencyFrom) window = cpuWindow(server.pid);
        if (window) measured++;
        pending.push(send(i, dueAt));
        i++;
      }
      if (inFlight > MAX_IN_FLIGHT) {
        abandoned = true;
        errorExamples.push(`abandoned: more than ${MAX_IN_FLIGHT} sends in flight`);
        break;
      }
      await yieldToEventLoop();
    }
    await Promise.all(pending);
    const cost = window.end();
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
      info: { rate: config.rate, sent: total, measured, latencySamples: latency.count },
    };
  } finally {
    await chat.close();
  }
}
