import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { parseMetrics, scrape } from '../support/prometheus.js';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { TEST_RATE_LIMITS, TestApp } from '../support/test-app.js';

describe('/metrics on one process', () => {
  let app: TestApp;
  beforeAll(async () => (app = await TestApp.start({ RATE_LIMIT_SEND: '2/1m' })));
  afterAll(() => app.close());

  it('serves Prometheus text with cohora’s metrics and the process’s own', async () => {
    const res = await fetch(`${app.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = parseMetrics(await res.text());
    for (const name of [
      'cohora_websocket_connections',
      'cohora_queued_messages',
      'cohora_processes',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(metrics.has(name), name).toBe(true);
    }
  });

  it('counts sockets, auth failures, sends by outcome, the backlog and latencies', async () => {
    const before = await scrape(app.baseUrl);
    const count = (metrics: Map<string, number>, series: string) =>
      (metrics.get(series) ?? 0) - (before.get(series) ?? 0);

    const [alice, bob, carol] = [
      await app.createUser('alice'),
      await app.createUser('bob'),
      await app.createUser('carol'),
    ];
    const tab = await app.connect(bob.id);
    expect((await app.send(bob.id, 'live', alice.id)).body.delivery).toBe('delivered');
    await tab.nextFrame();
    expect((await app.send(carol.id, 'waits', alice.id)).body.delivery).toBe('queued');
    expect((await app.send(carol.id, 'refused', alice.id)).status).toBe(429);
    expect((await app.send('no-such-user', 'lost')).status).toBe(404);
    const stranger = await app.open();
    stranger.send({ id: 'no-such-user' });
    await stranger.closed();
    const garbled = await app.open();
    garbled.send('not json');
    await garbled.closed();

    const after = await scrape(app.baseUrl);
    expect(after.get('cohora_websocket_connections')).toBe(1);
    expect(count(after, 'cohora_sends_total{outcome="delivered"}')).toBe(1);
    expect(count(after, 'cohora_sends_total{outcome="queued"}')).toBe(1);
    expect(count(after, 'cohora_sends_total{outcome="429"}')).toBe(1);
    expect(count(after, 'cohora_sends_total{outcome="404"}')).toBe(1);
    expect(count(after, 'cohora_websocket_auth_failures_total{reason="unknown_user"}')).toBe(1);
    expect(count(after, 'cohora_websocket_auth_failures_total{reason="invalid_frame"}')).toBe(1);
    expect(after.get('cohora_queued_messages')).toBe(1);
    expect(count(after, 'cohora_push_latency_seconds_count')).toBe(1);
    expect(count(after, 'cohora_store_latency_seconds_count{operation="append"}')).toBe(2);
    expect(count(after, 'cohora_store_latency_seconds_count{operation="read"}')).toBeGreaterThanOrEqual(1);
    expect(count(after, 'cohora_bus_publish_latency_seconds_count')).toBe(2);
  });
});

const ROOT = resolve(import.meta.dirname, '../..');
const PM2 = join(ROOT, 'node_modules/pm2/bin/pm2');
const run = promisify(execFile);

/** Two PM2 cluster workers on one port, one SQLite file and Redis: a scrape must show both. */
describe('/metrics under a PM2 cluster of two workers', () => {
  const home = mkdtempSync(join(tmpdir(), 'cohora-pm2-cluster-'));
  const env = { ...process.env, PM2_HOME: join(home, 'pm2') };
  const pm2 = (...args: string[]) => run(process.execPath, [PM2, ...args], { env, cwd: ROOT });
  let api: ApiClient;

  beforeAll(async () => {
    const port = await freePort();
    api = new ApiClient(`http://127.0.0.1:${port}`);
    const app = {
      name: 'cohora-cluster-test',
      script: join(ROOT, 'dist/main.js'),
      cwd: ROOT,
      exec_mode: 'cluster',
      instances: 2,
      wait_ready: true,
      listen_timeout: 15_000,
      kill_timeout: 12_000,
      env: {
        ...TEST_RATE_LIMITS,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: join(home, 'data'),
        LOG_LEVEL: 'warn',
        REDIS_URL: SHARED_REDIS_URL,
        REDIS_PREFIX: uniqueRedisPrefix(),
      },
    };
    // PM2 reads a process file only under a *.config.cjs name.
    const file = join(home, 'cluster.config.cjs');
    writeFileSync(file, `module.exports = ${JSON.stringify({ apps: [app] })};`);
    await pm2('start', file);
  }, 60_000);

  afterAll(async () => {
    api?.terminateSockets();
    await pm2('kill').catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it('sums sockets and sends over both workers, whichever worker answers the scrape', async () => {
    const users = [];
    for (let i = 0; i < 4; i++) users.push(await api.createUser(`u${i}`));
    // The cluster spreads connections over the workers: six sockets land on both.
    const tabs = [];
    for (let i = 0; i < 6; i++) tabs.push(await api.connect(users[i % 4].id));
    for (let i = 0; i < 8; i++) expect((await api.send(users[i % 4].id, `m${i}`)).status).toBe(200);
    for (const tab of tabs) await tab.nextFrames(2);

    // Each worker's snapshot is at most a few seconds old; every scrape converges on the totals.
    await expect
      .poll(
        async () => {
          const metrics = await scrape(api.baseUrl);
          return {
            processes: metrics.get('cohora_processes'),
            sockets: metrics.get('cohora_websocket_connections'),
            sent:
              (metrics.get('cohora_sends_total{outcome="delivered"}') ?? 0) +
              (metrics.get('cohora_sends_total{outcome="queued"}') ?? 0),
          };
        },
        { timeout: 15_000, interval: 500 },
      )
      .toEqual({ processes: 2, sockets: 6, sent: 8 });
    // Several scrapes in a row, spread over both workers, all see the whole cluster.
    for (let i = 0; i < 6; i++) {
      const metrics = await scrape(api.baseUrl);
      expect(metrics.get('cohora_processes')).toBe(2);
      expect(metrics.get('cohora_websocket_connections')).toBe(6);
    }
  }, 60_000);
});

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
