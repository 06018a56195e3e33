import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { freePort } from '../support/free-port.js';
import { Nginx } from '../support/nginx.js';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { ServerProcess } from '../support/server-process.js';
import { SteadyLoad } from '../support/steady-load.js';
import { tempDataDir } from '../support/test-app.js';

/** Registrations one client address may make per minute here: the forged-header test runs into it. */
const CREATE_LIMIT = 6;

/**
 * Debian's nginx with the shipped deploy/nginx/cohora.conf in front of two cohora processes
 * (built, each its own process, one SQLite file shared in WAL and one Redis bus), as a host
 * pair behind a load balancer runs. The protocol suites also run through it (the e2e-nginx
 * project of vitest.config.ts); this file checks what only a real deployment shows.
 */
describe('behind nginx (deploy/nginx/cohora.conf)', () => {
  const dataDir = tempDataDir();
  const env = {
    DATA_DIR: dataDir,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_PREFIX: uniqueRedisPrefix(),
    TRUST_PROXY: '127.0.0.1',
    RATE_LIMIT_CREATE: `${CREATE_LIMIT}/1m`,
    RATE_LIMIT_SEND: 'off',
    SHUTDOWN_DRAIN_MS: '1000',
  };
  const ports: number[] = [];
  const servers: ServerProcess[] = [];
  let nginx: Nginx;
  let api: ApiClient;

  beforeAll(async () => {
    ports.push(await freePort(), await freePort());
    servers.push(...(await Promise.all(ports.map((port) => ServerProcess.start({ ...env, PORT: String(port) })))));
    nginx = await Nginx.start(ports.map((port) => `127.0.0.1:${port}`));
    api = new ApiClient(nginx.url);
  }, 60_000);

  afterAll(async () => {
    await nginx?.close();
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts a client by its own address: a forged X-Forwarded-For does not dodge the limit', async () => {
    // The client comes from 127.0.0.2, nginx from 127.0.0.1, which alone TRUST_PROXY believes.
    const statuses: number[] = [];
    for (let i = 0; i <= CREATE_LIMIT; i++) {
      statuses.push(await createFrom('127.0.0.2', nginx.port, `forger${i}`, `203.0.113.${i}`));
    }
    expect(statuses).toEqual([...Array<number>(CREATE_LIMIT).fill(201), 429]);
  });

  it('restarts each process in turn under steady load with no failed request and no lost message', async () => {
    const load = await SteadyLoad.start(api);
    await load.untilAccepted(100);
    for (let round = 0; round < 1; round++) {
      for (const [i, port] of ports.entries()) {
        expect(await servers[i].stop('SIGTERM')).toBe(0);
        servers[i] = await ServerProcess.start({ ...env, PORT: String(port) });
        // As the shipped config says: the next one stops once nginx sends to this one again.
        await servedASend(servers[i]);
        await load.untilAccepted(50);
      }
    }
    const report = await load.stop();
    expect(report.hung).toEqual([]);
    expect(report.failed).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.accepted).toBeGreaterThan(400);
    expect(report.reconnects).toBeGreaterThan(0);
  }, 120_000);
});

/** Resolves once `server` has logged an answered send: nginx has taken it back. */
async function servedASend(server: ServerProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!/"url":"\/api\/messages\/send"/.test(server.logs)) {
    if (Date.now() > deadline) throw new Error('nginx sent no request to the restarted process within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** POST /api/users/create from `localAddress`, with a forged X-Forwarded-For; resolves with the status. */
function createFrom(localAddress: string, port: number, name: string, forged: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        localAddress,
        method: 'POST',
        path: '/api/users/create',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forged },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ name }));
  });
}
