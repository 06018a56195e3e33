import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakePresenceBus } from '../../test/fakes/fake-presence.bus.js';
import type { PresenceFrame } from '../protocol/ws-frames-v2.js';
import { PresenceService, type PresenceWatcher } from './presence.service.js';

class RecordingWatcher implements PresenceWatcher {
  readonly frames: PresenceFrame[] = [];
  private close!: () => void;
  readonly closed = new Promise<void>((resolve) => (this.close = resolve));
  sendFrame(text: string): void {
    this.frames.push(JSON.parse(text) as PresenceFrame);
  }
  hangUp(): void {
    this.close();
  }
}

describe(PresenceService.name, () => {
  let bus: FakePresenceBus;
  let presence: PresenceService;
  beforeEach(() => {
    vi.useFakeTimers();
    bus = new FakePresenceBus();
    presence = new PresenceService(bus);
    presence.onModuleInit();
  });
  afterEach(() => {
    presence.onModuleDestroy();
    vi.useRealTimers();
  });

  it('reports a user once for their first socket, and leaves only a grace after the last closed', () => {
    presence.socketOpened('bob');
    presence.socketOpened('bob');
    presence.socketClosed('bob');
    presence.socketClosed('bob');
    vi.advanceTimersByTime(999);
    expect(bus.reports).toEqual(['arrived bob']);
    vi.advanceTimersByTime(1);
    expect(bus.reports).toEqual(['arrived bob', 'left bob']);
  });

  it('reports nothing when a user comes back within the grace', () => {
    presence.socketOpened('bob');
    presence.socketClosed('bob');
    vi.advanceTimersByTime(500);
    presence.socketOpened('bob');
    vi.advanceTimersByTime(5_000);
    expect(bus.reports).toEqual(['arrived bob']);
  });

  it('answers a watch with a snapshot, then sends the latest state of each change at most every 250 ms', async () => {
    const watcher = new RecordingWatcher();
    bus.elsewhere('carol', true);
    await presence.watch(watcher, ['bob', 'carol']);
    expect(watcher.frames).toEqual([{ type: 'presence', online: ['carol'], offline: ['bob'] }]);
    bus.elsewhere('bob', true);
    bus.elsewhere('carol', false);
    bus.elsewhere('bob', false);
    bus.elsewhere('bob', true);
    vi.advanceTimersByTime(249);
    expect(watcher.frames).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(watcher.frames[1]).toEqual({ type: 'presence', online: ['bob'], offline: ['carol'] });
  });

  it('touches only the watchers of the user that changed', async () => {
    const watchers = Array.from({ length: 1_000 }, () => new RecordingWatcher());
    for (const watcher of watchers) await presence.watch(watcher, ['someone-else']);
    const bobs = new RecordingWatcher();
    await presence.watch(bobs, ['bob']);
    bus.elsewhere('bob', true);
    vi.advanceTimersByTime(300);
    expect(bobs.frames.at(-1)).toEqual({ type: 'presence', online: ['bob'], offline: [] });
    expect(watchers.every((watcher) => watcher.frames.length === 1)).toBe(true);
  });

  it('forgets a watcher once it closes, and the ids it watched', async () => {
    const watcher = new RecordingWatcher();
    await presence.watch(watcher, ['bob']);
    expect(presence.watcherCount('bob')).toBe(1);
    watcher.hangUp();
    await Promise.resolve();
    expect(presence.watcherCount('bob')).toBe(0);
  });

  it('rejects a watch whose look-up fails, sending nothing', async () => {
    const watcher = new RecordingWatcher();
    bus.failLookups = true;
    await expect(presence.watch(watcher, ['bob'])).rejects.toThrow('presence down');
    expect(watcher.frames).toEqual([]);
  });

  it('after the bus may have missed changes, reports the watched users whose state differs', async () => {
    const watcher = new RecordingWatcher();
    await presence.watch(watcher, ['bob', 'carol']);
    // Bob came online while the bus was away: nobody heard of it.
    bus.online_.add('bob');
    presence.mayHaveMissed();
    await vi.advanceTimersByTimeAsync(300);
    expect(watcher.frames.at(-1)).toEqual({ type: 'presence', online: ['bob'], offline: [] });
  });
});
