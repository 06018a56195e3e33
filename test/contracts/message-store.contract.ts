import { beforeEach, describe, expect, it } from 'vitest';
import {
  IdempotencyKeyReusedError,
  RecipientQueueFullError,
  StoreUnavailableError,
} from '../../src/common/domain-errors.js';
import {
  IDEMPOTENCY_WINDOW_MS,
  type IdempotencyClaim,
  type MessageDraft,
  type MessageStore,
} from '../../src/ports/message.store.js';

/** What every MessageStore adapter, and the fake, must do. `open` gives an empty store. */
export function messageStoreContract(adapter: string, open: () => Promise<MessageStore>): void {
  describe(`MessageStore contract: ${adapter}`, () => {
    let store: MessageStore;
    beforeEach(async () => (store = await open()));

    const draft = (recipientId: string, text: string, sentAt = new Date()): MessageDraft => ({
      recipientId,
      senderId: null,
      senderName: 'anonymous',
      text,
      sentAt,
    });
    const append = (recipientId: string, text: string, sentAt?: Date) =>
      store.append(draft(recipientId, text, sentAt), 1_000);
    const texts = (messages: { text: string }[]) => messages.map((m) => m.text);

    it('returns the stored message with an id, and keeps every field', async () => {
      const sentAt = new Date('2026-01-02T03:04:05.678Z');
      const stored = await store.append(
        { recipientId: 'bob', senderId: 'a1', senderName: 'Alice', text: 'hé 😀', sentAt },
        10,
      );
      expect(stored).toEqual({
        id: expect.any(String),
        recipientId: 'bob',
        senderId: 'a1',
        senderName: 'Alice',
        text: 'hé 😀',
        sentAt,
      });
      expect(await store.listAfter('bob', null, 10)).toEqual([stored]);
    });

    it('gives ids that increase in acceptance order, as strings too', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await append(i % 2 ? 'bob' : 'carol', `m${i}`)).id);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('lists one recipient’s messages after an id, oldest first, up to a limit', async () => {
      const ids = [];
      for (const text of ['a', 'b', 'c', 'd', 'e']) {
        ids.push((await append('bob', text)).id);
        await append('carol', `carol ${text}`);
      }
      expect(texts(await store.listAfter('bob', null, 10))).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(texts(await store.listAfter('bob', ids[1], 10))).toEqual(['c', 'd', 'e']);
      expect(texts(await store.listAfter('bob', ids[1], 2))).toEqual(['c', 'd']);
      expect(await store.listAfter('bob', ids[4], 10)).toEqual([]);
      expect(await store.listAfter('nobody', null, 10)).toEqual([]);
    });

    it('keeps a delivery cursor per recipient that never moves back', async () => {
      const [a, b] = [await append('bob', 'a'), await append('bob', 'b')];
      expect(await store.deliveredThrough('bob')).toBeNull();
      await store.markDelivered(new Map([['bob', b.id]]));
      await store.markDelivered(new Map([['bob', a.id]]));
      expect(await store.deliveredThrough('bob')).toBe(b.id);
      expect(await store.deliveredThrough('carol')).toBeNull();
    });

    it('refuses an append past maxQueued undelivered messages, storing nothing', async () => {
      for (const text of ['1', '2', '3']) await store.append(draft('bob', text), 3);
      await expect(store.append(draft('bob', '4'), 3)).rejects.toBeInstanceOf(RecipientQueueFullError);
      expect(texts(await store.listAfter('bob', null, 10))).toEqual(['1', '2', '3']);
      await expect(store.append(draft('carol', 'other recipient'), 3)).resolves.toBeDefined();
    });

    it('gives concurrent appends ids in call order, and a refusal among them affects no other', async () => {
      const results = await Promise.allSettled(
        ['1', '2', '3', '4', '5'].map((text) => store.append(draft('bob', text), 3)),
      );
      const accepted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      expect(accepted.map((m) => m.text)).toEqual(['1', '2', '3']);
      expect(accepted.map((m) => m.id)).toEqual(accepted.map((m) => m.id).sort());
      expect(
        results.slice(3).map((r) => r.status === 'rejected' && r.reason instanceof RecipientQueueFullError),
      ).toEqual([true, true]);
      expect(texts(await store.listAfter('bob', null, 10))).toEqual(['1', '2', '3']);
    });

    it('counts only undelivered messages against maxQueued', async () => {
      const stored = [];
      for (const text of ['1', '2', '3']) stored.push(await store.append(draft('bob', text), 3));
      await store.markDelivered(new Map([['bob', stored[0].id]]));
      await expect(store.append(draft('bob', '4'), 3)).resolves.toBeDefined();
      await expect(store.append(draft('bob', '5'), 3)).rejects.toBeInstanceOf(RecipientQueueFullError);
    });

    it('prunes delivered messages sent before a time, and keeps undelivered and newer ones', async () => {
      const old = new Date(Date.now() - 3_600_000);
      const oldDelivered = await append('bob', 'old delivered', old);
      await append('carol', 'old undelivered', old);
      const newDelivered = await append('bob', 'new delivered');
      await store.markDelivered(new Map([['bob', newDelivered.id]]));
      expect(await store.pruneDelivered(new Date(Date.now() - 60_000))).toBe(1);
      expect(texts(await store.listAfter('bob', null, 10))).toEqual(['new delivered']);
      expect(texts(await store.listAfter('carol', null, 10))).toEqual(['old undelivered']);
      expect(oldDelivered.id < newDelivered.id).toBe(true);
    });

    it('never reuses an id, even after the newest messages were pruned', async () => {
      const last = await append('bob', 'x', new Date(0));
      await store.markDelivered(new Map([['bob', last.id]]));
      await store.pruneDelivered(new Date());
      expect((await append('bob', 'y')).id > last.id).toBe(true);
    });

    it('counts the undelivered messages of every recipient, if it can count at all', async () => {
      const count = await store.queuedCount();
      if (count === undefined) return; // The port allows an adapter not to count.
      expect(count).toBe(0);
      const bobs = [await append('bob', '1'), await append('bob', '2'), await append('bob', '3')];
      await append('carol', '1');
      expect(await store.queuedCount()).toBe(4);
      await store.markDelivered(new Map([['bob', bobs[1].id]]));
      expect(await store.queuedCount()).toBe(2);
    });

    const claim = (key: string, fingerprint = 'f1', scope = 'alice'): IdempotencyClaim => ({ scope, key, fingerprint });

    it('stores a keyed message once, and answers a repeat of its key with the first id', async () => {
      const first = await store.appendOnce(draft('bob', 'once'), 10, { idempotency: claim('k1') });
      expect(first.replayed).toBe(false);
      const firstId = first.replayed ? '' : first.message.id;
      const again = await store.appendOnce(draft('bob', 'once'), 10, { idempotency: claim('k1') });
      expect(again).toEqual({ replayed: true, messageId: firstId });
      expect(texts(await store.listAfter('bob', null, 10))).toEqual(['once']);
    });

    it('refuses a key reused with another body, storing nothing', async () => {
      await store.appendOnce(draft('bob', 'first'), 10, { idempotency: claim('k1', 'f1') });
      await expect(
        store.appendOnce(draft('bob', 'second'), 10, { idempotency: claim('k1', 'f2') }),
      ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      expect(texts(await store.listAfter('bob', null, 10))).toEqual(['first']);
    });

    it('keeps keys apart by scope: the same key from another sender is a new message', async () => {
      await store.appendOnce(draft('bob', 'a'), 10, { idempotency: claim('k1', 'f1', 'alice') });
      const other = await store.appendOnce(draft('bob', 'a'), 10, { idempotency: claim('k1', 'f1', 'carol') });
      expect(other.replayed).toBe(false);
      expect(texts(await store.listAfter('bob', null, 10))).toEqual(['a', 'a']);
    });

    it('remembers no key for a refused append, so its retry is judged afresh', async () => {
      await store.append(draft('bob', 'fills'), 1);
      await expect(store.appendOnce(draft('bob', 'refused'), 1, { idempotency: claim('k1') })).rejects.toBeInstanceOf(
        RecipientQueueFullError,
      );
      const retried = await store.appendOnce(draft('bob', 'refused'), 2, { idempotency: claim('k1') });
      expect(retried.replayed).toBe(false);
    });

    it('stores one of two concurrent appends with one key and replays it to the other', async () => {
      const results = await Promise.all([
        store.appendOnce(draft('bob', 'twice'), 10, { idempotency: claim('k1') }),
        store.appendOnce(draft('bob', 'twice'), 10, { idempotency: claim('k1') }),
      ]);
      expect(results.map((r) => r.replayed).sort()).toEqual([false, true]);
      expect(texts(await store.listAfter('bob', null, 10))).toEqual(['twice']);
    });

    it('forgets a key after the window, and prunes keys made before a time', async () => {
      const old = new Date(Date.now() - IDEMPOTENCY_WINDOW_MS - 60_000);
      await store.appendOnce(draft('bob', 'old', old), 10, { idempotency: claim('old') });
      await store.appendOnce(draft('bob', 'recent'), 10, { idempotency: claim('recent') });
      // Past the window, a key is free again even before the pruner reaches it.
      expect((await store.appendOnce(draft('bob', 'new'), 10, { idempotency: claim('old', 'f9') })).replayed).toBe(
        false,
      );
      expect(await store.pruneIdempotencyKeys(new Date(Date.now() - 3_600_000))).toBe(0);
      expect(await store.pruneIdempotencyKeys(new Date(Date.now() + 1_000))).toBe(2);
      expect(
        (await store.appendOnce(draft('bob', 'recent again'), 10, { idempotency: claim('recent', 'f9') })).replayed,
      ).toBe(false);
    });

    it('withdraws an append whose signal is already aborted, storing nothing', async () => {
      const signal = AbortSignal.abort();
      await expect(store.append(draft('bob', 'late'), 10, signal)).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await store.listAfter('bob', null, 10)).toEqual([]);
    });

    it('answers a ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
