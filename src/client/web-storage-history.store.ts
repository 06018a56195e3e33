import { type HistoryEntry, HistoryStore, isHistoryEntry } from './history.store.js';

/** The part of the Web Storage API (`localStorage`) this store uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface WebStorageHistoryOptions {
  /** One key per user, e.g. `cohora:history:<user id>`. */
  key: string;
  /** Defaults to `globalThis.localStorage`. */
  storage?: StorageLike;
  /** The newest this many entries are kept; older ones are dropped. */
  maxEntries?: number;
}

/**
 * History in the browser's `localStorage`, one JSON array per user. Every call reads the key
 * afresh, so tabs of the same user that append in turn see each other's entries. Only the
 * newest `maxEntries` are kept, and the oldest half goes when the browser's quota is reached:
 * a chat page must keep working when its storage is full.
 */
export class WebStorageHistoryStore extends HistoryStore {
  private readonly key: string;
  private readonly storage: StorageLike;
  private readonly maxEntries: number;

  constructor({ key, storage, maxEntries = 5_000 }: WebStorageHistoryOptions) {
    super();
    const found = storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
    if (!found) throw new TypeError('no localStorage here: pass `storage`');
    this.key = key;
    this.storage = found;
    this.maxEntries = maxEntries;
  }

  entries(): Promise<HistoryEntry[]> {
    return Promise.resolve(this.read());
  }

  append(entry: HistoryEntry): Promise<boolean> {
    const list = this.read();
    if (list.some((stored) => stored.id === entry.id)) return Promise.resolve(false);
    list.push(entry);
    this.write(list.length > this.maxEntries ? list.slice(list.length - this.maxEntries) : list);
    return Promise.resolve(true);
  }

  private read(): HistoryEntry[] {
    const text = this.storage.getItem(this.key);
    if (text === null) return [];
    try {
      const parsed: unknown = JSON.parse(text);
      return Array.isArray(parsed) ? parsed.filter(isHistoryEntry) : [];
    } catch {
      return [];
    }
  }

  private write(list: HistoryEntry[]): void {
    for (let kept = list; ; kept = kept.slice(Math.ceil(kept.length / 2))) {
      try {
        this.storage.setItem(this.key, JSON.stringify(kept));
        return;
      } catch (error) {
        // Over quota: drop the oldest half and try again, down to the entry just appended.
        if (kept.length <= 1) throw error;
      }
    }
  }
}
