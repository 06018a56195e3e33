import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeMessageBus } from '../../test/fakes/fake-message.bus.js';
import { FakePresenceBus } from '../../test/fakes/fake-presence.bus.js';
import { FakeWsSocket } from '../../test/fakes/fake-ws-socket.js';
import { InMemoryMessageStore } from '../../test/fakes/in-memory-message.store.js';
import { InMemoryUserStore } from '../../test/fakes/in-memory-user.store.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { PresenceService } from '../presence/presence.service.js';
import { UsersService } from '../users/users.service.js';
import { ConnectionRegistry } from './connection-registry.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { MessagesGateway } from './messages.gateway.js';

describe(MessagesGateway.name, () => {
  let gateway: MessagesGateway;
  let users: UsersService;

  beforeEach(() => {
    vi.useFakeTimers();
    const store = new InMemoryMessageStore();
    users = new UsersService(new InMemoryUserStore());
    const bus = new FakeMessageBus();
    const config = AppConfig.fromEnv({});
    const metrics = new Metrics();
    const registry = new ConnectionRegistry(
      store,
      bus,
      new DeliveryTracker(store, AppConfig.fromEnv({})),
      users,
      config,
      metrics,
      new PresenceService(new FakePresenceBus()),
    );
    registry.onModuleInit();
    gateway = new MessagesGateway(registry, bus, users, config, metrics);
  });
  afterEach(() => vi.useRealTimers());

  it('closes a socket with 4408 once the default 10 s pass without a frame, and not before', () => {
    const socket = new FakeWsSocket();
    gateway.handleConnection(socket.socket);
    vi.advanceTimersByTime(9_999);
    expect(socket.closedWith).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(socket.closedWith).toEqual({ code: 4408, reason: 'Authentication timeout' });
  });

  it('does not time out a socket whose first frame arrived in time', async () => {
    const bob = await users.create('Bob');
    const socket = new FakeWsSocket();
    gateway.handleConnection(socket.socket);
    vi.advanceTimersByTime(5_000);
    socket.emit('message', Buffer.from(JSON.stringify({ id: bob.id })));
    vi.advanceTimersByTime(60_000);
    expect(socket.closedWith).toBeUndefined();
  });
});
