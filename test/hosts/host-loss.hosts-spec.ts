import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { PrivateNetwork, namespacesUnavailable } from '../support/netns.js';
import { Nginx } from '../support/nginx.js';
import { Pm2Daemon, ROOT } from '../support/pm2-daemon.js';
import { PostgresServer } from '../support/postgres-server.js';
import { SteadyLoad } from '../support/steady-load.js';

const unavailable = await namespacesUnavailable();
const HOSTS = ['h1', 'h2'] as const;
type Host = (typeof HOSTS)[number];
const PORT = 3000;
/** How long a cut lasts: a fault's length, not a wait for an event. */
const CUT_MS = 15_000;

/** What each fault cost, for docs/OPERATIONS.md (also written to test-results/hosts.json). */
const figures: Record<string, unknown> = {};

/**
 * The `hosts` layout on real (namespaced) hosts: two hosts each running cohora under PM2 (the
 * shipped profile, two workers), PostgreSQL and Redis of the test's own on a third, and
 * Debian's nginx with the shipped config in front on a fourth; the test reaches nginx alone.
 * Under steady load (resuming sockets, closed-loop sends through nginx) a host dies, then one
 * host loses Redis only, then one loses PostgreSQL only. Every accepted send must reach its
 * receiver, and every socket must be receiving again within a bound; the time it took is
 * reported. Needs root (network namespaces); CI runs as root on our machines.
 */
describe.skipIf(unavailable !== undefined)(
  `many hosts behind nginx${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let network: PrivateNetwork;
    let redis: ChildProcess;
    let postgres: PostgresServer;
    let nginx: Nginx;
    let api: ApiClient;
    const daemons = new Map<Host, Pm2Daemon>();

    const redisAddress = () => network.address('db', 0);
    const postgresAddress = () => network.address('db', 1);

    async function startHost(host: Host): Promise<void> {
      const daemon = new Pm2Daemon(network.wrap(host));
      daemons.set(host, daemon);
      await daemon.startShipped(
        `cohora-${host}`,
        'hosts',
        {
          PORT: String(PORT),
          HOST: '0.0.0.0',
          LOG_LEVEL: 'warn',
          DATABASE_URL: `postgres://postgres@${postgresAddress()}:5432/postgres`,
          REDIS_URL: `redis://${redisAddress()}:6379`,
          TRUST_PROXY: network.address('lb'),
          RATE_LIMIT_SEND: 'off',
          RATE_LIMIT_CREATE: 'off',
        },
        { instances: 2 },
      );
    }

    beforeAll(async () => {
      network = await PrivateNetwork.create({ lb: 1, h1: 1, h2: 1, db: 2 }, 'lb');
      const [command, ...args] = [
        ...network.wrap('db'),
        'redis-server',
        // Protected mode would refuse every other host: this Redis is reachable only inside the test's network.
        ...['--bind', redisAddress(), '--port', '6379', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'],
      ];
      redis = spawn(command, args, { stdio: 'ignore' });
      postgres = await PostgresServer.start(postgresAddress(), 5432, network.wrap('db'));
      // The schema is created by the first host to start; the second waits for it.
      await Promise.all(HOSTS.map((host) => startHost(host)));
      nginx = await Nginx.start(
        HOSTS.map((host) => `${network.address(host)}:${PORT}`),
        { host: network.frontAddress, wrap: network.wrap('lb') },
      );
      api = new ApiClient(nginx.url);
    }, 120_000);

    afterAll(async () => {
      for (const daemon of daemons.values()) await daemon.kill();
      await nginx?.close();
      await postgres?.stop();
      if (redis && redis.exitCode === null) {
        const exited = once(redis, 'exit');
        redis.kill('SIGKILL');
        await exited;
      }
      await network?.destroy();
      mkdirSync(`${ROOT}/test-results`, { recursive: true });
      writeFileSync(`${ROOT}/test-results/hosts.json`, JSON.stringify(figures, null, 2));
      console.log(JSON.stringify(figures));
    }, 60_000);

    /**
     * Runs `fault` under steady load and records what it cost. Every send must be answered, and
     * a failed one only with a status in `answers` (PROTOCOL.md: an outage is never a 500).
     */
    async function underLoad(
      name: string,
      answers: number[],
      fault: (load: SteadyLoad) => Promise<number>,
    ): Promise<void> {
      const load = await SteadyLoad.start(api, { receivers: 6 });
      await load.untilAccepted(100);
      const recoveryMs = await fault(load);
      await load.untilAccepted(100);
      const report = await load.stop(30_000);
      figures[name] = {
        recoverySeconds: recoveryMs / 1000,
        accepted: report.accepted,
        failed: report.failed.length,
        hung: report.hung.length,
        missing: report.missing.length,
        reconnects: report.reconnects,
        firstMissing: report.missing.slice(0, 5),
        failures: [...new Set(report.failed.map((line) => line.replace(/^\S+ \S+ /, '').slice(0, 80)))],
      };
      expect(report.missing).toEqual([]);
      expect(report.hung).toEqual([]);
      const statuses = new Set(report.failed.map((line) => Number(/: (\d{3}) /.exec(line)?.[1])));
      expect([...statuses].filter((status) => !answers.includes(status))).toEqual([]);
    }

    it('loses a whole host (its PM2 daemon and workers, kill -9): sockets move to the other, nothing accepted is lost', async () => {
      await underLoad('host killed', [502], async (load) => {
        await daemons.get('h1')!.killHard();
        const started = Date.now();
        await load.everySocketReceiving(120_000);
        const recovery = Date.now() - started;
        await startHost('h1');
        return recovery;
      });
    }, 400_000);

    it('cuts one host off Redis: sends are still taken, pushes catch up once it is back', async () => {
      await underLoad('host cut off Redis', [], async (load) => {
        await network.cut('h1', redisAddress());
        await sleep(CUT_MS);
        await network.restore('h1', redisAddress());
        const started = Date.now();
        await load.everySocketReceiving(120_000);
        return Date.now() - started;
      });
    }, 400_000);

    it('cuts one host off PostgreSQL: that host answers 503, the other serves, all resume once it is back', async () => {
      await underLoad('host cut off PostgreSQL', [503, 504], async (load) => {
        await network.cut('h2', postgresAddress());
        await sleep(CUT_MS);
        await network.restore('h2', postgresAddress());
        const started = Date.now();
        await load.everySocketReceiving(120_000);
        return Date.now() - started;
      });
    }, 400_000);
  },
);
