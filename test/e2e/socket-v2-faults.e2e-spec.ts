import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_REDIS_URL, uniqueRedisPrefix } from '../support/redis-server.js';
import { ProxiedPostgres } from '../support/proxied-postgres.js';
import { TEST_RATE_LIMITS, TestApp } from '../support/test-app.js';

/**
 * A v2 socket's sends when storage fails, on PostgreSQL behind a proxy that refuses or loses
 * answers: the error frames carry REST's status and retry_after, the socket stays open, and a
 * retry with the same key ends with exactly one stored message.
 */
describe('cohora.v2 sends while storage fails', () => {
  let db: ProxiedPostgres;
  let app: TestApp;
  beforeAll(async () => {
    db = await ProxiedPostgres.start();
    app = await TestApp.start({
      ...db.env,
      REDIS_URL: SHARED_REDIS_URL,
      REDIS_PREFIX: uniqueRedisPrefix(),
      SEND_TIMEOUT_MS: '1500',
      ...TEST_RATE_LIMITS,
    });
  });
  afterEach(() => db.proxy.restore());
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  /**
   * A v2 socket whose catch-up is over, so that it reads the store no more (a read failing
   * while a socket is served closes it with 1011, as in v1): one message waits for it, and its
   * frame is the catch-up's last.
   */
  const liveSocket = async (id: string) => {
    await app.send(id, `waiting ${randomUUID()}`);
    const socket = await app.connectV2(id);
    await socket.nextMessage();
    return socket;
  };

  const copies = async (text: string) =>
    (await db.schema.query<{ id: string }>('SELECT id FROM messages WHERE body = $1', [text])).map((row) => row.id);

  it('answers 503 with retry_after when nothing was stored, then acks the retry with the same key', async () => {
    const [alice, bob] = [await app.createUser('FaultA'), await app.createUser('FaultB')];
    const socket = await liveSocket(alice.id);
    db.proxy.refuse();
    socket.sendMessage('fault-1', bob.id, 'refused first');
    expect(await socket.answer('fault-1')).toEqual({
      type: 'error',
      key: 'fault-1',
      status: 503,
      message: 'Storage is unavailable; nothing was stored; try again',
      retry_after: 1,
    });
    expect(await copies('refused first')).toEqual([]);
    db.proxy.restore();
    socket.sendMessage('fault-1', bob.id, 'refused first');
    expect(await socket.answer('fault-1')).toMatchObject({ type: 'ack' });
    expect(await copies('refused first')).toHaveLength(1);
  });

  it('answers 503 or 504 while answers are lost, and the retry with the key ends with one stored copy', async () => {
    const [alice, bob] = [await app.createUser('LostSA'), await app.createUser('LostSB')];
    const socket = await liveSocket(alice.id);
    db.proxy.swallowReplies();
    socket.sendMessage('lost-1', bob.id, 'answer lost');
    // An error frame, or no answer at all: a store read failing meanwhile closes the socket
    // (1011, as in v1), and the client retries on its next socket with the same key.
    const refused = await socket.answer('lost-1').catch(() => undefined);
    if (refused) {
      expect(refused.type).toBe('error');
      expect([503, 504]).toContain((refused as { status: number }).status);
    }
    db.proxy.refuse();
    db.proxy.restore();
    // Storage answers again (the pool has reconnected) before the client's next socket.
    await expect.poll(async () => (await app.get('/health')).status, { timeout: 10_000 }).toBe(200);
    // The client's next socket (the first is closed, if the server has not closed it already).
    socket.close();
    await socket.closed();
    const next = await liveSocket(alice.id);
    next.sendMessage('lost-1', bob.id, 'answer lost');
    const ack = await next.answer('lost-1', 10_000);
    expect(ack).toMatchObject({ type: 'ack' });
    const stored = await copies('answer lost');
    expect(stored).toHaveLength(1);
    expect((ack as { message_id: string }).message_id).toBe(stored[0].padStart(16, '0'));
  });
});
