import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClientSocket } from '../../test/fakes/fake-client-socket.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import type { ReadyFrame } from '../protocol/ws-frames-v2.js';
import { CohoraHttpError, MessageNotSentError } from './client-errors.js';
import { CohoraClient } from './cohora-client.js';
import { CohoraConnection, type ConnectionEvents, type ConnectionOptions } from './cohora-connection.js';

const ready = (limits: Partial<ReadyFrame['limits']> = {}): ReadyFrame => ({
  type: 'ready',
  protocol: 'cohora.v2',
  revision: 1,
  user_id: 'id-bob',
  limits: { max_message_length: 4096, max_frame_bytes: 65_536, max_in_flight: 256, max_watch: 256, ...limits },
});

/** Lets promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** What a promise has come to so far, without waiting for it. */
function outcome<T>(promise: Promise<T>): { value?: T; error?: unknown } {
  const seen: { value?: T; error?: unknown } = {};
  promise.then(
    (value) => (seen.value = value),
    (error: unknown) => (seen.error = error),
  );
  return seen;
}

describe(`${CohoraConnection.name} on a cohora.v2 socket`, () => {
  let clock: FakeClock;
  let events: Array<[keyof ConnectionEvents, unknown]>;
  let restRequests: Array<{ body: unknown; key: string | null }>;

  beforeEach(() => {
    FakeClientSocket.opened = [];
    clock = new FakeClock();
    events = [];
    restRequests = [];
  });

  /** A REST client whose fetch answers every send with 200 and records it. */
  function rest(): CohoraClient {
    return new CohoraClient({
      server: 'http://chat.example:3000',
      fetch: (_url, init) => {
        restRequests.push({
          body: JSON.parse(init?.body as string),
          key: new Headers(init?.headers).get('idempotency-key'),
        });
        const body = { status: 'success', details: 'sent', delivery: 'queued', message_id: '0000000000000042' };
        return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
      },
    });
  }

  async function connection(options: Partial<ConnectionOptions> = {}): Promise<CohoraConnection> {
    const made = new CohoraConnection({
      server: 'http://chat.example:3000',
      userId: 'id-bob',
      WebSocket: FakeClientSocket,
      clock,
      backoff: { baseMs: 1000, capMs: 8000, random: () => 0.5 },
      sendRetry: { attempts: 3, backoff: { baseMs: 200, capMs: 1000, random: () => 0.5 }, giveUpAfterMs: 10_000 },
      rest: rest(),
      ...options,
    });
    for (const name of ['connected', 'ready', 'users', 'presence', 'disconnected', 'error'] as const) {
      made.on(name, (payload) => events.push([name, payload]));
    }
    await made.start();
    return made;
  }
  const last = () => FakeClientSocket.opened.at(-1)!;
  /** The frames the SDK wrote after its auth frame. */
  const written = (socket = last()) => socket.sent.slice(1);

  it('offers cohora.v2 and sends nothing after the auth frame until ready', async () => {
    const conn = await connection();
    expect(last().protocols).toEqual(['cohora.v2']);
    last().accept('cohora.v2');
    const sent = conn.send('id-alice', 'hi', { key: 'k1' });
    expect(last().sent).toEqual([{ id: 'id-bob' }]);
    last().push(ready());
    expect(written()).toEqual([{ type: 'send', key: 'k1', recipient_id: 'id-alice', message: 'hi' }]);
    expect(events.find(([name]) => name === 'ready')?.[1]).toEqual({ userId: 'id-bob', limits: ready().limits });
    last().push({ type: 'ack', key: 'k1', message_id: '0000000000000009', delivery: 'delivered' });
    await expect(sent).resolves.toEqual({ message_id: '0000000000000009', delivery: 'delivered' });
    expect(conn.serverProtocol).toBe('cohora.v2');
    expect(restRequests).toEqual([]);
  });

  it('makes a fresh key for each send', async () => {
    const conn = await connection();
    last().accept('cohora.v2');
    last().push(ready());
    void conn.send('id-alice', 'one');
    void conn.send('id-alice', 'two');
    const keys = written().map((frame) => (frame as { key: string }).key);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('rejects with the CohoraHttpError of a refusal that retrying cannot fix, sending once', async () => {
    const conn = await connection();
    last().accept('cohora.v2');
    last().push(ready());
    for (const [status, key] of [
      [400, 'a'],
      [404, 'b'],
      [422, 'c'],
      [507, 'd'],
    ] as const) {
      const sent = conn.send('id-alice', 'hi', { key });
      last().push({ type: 'error', key, status, message: `refused with ${status}` });
      const error = await sent.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CohoraHttpError);
      expect(error).toMatchObject({ status, message: `refused with ${status}` });
    }
    clock.advance(60_000);
    expect(written()).toHaveLength(4);
  });

  it('retries 503, 504 and 429 with the same key, waiting at least retry_after', async () => {
    const conn = await connection({
      sendRetry: { attempts: 5, backoff: { baseMs: 200, capMs: 1000, random: () => 0.5 } },
    });
    last().accept('cohora.v2');
    last().push(ready());
    const sent = outcome(conn.send('id-alice', 'hi', { key: 'same' }));
    last().push({ type: 'error', key: 'same', status: 503, message: 'Storage unavailable', retry_after: 1 });
    clock.advance(999);
    expect(written()).toHaveLength(1);
    clock.advance(1);
    expect(written()).toHaveLength(2);
    last().push({ type: 'error', key: 'same', status: 504, message: 'outcome unknown' });
    // No retry_after: the backoff's jittered delay (half of 400 ms here).
    clock.advance(200);
    expect(written()).toHaveLength(3);
    last().push({ type: 'error', key: 'same', status: 429, message: 'Too many', retry_after: 3 });
    clock.advance(2_999);
    expect(written()).toHaveLength(3);
    clock.advance(1);
    last().push({ type: 'ack', key: 'same', message_id: '0000000000000011', delivery: 'queued' });
    await settle();
    expect(sent.value).toEqual({ message_id: '0000000000000011', delivery: 'queued' });
    expect(new Set(written().map((frame) => (frame as { key: string }).key))).toEqual(new Set(['same']));
  });

  it('sends again, with the same key, on the next socket a send that had no answer when its socket closed', async () => {
    const conn = await connection();
    last().accept('cohora.v2');
    last().push(ready());
    const sent = outcome(conn.send('id-alice', 'hi', { key: 'k' }));
    const first = last();
    first.serverCloses(1012, 'Service restart');
    clock.advance(clock.pending[0]);
    const second = last();
    expect(second).not.toBe(first);
    second.accept('cohora.v2');
    expect(written(second)).toEqual([]);
    second.push(ready());
    expect(written(second)).toEqual([{ type: 'send', key: 'k', recipient_id: 'id-alice', message: 'hi' }]);
    second.push({ type: 'ack', key: 'k', message_id: '0000000000000012', delivery: 'delivered' });
    await settle();
    expect(sent.value?.message_id).toBe('0000000000000012');
  });

  it('gives up after its attempts with a plain "not sent" that names the key', async () => {
    const conn = await connection();
    last().accept('cohora.v2');
    last().push(ready());
    const sent = conn.send('id-alice', 'hi', { key: 'k' });
    for (let i = 0; i < 3; i++) {
      last().push({ type: 'error', key: 'k', status: 503, message: 'Storage unavailable', retry_after: 1 });
      clock.advance(1_000);
    }
    const error = await sent.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageNotSentError);
    expect(error).toMatchObject({ idempotencyKey: 'k', attempts: 3 });
    expect((error as Error).message).toBe('the message was not sent (3 attempts; last: Storage unavailable)');
    expect(written()).toHaveLength(3);
  });

  it('gives up without claiming "not sent" when a try got a 504 and may be stored', async () => {
    const conn = await connection();
    last().accept('cohora.v2');
    last().push(ready());
    const sent = conn.send('id-alice', 'hi', { key: 'k' });
    last().push({ type: 'error', key: 'k', status: 504, message: 'outcome unknown', retry_after: 1 });
    clock.advance(1_000);
    for (let i = 0; i < 2; i++) {
      last().push({ type: 'error', key: 'k', status: 503, message: 'Storage unavailable', retry_after: 1 });
      clock.advance(1_000);
    }
    const error = await sent.catch((e: unknown) => e);
    expect(error).toMatchObject({ maybeStored: true, attempts: 3 });
    expect((error as Error).message).toMatch(/^the message may not have been sent: the server did not confirm it/);
  });

  it('gives up on a send that found no ready socket in time', async () => {
    const conn = await connection();
    last().accept('cohora.v2');
    const sent = conn.send('id-alice', 'hi', { key: 'k' });
    clock.advance(10_000);
    const error = await sent.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageNotSentError);
    expect(error).toMatchObject({ idempotencyKey: 'k', attempts: 0, maybeStored: false });
    last().push(ready());
    expect(written()).toEqual([]);
  });

  it('keeps at most max_in_flight sends unanswered, sending the next when one is answered', async () => {
    const conn = await connection();
    last().accept('cohora.v2');
    last().push(ready({ max_in_flight: 2 }));
    for (const key of ['a', 'b', 'c']) void conn.send('id-alice', key, { key });
    expect(written().map((frame) => (frame as { key: string }).key)).toEqual(['a', 'b']);
    last().push({ type: 'ack', key: 'b', message_id: '0000000000000001', delivery: 'queued' });
    expect(written().map((frame) => (frame as { key: string }).key)).toEqual(['a', 'b', 'c']);
  });

  it('sends over REST, with the key and as its user, when the server selects no subprotocol', async () => {
    const conn = await connection();
    const waiting = conn.send('id-alice', 'before the socket opened', { key: 'early' });
    last().accept('');
    await expect(waiting).resolves.toMatchObject({ message_id: '0000000000000042' });
    await expect(conn.send('id-alice', 'later', { key: 'late' })).resolves.toMatchObject({ delivery: 'queued' });
    expect(conn.serverProtocol).toBe('v1');
    expect(restRequests).toEqual([
      { body: { recipient_id: 'id-alice', message: 'before the socket opened', sender_id: 'id-bob' }, key: 'early' },
      { body: { recipient_id: 'id-alice', message: 'later', sender_id: 'id-bob' }, key: 'late' },
    ]);
    expect(written()).toEqual([]);
  });

  it('sends a message too large for a socket frame over REST, which answers its status', async () => {
    const conn = await connection();
    last().accept('cohora.v2');
    last().push(ready({ max_frame_bytes: 100 }));
    await conn.send('id-alice', 'x'.repeat(200), { key: 'big' });
    expect(restRequests.map((request) => request.key)).toEqual(['big']);
    expect(written()).toEqual([]);
  });

  it('tries to reconnect at once when a send is made while it waits to', async () => {
    const conn = await connection();
    last().serverCloses(1006);
    expect(conn.state).toBe('waiting');
    void conn.send('id-alice', 'hi');
    expect(FakeClientSocket.opened).toHaveLength(2);
    expect(conn.state).toBe('connecting');
  });

  it('rejects what is pending, and what is sent after, when closed', async () => {
    const conn = await connection();
    const sent = conn.send('id-alice', 'hi', { key: 'k' });
    await conn.close();
    await expect(sent).rejects.toBeInstanceOf(MessageNotSentError);
    await expect(conn.send('id-alice', 'too late')).rejects.toThrow(
      'the message was not sent (0 attempts; last: the connection is closed)',
    );
  });

  it('rejects what is pending at once when the server does not know the user (4401)', async () => {
    const conn = await connection();
    last().accept('cohora.v2');
    const sent = conn.send('id-alice', 'hi', { key: 'k' });
    last().serverCloses(4401, 'Unauthorized');
    await expect(sent).rejects.toBeInstanceOf(MessageNotSentError);
    expect(conn.state).toBe('stopped');
  });

  it('watches after ready and after every reconnect, reporting presence of watched ids only', async () => {
    const conn = await connection();
    conn.watch(['id-alice', 'id-carol', 'id-alice']);
    last().accept('cohora.v2');
    expect(written()).toEqual([]);
    last().push(ready());
    expect(written()).toEqual([{ type: 'watch', ids: ['id-alice', 'id-carol'] }]);
    last().push({ type: 'presence', online: ['id-alice', 'id-stranger'], offline: ['id-carol'] });
    expect(events.filter(([name]) => name === 'presence').map(([, change]) => change)).toEqual([
      { online: ['id-alice'], offline: ['id-carol'] },
    ]);
    expect([conn.isOnline('id-alice'), conn.isOnline('id-carol'), conn.isOnline('id-stranger')]).toEqual([
      true,
      false,
      undefined,
    ]);
    conn.watch(['id-carol']);
    expect(conn.isOnline('id-alice')).toBeUndefined();
    clock.advance(500);
    expect(written().at(-1)).toEqual({ type: 'watch', ids: ['id-carol'] });

    last().serverCloses(1006);
    // No socket: nobody's presence is known.
    expect(conn.isOnline('id-carol')).toBeUndefined();
    clock.advance(clock.pending[0]);
    last().accept('cohora.v2');
    last().push(ready());
    expect(written()).toEqual([{ type: 'watch', ids: ['id-carol'] }]);
  });

  it('sends at most one watch per 500 ms, the latest list, so scrolling stays under the frame limit', async () => {
    const conn = await connection();
    last().accept('cohora.v2');
    last().push(ready());
    conn.watch(['a']);
    conn.watch(['a', 'b']);
    conn.watch(['b', 'c']);
    expect(written()).toEqual([{ type: 'watch', ids: ['a'] }]);
    clock.advance(499);
    expect(written()).toHaveLength(1);
    clock.advance(1);
    expect(written()).toEqual([
      { type: 'watch', ids: ['a'] },
      { type: 'watch', ids: ['b', 'c'] },
    ]);
  });

  it('sends the watch again after retry_after when the server could not look it up (503)', async () => {
    const conn = await connection();
    last().accept('cohora.v2');
    last().push(ready());
    conn.watch(['a']);
    last().push({ type: 'error', key: null, status: 503, message: 'Presence is unavailable', retry_after: 2 });
    clock.advance(1_999);
    expect(written()).toHaveLength(1);
    clock.advance(1);
    expect(written()).toEqual([
      { type: 'watch', ids: ['a'] },
      { type: 'watch', ids: ['a'] },
    ]);
  });

  it('refuses a watch list longer than the server allows', async () => {
    const conn = await connection();
    last().accept('cohora.v2');
    last().push(ready({ max_watch: 2 }));
    expect(() => conn.watch(['a', 'b', 'c'])).toThrow(new RangeError('watch takes at most 2 ids, got 3'));
    expect(written()).toEqual([]);
  });

  it('emits the users the directory gained, and reports an error frame about no send', async () => {
    await connection();
    last().accept('cohora.v2');
    last().push(ready());
    last().push({ type: 'users', added: [{ id: 'id-dave', name: 'Dave' }] });
    last().push({ type: 'error', key: null, status: 400, message: 'watch takes an array of ids' });
    last().push({ type: 'surprise' });
    expect(events.filter(([name]) => name === 'users').map(([, payload]) => payload)).toEqual([
      { added: [{ id: 'id-dave', name: 'Dave' }] },
    ]);
    expect(events.filter(([name]) => name === 'error').map(([, error]) => (error as Error).message)).toEqual([
      'the server refused a frame: 400 watch takes an array of ids',
      'ignored a frame that is not a cohora message',
    ]);
  });

  it('still receives message frames on a v2 socket', async () => {
    const conn = await connection();
    const received: string[] = [];
    conn.on('message', (entry) => received.push(entry.message));
    last().accept('cohora.v2');
    last().push(ready());
    last().push({ from: 'Alice', message: 'hello', from_id: 'id-alice', id: '0000000000000005', sent_at: 'x' });
    await settle();
    expect(received).toEqual(['hello']);
  });
});
