import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeMessageBus } from '../../test/fakes/fake-message.bus.js';
import { FakePresenceBus } from '../../test/fakes/fake-presence.bus.js';
import { FakeWsSocket } from '../../test/fakes/fake-ws-socket.js';
import { InMemoryMessageStore } from '../../test/fakes/in-memory-message.store.js';
import { InMemoryUserStore } from '../../test/fakes/in-memory-user.store.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import type { StoredMessage } from '../ports/message.store.js';
import { hashToken } from '../users/user-token.js';
import { PresenceService } from '../presence/presence.service.js';
import { UsersService } from '../users/users.service.js';
import { ConnectionRegistry } from './connection-registry.js';
import { DeliveryTracker } from './delivery-tracker.js';

describe(ConnectionRegistry.name, () => {
  let store: InMemoryMessageStore;
  let users: UsersService;
  let registry: ConnectionRegistry;
  let bus: FakeMessageBus;

  const start = (env: Record<string, string> = {}) => {
    const config = AppConfig.fromEnv(env);
    bus = new FakeMessageBus();
    registry = new ConnectionRegistry(
      store,
      bus,
      new DeliveryTracker(store, AppConfig.fromEnv({})),
      users,
      config,
      new Metrics(),
      new PresenceService(new FakePresenceBus()),
    );
    registry.onModuleInit();
  };

  beforeEach(() => {
    store = new InMemoryMessageStore();
    users = new UsersService(new InMemoryUserStore());
  });
  afterEach(() => {
    registry.onModuleDestroy();
    vi.useRealTimers();
  });

  /** A socket of `userId`, authenticated and caught up (live). */
  async function liveSocket(userId: string, tokenHash?: string): Promise<FakeWsSocket> {
    const socket = new FakeWsSocket();
    const connection = registry.open(socket.socket)!;
    expect(registry.admit(connection, userId, tokenHash)).toBe(true);
    await registry.serve(connection, null);
    return socket;
  }
  const append = (recipientId: string, text: string): Promise<StoredMessage> =>
    store.append({ recipientId, senderId: null, senderName: 'anonymous', text, sentAt: new Date() }, 1_000);

  it("delivers a message to every socket of its recipient and to nobody else's", async () => {
    start();
    const [bobTab1, bobTab2, carol] = [await liveSocket('bob'), await liveSocket('bob'), await liveSocket('carol')];
    expect(registry.deliver(await append('bob', 'hi'))).toBe(true);
    expect(bobTab1.texts()).toEqual(['hi']);
    expect(bobTab2.texts()).toEqual(['hi']);
    expect(carol.sent).toEqual([]);
  });

  it('answers false for a recipient without a socket here, so the send is queued', async () => {
    start();
    await liveSocket('bob');
    expect(registry.deliver(await append('dave', 'later'))).toBe(false);
    expect(registry.catchUp('dave')).toBe(false);
  });

  it('refuses one socket more than MAX_SOCKETS_PER_USER, and makes room when one closes', async () => {
    start({ MAX_SOCKETS_PER_USER: '2' });
    const first = await liveSocket('bob');
    await liveSocket('bob');
    const third = registry.open(new FakeWsSocket().socket)!;
    expect(registry.admit(third, 'bob')).toBe(false);
    first.peerCloses(1000);
    await Promise.resolve();
    expect(registry.admit(third, 'bob')).toBe(true);
  });

  it('forgets a closed socket: it gets nothing more', async () => {
    start();
    const socket = await liveSocket('bob');
    socket.peerCloses(1001);
    await Promise.resolve();
    expect(registry.deliver(await append('bob', 'after'))).toBe(false);
    expect(socket.sent).toEqual([]);
  });

  it("watches a user's news on the bus while it holds one of their sockets, and only then", async () => {
    start();
    const [first, second] = [await liveSocket('bob'), await liveSocket('bob')];
    expect(bus.watching.get('bob')).toBe(2);
    first.peerCloses();
    second.peerCloses();
    await Promise.resolve();
    expect(bus.watching.has('bob')).toBe(false);
  });

  it('has every socket here read the store again after the bus reconnects', async () => {
    start();
    const [bob, carol] = [await liveSocket('bob'), await liveSocket('carol')];
    // Stored by another process while news could not reach this one.
    await append('bob', 'missed by bob');
    await append('carol', 'missed by carol');
    registry.catchUpAll();
    await vi.waitFor(() => expect([bob.texts(), carol.texts()]).toEqual([['missed by bob'], ['missed by carol']]));
  });

  it('pings every socket at each heartbeat and cuts one that did not answer the last ping', async () => {
    vi.useFakeTimers();
    start({ HEARTBEAT_INTERVAL_MS: '1000' });
    const [answering, silent] = [await liveSocket('bob'), await liveSocket('carol')];
    vi.advanceTimersByTime(1_000);
    expect([answering.pings, silent.pings]).toEqual([1, 1]);
    answering.emit('pong');
    vi.advanceTimersByTime(1_000);
    expect(answering.terminated).toBe(false);
    expect(answering.pings).toBe(2);
    expect(silent.terminated).toBe(true);
  });

  it("closes with 4401 the user's sockets that proved a token rotated away, and only those", async () => {
    start({ AUTH_MODE: 'token' });
    const bob = await users.create('Bob');
    const stale = hashToken(bob.token);
    const [old, tokenless, carol] = [
      await liveSocket(bob.id, stale),
      await liveSocket(bob.id),
      await liveSocket('carol', stale),
    ];
    expect(await users.rotateToken(bob.token)).toBeDefined();
    expect(old.closedWith).toEqual({ code: 4401, reason: 'Unauthorized: token rotated' });
    expect(tokenless.closedWith).toBeUndefined();
    expect(carol.closedWith).toBeUndefined();
  });

  it('closes every socket with 1012 at shutdown, refuses new ones, and waits for the clients to answer', async () => {
    start();
    const sockets = [await liveSocket('bob'), await liveSocket('carol')];
    const shutdown = registry.beforeApplicationShutdown();
    let finished = false;
    void shutdown.then(() => (finished = true));
    await vi.waitFor(() => expect(sockets.map((socket) => socket.closedWith?.code)).toEqual([1012, 1012]));
    const late = new FakeWsSocket();
    expect(registry.open(late.socket)).toBeUndefined();
    expect(late.closedWith?.code).toBe(1012);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(finished).toBe(false);
    for (const socket of sockets) socket.peerCloses();
    await shutdown;
  });
});
