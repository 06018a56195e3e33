import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { Pm2Daemon } from '../support/pm2-daemon.js';
import { WsClient } from '../support/ws-client.js';

/** The shipped ecosystem file, one process (its default layout), run by a real PM2 daemon. */
describe('under PM2 (ecosystem.config.cjs)', () => {
  const daemon = new Pm2Daemon();
  let baseUrl = '';

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    await daemon.startShipped('cohora-test', 'single', { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  }, 60_000);

  afterAll(() => daemon.kill());

  const list = () => daemon.list();
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

    await daemon.pm2('reload', 'cohora-test');
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
