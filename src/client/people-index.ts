import { nameKey } from './user-lookup.js';

/** Someone to chat with; `id` null is `anonymous`, whose messages cannot be answered. */
export interface Peer {
  id: string | null;
  name: string;
}

interface Row {
  peer: Peer;
  key: string;
}

const collator = new Intl.Collator();
const byName = (a: Row, b: Row) => collator.compare(a.key, b.key) || collator.compare(a.peer.name, b.peer.name);

/** A batch this large is sorted with the rest rather than inserted one by one. */
const RESORT_FROM = 64;

/**
 * The people a page can list, kept in name order (as the server compares names: without regard
 * to case) so that a search walks them once and stops at its first `limit` matches. Tens of
 * thousands of names cost a sort when they arrive, and a few milliseconds per keystroke.
 */
export class PeopleIndex {
  private rows: Row[] = [];
  private readonly byId = new Map<string | null, Peer>();

  get size(): number {
    return this.rows.length;
  }

  has(id: string | null): boolean {
    return this.byId.has(id);
  }

  get(id: string | null): Peer | undefined {
    return this.byId.get(id);
  }

  clear(): void {
    this.rows = [];
    this.byId.clear();
  }

  /** Adds those not held yet. */
  add(people: Iterable<Peer>): void {
    const fresh: Row[] = [];
    for (const peer of people) {
      if (this.byId.has(peer.id)) continue;
      this.byId.set(peer.id, peer);
      fresh.push({ peer, key: nameKey(peer.name) });
    }
    if (fresh.length >= RESORT_FROM) {
      this.rows.push(...fresh);
      this.rows.sort(byName);
    } else {
      for (const row of fresh) this.rows.splice(this.insertionPoint(row), 0, row);
    }
  }

  /**
   * The first `limit` people, in name order, whose name contains `query` without regard to
   * case (all when it is blank), and how many match in all.
   */
  find(query: string, limit: number): { people: Peer[]; total: number } {
    const wanted = nameKey(query.normalize('NFC').trim());
    const people: Peer[] = [];
    let total = 0;
    for (const row of this.rows) {
      if (wanted !== '' && !row.key.includes(wanted)) continue;
      total += 1;
      if (people.length < limit) people.push(row.peer);
    }
    return { people, total };
  }

  private insertionPoint(row: Row): number {
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (byName(this.rows[middle], row) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
