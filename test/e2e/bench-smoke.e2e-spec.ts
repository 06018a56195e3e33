import { describe, expect, it } from 'vitest';
import { runBench, SCENARIOS } from '../../bench/run.mjs';

const AGAINST_BASELINE = ['connections', 'drain', 'latency', 'scale', 'throughput'];
const SCALE_OUT = { cluster: ['workers-1', 'workers-2'], store: ['postgres', 'sqlite'] };

// Keeps the instrument from rotting: every scenario runs against both of its servers, tiny and
// once. It asserts that nothing was lost, duplicated, misrouted or reordered, never a speed.
describe('npm run bench (smoke)', () => {
  it('knows every scenario that these tests run', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual([...AGAINST_BASELINE, ...Object.keys(SCALE_OUT)].sort());
  });

  it('runs every scenario against cohora and the baseline, losing nothing', async () => {
    const summary = await runBench({ mode: 'smoke', scenarios: AGAINST_BASELINE, quiet: true });
    for (const [name, { runs }] of Object.entries(summary.scenarios)) {
      expect(runs.map((run) => run.kind).sort(), name).toEqual(['baseline', 'cohora']);
      for (const run of runs) expect(run.correctness, `${name} on ${run.kind}`).toMatchObject({ ok: true });
    }
    expect(Object.keys(summary.scenarios).sort()).toEqual(AGAINST_BASELINE);
    expect(summary.ok).toBe(true);
  }, 120_000);

  // 1 and 2 PM2 workers on a private Redis; SQLite and PostgreSQL (a throwaway schema).
  it('runs the scale-out scenarios on both of their setups, losing nothing', async () => {
    const summary = await runBench({ mode: 'smoke', scenarios: Object.keys(SCALE_OUT), quiet: true });
    for (const [name, kinds] of Object.entries(SCALE_OUT)) {
      const { runs } = summary.scenarios[name];
      expect(runs.map((run) => run.kind).sort(), name).toEqual(kinds);
      for (const run of runs) {
        expect(run.correctness, `${name} on ${run.kind}`).toMatchObject({ ok: true, lost: 0 });
        expect(run.correctness?.accepted, `${name} on ${run.kind}`).toBeGreaterThan(0);
      }
    }
    // Two workers really shared the clients: some pushes had to cross between them.
    const twoWorkers = summary.scenarios.cluster.runs.find((run) => run.kind === 'workers-2');
    expect(twoWorkers?.metrics.crossingPct).toBeGreaterThan(0);
    expect(summary.ok).toBe(true);
  }, 120_000);
});
