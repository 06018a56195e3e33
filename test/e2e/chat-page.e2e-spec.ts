import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { InspectingProxy } from '../support/inspecting-proxy.js';
import { TestApp } from '../support/test-app.js';

const SCREENSHOTS = resolve(import.meta.dirname, '../../test-results');

/** What a person reads in each element `locator` matches, polled until the assertion holds. */
const texts = (locator: Locator) => expect.poll(() => locator.allInnerTexts(), { timeout: 5_000 });
const text = (locator: Locator) => expect.poll(() => locator.innerText(), { timeout: 5_000 });
const isFocused = (locator: Locator) => locator.evaluate((node) => node === node.ownerDocument.activeElement);

describe('chat page in a real browser', () => {
  let app: TestApp;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    app = await TestApp.start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** A person in their own browser profile (context), at a desktop or a phone-sized window. */
  async function visitor(viewport: {
    width: number;
    height: number;
  }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // The browser logs every 4xx answer; the 409 of a taken name is one the page expects.
      if (message.type() === 'error' && !message.text().includes('status of 409')) {
        problems.push(`console error: ${message.text()}`);
      }
    });
    await page.goto(app.baseUrl + '/');
    return { context, page };
  }

  async function join(page: Page, name: string): Promise<void> {
    await page.getByLabel('Pick a name').fill(name);
    await page.getByLabel('Pick a name').press('Enter');
    await text(page.locator('#account')).toContain(`Signed in as ${name}`);
    await text(page.getByRole('status')).toBe('Connected');
  }

  it('lets two people register, chat both ways, and keeps the history over a reload', async () => {
    const alice = await visitor({ width: 1100, height: 720 });
    const bob = await visitor({ width: 360, height: 720 });

    await join(alice.page, 'Alice');
    await join(bob.page, 'Bob');

    // Alice joined first: Bob appears in her list without a reload; she opens the chat and types.
    await alice.page.getByRole('button', { name: 'Bob', exact: true }).click();
    await alice.page.getByRole('heading', { name: 'Chat with Bob' }).waitFor();
    expect(await isFocused(alice.page.getByLabel('Message to Bob'))).toBe(true);
    await alice.page.getByLabel('Message to Bob').fill('Hello Bob! <img src=x onerror=alert(1)>');
    await alice.page.keyboard.press('Enter');

    // Bob, on a phone-sized screen, sees an unread badge and opens the conversation.
    const fromAlice = bob.page.getByRole('button', { name: 'Alice 1 new message' });
    await fromAlice.waitFor();
    await text(bob.page.locator('#announcer')).toBe('New message from Alice');
    await fromAlice.click();
    const bobsMessages = bob.page.locator('#messages .message .text');
    await texts(bobsMessages).toEqual(['Hello Bob! <img src=x onerror=alert(1)>']);
    expect(await bob.page.locator('#messages img').count()).toBe(0);
    // One id everywhere: what Alice sent carries the server's message_id, which Bob's frame carried.
    const received = await bob.page.locator('#messages .message').first().getAttribute('data-id');
    expect(received).toMatch(/^\d{16}$/);
    await expect
      .poll(() => alice.page.locator('#messages .message.out').first().getAttribute('data-id'), { timeout: 5_000 })
      .toBe(received);
    await bob.page.getByLabel('Message to Alice').fill('Hi Alice, got it');
    await bob.page.keyboard.press('Enter');
    await texts(bob.page.locator('#messages .message.out .text')).toEqual(['Hi Alice, got it']);

    // Alice has the conversation open: the reply appears live and is announced.
    const alicesMessages = alice.page.locator('#messages .message .text');
    await texts(alicesMessages).toEqual(['Hello Bob! <img src=x onerror=alert(1)>', 'Hi Alice, got it']);
    expect(await alice.page.locator('#messages .message .from').allInnerTexts()).toEqual(['Alice', 'Bob']);
    await text(alice.page.locator('#announcer')).toBe('Bob: Hi Alice, got it');

    // A reload keeps who she is, the open conversation and its history, without duplicates.
    await alice.page.reload();
    await text(alice.page.getByRole('status')).toBe('Connected');
    await alice.page.getByRole('heading', { name: 'Chat with Bob' }).waitFor();
    await texts(alicesMessages).toEqual(['Hello Bob! <img src=x onerror=alert(1)>', 'Hi Alice, got it']);
    await alice.page.getByLabel('Message to Bob').fill('Still here after a reload');
    await alice.page.getByLabel('Message to Bob').press('Enter');
    await texts(bobsMessages).toEqual([
      'Hello Bob! <img src=x onerror=alert(1)>',
      'Hi Alice, got it',
      'Still here after a reload',
    ]);
    await texts(alicesMessages).toHaveLength(3);

    mkdirSync(SCREENSHOTS, { recursive: true });
    await alice.page.screenshot({ path: resolve(SCREENSHOTS, 'chat-page-desktop.png') });
    await bob.page.screenshot({ path: resolve(SCREENSHOTS, 'chat-page-phone.png') });
    expect(problems).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  });

  it('lets two tabs of one browser be two people, each staying who it is over a reload', async () => {
    const { context, page: erin } = await visitor({ width: 800, height: 600 });
    await join(erin, 'Erin');
    const frank = await context.newPage();
    await frank.goto(app.baseUrl + '/');
    // The second tab offers to continue as Erin, but is nobody until asked.
    await text(frank.locator('#remembered')).toContain('Erin');
    await join(frank, 'Frank');
    await frank.getByRole('button', { name: 'Erin', exact: true }).click();
    await frank.getByLabel('Message to Erin').fill('hello from the other tab');
    await frank.keyboard.press('Enter');
    await erin.reload();
    await text(erin.locator('#account')).toContain('Signed in as Erin');
    await erin.getByRole('button', { name: /^Frank/ }).click();
    await texts(erin.locator('#messages .message .text')).toEqual(['hello from the other tab']);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says a name is taken, and signs in by picking an existing name', async () => {
    const first = await visitor({ width: 800, height: 600 });
    await join(first.page, 'Carol');
    const second = await visitor({ width: 800, height: 600 });
    await second.page.getByLabel('Pick a name').fill('carol');
    await second.page.getByRole('button', { name: 'Join' }).click();
    await text(second.page.locator('#register-error')).toMatch(/“carol” is taken/);
    await second.page.getByRole('button', { name: 'Carol', exact: true }).click();
    await text(second.page.locator('#account')).toContain('Signed in as Carol');
    await text(second.page.getByRole('status')).toBe('Connected');
    expect(problems).toEqual([]);
    await first.context.close();
    await second.context.close();
  });

  // Last: it stops and restarts the server, which the browser reports as console errors.
  it('shows each message as sending, sent or not sent, and a Retry that sends it once', async () => {
    const grace = await visitor({ width: 1100, height: 720 });
    const heidi = await visitor({ width: 1100, height: 720 });
    await join(grace.page, 'Grace');
    await join(heidi.page, 'Heidi');
    await grace.page.getByRole('button', { name: 'Heidi', exact: true }).click();
    const input = grace.page.getByLabel('Message to Heidi');
    const inState = (state: string) => texts(grace.page.locator(`#messages [data-send-state="${state}"] .text`));
    await input.fill('while up');
    await input.press('Enter');
    await inState('sent').toEqual(['while up']);

    const { port, dataDir } = app;
    await app.stop();
    await input.fill('while down');
    await input.press('Enter');
    await inState('sending').toEqual(['while down']);
    // The SDK retries for a few seconds, then gives up and says so.
    await expect
      .poll(() => grace.page.locator('#messages [data-send-state="not-sent"] .text').allInnerTexts(), {
        timeout: 20_000,
      })
      .toEqual(['while down']);
    await text(grace.page.locator('#send-error')).toContain('Not sent');

    app = await TestApp.start({}, dataDir, port);
    await grace.page.getByRole('button', { name: 'Retry' }).click();
    await expect
      .poll(() => grace.page.locator('#messages [data-send-state="sent"] .text').allInnerTexts(), { timeout: 20_000 })
      .toEqual(['while up', 'while down']);
    await heidi.page.reload();
    await heidi.page.getByRole('button', { name: /^Grace/ }).click();
    await texts(heidi.page.locator('#messages .message .text')).toEqual(['while up', 'while down']);
    problems.splice(0);
  });
});

describe('chat page over cohora.v2: the live People list', () => {
  const MEMBERS = 5_000;
  let app: TestApp;
  let proxy: InspectingProxy;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    app = await TestApp.start();
    // The browser goes through a proxy that counts REST sends: the page must send over its socket.
    proxy = await InspectingProxy.start(app.port);
    browser = await launchChromium();
    const names = Array.from({ length: MEMBERS }, (_, i) => `member${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 100) {
      await Promise.all(names.slice(i, i + 100).map((name) => app.post('/api/users/create', { name })));
    }
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await app?.close();
  });

  async function visitor(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    await page.goto(proxy.baseUrl + '/');
    return { context, page };
  }

  async function join(page: Page, name: string): Promise<void> {
    await page.getByLabel('Pick a name').fill(name);
    await page.getByLabel('Pick a name').press('Enter');
    await text(page.locator('#account')).toContain(`Signed in as ${name}`);
    await text(page.getByRole('status').first()).toBe('Connected');
  }

  it('shows who joins and who is online without a reload, sends over the socket, and searches thousands', async () => {
    const ivan = await visitor();
    await join(ivan.page, 'Ivan');
    const rows = ivan.page.locator('#people li');
    // Thousands of people, a hundred rows: the rest is found by searching.
    await text(ivan.page.locator('#people-more')).toBe(
      `Showing 100 of ${MEMBERS.toLocaleString('en-US')}: type a name to find someone.`,
    );
    expect(await rows.count()).toBe(100);

    // Judy joins in another browser: she appears in Ivan's list, first by name, and goes online.
    // (Its sign-in list, too, shows a hundred names and a box to find one's own.)
    const judy = await visitor();
    await text(judy.page.locator('#existing-more')).toBe(
      `Showing 100 of ${(MEMBERS + 1).toLocaleString('en-US')}: type your name to find it.`,
    );
    await judy.page.getByLabel('Find your name').fill('member0042');
    await texts(judy.page.locator('#existing-users li')).toEqual(['member0042']);
    await join(judy.page, 'Judy');
    const judysRow = ivan.page.getByRole('button', { name: 'Judy', exact: true });
    await judysRow.waitFor({ timeout: 5_000 });
    await expect
      .poll(() => judysRow.locator('.presence').getAttribute('data-state'), { timeout: 5_000 })
      .toBe('online');
    expect(await judysRow.getAttribute('aria-description')).toBe('online');
    expect(await rows.count()).toBe(100);

    // A message over the socket arrives; no REST send was made.
    await judysRow.click();
    await text(ivan.page.locator('#peer-presence')).toBe('online');
    await ivan.page.getByLabel('Message to Judy').fill('hello over the socket');
    await ivan.page.keyboard.press('Enter');
    await texts(ivan.page.locator('#messages [data-send-state="sent"] .text')).toEqual(['hello over the socket']);
    await judy.page.getByRole('button', { name: 'Ivan 1 new message' }).click();
    await texts(judy.page.locator('#messages .message .text')).toEqual(['hello over the socket']);
    expect(proxy.requests('POST', '/api/messages/send')).toBe(0);

    // Judy leaves: Ivan sees her go offline, in the list and beside the conversation's title.
    await judy.context.close();
    await text(ivan.page.locator('#peer-presence')).toBe('offline');
    expect(await judysRow.locator('.presence').getAttribute('data-state')).toBe('offline');

    // Search finds one person among thousands.
    await ivan.page.getByLabel('Find someone').fill('MEMBER4321');
    await texts(rows).toEqual(['member4321']);
    await ivan.page.getByRole('button', { name: 'member4321', exact: true }).click();
    await ivan.page.getByRole('heading', { name: 'Chat with member4321' }).waitFor();
    await ivan.page.getByLabel('Find someone').fill('nobody by this name');
    await text(ivan.page.locator('#people-more')).toBe('Nobody’s name contains “nobody by this name”.');

    mkdirSync(SCREENSHOTS, { recursive: true });
    await ivan.page.getByLabel('Find someone').fill('');
    await ivan.page.screenshot({ path: resolve(SCREENSHOTS, 'chat-page-live-people.png') });
    expect(problems).toEqual([]);
    await ivan.context.close();
  });
});

describe('chat page files', () => {
  let app: TestApp;
  beforeAll(async () => (app = await TestApp.start()));
  afterAll(() => app.close());

  it('serves the page at / with a content security policy', async () => {
    const res = await fetch(app.baseUrl + '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('<script type="module" src="app/web/main.js"></script>');
  });

  it('serves its scripts as JavaScript modules, the SDK among them', async () => {
    for (const path of ['/app/web/main.js', '/app/client/cohora-connection.js']) {
      const res = await fetch(app.baseUrl + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    }
    expect((await fetch(app.baseUrl + '/app/style.css')).headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('answers a missing file, or a path outside the page, with a JSON 404', async () => {
    for (const path of ['/app/missing.js', '/app/%2e%2e/%2e%2e/package.json', '/index.html']) {
      const res = await fetch(app.baseUrl + path);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ statusCode: 404 });
    }
  });
});
