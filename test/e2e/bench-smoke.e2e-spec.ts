import { describe, expect, it } from 'vitest';
import { runBench, SCENARIOS, type BenchRun } from '../../bench/run.mjs';

const AGAINST_BASELINES = ['connections', 'drain', 'latency', 'scale', 'throughput'];
const BASELINES = ['bare', 'floor'];
/** Scenarios that also run cohora in its default configuration (and, for throughput, each change alone and keyed sends). */
const VARIANTS: Record<string, string[]> = {
  latency: ['cohora-defaults'],
  throughput: ['cohora-defaults', 'cohora-info', 'cohora-limits', 'cohora-keyed'],
};
const SCALE_OUT = { cluster: ['workers-1', 'workers-2'], store: ['postgres', 'sqlite'] };
/** Issue 16's: cohora's v2 socket sends against bare's REST sends, and presence on cohora alone. */
const SOCKETS = { 'socket-sends': ['bare', 'cohora'], presence: ['cohora', 'redis'] };

/** What the bench states for cohora whatever cohora's defaults are: no 429 for a load generator, no request log. */
const BENCH_CONFIG = { LOG_LEVEL: 'warn', RATE_LIMIT_CREATE: 'off', RATE_LIMIT_SEND: 'off', AUTH_MODE: 'open' };

// Keeps the instrument from rotting: every scenario runs against each of its servers, tiny and
// once. It asserts that nothing was lost, duplicated, misrouted or reordered, and that cohora ran
// with the configuration the bench states, never a speed.
describe('npm run bench (smoke)', () => {
  it('knows every scenario that these tests run', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(
      [...AGAINST_BASELINES, ...Object.keys(SCALE_OUT), ...Object.keys(SOCKETS)].sort(),
    );
  });

  it('runs every scenario against cohora, the Nest floor and bare node, and the default configuration beside the bench one, losing nothing', async () => {
    const summary = await runBench({ mode: 'smoke', scenarios: AGAINST_BASELINES, quiet: true });
    expect(Object.keys(summary.scenarios).sort()).toEqual(AGAINST_BASELINES);
    for (const [name, { runs, metrics }] of Object.entries(summary.scenarios)) {
      expect(runs.map((run) => run.kind).sort(), name).toEqual(
        ['cohora', ...(VARIANTS[name] ?? []), ...BASELINES].sort(),
      );
      for (const run of runs) expect(run.correctness, `${name} on ${run.kind}`).toMatchObject({ ok: true });
      // Every metric is given as cohora over each baseline.
      for (const metric of metrics)
        expect(Object.keys(metric.ratios), `${name} ${metric.key}`).toEqual(
          expect.arrayContaining(['cohora/floor', 'cohora/bare']),
        );
    }
    const { throughput, latency } = summary.scenarios;
    const perCpu = throughput.metrics.find((metric) => metric.key === 'msgsPerCpuSec')!;
    expect(perCpu.ratios['cohora/floor'].median).toBeGreaterThan(0);
    expect(perCpu.ratios['cohora-defaults/cohora'].median).toBeGreaterThan(0);
    // Issue 14: keyed sends against unkeyed ones in the same run (each keyed send answered 200, so verified above).
    expect(perCpu.ratios['cohora-keyed/cohora'].median).toBeGreaterThan(0);
    expect(perCpu.verdicts.map((v) => v.target)).toEqual(['cohora / floor ≥ 0.9']);
    // The server's own event-loop delay was read over the window, on every server kind.
    const loopDelay = latency.metrics.find((metric) => metric.key.startsWith('loopDelayMaxMs@'))!;
    for (const kind of ['cohora', 'floor', 'bare'])
      expect(Number.isFinite(loopDelay.values[kind].median), kind).toBe(true);

    const runs: BenchRun[] = Object.values(summary.scenarios).flatMap((scenario) => scenario.runs);
    for (const run of runs.filter((r) => r.kind === 'cohora'))
      expect(run.config, run.name).toMatchObject({ ...BENCH_CONFIG, RATE_LIMIT_WS_FRAMES: 'off' });
    // The default configuration logs a line per request and checks every rate limit, the frame limit at cohora's own default.
    const defaults = throughput.runs.find((run) => run.kind === 'cohora-defaults')!;
    expect(defaults.config).toMatchObject({
      LOG_LEVEL: 'info',
      RATE_LIMIT_CREATE: expect.stringMatching(/^\d+\//),
      RATE_LIMIT_SEND: expect.stringMatching(/^\d+\//),
    });
    expect(defaults.config).not.toHaveProperty('RATE_LIMIT_WS_FRAMES');
    // Its request log lines are not counted as problems; a bench configuration run logs nothing at all.
    expect(defaults.serverLogLines).toBe(0);
    expect(summary.ok).toBe(true);
  }, 300_000);

  // 1 and 2 PM2 workers on a private Redis; SQLite and PostgreSQL (a throwaway schema).
  it('runs the scale-out scenarios on both of their setups, with the bench configuration, losing nothing', async () => {
    const summary = await runBench({ mode: 'smoke', scenarios: Object.keys(SCALE_OUT), quiet: true });
    for (const [name, kinds] of Object.entries(SCALE_OUT)) {
      const { runs } = summary.scenarios[name];
      expect(runs.map((run) => run.kind).sort(), name).toEqual(kinds);
      for (const run of runs) {
        expect(run.correctness, `${name} on ${run.kind}`).toMatchObject({ ok: true, lost: 0 });
        expect(run.correctness?.accepted, `${name} on ${run.kind}`).toBeGreaterThan(0);
        // PM2 gives a worker the profile's env over the daemon's: the bench's must be in it (a
        // worker at the default registration limit refused the 61st user with 429).
        expect(run.config, `${name} on ${run.kind}`).toMatchObject(BENCH_CONFIG);
      }
    }
    // Two workers really shared the clients: some pushes had to cross between them.
    const twoWorkers = summary.scenarios.cluster.runs.find((run) => run.kind === 'workers-2');
    expect(twoWorkers?.metrics.crossingPct).toBeGreaterThan(0);
    expect(summary.ok).toBe(true);
  }, 180_000);

  it('runs the socket-sends and presence scenarios, losing nothing, with the issue’s targets stated', async () => {
    const summary = await runBench({ mode: 'smoke', scenarios: Object.keys(SOCKETS), quiet: true });
    for (const [name, kinds] of Object.entries(SOCKETS)) {
      const { runs } = summary.scenarios[name];
      expect(runs.map((run) => run.kind).sort(), name).toEqual(kinds);
      for (const run of runs) expect(run.correctness, `${name} on ${run.kind}`).toMatchObject({ ok: true });
    }
    const perCpu = summary.scenarios['socket-sends'].metrics.find((metric) => metric.key === 'msgsPerCpuSec')!;
    expect(perCpu.ratios['cohora/bare'].median).toBeGreaterThan(0);
    expect(perCpu.verdicts.map((v) => v.target)).toEqual(['cohora v2 / bare REST ≥ 0.6']);
    const presence = summary.scenarios.presence.runs.find((run) => run.kind === 'redis')!;
    expect(presence.metrics['cpuMsPerChange@300']).toBeGreaterThanOrEqual(0);
    expect(presence.metrics['redisCpuMsPerChange@300']).toBeGreaterThanOrEqual(0);
    expect(summary.ok).toBe(true);
  }, 180_000);
});
