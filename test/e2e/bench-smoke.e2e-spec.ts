import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/run.mjs';

// Keeps the instrument from rotting: every scenario runs against both servers, tiny and once.
// It asserts that nothing was lost, duplicated, misrouted or reordered, never a speed.
describe('npm run bench (smoke)', () => {
  it('runs every scenario against cohora and the baseline, losing nothing', async () => {
    const summary = await runBench({ mode: 'smoke', quiet: true });
    for (const [name, { runs }] of Object.entries(summary.scenarios)) {
      expect(runs.map((run) => run.kind).sort(), name).toEqual(['baseline', 'cohora']);
      for (const run of runs) expect(run.correctness, `${name} on ${run.kind}`).toMatchObject({ ok: true });
    }
    expect(Object.keys(summary.scenarios).sort()).toEqual(['connections', 'drain', 'latency', 'scale', 'throughput']);
    expect(summary.ok).toBe(true);
  }, 120_000);
});
