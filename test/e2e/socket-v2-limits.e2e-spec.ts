import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApp } from '../support/test-app.js';

describe('cohora.v2 sends under RATE_LIMIT_SEND, shared with REST', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ RATE_LIMIT_SEND: '3/1m' });
  });
  afterAll(() => app.close());

  it('answers the send past the budget with 429 and retry_after, REST sends counting too', async () => {
    const [alice, bob] = [await app.createUser('limA'), await app.createUser('limB')];
    expect((await app.send(bob.id, 'rest 1', alice.id)).status).toBe(200);
    const socket = await app.connectV2(alice.id);
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    for (const key of keys) socket.sendMessage(key, bob.id, 'socket');
    const answers = await Promise.all(keys.map((key) => socket.answer(key)));
    expect(answers.map((answer) => answer.type)).toEqual(['ack', 'ack', 'error']);
    const refused = answers[2] as { status: number; message: string; retry_after: number };
    expect(refused.status).toBe(429);
    expect(refused.message).toMatch(/^Too many messages from this sender: at most 3 per 1 min; retry after \d+ s$/);
    expect(refused.retry_after).toBeGreaterThan(0);
    const rest = await app.send(bob.id, 'rest 2', alice.id);
    expect(rest.status).toBe(429);
    // The same words as REST's 429, and a Retry-After that agrees (give or take the second that passed).
    expect(rest.body.message.replace(/\d+ s$/, '')).toBe(refused.message.replace(/\d+ s$/, ''));
    expect(Math.abs(Number(rest.headers.get('retry-after')) - refused.retry_after)).toBeLessThanOrEqual(1);
  });
});

describe('cohora.v2 frame limits', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  it('answers sends past max_in_flight with 429 and acks the rest, keeping the socket', async () => {
    const [alice, bob] = [await app.createUser('flyA'), await app.createUser('flyB')];
    const socket = await app.connectV2(alice.id);
    const keys = Array.from({ length: 600 }, () => randomUUID());
    // Written in one go: the frames arrive together, before any of them can have committed.
    for (const key of keys) socket.sendMessage(key, bob.id, 'm');
    const answers = await Promise.all(keys.map((key) => socket.answer(key, 10_000)));
    const refused = answers.filter((answer) => answer.type === 'error');
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer).toMatchObject({
        status: 429,
        message: 'Too many sends in flight on this socket: at most 256 unanswered',
        retry_after: 1,
      });
    }
    expect(answers.filter((answer) => answer.type === 'ack').length).toBeGreaterThanOrEqual(256);
  });

  it('closes with 1008 a socket that sends more watch frames than RATE_LIMIT_WS_FRAMES, not one that sends many sends', async () => {
    const [alice, bob] = [await app.createUser('rateA'), await app.createUser('rateB')];
    const sender = await app.connectV2(alice.id);
    const keys = Array.from({ length: 20 }, () => randomUUID());
    for (const key of keys) sender.sendMessage(key, bob.id, 'fine');
    expect((await Promise.all(keys.map((key) => sender.answer(key)))).every((a) => a.type === 'ack')).toBe(true);
    const watcher = await app.connectV2(bob.id);
    for (let i = 0; i < 10; i++) watcher.watch([alice.id]);
    expect((await watcher.closed()).code).toBe(1008);
  });
});

describe('cohora.v2 in AUTH_MODE=token', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start({ AUTH_MODE: 'token' });
  });
  afterAll(() => app.close());

  it('sends as the user who proved the token, and refuses the socket without it', async () => {
    const [alice, bob] = [await app.createUser('tokA'), await app.createUser('tokB')];
    const refused = await app.openV2(alice.id);
    expect((await refused.closed()).code).toBe(4401);
    const socket = await app.connectV2(alice.id, { token: alice.token });
    const key = randomUUID();
    socket.sendMessage(key, bob.id, 'proven');
    expect(await socket.answer(key)).toMatchObject({ type: 'ack' });
    const inbox = await app.connectWithToken(bob.id, bob.token);
    expect(await inbox.nextFrame()).toMatchObject({ from_id: alice.id, message: 'proven' });
  });

  it('ignores a sender_id in a send frame: the sender is always the socket’s user', async () => {
    const [alice, bob, mallory] = [
      await app.createUser('tokC'),
      await app.createUser('tokD'),
      await app.createUser('tokM'),
    ];
    const socket = await app.connectV2(mallory.id, { token: mallory.token });
    const key = randomUUID();
    socket.send({ type: 'send', key, recipient_id: bob.id, message: 'who?', sender_id: alice.id });
    expect(await socket.answer(key)).toMatchObject({ type: 'ack' });
    const inbox = await app.connectWithToken(bob.id, bob.token);
    expect(await inbox.nextFrame()).toMatchObject({ from_id: mallory.id, from: mallory.name });
  });
});
