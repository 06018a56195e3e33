// Open loop at fixed rates: message i is due at start + i/rate and is sent then, whatever
// happened to earlier ones. Latency runs from that intended time to the frame's arrival, so a
// stall is charged to every message it delayed (no coordinated omission). Each rate is a phase
// on the same server and sockets, with a warm-up and a fresh tally of its own. The server's own
// event-loop delay is recorded over each phase (bench/lib/loop-delay-probe.mjs), so a stall
// shows where it happened.
import { correctnessOf, setupChat, waitForFrames } from '../lib/chat-fixture.mjs';
import { cpuWindow } from '../lib/proc-stats.mjs';
import { openLoop } from '../lib/send-loops.mjs';
import { latencySummary } from '../lib/stats.mjs';
import { combineCorrectness } from '../lib/correctness.mjs';
import { withVariants } from '../lib/summary.mjs';
import { Verifier } from '../lib/verifier.mjs';

/** cohora, cohora at its defaults, the floor and bare. */
export const servers = withVariants(['cohora-defaults']);

/** A server at or above this share of its core is saturated: requests queue, latency grows without bound. */
const SATURATED_CPU = 0.9;

/**
 * The targets, per rate: p99 ≤ 2 × the floor's, p99.9 ≤ 3 ×, max ≤ 50 ms. Above the
 * first rate they apply only if the floor sustained that rate (not saturated, every send answered).
 */
export function metricsFor(config) {
  const rows = [];
  config.rates.forEach((rate, i) => {
    const at = `@${rate}`;
    const where = `at ${rate.toLocaleString('en-US')} msg/s`;
    const onlyIf = i === 0 ? undefined : { kind: 'floor', key: `sustained${at}`, label: `if the floor sustains ${rate.toLocaleString('en-US')} msg/s` };
    const when = (target) => (onlyIf ? { ...target, onlyIf } : target);
    rows.push({ key: `p50Ms${at}`, label: `latency p50 ${where}`, unit: 'ms', better: 'lower' });
    rows.push({ key: `p99Ms${at}`, label: `latency p99 ${where}`, unit: 'ms', better: 'lower', target: when({ against: 'floor', max: 2 }) });
    rows.push({ key: `p999Ms${at}`, label: `latency p99.9 ${where}`, unit: 'ms', better: 'lower', target: when({ against: 'floor', max: 3 }) });
    rows.push({ key: `maxMs${at}`, label: `latency max ${where}`, unit: 'ms', better: 'lower', target: when({ absMax: 50 }) });
    rows.push({ key: `loopDelayP99Ms${at}`, label: `server event-loop delay p99 ${where}`, unit: 'ms', better: 'lower' });
    rows.push({ key: `loopDelayMaxMs${at}`, label: `server event-loop delay max ${where}`, unit: 'ms', better: 'lower' });
    rows.push({ key: `stalls50ms${at}`, label: `server event-loop stalls over 50 ms ${where}`, unit: 'samples', better: 'lower' });
    rows.push({ key: `serverCpuUtil${at}`, label: `server CPU use ${where}`, unit: 'cores', better: 'lower' });
    rows.push({ key: `sustained${at}`, label: `sustained ${where} (1: not saturated, nothing abandoned)`, unit: 'yes=1', better: 'higher' });
  });
  return rows;
}

export function estimateSeconds(config) {
  return 2.5 + config.rates.length * (0.5 + (config.warmupMs + config.durationMs) / 1000);
}

/** Every server measures its own event-loop delay, the baselines too, so all pay the probe alike. */
export const serverOptions = { loopDelay: true };

export async function run(server, config) {
  // Enough sockets that a brief stall queues requests in the agent, not in our schedule.
  const chat = await setupChat(server, { ...config, maxSockets: 128 });
  const metrics = {};
  const phases = [];
  try {
    for (const rate of config.rates) {
      chat.verifier = new Verifier(
        chat.senders.map((s) => s.name),
        chat.recipients.length,
      );
      chat.receivers.verifier = chat.verifier;
      let delayWindow;
      const { sent, measured, sendErrors, errorExamples, abandoned, cost } = await openLoop(chat, { ...config, rate }, () => {
        delayWindow = server.loopDelay.start(); // the warm-up's delays are dropped
        return cpuWindow(server.pid);
      });
      // The probe's window, like the CPU's, closes once every send of the phase is answered.
      await delayWindow;
      const delay = await server.loopDelay.end();
      await waitForFrames(chat.verifier, 10_000);
      const latency = latencySummary(chat.verifier.latencies);
      const correctness = correctnessOf(chat.verifier, chat.receivers, sendErrors, errorExamples);
      // A rate the server cannot keep up with is a speed, not a fault: every send made was still
      // answered and verified. It shows as `sustained` 0 and in the run's examples.
      const cpuUtil = cost.cpu / cost.wall;
      const at = `@${rate}`;
      Object.assign(metrics, {
        [`p50Ms${at}`]: latency.p50,
        [`p99Ms${at}`]: latency.p99,
        [`p999Ms${at}`]: latency.p999,
        [`maxMs${at}`]: latency.max,
        [`loopDelayP99Ms${at}`]: delay.p99Ms,
        [`loopDelayMaxMs${at}`]: delay.maxMs,
        [`stalls50ms${at}`]: delay.over50ms,
        [`serverCpuUtil${at}`]: cpuUtil,
        [`sustained${at}`]: !abandoned && sendErrors === 0 && cpuUtil < SATURATED_CPU ? 1 : 0,
      });
      phases.push({ rate, sent, measured, latencySamples: latency.count, loopDelay: delay, correctness });
    }
    return {
      metrics,
      correctness: combineCorrectness(phases.map((phase) => phase.correctness)),
      info: { phases: phases.map(({ rate, sent, measured, latencySamples, loopDelay }) => ({ rate, sent, measured, latencySamples, loopDelay })) },
    };
  } finally {
    await chat.close();
  }
}
