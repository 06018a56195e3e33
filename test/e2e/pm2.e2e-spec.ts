import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsClient } from '../support/ws-client.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PM2 = join(ROOT, 'node_modules/pm2/bin/pm2');
const run = promisify(execFile);

interface PmApp {
  name: string;
  pid: number;
  pm2_env: { status: string; restart_time: number };
}

/** The shipped ecosystem file, run by a real PM2 daemon of its own (PM2_HOME in a temp dir). */
describe('under PM2 (ecosystem.config.cjs)', () => {
  const home = mkdtempSync(join(tmpdir(), 'cohora-pm2-'));
  const env = { ...process.env, PM2_HOME: join(home, 'pm2') };
  const pm2 = (...args: string[]) => run(process.execPath, [PM2, ...args], { env, cwd: ROOT });
  let baseUrl = '';

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const shipped = createRequire(import.meta.url)(join(ROOT, 'ecosystem.config.cjs')) as { apps: object[] };
    const app = {
      ...shipped.apps[0],
      name: 'cohora-test',
      script: join(ROOT, 'dist/main.js'),
      cwd: ROOT,
      env: { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(home, 'data'), LOG_LEVEL: 'warn' },
    };
    const file = join(home, 'ecosystem.config.cjs');
    writeFileSync(file, `module.exports = ${JSON.stringify({ apps: [app] })};`);
    await pm2('start', file);
  }, 60_000);

  afterAll(async () => {
    await pm2('kill').catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  const list = async () => JSON.parse((await pm2('jlist')).stdout) as PmApp[];
  const post = async (path: string, body: unknown) => {
    const res = await fetch(baseUrl + path, { method: 'POST', body: JSON.stringify(body) });
    return (await res.json()) as Record<string, string>;
  };

  it('starts online in fork mode and answers /health once PM2 says it is up', async () => {
    const [app] = await list();
    expect(app.pm2_env.status).toBe('online');
    expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
  });

  it('reloads gracefully: sockets close with 1012, queued messages survive, the client resumes', async () => {
    const bob = await post('/api/users/create', { name: 'Bob' });
    const socket = await WsClient.open(`${baseUrl.replace('http', 'ws')}/ws`);
    socket.send({ id: bob.id });
    await post('/api/messages/send', { recipient_id: bob.id, message: 'before reload' });
    const before = await socket.nextFrame();
    const [{ pid }] = await list();

    await pm2('reload', 'cohora-test');
    expect((await socket.closed(10_000)).code).toBe(1012);
    const [after] = await list();
    expect(after.pid).not.toBe(pid);
    expect(after.pm2_env.status).toBe('online');

    expect((await post('/api/messages/send', { recipient_id: bob.id, message: 'while away' })).delivery).toBe('queued');
    const resumed = await WsClient.open(`${baseUrl.replace('http', 'ws')}/ws`);
    resumed.send({ id: bob.id, since: before.id });
    expect((await resumed.nextFrame()).message).toBe('while away');
    resumed.close();
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
