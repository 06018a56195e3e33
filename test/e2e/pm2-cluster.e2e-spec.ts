import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_PROFILES, Pm2Cluster } from '../support/pm2-cluster-profile.js';
import { SteadyLoad } from '../support/steady-load.js';

/** `npm run soak` does fifty; the suite keeps a few. */
const RELOADS = 3;

/**
 * A profile of ecosystem.config.cjs with two workers under a real PM2 daemon: PM2 spreads
 * connections over the workers, so pushes must cross between them.
 */
describe.each(CLUSTER_PROFILES)('under PM2, COHORA_LAYOUT=$layout ($store + Redis, 2 workers)', ({ layout }) => {
  let cluster: Pm2Cluster;

  beforeAll(async () => {
    cluster = await Pm2Cluster.start(layout, { SHUTDOWN_DRAIN_MS: '1000' });
  }, 60_000);

  afterAll(() => cluster?.stop());

  it('runs two workers in cluster mode, and delivers whichever worker holds the socket', async () => {
    const { api, daemon } = cluster;
    const workers = await daemon.list();
    expect(workers).toHaveLength(2);
    expect(workers.every((worker) => worker.pm2_env.exec_mode === 'cluster_mode')).toBe(true);
    expect(workers.every((worker) => worker.pm2_env.status === 'online')).toBe(true);

    // Six sockets and thirty sends spread round-robin: pushes cross workers both ways.
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => api.createUser(`spread${i}`)));
    const sockets = await Promise.all(users.map((user) => api.connectLive(user.id)));
    for (let i = 0; i < 30; i++) {
      const res = await api.send(users[i % 6].id, `hello ${i}`, users[(i + 1) % 6].id);
      expect(res.status).toBe(200);
      expect(res.body.delivery).toBe('delivered');
    }
    for (const [i, socket] of sockets.entries()) {
      const texts = (await socket.nextFrames(5)).map((frame) => frame.message);
      expect(texts).toEqual([0, 1, 2, 3, 4].map((k) => `hello ${i + 6 * k}`));
    }
    api.terminateSockets();
  });

  it(`reloads ${RELOADS} times under steady send load with no failed or hung request and no lost message`, async () => {
    const load = await SteadyLoad.start(cluster.api);
    await load.untilAccepted(100);
    for (let reload = 0; reload < RELOADS; reload++) {
      const before = await cluster.pids();
      await cluster.reload();
      expect((await cluster.pids()).some((pid) => before.includes(pid))).toBe(false);
      await load.untilAccepted(50);
    }
    const report = await load.stop();
    expect(report.hung).toEqual([]);
    expect(report.failed).toEqual([]);
    // Every accepted message reaches its recipient, through reconnects and resumes.
    expect(report.missing).toEqual([]);
    expect(report.accepted).toBeGreaterThan(300);
    expect(report.reconnects).toBeGreaterThanOrEqual(RELOADS);
  }, 240_000);
});
