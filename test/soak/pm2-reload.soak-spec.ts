import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_PROFILES, Pm2Cluster } from '../support/pm2-cluster-profile.js';
import { ROOT } from '../support/pm2-daemon.js';
import { SteadyLoad } from '../support/steady-load.js';

/** How many `pm2 reload`s each profile goes through (SOAK_RELOADS, 50 by default). */
const RELOADS = Number(process.env.SOAK_RELOADS ?? 50);

/**
 * `npm run soak`: many `pm2 reload`s of a two-worker cluster of each multi-process profile,
 * under steady closed-loop sends. Not one send may fail or hang, and every accepted message
 * must arrive on its receiver's socket. The figures go to test-results/soak-<layout>.json.
 */
describe.each(CLUSTER_PROFILES)('soak: $layout ($store + Redis) under pm2 reload', ({ layout }) => {
  let cluster: Pm2Cluster;

  beforeAll(async () => {
    cluster = await Pm2Cluster.start(layout);
  }, 60_000);

  afterAll(() => cluster?.stop());

  it(`loses nothing over ${RELOADS} reloads under steady load`, async () => {
    const load = await SteadyLoad.start(cluster.api);
    await load.untilAccepted(100);
    const started = Date.now();
    const reloadMs: number[] = [];
    for (let reload = 1; reload <= RELOADS; reload++) {
      const before = await cluster.pids();
      const t0 = Date.now();
      await cluster.reload();
      reloadMs.push(Date.now() - t0);
      expect((await cluster.pids()).some((pid) => before.includes(pid))).toBe(false);
      // The load must flow between reloads too, not only while PM2 works.
      await load.untilAccepted(50);
    }
    const report = await load.stop();
    const figures = {
      layout,
      reloads: RELOADS,
      seconds: Math.round((Date.now() - started) / 1000),
      reloadSeconds: { median: median(reloadMs) / 1000, max: Math.max(...reloadMs) / 1000 },
      accepted: report.accepted,
      failed: report.failed.length,
      hung: report.hung.length,
      missing: report.missing.length,
      reconnects: report.reconnects,
      workerExits: cluster.workerExits(),
    };
    mkdirSync(`${ROOT}/test-results`, { recursive: true });
    writeFileSync(`${ROOT}/test-results/soak-${layout}.json`, JSON.stringify({ ...figures, report }, null, 2));
    console.log(JSON.stringify(figures));
    expect(report.hung).toEqual([]);
    expect(report.failed).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.reconnects).toBeGreaterThanOrEqual(RELOADS);
  }, 3_600_000);
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
