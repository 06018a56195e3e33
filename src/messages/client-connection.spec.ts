import { beforeEach, describe, expect, it } from 'vitest';
import { FakeWsSocket } from '../../test/fakes/fake-ws-socket.js';
import { InMemoryMessageStore } from '../../test/fakes/in-memory-message.store.js';
import { Metrics } from '../metrics/metrics.js';
import type { StoredMessage } from '../ports/message.store.js';
import { ClientConnection } from './client-connection.js';
import { messageFrame } from './frames.js';

describe(ClientConnection.name, () => {
  let store: InMemoryMessageStore;
  let socket: FakeWsSocket;
  let delivered: string[];
  let connection: ClientConnection;
  /** How the connection's store reads Bob's messages: a test may slow it down or break it. */
  let reader: (afterId: string | null, limit: number) => Promise<StoredMessage[]>;

  beforeEach(() => {
    store = new InMemoryMessageStore();
    socket = new FakeWsSocket();
    delivered = [];
    connection = new ClientConnection(socket.socket, {
      store: { listAfter: (_userId, afterId, limit) => reader(afterId, limit) },
      tracker: { delivered: (_userId, id) => delivered.push(id) },
      metrics: new Metrics(),
      maxBufferedBytes: 1_000_000,
      frameRate: null,
    });
  });

  const append = (text: string) =>
    store.append({ recipientId: 'bob', senderId: null, senderName: 'anonymous', text, sentAt: new Date() }, 100_000);
  const readBob = (afterId: string | null, limit: number) => store.listAfter('bob', afterId, limit);
  const sentTexts = () => socket.texts();
  const offer = (message: StoredMessage) => connection.offer(message, messageFrame(message));
  const authenticate = (read = readBob) => {
    reader = read;
    connection.authenticated('bob');
  };

  it('sends the backlog oldest first, then live messages, and reports each delivered', async () => {
    for (let i = 0; i < 1_200; i++) await append(`old ${i}`);
    authenticate();
    await connection.catchUp(null);
    const live = await append('live');
    expect(offer(live)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sentTexts()).toEqual([...Array.from({ length: 1_200 }, (_, i) => `old ${i}`), 'live']);
    expect(delivered.at(-1)).toBe(live.id);
  });

  it('reads again when a message is offered during the catch-up, so it is neither lost nor doubled', async () => {
    const first = await append('first');
    let racing: StoredMessage | undefined;
    const slowRead = async (afterId: string | null, limit: number) => {
      const page = await readBob(afterId, limit);
      if (!racing) {
        // A send is stored and offered while this page is on its way back.
        racing = await append('raced');
        expect(offer(racing)).toBe(true);
      }
      return page;
    };
    authenticate(slowRead);
    await connection.catchUp(null);
    expect(offer(racing!)).toBe(true);
    expect(sentTexts()).toEqual(['first', 'raced']);
    expect(first.id < racing!.id).toBe(true);
  });

  it('starts after the given id', async () => {
    const [a] = [await append('a'), await append('b')];
    authenticate();
    await connection.catchUp(a.id);
    expect(sentTexts()).toEqual(['b']);
  });

  it('reads the store again when told news came from elsewhere, sending each message once, in order', async () => {
    authenticate();
    await connection.catchUp(null);
    // Another process stored these; the nudge for the second may even arrive first.
    const [, second] = [await append('one'), await append('two')];
    expect(connection.catchUpAgain()).toBe(true);
    expect(connection.catchUpAgain()).toBe(true);
    await until(() => sentTexts().length === 2);
    expect(offer(second)).toBe(true);
    expect(connection.catchUpAgain()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sentTexts()).toEqual(['one', 'two']);
    expect(delivered.at(-1)).toBe(second.id);
  });

  it('closes with 1011 when a read after a nudge fails, so the client resumes', async () => {
    let broken = false;
    authenticate((afterId, limit) => (broken ? Promise.reject(new Error('down')) : readBob(afterId, limit)));
    await connection.catchUp(null);
    broken = true;
    expect(connection.catchUpAgain()).toBe(true);
    await until(() => socket.closedWith !== undefined);
    expect(socket.closedWith).toEqual({ code: 1011, reason: expect.any(String) });
  });

  it('does not take messages before it is authenticated', async () => {
    expect(connection.catchUpAgain()).toBe(false);
    expect(offer(await append('early'))).toBe(false);
    expect(socket.sent).toEqual([]);
  });

  it('closes with 4429 when the client lets its buffer grow past the limit', async () => {
    authenticate();
    await connection.catchUp(null);
    socket.bufferedAmount = 2_000_000;
    offer(await append('too much'));
    expect(socket.closedWith).toEqual({ code: 4429, reason: expect.stringContaining('Too slow') });
    expect(connection.isOpen).toBe(false);
    expect(offer(await append('after close'))).toBe(false);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}
