// A backlog for an offline user, then it connects: how long until the last queued frame
// arrives, and did all of them arrive, oldest first.
import { HttpClient } from '../lib/http-client.mjs';
import { cpuWindow } from '../lib/proc-stats.mjs';
import { Receivers } from '../lib/receivers.mjs';
import { createUsers } from '../lib/users.mjs';
import { messageText, Verifier } from '../lib/verifier.mjs';
import { correctnessOf, sendBody, waitForFrames } from '../lib/chat-fixture.mjs';

export const metrics = [
  { key: 'drainMs', label: 'time to drain the backlog', unit: 'ms', better: 'lower', target: { against: 'bare', max: 1.3 } },
  { key: 'drainRate', label: 'drain rate', unit: 'msg/s', better: 'higher' },
  { key: 'drainCpuSec', label: 'server CPU for the drain', unit: 'cpu-s', better: 'lower' },
  { key: 'queueRate', label: 'sends/s while queueing', unit: 'msg/s', better: 'higher' },
  { key: 'queueCpuUs', label: 'server CPU per queued send', unit: 'µs', better: 'lower' },
];

/** cohora refuses (429) past MAX_QUEUED_PER_USER, 10,000 by default: allow the whole backlog. */
export function serverEnv(config) {
  return config.messages > 10_000 ? { MAX_QUEUED_PER_USER: String(config.messages) } : {};
}

export function estimateSeconds(config, kind) {
  // cohora queues about 1,500 sends/s into a short backlog, slower as it grows; the baselines ~15,000/s.
  if (kind !== 'cohora') return 2 + config.messages / 15_000;
  return 2 + (config.messages / 1_500) * (1 + config.messages / 40_000);
}

export async function run(server, config, { progress } = {}) {
  const client = new HttpClient(server.baseUrl, config.senders);
  const senders = await createUsers(client, 'sender', config.senders);
  const [recipient] = await createUsers(client, 'offline', 1);
  const verifier = new Verifier(
    senders.map((s) => s.name),
    1,
  );
  const receivers = new Receivers(server.baseUrl, verifier);
  let sendErrors = 0;
  const errorExamples = [];
  try {
    // One sequential stream per sender, so each pair's acceptance order is its sequence order.
    const perSender = Math.ceil(config.messages / config.senders);
    const queueing = cpuWindow(server.pid);
    let queued = 0;
    await Promise.all(
      senders.map(async (sender, s) => {
        for (let seq = 0; seq < perSender && s * perSender + seq < config.messages; seq++) {
          const body = sendBody(recipient.id, sender.id, messageText(0, s, seq, performance.now()));
          const { status, text } = await client.request('POST', '/api/messages/send', body).catch((error) => ({ status: 0, text: String(error) }));
          if (status === 200 && JSON.parse(text).delivery === 'queued') verifier.accepted(s, 0);
          else {
            sendErrors++;
            if (errorExamples.length < 5) errorExamples.push(`${status} ${text.slice(0, 160)}`);
          }
          if (++queued % 2_000 === 0) progress?.detail(`queued ${queued}/${config.messages}`);
        }
      }),
    );
    const queueCost = queueing.end();

    verifier.recordLatency = false; // latency here would only measure how long the backlog waited
    const draining = cpuWindow(server.pid);
    const connectAt = performance.now();
    await receivers.open([recipient]);
    const complete = await waitForFrames(verifier, 120_000);
    const drainCost = draining.end();
    // From connecting to the last frame, to the frame's own arrival time, not the poll's.
    const drainSeconds = complete ? (verifier.lastFrameAt - connectAt) / 1000 : NaN;
    const correctness = correctnessOf(verifier, receivers, sendErrors, errorExamples);
    // Everything was queued, so the whole stream must come in id order, not only per pair.
    correctness.ok &&= complete && correctness.idRegressions === 0;
    return {
      metrics: {
        drainMs: drainSeconds * 1000,
        drainRate: verifier.counts.accepted / drainSeconds,
        drainCpuSec: drainCost.cpu,
        queueRate: verifier.counts.accepted / queueCost.wall,
        queueCpuUs: (queueCost.cpu / Math.max(1, verifier.counts.accepted)) * 1e6,
      },
      correctness,
      info: { messages: config.messages, queued: verifier.counts.accepted, env: serverEnv(config) },
    };
  } finally {
    await receivers.close();
    client.close();
  }
}
