import type { PresenceFrame } from '../protocol/ws-frames-v2.js';

/** The changes one presence frame brought, among the ids still watched. */
export interface PresenceChange {
  online: string[];
  offline: string[];
}

/**
 * A connection's watch list and what the server said about each id on it. The list outlives
 * sockets (it is sent again after every `ready`); the states do not: while no socket is up,
 * nobody's presence is known. Ids dropped from the list are forgotten, and a late frame about
 * them is ignored.
 */
export class PresenceWatch {
  private watched: string[] = [];
  private readonly states = new Map<string, boolean>();

  /** The watch list, each id once. */
  get ids(): readonly string[] {
    return this.watched;
  }

  /** Replaces the list; RangeError when it names more than `max` distinct ids. */
  replace(ids: Iterable<string>, max: number): void {
    const unique = [...new Set(ids)];
    if (unique.length > max) throw new RangeError(`watch takes at most ${max} ids, got ${unique.length}`);
    this.watched = unique;
    const kept = new Set(unique);
    for (const id of this.states.keys()) if (!kept.has(id)) this.states.delete(id);
  }

  /** Records a presence frame; answers what changed among watched ids. */
  apply(frame: PresenceFrame): PresenceChange {
    const watched = new Set(this.watched);
    const change: PresenceChange = { online: [], offline: [] };
    for (const [ids, online, into] of [
      [frame.online, true, change.online],
      [frame.offline, false, change.offline],
    ] as const) {
      for (const id of ids) {
        if (!watched.has(id)) continue;
        this.states.set(id, online);
        into.push(id);
      }
    }
    return change;
  }

  /** The socket closed: every state is unknown until the next snapshot. */
  forget(): void {
    this.states.clear();
  }

  /** true online, false offline, undefined not watched or not known yet. */
  isOnline(id: string): boolean | undefined {
    return this.states.get(id);
  }
}
