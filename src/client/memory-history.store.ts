import { type HistoryEntry, HistoryStore } from './history.store.js';

/** History held in memory only: for tests, and for a connection nobody asked to remember. */
export class MemoryHistoryStore extends HistoryStore {
  private readonly list: HistoryEntry[] = [];
  private readonly ids = new Set<string>();

  constructor(initial: readonly HistoryEntry[] = []) {
    super();
    for (const entry of initial) this.add(entry);
  }

  entries(): Promise<HistoryEntry[]> {
    return Promise.resolve([...this.list]);
  }

  append(entry: HistoryEntry): Promise<boolean> {
    return Promise.resolve(this.add(entry));
  }

  private add(entry: HistoryEntry): boolean {
    if (this.ids.has(entry.id)) return false;
    this.ids.add(entry.id);
    this.list.push(entry);
    return true;
  }
}
