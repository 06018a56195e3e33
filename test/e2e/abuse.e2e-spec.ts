import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrape } from '../support/prometheus.js';
import { TestApp } from '../support/test-app.js';

/** Reads what the server writes on a raw TCP connection until it closes it (or `timeoutMs` passes). */
async function untilClosed(socket: Socket, timeoutMs: number): Promise<{ text: string; closedAfterMs: number }> {
  const started = Date.now();
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const timer = setTimeout(() => socket.destroy(new Error('still open')), timeoutMs);
  await once(socket, 'close');
  clearTimeout(timer);
  return { text, closedAfterMs: Date.now() - started };
}

describe('abuse', () => {
  let app: TestApp;
  let port: number;
  beforeAll(async () => {
    app = await TestApp.start({
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '2000',
      ALLOWED_ORIGINS: 'https://chat.example.com',
      RATE_LIMIT_SEND: '20/1m',
      RATE_LIMIT_CREATE: '30/1m',
    });
    port = Number(new URL(app.baseUrl).port);
  });
  afterAll(() => app.close());

  const rawConnection = async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return socket;
  };

  it.each([
    ['a request', 'GET /health HTTP/1.1\r\nHost: x\r\n'],
    ['a WebSocket upgrade', 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'],
  ])('cuts a slow-loris client that dribbles the headers of %s, with 408', async (_what, start) => {
    const socket = await rawConnection();
    socket.write(start);
    // One more header byte every 200 ms: never finishing, always "active".
    const dribble = setInterval(() => socket.write('X'), 200);
    const { text, closedAfterMs } = await untilClosed(socket, 6_000);
    clearInterval(dribble);
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(3_500);
    expect((await app.get('/health')).status).toBe(200);
  });

  it('cuts a client that dribbles its body past HTTP_REQUEST_TIMEOUT_MS', async () => {
    const socket = await rawConnection();
    socket.write(
      'POST /api/users/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    const dribble = setInterval(() => socket.write(' '), 200);
    const { text, closedAfterMs } = await untilClosed(socket, 8_000);
    clearInterval(dribble);
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(5_000);
  });

  it('closes a socket that sends a 1 MiB frame with 1009, before reading it all, and serves others', async () => {
    const bob = await app.createUser('bob');
    const socket = await app.open();
    socket.send('x'.repeat(1024 * 1024));
    expect((await socket.closed()).code).toBe(1009);
    const tab = await app.connect(bob.id);
    await app.send(bob.id, 'still serving');
    expect((await tab.nextFrame()).message).toBe('still serving');
  });

  it('answers a body nested 30,000 levels deep with 400, not a 500 or a stack overflow', async () => {
    for (const body of [
      '['.repeat(30_000) + ']'.repeat(30_000),
      `{"recipient_id":"x","message":"m","x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
    ]) {
      const res = await app.request('POST', '/api/messages/send', body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        message: 'The request body nests deeper than 32 levels',
        error: 'Bad Request',
      });
    }
  });

  it('refuses a flood of sends past the limit with 429, accepting exactly the limit, and stays healthy', async () => {
    const [alice, bob] = [await app.createUser('flooder'), await app.createUser('target')];
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => app.send(bob.id, `flood ${i}`, alice.id)));
    const statuses = results.map((res) => res.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(180);
    expect(results.every((res) => res.status !== 429 || Number(res.headers.get('retry-after')) >= 1)).toBe(true);
    // The flood cost nobody else anything.
    const carol = await app.createUser('carol');
    expect((await app.send(bob.id, 'unrelated', carol.id)).status).toBe(200);
    expect((await app.get('/health')).status).toBe(200);
  });

  it('refuses a flood of cross-origin upgrades with 403 each, and counts them', async () => {
    const before = (await scrape(app.baseUrl)).get('cohora_websocket_upgrades_refused_total{reason="origin"}') ?? 0;
    const attempts = await Promise.allSettled(
      Array.from({ length: 50 }, () => app.open({ origin: 'https://evil.example' })),
    );
    expect(attempts.every((a) => a.status === 'rejected' && /403/.test(String(a.reason)))).toBe(true);
    const after = (await scrape(app.baseUrl)).get('cohora_websocket_upgrades_refused_total{reason="origin"}');
    expect(after).toBe(before + 50);
  });
});
