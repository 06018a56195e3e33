import {
  IdempotencyKeyReusedError,
  RecipientQueueFullError,
  StoreUnavailableError,
} from '../../src/common/domain-errors.js';
import { formatMessageId } from '../../src/protocol/message-id.js';
import {
  type AppendOptions,
  type AppendResult,
  IDEMPOTENCY_WINDOW_MS,
  type MessageDraft,
  MessageStore,
  type StoredMessage,
} from '../../src/ports/message.store.js';

interface KeyRecord {
  fingerprint: string;
  messageId: string;
  createdAt: number;
}

/** MessageStore in an array, for unit tests. Held to the same contract suite as the real adapters. */
export class InMemoryMessageStore extends MessageStore {
  private messages: StoredMessage[] = [];
  private readonly cursors = new Map<string, string>();
  private readonly keys = new Map<string, KeyRecord>();
  private sequence = 0;

  appendOnce(
    draft: MessageDraft,
    maxQueued: number,
    { idempotency, signal }: AppendOptions = {},
  ): Promise<AppendResult> {
    if (signal?.aborted) return Promise.reject(new StoreUnavailableError());
    const keyName = idempotency && JSON.stringify([idempotency.scope, idempotency.key]);
    const earlier = keyName === undefined ? undefined : this.keys.get(keyName);
    if (idempotency && earlier && earlier.createdAt > draft.sentAt.getTime() - IDEMPOTENCY_WINDOW_MS) {
      if (earlier.fingerprint !== idempotency.fingerprint) return Promise.reject(new IdempotencyKeyReusedError());
      return Promise.resolve({ replayed: true, messageId: earlier.messageId });
    }
    const cursor = this.cursors.get(draft.recipientId) ?? '';
    const queued = this.messages.filter((m) => m.recipientId === draft.recipientId && m.id > cursor).length;
    if (queued >= maxQueued) return Promise.reject(new RecipientQueueFullError(maxQueued));
    const message = { ...draft, id: formatMessageId(++this.sequence) };
    this.messages.push(message);
    if (idempotency && keyName !== undefined) {
      this.keys.set(keyName, {
        fingerprint: idempotency.fingerprint,
        messageId: message.id,
        createdAt: draft.sentAt.getTime(),
      });
    }
    return Promise.resolve({ replayed: false, message: { ...message } });
  }

  pruneIdempotencyKeys(createdBefore: Date): Promise<number> {
    let pruned = 0;
    for (const [name, record] of this.keys) {
      if (record.createdAt < createdBefore.getTime()) {
        this.keys.delete(name);
        pruned++;
      }
    }
    return Promise.resolve(pruned);
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
