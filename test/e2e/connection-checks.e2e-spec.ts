import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawHttp, upgradeRequest } from '../support/raw-http.js';
import { TestApp } from '../support/test-app.js';

const ALLOWED = 'https://chat.example.com';

describe('connection-time checks with ALLOWED_ORIGINS set', () => {
  let app: TestApp;
  beforeAll(
    async () =>
      (app = await TestApp.start({
        ALLOWED_ORIGINS: `${ALLOWED}, http://localhost:5173`,
        MAX_SOCKETS_PER_USER: '2',
        MAX_CONNECTIONS: '6',
      })),
  );
  afterAll(() => app.close());

  let n = 0;
  const user = (prefix: string) => app.createUser(`${prefix}${++n}`);

  it('refuses a WebSocket upgrade from a foreign origin with 403, before any socket exists', async () => {
    await expect(app.open({ origin: 'https://evil.example' })).rejects.toThrow(/Unexpected server response: 403/);
    // Exact scheme, host and port: near misses are foreign too.
    for (const near of ['http://chat.example.com', 'https://chat.example.com:8443', 'https://chat.example.com.evil']) {
      await expect(app.open({ origin: near })).rejects.toThrow(/403/);
    }
  });

  it('answers a refused upgrade in the JSON error shape', async () => {
    const res = await rawHttp(app.baseUrl, upgradeRequest('/ws', { Origin: 'https://evil.example' }));
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toEqual({ statusCode: 403, message: 'Origin not allowed', error: 'Forbidden' });
  });

  it('refuses a version 8 handshake (which sends its origin as Sec-WebSocket-Origin) with 426, whatever its origin', async () => {
    for (const origin of ['https://evil.example', ALLOWED]) {
      const res = await rawHttp(
        app.baseUrl,
        upgradeRequest('/ws', { 'Sec-WebSocket-Version': '8', 'Sec-WebSocket-Origin': origin }),
      );
      expect(res.status).toBe(426);
      expect(res.headers['sec-websocket-version']).toBe('13');
    }
  });

  it('accepts an upgrade from a listed origin, and from clients that send no Origin', async () => {
    const bob = await user('bob');
    for (const options of [{ origin: ALLOWED }, { origin: 'http://localhost:5173' }, {}]) {
      const socket = await app.open(options);
      socket.send({ id: bob.id });
      await app.send(bob.id, 'reaches me');
      expect((await socket.nextFrame()).message).toBe('reaches me');
      socket.close();
      await socket.closed();
    }
  });

  it('answers CORS preflights for listed origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${app.baseUrl}/api/messages/send`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
    const allowed = await preflight(ALLOWED);
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses an API request a browser sends from a foreign origin with 403 in Nest’s error shape', async () => {
    const bob = await user('bob');
    // What a hostile page's form can send: a "simple" cross-site POST that needs no preflight.
    const res = await app.request(
      'POST',
      '/api/messages/send',
      JSON.stringify({ recipient_id: bob.id, message: 'csrf' }),
      { origin: 'https://evil.example', 'content-type': 'text/plain' },
    );
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ statusCode: 403, message: 'Origin not allowed', error: 'Forbidden' });
    const ok = await app.request(
      'POST',
      '/api/messages/send',
      { recipient_id: bob.id, message: 'fine' },
      {
        origin: ALLOWED,
      },
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('closes a socket past MAX_SOCKETS_PER_USER with 4409, and the others keep receiving', async () => {
    const bob = await user('bob');
    const [first, second] = [await app.connect(bob.id), await app.connect(bob.id)];
    await app.send(bob.id, 'warm-up');
    await Promise.all([first.nextFrame(), second.nextFrame()]);
    const third = await app.connect(bob.id);
    expect(await third.closed()).toEqual({ code: 4409, reason: 'Too many connections for this user' });
    await app.send(bob.id, 'still two');
    expect((await first.nextFrame()).message).toBe('still two');
    expect((await second.nextFrame()).message).toBe('still two');
    // Another user is not affected by Bob's count.
    const carol = await user('carol');
    const hers = await app.connect(carol.id);
    await app.send(carol.id, 'hello');
    expect((await hers.nextFrame()).message).toBe('hello');
    for (const socket of [first, second, hers]) socket.close();
    await Promise.all([first, second, hers].map((socket) => socket.closed()));
  });

  it('refuses upgrades past MAX_CONNECTIONS with 503, and accepts again once sockets close', async () => {
    const held = [];
    for (let i = 0; i < 6; i++) held.push(await app.open());
    await expect(app.open()).rejects.toThrow(/Unexpected server response: 503/);
    const refused = await rawHttp(app.baseUrl, upgradeRequest('/ws'));
    expect(refused.status).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.body)).toEqual({
      statusCode: 503,
      message: 'Too many connections: try again later',
      error: 'Service Unavailable',
    });
    held.pop()!.close();
    await expect
      .poll(
        async () =>
          await app
            .open()
            .then((s) => (held.push(s), true))
            .catch(() => false),
      )
      .toBe(true);
    for (const socket of held) socket.close();
  });
});

describe('without ALLOWED_ORIGINS (the default: any origin)', () => {
  let app: TestApp;
  beforeAll(async () => (app = await TestApp.start()));
  afterAll(() => app.close());

  it('accepts upgrades and API requests from any origin, and answers CORS for any origin', async () => {
    const bob = await app.createUser('bob');
    const socket = await app.open({ origin: 'https://anywhere.example' });
    socket.send({ id: bob.id });
    const res = await app.request(
      'POST',
      '/api/messages/send',
      { recipient_id: bob.id, message: 'hi' },
      {
        origin: 'https://anywhere.example',
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect((await socket.nextFrame()).message).toBe('hi');
  });
});
