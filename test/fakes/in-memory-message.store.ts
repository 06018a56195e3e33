import { RecipientQueueFullError } from '../../src/common/domain-errors.js';
import { formatMessageId } from '../../src/protocol/message-id.js';
import { type MessageDraft, MessageStore, type StoredMessage } from '../../src/ports/message.store.js';

/** MessageStore in an array, for unit tests. Held to the same contract suite as the real adapters. */
export class InMemoryMessageStore extends MessageStore {
  private messages: StoredMessage[] = [];
  private readonly cursors = new Map<string, string>();
  private sequence = 0;

  append(draft: MessageDraft, maxQueued: number): Promise<StoredMessage> {
    const cursor = this.cursors.get(draft.recipientId) ?? '';
    const queued = this.messages.filter((m) => m.recipientId === draft.recipientId && m.id > cursor).length;
    if (queued >= maxQueued) return Promise.reject(new RecipientQueueFullError(maxQueued));
    const message = { ...draft, id: formatMessageId(++this.sequence) };
    this.messages.push(message);
    return Promise.resolve({ ...message });
  }

  listAfter(recipientId: string, afterId: string | null, limit: number): Promise<StoredMessage[]> {
    const after = afterId ?? '';
    return Promise.resolve(
      this.messages
        .filter((m) => m.recipientId === recipientId && m.id > after)
        .slice(0, limit)
        .map((m) => ({ ...m })),
    );
  }

  deliveredThrough(recipientId: string): Promise<string | null> {
    return Promise.resolve(this.cursors.get(recipientId) ?? null);
  }

  markDelivered(cursors: ReadonlyMap<string, string>): Promise<void> {
    for (const [recipientId, id] of cursors) {
      const current = this.cursors.get(recipientId);
      if (current === undefined || id > current) this.cursors.set(recipientId, id);
    }
    return Promise.resolve();
  }

  pruneDelivered(sentBefore: Date): Promise<number> {
    const before = this.messages.length;
    this.messages = this.messages.filter((m) => {
      const cursor = this.cursors.get(m.recipientId);
      return !(m.sentAt < sentBefore && cursor !== undefined && m.id <= cursor);
    });
    return Promise.resolve(before - this.messages.length);
  }

  override queuedCount(): Promise<number> {
    const queued = this.messages.filter((m) => m.id > (this.cursors.get(m.recipientId) ?? ''));
    return Promise.resolve(queued.length);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }
}
