import type { StorageLike } from '../../src/client/web-storage-history.store.js';

/** localStorage in memory, with an optional quota in characters like a browser's. */
export class InMemoryStorage implements StorageLike {
  readonly items = new Map<string, string>();

  constructor(private readonly quotaChars = Infinity) {}

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    let used = value.length;
    for (const [other, stored] of this.items) if (other !== key) used += stored.length;
    if (used > this.quotaChars) throw new Error('QuotaExceededError');
    this.items.set(key, value);
  }
}
