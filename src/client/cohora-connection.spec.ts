import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { CohoraConnection, type ConnectionEvents, type ConnectionOptions } from './cohora-connection.js';
import { type HistoryEntry, HistoryStore } from './history.store.js';
import { MemoryHistoryStore } from './memory-history.store.js';
import type { MessageFrame } from '../protocol/ws-frames.js';
import { FakeClientSocket } from '../../test/fakes/fake-client-socket.js';

const FakeSocket = FakeClientSocket;

const frame = (n: number, message = `m${n}`): MessageFrame => ({
  from: 'Alice',
  message,
  from_id: 'id-alice',
  id: String(n).padStart(16, '0'),
  sent_at: '2026-11-25T17:00:00.000Z',
});

/** Lets the connection's history appends (promise callbacks) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe(CohoraConnection.name, () => {
  let clock: FakeClock;
  let history: MemoryHistoryStore;
  let events: Array<[keyof ConnectionEvents, unknown]>;

  beforeEach(() => {
    FakeSocket.opened = [];
    clock = new FakeClock();
    history = new MemoryHistoryStore();
    events = [];
  });

  function connection(options: Partial<ConnectionOptions> = {}): CohoraConnection {
    const made = new CohoraConnection({
      server: 'http://chat.example:3000',
      userId: 'id-bob',
      history,
      WebSocket: FakeSocket,
      clock,
      backoff: { baseMs: 1000, capMs: 8000, random: () => 0.5 },
      stableAfterMs: 10_000,
      ...options,
    });
    for (const name of ['connecting', 'connected', 'message', 'disconnected', 'error'] as const) {
      made.on(name, (payload) => events.push([name, payload]));
    }
    return made;
  }
  const last = () => FakeSocket.opened.at(-1)!;
  const received = () => events.filter(([name]) => name === 'message').map(([, entry]) => (entry as HistoryEntry).id);

  it('opens <server>/ws and authenticates with the user id first', async () => {
    await connection().start();
    expect(last().url).toBe('ws://chat.example:3000/ws');
    last().accept();
    expect(last().sent).toEqual([{ id: 'id-bob' }]);
    expect(events.map(([name]) => name)).toEqual(['connecting', 'connected']);
  });

  it('sends the token in the auth frame when it has one', async () => {
    await connection({ token: 'secret' }).start();
    last().accept();
    expect(last().sent).toEqual([{ id: 'id-bob', token: 'secret' }]);
  });

  it('resumes after the last received id in the history', async () => {
    await history.append({ ...frame(7), direction: 'in' });
    await history.append({ ...frame(9), id: 'out-x', direction: 'out', to: 'Alice', to_id: 'id-alice' });
    await connection().start();
    last().accept();
    expect(last().sent).toEqual([{ id: 'id-bob', since: '0000000000000007' }]);
  });

  it('appends each message to the history before emitting it, in order', async () => {
    const seenInHistory: number[] = [];
    const conn = connection();
    conn.on('message', () => void history.entries().then((list) => seenInHistory.push(list.length)));
    await conn.start();
    last().accept();
    last().push(frame(1));
    last().push(frame(2, 'two'));
    await settle();
    expect(received()).toEqual(['0000000000000001', '0000000000000002']);
    expect((await history.entries()).map((entry) => [entry.message, entry.direction])).toEqual([
      ['m1', 'in'],
      ['two', 'in'],
    ]);
    expect(seenInHistory).toEqual([1, 2]);
  });

  it('drops a frame whose id it already holds, from this socket or the history', async () => {
    await history.append({ ...frame(1), direction: 'in' });
    await connection().start();
    last().accept();
    last().push(frame(1));
    last().push(frame(2));
    last().push(frame(2));
    await settle();
    expect(received()).toEqual(['0000000000000002']);
    expect(await history.entries()).toHaveLength(2);
  });

  it('resumes after received messages only: a sent one carries the server id of someone else’s mailbox', async () => {
    await history.append({ ...frame(7), direction: 'in' });
    await history.append({ ...frame(9), direction: 'out', to: 'Alice', to_id: 'id-alice' });
    await connection().start();
    last().accept();
    expect(last().sent).toEqual([{ id: 'id-bob', since: '0000000000000007' }]);
  });

  it('drops the frame of a message it sent to itself, already in the history under the server id', async () => {
    const toMyself = { ...frame(8), from: 'Bob', from_id: 'id-bob' };
    await history.append({ ...toMyself, direction: 'out', to: 'Bob', to_id: 'id-bob' });
    await connection().start();
    last().accept();
    last().push(toMyself);
    await settle();
    expect(received()).toEqual([]);
    expect((await history.entries()).map((entry) => [entry.id, entry.direction])).toEqual([
      ['0000000000000008', 'out'],
    ]);
  });

  it('reads binary frames as UTF-8 and reports frames that are not messages', async () => {
    await connection().start();
    last().accept();
    last().onmessage?.({ data: new TextEncoder().encode(JSON.stringify(frame(3, 'binary 😀'))).buffer });
    last().push('not json');
    last().push({ from: 'Alice' });
    await settle();
    expect(received()).toEqual(['0000000000000003']);
    expect(events.filter(([name]) => name === 'error')).toHaveLength(2);
  });

  it('reconnects after a close with jittered, growing delays, resuming after the last id', async () => {
    await connection().start();
    last().accept();
    last().push(frame(4));
    await settle();
    last().serverCloses(1001, 'Server shutting down');
    expect(events.at(-1)).toEqual([
      'disconnected',
      { code: 1001, reason: 'Server shutting down', willReconnect: true, retryInMs: 500 },
    ]);
    clock.advance(499);
    expect(FakeSocket.opened).toHaveLength(1);
    clock.advance(1);
    expect(FakeSocket.opened).toHaveLength(2);
    // The server is down: each failure doubles the ceiling (random() = 0.5: half of it).
    last().serverCloses(1006);
    expect(clock.pending).toEqual([1000]);
    clock.advance(1000);
    last().serverCloses(1006);
    expect(clock.pending).toEqual([2000]);
    clock.advance(2000);
    last().accept();
    expect(last().sent).toEqual([{ id: 'id-bob', since: '0000000000000004' }]);
  });

  it('starts the backoff afresh after a connection that stayed up', async () => {
    await connection().start();
    for (let i = 0; i < 3; i++) {
      last().serverCloses(1006);
      clock.advance(clock.pending[0]);
    }
    last().accept();
    clock.advance(10_000);
    last().serverCloses(1001);
    expect(clock.pending).toEqual([500]);
  });

  it('does not reset the backoff for a connection that dropped soon after opening', async () => {
    await connection().start();
    last().serverCloses(1006);
    clock.advance(clock.pending[0]);
    last().accept();
    clock.advance(9_999);
    last().serverCloses(4429, 'Too slow');
    expect(clock.pending).toEqual([1000]);
  });

  it('stops, and says so, when the server does not know the user (4401)', async () => {
    const conn = connection();
    await conn.start();
    last().accept();
    last().serverCloses(4401, 'Unauthorized');
    expect(events.at(-1)).toEqual(['disconnected', { code: 4401, reason: 'Unauthorized', willReconnect: false }]);
    expect(conn.state).toBe('stopped');
    expect(clock.pending).toEqual([]);
  });

  it('waits 0.5–5 s after a 1012 (a deploy), then resumes after the last id', async () => {
    await connection({ backoff: { baseMs: 1000, capMs: 8000, random: () => 0.5 } }).start();
    last().accept();
    last().push(frame(7));
    await settle();
    last().serverCloses(1012, 'Service restart: reconnect after a random delay');
    expect(events.at(-1)).toEqual([
      'disconnected',
      { code: 1012, reason: 'Service restart: reconnect after a random delay', willReconnect: true, retryInMs: 2750 },
    ]);
    clock.advance(2749);
    expect(FakeSocket.opened).toHaveLength(1);
    clock.advance(1);
    last().accept();
    expect(last().sent).toEqual([{ id: 'id-bob', since: '0000000000000007' }]);
  });

  it('waits at least 5 s after 4409 (too many sockets for the user) before trying again', async () => {
    await connection().start();
    last().accept();
    last().serverCloses(4409, 'Too many connections for this user');
    expect(events.at(-1)).toMatchObject(['disconnected', { code: 4409, willReconnect: true, retryInMs: 5000 }]);
    clock.advance(4999);
    expect(FakeSocket.opened).toHaveLength(1);
    clock.advance(1);
    expect(FakeSocket.opened).toHaveLength(2);
  });

  it.each([1008, 1011, 4408, 4429])('reconnects with the backoff after %i, resuming with since', async (code) => {
    await connection().start();
    last().accept();
    last().push(frame(3));
    await settle();
    last().serverCloses(code);
    expect(events.at(-1)).toMatchObject(['disconnected', { code, willReconnect: true, retryInMs: 500 }]);
    clock.advance(500);
    last().accept();
    expect(last().sent).toEqual([{ id: 'id-bob', since: '0000000000000003' }]);
  });

  it('gives up on a socket that does not open in time, and retries', async () => {
    await connection({ connectTimeoutMs: 5_000 }).start();
    clock.advance(5_000);
    expect(FakeSocket.opened[0].closedByClient).toBeDefined();
    expect(events.at(-1)).toMatchObject(['disconnected', { willReconnect: true }]);
    clock.advance(clock.pending[0]);
    expect(FakeSocket.opened).toHaveLength(2);
  });

  it('close() closes the socket with 1000, stops reconnecting, and waits for history writes', async () => {
    const slow = new (class extends HistoryStore {
      readonly stored: HistoryEntry[] = [];
      entries = () => Promise.resolve([...this.stored]);
      append = async (entry: HistoryEntry) => {
        await settle();
        this.stored.push(entry);
        return true;
      };
    })();
    const conn = connection({ history: slow });
    await conn.start();
    last().accept();
    last().push(frame(5));
    await conn.close();
    expect(slow.stored).toHaveLength(1);
    expect(last().closedByClient).toEqual({ code: 1000, reason: 'Client closing' });
    expect(events.filter(([name]) => name === 'disconnected')).toEqual([
      ['disconnected', { code: 1000, reason: 'Client closing', willReconnect: false }],
    ]);
    expect(conn.state).toBe('stopped');
    clock.advance(60_000);
    expect(FakeSocket.opened).toHaveLength(1);
  });

  it('close() while waiting to reconnect cancels the attempt', async () => {
    const conn = connection();
    await conn.start();
    last().serverCloses(1006);
    await conn.close();
    clock.advance(60_000);
    expect(FakeSocket.opened).toHaveLength(1);
  });

  it('reports a history that cannot be written, and still emits the message', async () => {
    const broken = new (class extends HistoryStore {
      entries = () => Promise.resolve([]);
      append = () => Promise.reject(new Error('disk full'));
    })();
    await connection({ history: broken }).start();
    last().accept();
    last().push(frame(6));
    await settle();
    expect(received()).toEqual(['0000000000000006']);
    expect(events.find(([name]) => name === 'error')?.[1]).toEqual(new Error('disk full'));
  });

  it('refuses to start without a WebSocket implementation', () => {
    expect(() => new CohoraConnection({ server: 'http://x', userId: 'u', WebSocket: undefined })).toThrow(
      /no WebSocket/,
    );
  });

  it('uses wss:// for an https:// server, under its path', async () => {
    await connection({ server: 'https://example.org/chat' }).start();
    expect(last().url).toBe('wss://example.org/chat/ws');
  });
});
