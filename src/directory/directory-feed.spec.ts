import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDirectoryBus } from '../../test/fakes/fake-directory.bus.js';
import { InMemoryUserStore } from '../../test/fakes/in-memory-user.store.js';
import type { UsersFrame } from '../protocol/ws-frames-v2.js';
import { UsersService } from '../users/users.service.js';
import { DirectoryFeed, type DirectoryFollower } from './directory-feed.js';

class RecordingFollower implements DirectoryFollower {
  readonly frames: UsersFrame[] = [];
  readonly closed = new Promise<void>(() => undefined);
  sendFrame(text: string): void {
    this.frames.push(JSON.parse(text) as UsersFrame);
  }
}

describe(DirectoryFeed.name, () => {
  let store: InMemoryUserStore;
  let bus: FakeDirectoryBus;
  let users: UsersService;
  let feed: DirectoryFeed;
  beforeEach(async () => {
    vi.useFakeTimers();
    store = new InMemoryUserStore();
    bus = new FakeDirectoryBus();
    users = new UsersService(store);
    feed = new DirectoryFeed(store, bus, users);
    await feed.onModuleInit();
  });
  afterEach(() => {
    feed.onModuleDestroy();
    vi.useRealTimers();
  });

  it('announces a registration here to the other processes, and sends it to followers', async () => {
    const follower = new RecordingFollower();
    feed.follow(follower);
    const bob = await users.create('Bob');
    await feed.settled();
    await vi.advanceTimersByTimeAsync(0);
    expect(bus.announced).toBe(1);
    expect(follower.frames).toEqual([{ type: 'users', added: [{ id: bob.id, name: 'Bob' }] }]);
  });

  it('reads users another process registered when the bus brings news', async () => {
    const follower = new RecordingFollower();
    feed.follow(follower);
    await store.create({ id: randomUUID(), name: 'Elsewhere', nameKey: 'elsewhere' });
    bus.news();
    await feed.settled();
    await vi.advanceTimersByTimeAsync(0);
    expect(follower.frames.flatMap((frame) => frame.added.map((u) => u.name))).toEqual(['Elsewhere']);
  });

  it('splits a burst into frames of at most 1,000, at most one per 250 ms, in registration order', async () => {
    const follower = new RecordingFollower();
    feed.follow(follower);
    for (let i = 0; i < 2_500; i++) await store.create({ id: randomUUID(), name: `u${i}`, nameKey: `u${i}` });
    bus.news();
    await feed.settled();
    await vi.advanceTimersByTimeAsync(0);
    expect(follower.frames.map((frame) => frame.added.length)).toEqual([1_000]);
    await vi.advanceTimersByTimeAsync(249);
    expect(follower.frames).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(follower.frames.map((frame) => frame.added.length)).toEqual([1_000, 1_000, 500]);
    expect(follower.frames.flatMap((frame) => frame.added.map((u) => u.name))).toEqual(
      Array.from({ length: 2_500 }, (_, i) => `u${i}`),
    );
  });

  it('keeps nothing while nobody follows, and a later follower gets only later users', async () => {
    await users.create('Early');
    await feed.settled();
    const follower = new RecordingFollower();
    feed.follow(follower);
    await users.create('Late');
    await feed.settled();
    await vi.advanceTimersByTimeAsync(300);
    expect(follower.frames.flatMap((frame) => frame.added.map((u) => u.name))).toEqual(['Late']);
  });
});
