import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawHttp, upgradeRequest } from '../support/raw-http.js';
import { TestApp } from '../support/test-app.js';

/** Runs `task` for 0..count-1, `concurrency` at a time, as a test suite's parallel workers would. */
async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

const errorShape = (statusCode: number, error: string) => ({ statusCode, message: expect.any(String), error });

describe('a client written to the spec alone, against the defaults', () => {
  let app: TestApp;
  // Empty means unset: the server's own rate limits, not the tests' "off".
  beforeAll(async () => (app = await TestApp.start({ RATE_LIMIT_CREATE: '', RATE_LIMIT_SEND: '' })));
  afterAll(() => app.close());

  it('registers a burst of 600 users from one address without a 429', async () => {
    const statuses = await pool(
      600,
      24,
      async () => (await app.post('/api/users/create', { name: `testuser_${randomUUID()}` })).status,
    );
    expect(statuses.filter((status) => status !== 201)).toEqual([]);
  });

  it('takes 600 sends from one sender as fast as it can send them without a 429, each frame carrying its message_id', async () => {
    const [alice, bob] = [await app.createUser(`alice-${randomUUID()}`), await app.createUser(`bob-${randomUUID()}`)];
    const tab = await app.connect(bob.id);
    const answers = await pool(600, 32, (i) => app.send(bob.id, `message ${i}`, alice.id));
    expect(answers.filter((res) => res.status !== 200).map((res) => res.status)).toEqual([]);
    const frames = await tab.nextFrames(600, 20_000);
    expect(new Set(frames.map((frame) => frame.id))).toEqual(new Set(answers.map((res) => res.body.message_id)));
  });

  describe('CORS for a page on another origin', () => {
    const origin = 'https://frontend.example';

    it('answers a preflight for any origin, allowing the headers a send carries', async () => {
      const res = await fetch(`${app.baseUrl}/api/users/create`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization,idempotency-key',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase().split(',');
      expect(allowed).toEqual(expect.arrayContaining(['content-type', 'authorization', 'idempotency-key']));
      // No cookie is ever read, so none is invited.
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('lets the page read answers and errors alike', async () => {
      const created = await app.request('POST', '/api/users/create', { name: `page-${randomUUID()}` }, { origin });
      expect(created.status).toBe(201);
      expect(created.headers.get('access-control-allow-origin')).toBe('*');
      const refused = await app.request('POST', '/api/users/create', { name: '' }, { origin });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('access-control-allow-origin')).toBe('*');
      expect(refused.headers.get('access-control-expose-headers')).toContain('Retry-After');
      const list = await app.request('GET', '/api/users/list', undefined, { origin });
      expect(list.headers.get('access-control-allow-origin')).toBe('*');
    });

    it('answers no CORS outside /api: a foreign page cannot read /health or /metrics through a visitor', async () => {
      for (const path of ['/health', '/metrics']) {
        const res = await app.request('GET', path, undefined, { origin });
        expect(res.headers.get('access-control-allow-origin'), path).toBeNull();
      }
    });
  });

  describe('HTTP edges, over raw sockets', () => {
    it('serves a GET that offers an h2c upgrade (curl --http2) as plain HTTP', async () => {
      const user = await app.createUser(`h2c-${randomUUID()}`);
      const res = await rawHttp(
        app.baseUrl,
        'GET /api/users/list HTTP/1.1\r\nHost: cohora.test\r\nConnection: Upgrade, HTTP2-Settings\r\n' +
          'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nAccept: */*\r\n\r\n',
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.body).users[user.name]).toBe(user.id);
    });

    it('serves a POST with a body that offers an h2c upgrade as plain HTTP too', async () => {
      const body = JSON.stringify({ name: `h2c-post-${randomUUID()}` });
      const res = await rawHttp(
        app.baseUrl,
        'POST /api/users/create HTTP/1.1\r\nHost: cohora.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n' +
          `HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      expect(res.status).toBe(201);
      expect(JSON.parse(res.body)).toEqual({ id: expect.any(String), token: expect.any(String) });
    });

    it.each(['/', '/nope', '/ws/', '/api/users/list'])(
      'answers a WebSocket upgrade to %s with a JSON 404',
      async (path) => {
        const res = await rawHttp(app.baseUrl, upgradeRequest(path));
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(JSON.parse(res.body)).toEqual({
          statusCode: 404,
          message: `No WebSocket endpoint at ${path}: connect to /ws`,
          error: 'Not Found',
        });
      },
    );

    it.each([['8'], ['12'], ['']])(
      'answers Sec-WebSocket-Version %j with 426 and Sec-WebSocket-Version: 13',
      async (version) => {
        const res = await rawHttp(app.baseUrl, upgradeRequest('/ws', { 'Sec-WebSocket-Version': version }));
        expect(res.status).toBe(426);
        expect(res.headers['sec-websocket-version']).toBe('13');
        expect(JSON.parse(res.body)).toEqual(errorShape(426, 'Upgrade Required'));
      },
    );

    it('still upgrades a version 13 handshake on /ws', async () => {
      const res = await rawHttp(app.baseUrl, upgradeRequest('/ws?client=raw'));
      expect(res.status).toBe(101);
    });

    it('answers a malformed handshake, a POST upgrade and a CONNECT in the JSON error shape', async () => {
      const badKey = await rawHttp(app.baseUrl, upgradeRequest('/ws', { 'Sec-WebSocket-Key': 'short' }));
      expect([badKey.status, JSON.parse(badKey.body)]).toEqual([400, errorShape(400, 'Bad Request')]);
      const post = await rawHttp(app.baseUrl, upgradeRequest('/ws').replace(/^GET/, 'POST'));
      expect([post.status, JSON.parse(post.body)]).toEqual([405, errorShape(405, 'Method Not Allowed')]);
      const connect = await rawHttp(app.baseUrl, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
      expect([connect.status, JSON.parse(connect.body)]).toEqual([405, errorShape(405, 'Method Not Allowed')]);
    });

    it('answers a request Node cannot parse with a JSON 400', async () => {
      const res = await rawHttp(app.baseUrl, 'NOT HTTP AT ALL\r\n\r\n');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.body)).toEqual({
        statusCode: 400,
        message: 'Malformed HTTP request',
        error: 'Bad Request',
      });
    });
  });

  describe('bodies sent compressed or in another charset', () => {
    const send = (body: Buffer | string, headers: Record<string, string>) =>
      fetch(`${app.baseUrl}/api/users/create`, { method: 'POST', headers, body }).then(async (res) => ({
        status: res.status,
        body: await res.json(),
      }));

    it('reads a gzip body', async () => {
      const name = `gzipped-${randomUUID()}`;
      const res = await send(gzipSync(JSON.stringify({ name })), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      expect(res.status).toBe(201);
    });

    it('says so in its own words when a body sent as gzip is not gzip', async () => {
      const res = await send('{"name":"plain"}', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(res).toEqual({
        status: 400,
        body: {
          statusCode: 400,
          message:
            'The request body could not be decompressed: it is not valid gzip data, as its Content-Encoding says',
          error: 'Bad Request',
        },
      });
    });

    it('answers 415 for an unsupported Content-Encoding or charset, naming what it takes', async () => {
      const encoding = await send('{}', { 'content-type': 'application/json', 'content-encoding': 'zstd' });
      expect(encoding).toEqual({
        status: 415,
        body: {
          statusCode: 415,
          message: 'Content-Encoding "zstd" is not supported: send identity, gzip, deflate or br',
          error: 'Unsupported Media Type',
        },
      });
      const charset = await send('{}', { 'content-type': 'application/json; charset=latin-9' });
      expect(charset.status).toBe(415);
      expect(charset.body).toEqual(errorShape(415, 'Unsupported Media Type'));
    });

    it('never reads a body on a GET, so it cannot fail one', async () => {
      const res = await rawHttp(
        app.baseUrl,
        'GET /api/users/list HTTP/1.1\r\nHost: cohora.test\r\nContent-Encoding: zstd\r\nContent-Length: 2\r\n\r\nxx',
      );
      expect(res.status).toBe(200);
    });
  });
});
