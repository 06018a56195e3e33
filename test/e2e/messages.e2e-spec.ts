import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { TestApp } from '../support/test-app.js';

describe('messages', () => {
  let app: TestApp;
  beforeAll(async () => (app = await TestApp.start()));
  afterAll(() => app.close());

  let n = 0;
  const user = (prefix: string) => app.createUser(`${prefix}${++n}`);

  it('pushes a message to the connected recipient with from, message, from_id, id and sent_at', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const tab = await app.connect(bob.id);
    const before = Date.now();
    const res = await app.send(bob.id, 'Hey there!', alice.id);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'success',
      details: `Message sent to recipient_id: ${bob.id}`,
      delivery: 'delivered',
      message_id: expect.stringMatching(/^\d{16}$/),
    });
    const frame = await tab.nextFrame();
    expect(frame).toEqual({
      from: alice.name,
      message: 'Hey there!',
      from_id: alice.id,
      id: res.body.message_id,
      sent_at: expect.any(String),
    });
    expect(new Date(frame.sent_at).toISOString()).toBe(frame.sent_at);
    expect(Date.parse(frame.sent_at)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('answers delivered for a connected recipient and queued for an absent one, with the id its frame carries', async () => {
    const bob = await user('bob');
    const away = await app.send(bob.id, 'while away');
    expect(away.body.delivery).toBe('queued');
    const tab = await app.connect(bob.id);
    expect(await tab.nextFrame()).toMatchObject({ message: 'while away', id: away.body.message_id });
    const here = await app.send(bob.id, 'while here');
    expect(here.body.delivery).toBe('delivered');
    expect(await tab.nextFrame()).toMatchObject({ message: 'while here', id: here.body.message_id });
    expect(Number(here.body.message_id)).toBeGreaterThan(Number(away.body.message_id));
  });

  it('gives a message to oneself one id, which the sender’s own socket receives once', async () => {
    const alice = await user('alice');
    const tab = await app.connect(alice.id);
    const res = await app.send(alice.id, 'note to self', alice.id);
    expect(res.body.delivery).toBe('delivered');
    expect(await tab.nextFrame()).toMatchObject({
      message: 'note to self',
      from_id: alice.id,
      id: res.body.message_id,
    });
    await app.send(alice.id, 'second note', alice.id);
    expect((await tab.nextFrame()).message).toBe('second note');
    expect(tab.buffered).toEqual([]);
  });

  it('delivers a send without sender_id as from anonymous', async () => {
    const bob = await user('bob');
    const tab = await app.connect(bob.id);
    expect((await app.send(bob.id, 'who am I')).status).toBe(200);
    expect(await tab.nextFrame()).toMatchObject({ from: 'anonymous', from_id: null, message: 'who am I' });
  });

  it('treats a null sender_id as absent', async () => {
    const bob = await user('bob');
    const res = await app.post('/api/messages/send', { recipient_id: bob.id, message: 'hi', sender_id: null });
    expect(res.status).toBe(200);
  });

  it('pushes every frame to every open socket of the recipient', async () => {
    const bob = await user('bob');
    const tabs = [await app.connect(bob.id), await app.connect(bob.id), await app.connect(bob.id)];
    await app.send(bob.id, 'one');
    await app.send(bob.id, 'two');
    for (const tab of tabs) expect((await tab.nextFrames(2)).map((f) => f.message)).toEqual(['one', 'two']);
  });

  it('delivers 200 sequential sends in order, each once', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const tab = await app.connect(bob.id);
    for (let i = 0; i < 200; i++) expect((await app.send(bob.id, `m${i}`, alice.id)).status).toBe(200);
    const frames = await tab.nextFrames(200);
    expect(frames.map((f) => f.message)).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
    expect(new Set(frames.map((f) => f.id)).size).toBe(200);
    expect(frames.map((f) => f.id)).toEqual(frames.map((f) => f.id).sort());
  });

  it('keeps per-pair order for concurrent sends from several senders', async () => {
    const bob = await user('bob');
    const senders = [await user('s'), await user('s'), await user('s')];
    const tab = await app.connect(bob.id);
    await Promise.all(
      senders.map(async (s) => {
        for (let i = 0; i < 30; i++) await app.send(bob.id, `${s.id}:${i}`, s.id);
      }),
    );
    const frames = await tab.nextFrames(90);
    for (const s of senders) {
      const mine = frames.filter((f) => f.from_id === s.id).map((f) => Number(f.message.split(':')[1]));
      expect(mine).toEqual(Array.from({ length: 30 }, (_, i) => i));
    }
  });

  it('queues messages for an absent recipient and delivers them oldest first, then live ones', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    for (const text of ['q1', 'q2', 'q3'])
      expect((await app.send(bob.id, text, alice.id)).body.delivery).toBe('queued');
    const tab = await app.connect(bob.id);
    expect((await tab.nextFrames(3)).map((f) => f.message)).toEqual(['q1', 'q2', 'q3']);
    await app.send(bob.id, 'live', alice.id);
    expect((await tab.nextFrame()).message).toBe('live');
  });

  it('does not deliver a queued message twice to a later connection', async () => {
    const bob = await user('bob');
    await app.send(bob.id, 'once');
    const first = await app.connect(bob.id);
    expect((await first.nextFrame()).message).toBe('once');
    first.close();
    await first.closed();
    await app.send(bob.id, 'after');
    const second = await app.connect(bob.id);
    expect((await second.nextFrame()).message).toBe('after');
  });

  it('answers 404 for an unknown recipient and 401 for an unknown sender, storing nothing', async () => {
    const bob = await user('bob');
    const unknownRecipient = await app.send('00000000-0000-4000-8000-000000000000', 'hi');
    expect(unknownRecipient.status).toBe(404);
    expect(unknownRecipient.body).toEqual({ statusCode: 404, message: expect.any(String), error: 'Not Found' });
    const unknownSender = await app.send(bob.id, 'hi', 'not-a-user');
    expect(unknownSender.status).toBe(401);
    expect(unknownSender.body).toEqual({ statusCode: 401, message: expect.any(String), error: 'Unauthorized' });
    await app.send(bob.id, 'real');
    const tab = await app.connect(bob.id);
    expect((await tab.nextFrame()).message).toBe('real');
  });

  it('accepts a message of exactly the maximum length, counted in characters', async () => {
    const bob = await user('bob');
    expect((await app.send(bob.id, 'x'.repeat(4096))).status).toBe(200);
    expect((await app.send(bob.id, '😀'.repeat(4096))).status).toBe(200);
  });

  it.each([
    ['no recipient_id', { message: 'hi' }],
    ['a numeric recipient_id', { recipient_id: 7, message: 'hi' }],
    ['an empty recipient_id', { recipient_id: '', message: 'hi' }],
    ['no message', { recipient_id: 'R' }],
    ['a numeric message', { recipient_id: 'R', message: 5 }],
    ['an object message', { recipient_id: 'R', message: { text: 'hi' } }],
    ['an empty message', { recipient_id: 'R', message: '' }],
    ['a whitespace-only message', { recipient_id: 'R', message: ' \n\t ' }],
    ['a message over 4096 characters', { recipient_id: 'R', message: 'x'.repeat(4097) }],
    ['a numeric sender_id', { recipient_id: 'R', message: 'hi', sender_id: 3 }],
    ['an array body', [{ recipient_id: 'R', message: 'hi' }]],
    ['malformed JSON', '{"recipient_id":'],
  ])('answers 400 for %s', async (_what, body) => {
    const bob = await user('bob');
    const withRecipient = JSON.parse(JSON.stringify(body).replaceAll('"R"', JSON.stringify(bob.id))) as unknown;
    const res = await app.post('/api/messages/send', typeof body === 'string' ? body : withRecipient);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, message: expect.any(String), error: 'Bad Request' });
  });

  it('answers 413 for a body over 64 KiB', async () => {
    const bob = await user('bob');
    const res = await app.send(bob.id, 'x'.repeat(70 * 1024));
    expect(res.status).toBe(413);
  });

  it('lets a user message themselves', async () => {
    const alice = await user('alice');
    const tab = await app.connect(alice.id);
    await app.send(alice.id, 'note to self', alice.id);
    expect(await tab.nextFrame()).toMatchObject({ from: alice.name, from_id: alice.id, message: 'note to self' });
  });

  it('refuses sends with 429 once a recipient has MAX_QUEUED_PER_USER undelivered, and accepts again after delivery', async () => {
    const app = await TestApp.start({ MAX_QUEUED_PER_USER: '5' });
    onTestFinished(() => app.close());
    const bob = await app.createUser('bob');
    for (let i = 0; i < 5; i++) expect((await app.send(bob.id, `q${i}`)).status).toBe(200);
    const refused = await app.send(bob.id, 'one too many');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      message: expect.stringContaining('undelivered'),
      error: 'Too Many Requests',
    });
    const tab = await app.connect(bob.id);
    expect((await tab.nextFrames(5)).map((f) => f.message)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4']);
    // One process counts the delivery in the very next send. Behind a balancer the send may
    // reach the other process, which reads only the store: it knows once the delivering
    // process has committed the delivery, a few milliseconds after the last frame left.
    const again = async () => (await app.send(bob.id, 'room again')).status;
    if (app.isCluster) await expect.poll(again, { timeout: 2_000, interval: 20 }).toBe(200);
    else expect(await again()).toBe(200);
    expect((await tab.nextFrame()).message).toBe('room again');
  });
});
