import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V2_PROTOCOL } from '../../src/protocol/ws-frames-v2.js';
import { TestApp } from '../support/test-app.js';

/** The raw answer to an upgrade offering `protocols`: its status and Sec-WebSocket-Protocol. */
function upgrade(port: number, protocols: string): Promise<{ status: number; protocol: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({
      port,
      host: '127.0.0.1',
      path: '/ws',
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Protocol': protocols,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode!, protocol: res.headers['sec-websocket-protocol'] });
    });
    req.on('error', reject);
    req.end();
  });
}

const key = () => randomUUID();

describe('cohora.v2 sockets', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(() => app.close());

  let n = 0;
  const user = (prefix = 'v2u') => app.createUser(`${prefix}${++n}`);

  describe('negotiation', () => {
    it('selects cohora.v2 when it is among the offered subprotocols', async () => {
      expect(await upgrade(app.port, `chat, ${V2_PROTOCOL}`)).toEqual({ status: 101, protocol: V2_PROTOCOL });
    });

    it('selects no subprotocol when only others are offered (ws used to echo the first one)', async () => {
      expect(await upgrade(app.port, 'chat, superchat')).toEqual({ status: 101, protocol: undefined });
      expect(await upgrade(app.port, 'cohora.v1')).toEqual({ status: 101, protocol: undefined });
    });

    it('keeps a socket that offers nothing a v1 socket: no ready, sends not served, 16 KiB frames', async () => {
      const bob = await user();
      const socket = await app.connect(bob.id);
      socket.send({ type: 'send', key: 'k', recipient_id: bob.id, message: 'ignored' });
      await app.send(bob.id, 'plain v1');
      expect(await socket.nextFrame()).toMatchObject({ message: 'plain v1' });
      expect(socket.buffered).toHaveLength(0);
      socket.send('x'.repeat(17 * 1024));
      expect((await socket.closed()).code).toBe(1009);
    });
  });

  describe('ready', () => {
    it('sends ready with the user and the limits first, then the replayed messages', async () => {
      const bob = await user();
      await app.send(bob.id, 'queued before');
      const socket = await app.openV2(bob.id);
      const [first, second] = await Promise.all([socket.next('ready'), socket.nextMessage()]);
      expect(first).toEqual({
        type: 'ready',
        protocol: 'cohora.v2',
        revision: 1,
        user_id: bob.id,
        limits: { max_message_length: 4096, max_frame_bytes: 65536, max_in_flight: 256, max_watch: 256 },
      });
      expect(second.message).toBe('queued before');
      expect(socket.buffered).toHaveLength(0);
    });

    it('closes an unknown user with the v1 close code', async () => {
      const socket = await app.openV2(randomUUID());
      expect((await socket.closed()).code).toBe(4401);
    });

    it('answers a frame sent before ready with 425, and serves the socket afterwards', async () => {
      const [alice, bob] = [await user(), await user()];
      const socket = await app.openV2();
      // The auth frame and a send in one go: the send arrives before the user is looked up.
      socket.send({ id: alice.id });
      socket.sendMessage('early', bob.id, 'too soon');
      expect(await socket.answer('early')).toMatchObject({ type: 'error', key: 'early', status: 425 });
      await socket.next('ready');
      socket.sendMessage('later', bob.id, 'in time');
      expect(await socket.answer('later')).toMatchObject({ type: 'ack', key: 'later' });
    });
  });

  describe('send', () => {
    it('stores a send from the socket’s user, acks it with the message id, and delivers it', async () => {
      const [alice, bob] = [await user(), await user()];
      const inbox = await app.connect(bob.id);
      const socket = await app.connectV2(alice.id);
      const k = key();
      socket.sendMessage(k, bob.id, 'over the socket');
      const ack = await socket.answer(k);
      const frame = await inbox.nextFrame();
      expect(ack).toEqual({ type: 'ack', key: k, message_id: frame.id, delivery: 'delivered' });
      expect(frame).toMatchObject({ from: alice.name, from_id: alice.id, message: 'over the socket' });
    });

    it('says queued for a recipient with no socket, and the message is in their history', async () => {
      const [alice, bob] = [await user(), await user()];
      const socket = await app.connectV2(alice.id);
      const k = key();
      socket.sendMessage(k, bob.id, 'for later');
      expect(await socket.answer(k)).toMatchObject({ type: 'ack', delivery: 'queued' });
      const inbox = await app.connect(bob.id);
      expect((await inbox.nextFrame()).message).toBe('for later');
    });

    it('gives a repeated key the first ack again and stores one message, shared with REST', async () => {
      const [alice, bob] = [await user(), await user()];
      const socket = await app.connectV2(alice.id);
      const k = key();
      const rest = await app.sendKeyed(k, bob.id, 'once', alice.id);
      expect(rest.status).toBe(200);
      socket.sendMessage(k, bob.id, 'once');
      expect(await socket.answer(k)).toMatchObject({ type: 'ack', message_id: rest.body.message_id });
      const other = key();
      socket.sendMessage(other, bob.id, 'twice');
      const first = await socket.answer(other);
      expect((await app.sendKeyed(other, bob.id, 'twice', alice.id)).body.message_id).toBe(
        (first as { message_id: string }).message_id,
      );
      const inbox = await app.connect(bob.id);
      expect((await inbox.nextFrames(2)).map((f) => f.message)).toEqual(['once', 'twice']);
      expect(inbox.buffered).toHaveLength(0);
    });

    it('answers 422 for a key reused with another text, 409 while the first is in flight', async () => {
      const [alice, bob] = [await user(), await user()];
      const socket = await app.connectV2(alice.id);
      const k = key();
      socket.sendMessage(k, bob.id, 'first');
      socket.sendMessage(k, bob.id, 'first');
      const answers = [await socket.answer(k), await socket.answer(k)];
      expect(answers.map((a) => a.type).sort()).toEqual(['ack', 'error']);
      expect(answers.find((a) => a.type === 'error')).toMatchObject({
        status: 409,
        message: 'A send with this Idempotency-Key is still in progress; retry shortly',
        retry_after: 1,
      });
      socket.sendMessage(k, bob.id, 'changed');
      expect(await socket.answer(k)).toEqual({
        type: 'error',
        key: k,
        status: 422,
        message: 'This Idempotency-Key was already used for a different message',
      });
    });

    it('answers what REST answers for bad fields, an unknown recipient and a bad text, keeping the socket', async () => {
      const alice = await user();
      const socket = await app.connectV2(alice.id);
      const cases: [Record<string, unknown>, number, string][] = [
        [{ recipient_id: 5, message: 'x' }, 400, 'recipient_id must not be empty'],
        [{ recipient_id: '', message: 'x' }, 400, 'recipient_id must not be empty'],
        [{ recipient_id: alice.id }, 400, 'message must be a string'],
        [{}, 400, 'recipient_id must not be empty; message must be a string'],
        [{ recipient_id: alice.id, message: '   ' }, 400, 'message must not be empty or only whitespace'],
        [{ recipient_id: alice.id, message: 'x'.repeat(4097) }, 400, 'message must be at most 4096 characters'],
        [{ recipient_id: 'nobody', message: 'x' }, 404, 'recipient_id "nobody" is not a registered user'],
      ];
      for (const [fields, status, message] of cases) {
        const k = key();
        socket.send({ type: 'send', key: k, ...fields });
        expect(await socket.answer(k)).toEqual({ type: 'error', key: k, status, message });
        // The same body over REST gets the same status and text.
        const rest = await app.post('/api/messages/send', { ...fields, sender_id: alice.id });
        expect([rest.status, rest.body.message]).toEqual([status, message]);
      }
      const k = key();
      socket.sendMessage(k, alice.id, 'still open');
      expect(await socket.answer(k)).toMatchObject({ type: 'ack' });
    });

    it('answers a malformed or missing key with 400, and a frame that is not a send with key null', async () => {
      const alice = await user();
      const socket = await app.connectV2(alice.id);
      socket.send({ type: 'send', key: 'é', recipient_id: alice.id, message: 'x' });
      expect(await socket.next('error')).toEqual({
        type: 'error',
        key: 'é',
        status: 400,
        message: 'Idempotency-Key must be 1 to 255 printable ASCII characters',
      });
      socket.send({ type: 'send', recipient_id: alice.id, message: 'x' });
      expect(await socket.next('error')).toMatchObject({ key: null, status: 400 });
      socket.send('not json');
      expect(await socket.next('error')).toEqual({
        type: 'error',
        key: null,
        status: 400,
        message: 'The frame is not JSON',
      });
      socket.send({ type: 'shout' });
      expect(await socket.next('error')).toMatchObject({
        key: null,
        status: 400,
        message: expect.stringContaining('shout'),
      });
    });

    it('stores a burst of sends to one recipient in frame order', async () => {
      const [alice, bob] = [await user(), await user()];
      const socket = await app.connectV2(alice.id);
      const keys = Array.from({ length: 200 }, () => key());
      keys.forEach((k, i) => socket.sendMessage(k, bob.id, `m${i}`));
      const acks = await Promise.all(keys.map((k) => socket.answer(k)));
      expect(acks.every((a) => a.type === 'ack')).toBe(true);
      const ids = acks.map((a) => (a as { message_id: string }).message_id);
      expect([...ids].sort()).toEqual(ids);
      const inbox = await app.connect(bob.id);
      expect((await inbox.nextFrames(200)).map((f) => f.message)).toEqual(keys.map((_, i) => `m${i}`));
    });

    it('takes a 64 KiB frame on a v2 socket, and closes a larger one with 1009', async () => {
      const alice = await user();
      const socket = await app.connectV2(alice.id);
      const k = key();
      // 4096 four-byte characters: a message at the length limit, 16 KiB of UTF-8 and more.
      socket.sendMessage(k, alice.id, '😀'.repeat(4096));
      expect(await socket.answer(k)).toMatchObject({ type: 'ack' });
      const padded = key();
      socket.send({
        type: 'send',
        key: padded,
        recipient_id: alice.id,
        message: 'padded',
        padding: 'x'.repeat(60 * 1024),
      });
      expect(await socket.answer(padded)).toMatchObject({ type: 'ack' });
      socket.send('x'.repeat(65 * 1024));
      expect((await socket.closed()).code).toBe(1009);
    });
  });

  describe('users', () => {
    it('announces users registered after ready, with their names', async () => {
      const alice = await user();
      const socket = await app.connectV2(alice.id);
      const later = await user('later');
      for (;;) {
        const frame = await socket.next('users');
        // Users registered just before ready may come too: the client merges by id.
        if (frame.added.some((u) => u.id === later.id)) {
          expect(frame.added).toContainEqual({ id: later.id, name: later.name });
          break;
        }
      }
    });

    it('coalesces a burst of registrations into few frames, 250 ms apart, in registration order', async () => {
      const alice = await user();
      const socket = await app.connectV2(alice.id);
      const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => app.createUser(`burst${n}-${i}`)));
      const seen: { id: string }[] = [];
      const arrivals: number[] = [];
      while (!burst.every((b) => seen.some((u) => u.id === b.id))) {
        const frame = await socket.next('users');
        seen.push(...frame.added);
        arrivals.push(socket.receivedAt(frame));
      }
      expect(arrivals.length).toBeLessThan(10);
      // 250 ms apart as sent; measured here, a frame delayed on the way can shorten the next gap a little.
      for (let i = 1; i < arrivals.length; i++) expect(arrivals[i] - arrivals[i - 1]).toBeGreaterThanOrEqual(200);
      const { body } = await app.get('/api/users/list');
      const order = Object.values(body.users as Record<string, string>);
      const registered = seen.map((u) => order.indexOf(u.id));
      expect([...registered].sort((x, y) => x - y)).toEqual(registered);
    });

    it('sends no users frame to a v1 socket', async () => {
      const [alice, bob] = [await user(), await user()];
      const v1 = await app.connect(bob.id);
      const v2 = await app.connectV2(alice.id);
      const unseen = await user('unseen');
      // Once a v2 socket has the news, a v1 socket would have had it too.
      while (!(await v2.next('users')).added.some((u) => u.id === unseen.id));
      await app.send(bob.id, 'after the registration');
      expect(await v1.nextFrame()).toMatchObject({ message: 'after the registration' });
      expect(v1.buffered).toHaveLength(0);
    });
  });

  describe('watch and presence', () => {
    it('answers a watch with a snapshot of every id, unknown ids offline', async () => {
      const [alice, bob, carol] = [await user(), await user(), await user()];
      await app.connect(bob.id);
      const socket = await app.connectV2(alice.id);
      socket.watch([bob.id, carol.id, 'nobody', alice.id]);
      const snapshot = await socket.next('presence');
      expect(new Set(snapshot.online)).toEqual(new Set([bob.id, alice.id]));
      expect(new Set(snapshot.offline)).toEqual(new Set([carol.id, 'nobody']));
    });

    it('reports a watched user going online, and offline after the grace, v1 sockets included', async () => {
      const [alice, bob] = [await user(), await user()];
      const socket = await app.connectV2(alice.id);
      socket.watch([bob.id]);
      expect(await socket.next('presence')).toEqual({ type: 'presence', online: [], offline: [bob.id] });
      const tab = await app.connect(bob.id);
      expect(await socket.next('presence')).toEqual({ type: 'presence', online: [bob.id], offline: [] });
      const closedAt = performance.now();
      tab.close();
      const offline = await socket.next('presence');
      expect(offline).toEqual({ type: 'presence', online: [], offline: [bob.id] });
      expect(socket.receivedAt(offline) - closedAt).toBeGreaterThanOrEqual(900);
      expect(socket.receivedAt(offline) - closedAt).toBeLessThan(2_000);
    });

    it('shows no flicker when a user reconnects within the grace', async () => {
      const [alice, bob, carol] = [await user(), await user(), await user()];
      const first = await app.connectV2(bob.id);
      const socket = await app.connectV2(alice.id);
      socket.watch([bob.id]);
      expect((await socket.next('presence')).online).toEqual([bob.id]);
      first.close();
      await first.closed();
      await app.connectV2(bob.id);
      socket.watch([bob.id, carol.id]);
      expect((await socket.next('presence')).online).toEqual([bob.id]);
      // The grace has no event of its own to wait for: wait it out, then make a change that is seen.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await app.connect(carol.id);
      expect(await socket.next('presence')).toEqual({ type: 'presence', online: [carol.id], offline: [] });
    });

    it('replaces the watch list: changes of users no longer watched are not sent', async () => {
      const [alice, bob, carol] = [await user(), await user(), await user()];
      const socket = await app.connectV2(alice.id);
      socket.watch([bob.id]);
      await socket.next('presence');
      socket.watch([carol.id]);
      expect(await socket.next('presence')).toEqual({ type: 'presence', online: [], offline: [carol.id] });
      await app.connect(bob.id);
      await app.connect(carol.id);
      expect(await socket.next('presence')).toEqual({ type: 'presence', online: [carol.id], offline: [] });
      socket.watch([]);
      expect(await socket.next('presence')).toEqual({ type: 'presence', online: [], offline: [] });
    });

    it('coalesces changes of many watched users into frames at least 250 ms apart', async () => {
      const alice = await user();
      const others = await Promise.all(Array.from({ length: 20 }, () => user('crowd')));
      const socket = await app.connectV2(alice.id);
      socket.watch(others.map((o) => o.id));
      await socket.next('presence');
      await Promise.all(others.map((o) => app.connect(o.id)));
      const online = new Set<string>();
      const arrivals: number[] = [];
      while (online.size < others.length) {
        const frame = await socket.next('presence');
        frame.online.forEach((id) => online.add(id));
        arrivals.push(socket.receivedAt(frame));
      }
      for (let i = 1; i < arrivals.length; i++) expect(arrivals[i] - arrivals[i - 1]).toBeGreaterThanOrEqual(240);
      expect(arrivals.length).toBeLessThan(others.length);
    });

    it('refuses a watch list that is too long or not a list of ids with 400, key null', async () => {
      const alice = await user();
      const socket = await app.connectV2(alice.id);
      socket.watch(Array.from({ length: 257 }, (_, i) => `id${i}`));
      expect(await socket.next('error')).toEqual({
        type: 'error',
        key: null,
        status: 400,
        message: 'ids must name at most 256 users',
      });
      socket.send({ type: 'watch', ids: 'everyone' });
      expect(await socket.next('error')).toMatchObject({ key: null, status: 400 });
      socket.watch([alice.id]);
      expect((await socket.next('presence')).online).toEqual([alice.id]);
    });
  });
});
