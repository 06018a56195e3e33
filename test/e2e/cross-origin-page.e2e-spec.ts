import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { TestApp } from '../support/test-app.js';

/** A frontend on an origin of its own (another port), the usual split of a page and its API. */
async function frontend(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end('<!doctype html><title>frontend</title><p>A page served from another origin</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** What the page's own script gets back from a JSON POST to `url` (a preflighted request). */
function postFromPage(page: Page, url: string, body: unknown, headers: Record<string, string> = {}) {
  return page.evaluate(
    async ({ url, body, headers }) => {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Record<string, string> };
      } catch (error) {
        return { failed: String(error) };
      }
    },
    { url, body, headers },
  );
}

describe('a page on another origin, in Chromium', () => {
  let browser: Browser;
  let site: { origin: string; server: Server };
  const apps: TestApp[] = [];

  beforeAll(async () => {
    site = await frontend();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.server.close(resolve));
    for (const app of apps) await app.close();
  });

  async function pageOn(origin: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${origin}/`);
    return page;
  }

  it('registers, lists, sends with the headers a send carries, and receives over /ws, on the defaults', async () => {
    const app = await TestApp.start();
    apps.push(app);
    const page = await pageOn(site.origin);
    // The preflights, as the server receives them (the browser sends them on its own).
    const preflights: string[] = [];
    app.app.getHttpServer().on('request', (req: IncomingMessage) => {
      if (req.method === 'OPTIONS') preflights.push(`${req.url} ${req.headers['access-control-request-headers']}`);
    });

    const alice = await postFromPage(page, `${app.baseUrl}/api/users/create`, { name: 'Alice from afar' });
    expect(alice).toEqual({ status: 201, body: { id: expect.any(String), token: expect.any(String) } });
    const aliceId = alice.body!.id;

    const listed = await page.evaluate(async (url) => (await fetch(url)).json(), `${app.baseUrl}/api/users/list`);
    expect(listed).toEqual({ users: { 'Alice from afar': aliceId } });

    // The page listens on /ws like a spec client, then sends to itself with a token and a retry key.
    const frame = page.evaluate(
      ({ url, id }) =>
        new Promise<unknown>((resolve, reject) => {
          const socket = new WebSocket(url);
          socket.onopen = () => socket.send(JSON.stringify({ id }));
          socket.onmessage = (event) => resolve(JSON.parse(String(event.data)));
          socket.onclose = (event) => reject(new Error(`closed ${event.code}`));
        }),
      { url: app.wsUrl, id: aliceId },
    );
    // Queued or delivered, the frame reaches the socket: no need to wait for it to authenticate.
    const sent = await postFromPage(
      page,
      `${app.baseUrl}/api/messages/send`,
      { recipient_id: aliceId, message: 'hello from another origin', sender_id: aliceId },
      { Authorization: 'Bearer unused-in-open-mode', 'Idempotency-Key': 'page-1' },
    );
    expect(sent).toMatchObject({ status: 200, body: { status: 'success', message_id: expect.any(String) } });
    expect(await frame).toMatchObject({
      from: 'Alice from afar',
      message: 'hello from another origin',
      id: sent.body!.message_id,
    });
    // Both POSTs were JSON, the send had custom headers: the browser asked first each time.
    expect(preflights).toEqual([
      '/api/users/create content-type',
      '/api/messages/send authorization,content-type,idempotency-key',
    ]);
  });

  it('is refused when ALLOWED_ORIGINS lists other origins only, and nothing is created', async () => {
    const app = await TestApp.start({ ALLOWED_ORIGINS: 'https://chat.example.com' });
    apps.push(app);
    const page = await pageOn(site.origin);
    const refused = await postFromPage(page, `${app.baseUrl}/api/users/create`, { name: 'Mallory' });
    expect(refused).toEqual({ failed: expect.stringContaining('Failed to fetch') });
    const { body } = await app.get('/api/users/list');
    expect(body.users).toEqual({});
  });

  it('is served when ALLOWED_ORIGINS lists its origin', async () => {
    const app = await TestApp.start({ ALLOWED_ORIGINS: site.origin });
    apps.push(app);
    const page = await pageOn(site.origin);
    expect(await postFromPage(page, `${app.baseUrl}/api/users/create`, { name: 'Welcome' })).toMatchObject({
      status: 201,
    });
  });
});
