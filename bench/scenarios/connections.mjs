// N idle authenticated sockets, in steps: what each costs the server in memory (RSS delta / N)
// and CPU to open, and whether a sample of them still receives afterwards.
import { setTimeout as sleep } from 'node:timers/promises';
import { FD_RESERVE, openFileLimit } from '../lib/fd-limit.mjs';
import { HttpClient } from '../lib/http-client.mjs';
import { collectGarbage } from '../lib/inspector-gc.mjs';
import { cpuSeconds, cpuWindow, rssBytes } from '../lib/proc-stats.mjs';
import { Receivers } from '../lib/receivers.mjs';
import { createUsers } from '../lib/users.mjs';
import { Verifier } from '../lib/verifier.mjs';

/** Metrics are per step, keyed by socket count; run.mjs expands `@` into one row per step. */
export function metricsFor(config) {
  const steps = cappedSteps(config).steps;
  return [
    ...steps.map((n) => ({ key: `bytesPerSocket@${n}`, label: `server bytes per idle socket, ${n} open`, unit: 'B', better: 'lower', target: n === steps.at(-1) ? { against: 'bare', max: 1.2 } : undefined })),
    ...steps.map((n) => ({ key: `cpuPerOpenUs@${n}`, label: `server CPU per socket opened, up to ${n}`, unit: 'µs', better: 'lower' })),
    { key: 'maxOpen', label: 'sockets held open at once', unit: 'sockets', better: 'higher', target: steps.at(-1) >= 19_000 ? { absMin: 19_000 } : undefined },
    { key: 'sampleReceived', label: 'sampled sockets still receiving', unit: '%', better: 'higher' },
  ];
}

/** The requested steps, cut to what this process's open-file limit allows. */
export function cappedSteps(config) {
  const limit = openFileLimit();
  const max = limit - FD_RESERVE;
  const steps = config.steps.filter((n) => n <= max);
  const capped = steps.length < config.steps.length;
  if (capped && steps.at(-1) !== max) steps.push(max);
  const note = capped
    ? `connections: capped at ${max} sockets: this process may open ${limit} files (ulimit -n); ` +
      `run \`ulimit -n ${Math.max(...config.steps) + FD_RESERVE}\` in the shell first to measure ${Math.max(...config.steps)}`
    : undefined;
  return { steps, note };
}

export function estimateSeconds(config, kind) {
  const max = Math.max(...cappedSteps(config).steps);
  // Users are registered first (cohora ~1,500/s), then the sockets open (~2,000/s).
  return 2 + max / (kind === 'cohora' ? 1_500 : 8_000) + max / 2_000;
}

/**
 * Both servers start with node's inspector on a local port so the bench can force a full GC
 * before each RSS reading. It only listens; no session stays attached while sockets open.
 */
export const serverOptions = { inspect: true };

/** A forced full GC, then a moment for the memory reducer: RSS compared at like heap states. */
async function settledRss(server) {
  await settle(server.pid);
  await collectGarbage(server.inspectorUrl);
  await sleep(200);
  return rssBytes(server.pid);
}

/** Waits until the server's CPU has been quiet for a moment (bounded), so RSS has settled. */
async function settle(pid, maxMs = 5_000) {
  const deadline = performance.now() + maxMs;
  let before = cpuSeconds(pid);
  while (performance.now() < deadline) {
    await sleep(250);
    const now = cpuSeconds(pid);
    if (now - before <= 0.01) return;
    before = now;
  }
}

export async function run(server, config, { progress } = {}) {
  const { steps, note } = cappedSteps(config);
  const client = new HttpClient(server.baseUrl, 32);
  // One user per socket, as in a real chat; registered before measuring so they cost nothing here.
  const users = await createUsers(client, 'idle', steps.at(-1), {
    onProgress: (n) => progress?.detail(`registering ${n}/${steps.at(-1)}`),
  });
  const verifier = new Verifier([], steps.at(-1));
  const receivers = new Receivers(server.baseUrl, verifier);
  const metrics = {};
  try {
    const rssBefore = await settledRss(server);
    let open = 0;
    for (const n of steps) {
      const opening = cpuWindow(server.pid);
      await receivers.open(users.slice(open, n), {
        offset: open,
        onProgress: (count) => progress?.detail(`${count}/${n} sockets`),
      });
      // The auth frames may still be in flight: let the server finish before reading its cost.
      await settle(server.pid);
      const { cpu } = opening.end();
      metrics[`cpuPerOpenUs@${n}`] = (cpu / (n - open)) * 1e6;
      metrics[`bytesPerSocket@${n}`] = ((await settledRss(server)) - rssBefore) / n;
      open = n;
    }
    metrics.maxOpen = open - receivers.closedUnexpectedly;
    const sample = sampleIndexes(open, config.sample);
    const arrived = await receivers.probe(client, users, sample, 10_000);
    metrics.sampleReceived = (arrived / sample.length) * 100;
    const ok = arrived === sample.length && receivers.closedUnexpectedly === 0;
    return {
      metrics,
      correctness: {
        ok,
        lost: sample.length - arrived,
        misrouted: verifier.counts.misrouted,
        unexpectedCloses: receivers.closedUnexpectedly,
        closeCodes: receivers.closeCodes,
        examples: ok ? [] : [`${arrived}/${sample.length} sampled sockets received their probe`],
      },
      info: { steps, sampled: sample.length, rssBeforeMB: rssBefore / 2 ** 20, note },
    };
  } finally {
    await receivers.close();
    client.close();
  }
}

/** `count` distinct indexes spread evenly over [0, total). */
function sampleIndexes(total, count) {
  const n = Math.min(total, count);
  return Array.from({ length: n }, (_, i) => Math.floor((i * total) / n));
}
