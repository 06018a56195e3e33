import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryMessageStore } from '../../test/fakes/in-memory-message.store.js';
import { AppConfig } from '../config/app-config.js';
import { DeliveryTracker, MARK_WAIT_MS } from './delivery-tracker.js';

describe(DeliveryTracker.name, () => {
  let store: InMemoryMessageStore;
  let tracker: DeliveryTracker;
  let written: Array<ReadonlyMap<string, string>>;

  beforeEach(() => {
    vi.useFakeTimers();
    store = new InMemoryMessageStore();
    written = [];
    const markDelivered = store.markDelivered.bind(store);
    store.markDelivered = (cursors) => {
      written.push(new Map(cursors));
      return markDelivered(cursors);
    };
    tracker = new DeliveryTracker(store, AppConfig.fromEnv({}));
  });
  afterEach(() => {
    tracker.onModuleDestroy();
    vi.useRealTimers();
  });

  it('writes the marks of a burst once, MARK_WAIT_MS after the first, keeping the newest per recipient', () => {
    tracker.delivered('bob', '0000000000000001');
    tracker.delivered('bob', '0000000000000003');
    tracker.delivered('bob', '0000000000000002');
    tracker.delivered('carol', '0000000000000004');
    vi.advanceTimersByTime(MARK_WAIT_MS - 1);
    expect(written).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(written).toEqual([
      new Map([
        ['bob', '0000000000000003'],
        ['carol', '0000000000000004'],
      ]),
    ]);
  });

  it('hands pending marks to the store at once on flush, so the send that follows shares their write, and writes nothing more later', () => {
    tracker.delivered('bob', '0000000000000001');
    void tracker.flush();
    expect(written).toEqual([new Map([['bob', '0000000000000001']])]);
    vi.advanceTimersByTime(MARK_WAIT_MS * 10);
    expect(written).toHaveLength(1);
  });

  it('gives the first mark after a flush its own MARK_WAIT_MS, whenever the earlier wait began', () => {
    tracker.delivered('bob', '0000000000000001');
    vi.advanceTimersByTime(MARK_WAIT_MS - 1);
    void tracker.flush();
    tracker.delivered('bob', '0000000000000002');
    vi.advanceTimersByTime(MARK_WAIT_MS - 1);
    expect(written).toEqual([new Map([['bob', '0000000000000001']])]);
    vi.advanceTimersByTime(1);
    expect(written).toEqual([new Map([['bob', '0000000000000001']]), new Map([['bob', '0000000000000002']])]);
  });

  it('writes marks at the end of the turn when other processes read the store (the Redis bus)', () => {
    tracker.onModuleDestroy();
    tracker = new DeliveryTracker(store, AppConfig.fromEnv({ REDIS_URL: 'redis://127.0.0.1:6379' }));
    tracker.delivered('bob', '0000000000000001');
    expect(written).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(written).toEqual([new Map([['bob', '0000000000000001']])]);
  });

  it('writes nothing on a flush with no marks pending', async () => {
    await tracker.flush();
    expect(written).toEqual([]);
  });

  it('counts marks not yet written when asked how far a recipient has been delivered', async () => {
    await store.markDelivered(new Map([['bob', '0000000000000001']]));
    written = [];
    tracker.delivered('bob', '0000000000000005');
    expect(await tracker.deliveredThrough('bob')).toBe('0000000000000005');
    expect(written).toEqual([]);
  });
});
