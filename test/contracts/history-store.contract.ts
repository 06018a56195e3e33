import { beforeEach, describe, expect, it } from 'vitest';
import { type HistoryEntry, type HistoryStore, lastReceivedId, outgoingEntry } from '../../src/client/history.store.js';

export function received(id: string, message = `message ${id}`, from = 'Alice'): HistoryEntry {
  return { id, direction: 'in', from, from_id: `id-${from}`, message, sent_at: '2026-11-25T17:00:00.000Z' };
}

/**
 * What every HistoryStore adapter must do. `open` gives an empty store; `reopen` a second
 * store over the same place (a reload, or another process), for the adapters that persist.
 */
export function historyStoreContract(
  adapter: string,
  open: () => Promise<{ store: HistoryStore; reopen?: () => HistoryStore }>,
): void {
  describe(`HistoryStore contract: ${adapter}`, () => {
    let store: HistoryStore;
    let reopen: (() => HistoryStore) | undefined;
    beforeEach(async () => ({ store, reopen } = await open()));

    it('is empty at first', async () => {
      expect(await store.entries()).toEqual([]);
    });

    it('keeps entries in the order they were appended, every field intact', async () => {
      const me = { id: 'id-Bob', name: 'Bob' };
      const reply = outgoingEntry(me, { id: 'id-Alice', name: 'Alice' }, 'hi "Alice" 😀\nline two');
      const anonymous: HistoryEntry = { ...received('0000000000000003'), from: 'anonymous', from_id: null };
      expect(await store.append(received('0000000000000002'))).toBe(true);
      expect(await store.append(reply)).toBe(true);
      expect(await store.append(anonymous)).toBe(true);
      expect(await store.entries()).toEqual([received('0000000000000002'), reply, anonymous]);
    });

    it('stores an id once: a second append of it resolves to false', async () => {
      await store.append(received('0000000000000001'));
      expect(await store.append(received('0000000000000001', 'same id, other text'))).toBe(false);
      expect((await store.entries()).map((entry) => entry.message)).toEqual(['message 0000000000000001']);
    });

    it('gives the latest received id for resuming, ignoring sent entries', async () => {
      await store.append(received('0000000000000009'));
      await store.append(received('0000000000000010'));
      await store.append(outgoingEntry({ id: 'b', name: 'Bob' }, { id: 'a', name: 'Alice' }, 'later, but sent'));
      expect(lastReceivedId(await store.entries())).toBe('0000000000000010');
    });

    it('keeps entries appended at the same time, in call order', async () => {
      const ids = Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(16, '0'));
      await Promise.all(ids.map((id) => store.append(received(id))));
      expect((await store.entries()).map((entry) => entry.id)).toEqual(ids);
    });

    it('is read back by a second store over the same place, which also refuses known ids', async () => {
      if (!reopen) return;
      await store.append(received('0000000000000001'));
      await store.append(received('0000000000000002'));
      const other = reopen();
      expect((await other.entries()).map((entry) => entry.id)).toEqual(['0000000000000001', '0000000000000002']);
      expect(await other.append(received('0000000000000002'))).toBe(false);
      expect(await other.append(received('0000000000000003'))).toBe(true);
      expect((await store.entries()).map((entry) => entry.id)).toEqual([
        '0000000000000001',
        '0000000000000002',
        '0000000000000003',
      ]);
    });
  });
}
