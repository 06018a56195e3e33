import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerProcess } from '../support/server-process.js';
import { tempDataDir } from '../support/test-app.js';

describe('operations', () => {
  const dataDir = tempDataDir();
  let server: ServerProcess;
  beforeAll(async () => (server = await ServerProcess.start({ DATA_DIR: dataDir, LOG_LEVEL: 'info' })));
  afterAll(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const logLines = () =>
    server.logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);

  it('answers /health with 200 while the database answers', async () => {
    const res = await fetch(`${server.baseUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
  });

  it('logs one JSON line per request, with the caller’s request id and never the message text', async () => {
    const created = await fetch(`${server.baseUrl}/api/users/create`, { method: 'POST', body: '{"name":"Logged"}' });
    const { id } = (await created.json()) as { id: string };
    const sent = await fetch(`${server.baseUrl}/api/messages/send`, {
      method: 'POST',
      headers: { 'x-request-id': 'trace-me-42' },
      body: JSON.stringify({ recipient_id: id, message: 'a private sentence' }),
    });
    expect(sent.headers.get('x-request-id')).toBe('trace-me-42');
    await expect.poll(() => logLines().some((l) => l.req?.id === 'trace-me-42')).toBe(true);
    const line = logLines().find((l) => l.req?.id === 'trace-me-42')!;
    expect(line).toMatchObject({
      level: 'info',
      req: { method: 'POST', url: '/api/messages/send' },
      res: { statusCode: 200 },
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(server.logs).not.toContain('a private sentence');
  });

  it('serves the OpenAPI description with every error response', async () => {
    const res = await fetch(`${server.baseUrl}/docs-json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { responses: object }>> };
    // Every status each route can answer (test/e2e/openapi.e2e-spec.ts checks the rest of the document).
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses).sort();
    expect(statuses('/api/messages/send', 'post')).toEqual(
      [
        '200',
        '400',
        '401',
        '403',
        '404',
        '408',
        '409',
        '413',
        '415',
        '422',
        '429',
        '431',
        '500',
        '503',
        '504',
        '507',
      ].sort(),
    );
    expect(statuses('/api/users/create', 'post')).toEqual(
      ['201', '400', '403', '408', '409', '413', '415', '429', '431', '500', '503'].sort(),
    );
    expect(statuses('/api/users/list', 'get')).toEqual(['200', '403', '408', '431', '500', '503']);
    expect((await fetch(`${server.baseUrl}/docs`)).status).toBe(200);
  });

  it('never shows a stack trace or internal detail to a client', async () => {
    const res = await fetch(`${server.baseUrl}/api/messages/send`, { method: 'POST', body: '{"recipient_id": ' });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).not.toMatch(/at .*\.js:\d+|node_modules|SyntaxError/);
  });
});
