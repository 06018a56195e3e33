import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { type PresenceListener, PresenceBus } from '../ports/presence.bus.js';
import { V2_COALESCE_MS } from '../protocol/ws-frames-v2.js';
import { presenceFrame } from './presence-frame.js';

/** A socket that watches users: it gets `presence` frames until it closes. */
export interface PresenceWatcher {
  sendFrame(text: string): void;
  readonly closed: Promise<unknown>;
}

/** How long a user whose last socket here closed still counts as here: a reconnect within it shows no flicker. */
export const OFFLINE_GRACE_MS = 1_000;
/** How many watched users one look-up after a bus reconnect asks about. */
const RESYNC_BATCH = 500;

/** What the service keeps for one watching socket. */
interface Watch {
  readonly watcher: PresenceWatcher;
  ids: ReadonlySet<string>;
  /** Changes not yet sent, by id (the latest state wins). */
  readonly pending: Map<string, boolean>;
  lastFrameAt: number;
  /** One watch at a time is answered, in the order they came. */
  answering: Promise<void>;
}

/**
 * Presence for v2 sockets. It counts this process's authenticated sockets per user and tells
 * the PresenceBus when a user's first socket here opens, or their last one has been closed
 * for OFFLINE_GRACE_MS. It keeps, per user, the sockets watching them, so a change from the
 * bus costs one map look-up plus one pending entry per watcher of that user. Pending changes
 * go out at most every 250 ms per socket, coalesced (the latest state of each id).
 */
@Injectable()
export class PresenceService implements PresenceListener, OnModuleInit, OnModuleDestroy {
  private readonly socketsHere = new Map<string, number>();
  private readonly grace = new Map<string, NodeJS.Timeout>();
  private readonly watches = new Map<PresenceWatcher, Watch>();
  private readonly watchersOf = new Map<string, Set<Watch>>();
  private readonly dirty = new Set<Watch>();
  /** The last state heard of each watched user, to tell real changes after a resync. */
  private readonly known = new Map<string, boolean>();
  private flushTimer?: NodeJS.Timeout;

  constructor(private readonly bus: PresenceBus) {}

  onModuleInit(): void {
    this.bus.attach(this);
  }

  onModuleDestroy(): void {
    clearTimeout(this.flushTimer);
    for (const timer of this.grace.values()) clearTimeout(timer);
  }

  /** An authenticated socket of `userId` opened in this process. */
  socketOpened(userId: string): void {
    const count = (this.socketsHere.get(userId) ?? 0) + 1;
    this.socketsHere.set(userId, count);
    if (count > 1) return;
    const timer = this.grace.get(userId);
    if (timer) {
      clearTimeout(timer);
      this.grace.delete(userId);
    } else {
      this.bus.arrived(userId);
    }
  }

  /** An authenticated socket of `userId` closed in this process. */
  socketClosed(userId: string): void {
    const count = (this.socketsHere.get(userId) ?? 1) - 1;
    if (count > 0) {
      this.socketsHere.set(userId, count);
      return;
    }
    this.socketsHere.delete(userId);
    const timer = setTimeout(() => {
      this.grace.delete(userId);
      this.bus.left(userId);
    }, OFFLINE_GRACE_MS);
    this.grace.set(userId, timer.unref());
  }

  /**
   * Replaces `watcher`'s watch list with `ids` and answers with their state (one snapshot
   * frame). Rejects, sending nothing, when presence cannot be looked up now.
   */
  watch(watcher: PresenceWatcher, ids: readonly string[]): Promise<void> {
    const watch = this.watchOf(watcher);
    this.unlist(watch);
    watch.ids = new Set(ids);
    for (const id of watch.ids) {
      let watchers = this.watchersOf.get(id);
      if (!watchers) this.watchersOf.set(id, (watchers = new Set()));
      watchers.add(watch);
    }
    const answered = watch.answering.then(() => this.answer(watch, ids));
    watch.answering = answered.catch(() => undefined);
    return answered;
  }

  changed(userId: string, online: boolean): void {
    const watchers = this.watchersOf.get(userId);
    if (!watchers) return;
    this.known.set(userId, online);
    for (const watch of watchers) {
      watch.pending.set(userId, online);
      this.dirty.add(watch);
    }
    this.scheduleFlush(0);
  }

  mayHaveMissed(): void {
    void this.resync();
  }

  /** Watchers of `userId` here (for tests and the presence benchmark). */
  watcherCount(userId: string): number {
    return this.watchersOf.get(userId)?.size ?? 0;
  }

  private async answer(watch: Watch, ids: readonly string[]): Promise<void> {
    const online = await this.bus.online(ids);
    if (!this.watches.has(watch.watcher)) return;
    const states = new Map(ids.map((id) => [id, online.has(id)]));
    for (const [id, state] of states) {
      this.known.set(id, state);
      // The snapshot supersedes what was pending for these ids.
      watch.pending.delete(id);
    }
    watch.watcher.sendFrame(presenceFrame(states));
    watch.lastFrameAt = Date.now();
  }

  private watchOf(watcher: PresenceWatcher): Watch {
    let watch = this.watches.get(watcher);
    if (!watch) {
      watch = { watcher, ids: new Set(), pending: new Map(), lastFrameAt: 0, answering: Promise.resolve() };
      this.watches.set(watcher, watch);
      void watcher.closed.then(() => this.forget(watcher));
    }
    return watch;
  }

  private forget(watcher: PresenceWatcher): void {
    const watch = this.watches.get(watcher);
    if (!watch) return;
    this.unlist(watch);
    this.watches.delete(watcher);
    this.dirty.delete(watch);
  }

  /** Takes `watch` off the lists of the users it watched; pending changes for them are dropped. */
  private unlist(watch: Watch): void {
    for (const id of watch.ids) {
      const watchers = this.watchersOf.get(id);
      watchers?.delete(watch);
      if (watchers?.size === 0) {
        this.watchersOf.delete(id);
        this.known.delete(id);
      }
    }
    watch.pending.clear();
  }

  private scheduleFlush(wait: number): void {
    if (this.flushTimer || this.dirty.size === 0) return;
    // Unref'd: a tick left at shutdown must not hold the process.
    this.flushTimer = setTimeout(() => this.flush(), wait).unref();
  }

  /** Sends each dirty socket its coalesced changes, unless it had a frame less than 250 ms ago. */
  private flush(): void {
    this.flushTimer = undefined;
    const now = Date.now();
    let nextIn = V2_COALESCE_MS;
    // Most sockets have one change pending, the same as the other watchers of that user: one text each.
    const single = new Map<string, string>();
    for (const watch of this.dirty) {
      const wait = watch.lastFrameAt + V2_COALESCE_MS - now;
      if (wait > 0) {
        nextIn = Math.min(nextIn, wait);
        continue;
      }
      this.dirty.delete(watch);
      if (watch.pending.size === 0) continue;
      watch.watcher.sendFrame(this.frameOf(watch.pending, single));
      watch.pending.clear();
      watch.lastFrameAt = now;
    }
    this.scheduleFlush(nextIn);
  }

  private frameOf(pending: ReadonlyMap<string, boolean>, single: Map<string, string>): string {
    if (pending.size !== 1) return presenceFrame(pending);
    const [[id, online]] = pending;
    const name = `${online ? 1 : 0}${id}`;
    let frame = single.get(name);
    if (frame === undefined) single.set(name, (frame = presenceFrame(pending)));
    return frame;
  }

  /** After the bus reconnected: asks again about every watched user and reports those that changed. */
  private async resync(): Promise<void> {
    const ids = [...this.watchersOf.keys()];
    for (let start = 0; start < ids.length; start += RESYNC_BATCH) {
      const batch = ids.slice(start, start + RESYNC_BATCH);
      let online: Set<string>;
      try {
        online = await this.bus.online(batch);
      } catch {
        return; // The next reconnect tries again.
      }
      for (const id of batch) {
        const state = online.has(id);
        if (this.known.get(id) !== state) this.changed(id, state);
      }
    }
  }
}
