/** Why storage takes no writes at all: a full disk, or a database opened or set read-only. */
export type StorageFault = 'full' | 'read-only';

export interface MessageDraft {
  recipientId: string;
  /** Null when the send named no sender. */
  senderId: string | null;
  /** The sender's display name at the time of sending (`anonymous` without a sender). */
  senderName: string;
  text: string;
  sentAt: Date;
}

export interface StoredMessage extends MessageDraft {
  /** See protocol/message-id.ts: fixed-width digits that sort in acceptance order. */
  id: string;
}

/** How long a store remembers an Idempotency-Key (PROTOCOL.md: 24 h). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1_000;

/** An Idempotency-Key as the store keeps it, beside the message it stored. */
export interface IdempotencyClaim {
  /** The sender's id, or '' for anonymous sends, which key on the key alone. */
  scope: string;
  key: string;
  /** A hash of what a replay must repeat: the recipient and the text. */
  fingerprint: string;
}

export interface AppendOptions {
  /** Stored in the same transaction as the message: both commit, or neither. */
  idempotency?: IdempotencyClaim;
  /**
   * Aborted when the send's time is up. A write still waiting in this process is withdrawn and
   * rejects with StoreUnavailableError (never written); one already sent rejects with
   * OutcomeUnknownError (it may yet commit).
   */
  signal?: AbortSignal;
}

/** A new message, or the answer of an earlier append with the same claim (nothing stored). */
export type AppendResult = { replayed: false; message: StoredMessage } | { replayed: true; messageId: string };

/**
 * Durable message history with a delivery cursor per recipient: messages at or below the
 * cursor were delivered, those above it are queued. Writes (appendOnce, markDelivered) are
 * taken before the call returns, and a cursor advanced before an append counts in that
 * append's queue check (MessagesService relies on both to send marks with the next append).
 */
export abstract class MessageStore {
  /**
   * Stores a message. Resolves once it is durable: after that a crash must not lose it.
   * Rejects with RecipientQueueFullError, storing nothing, when the recipient already has
   * `maxQueued` undelivered messages. Ids increase in the order appends are accepted.
   *
   * With a claim: if one with the same scope and key was stored within IDEMPOTENCY_WINDOW_MS,
   * stores nothing and resolves with that message's id (replayed), or rejects with
   * IdempotencyKeyReusedError if its fingerprint differs; shared by every process on the store.
   * Rejects with StoreUnavailableError when surely nothing was stored, OutcomeUnknownError when
   * it cannot tell, InsufficientStorageError when storage is full or read-only.
   */
  abstract appendOnce(draft: MessageDraft, maxQueued: number, options?: AppendOptions): Promise<AppendResult>;

  /** appendOnce without a claim: always a new message. */
  async append(draft: MessageDraft, maxQueued: number, signal?: AbortSignal): Promise<StoredMessage> {
    const result = await this.appendOnce(draft, maxQueued, { signal });
    if (result.replayed) throw new Error('append without a claim cannot replay');
    return result.message;
  }

  /** Up to `limit` messages for `recipientId` with an id above `afterId` (all if null), oldest first. */
  abstract listAfter(recipientId: string, afterId: string | null, limit: number): Promise<StoredMessage[]>;

  /** The id of the newest message known delivered to `recipientId`, or null. */
  abstract deliveredThrough(recipientId: string): Promise<string | null>;

  /** Advances delivery cursors (recipient id to message id); a cursor never moves back. */
  abstract markDelivered(cursors: ReadonlyMap<string, string>): Promise<void>;

  /** Deletes delivered messages sent before `sentBefore`; undelivered ones are kept. Returns the count. */
  abstract pruneDelivered(sentBefore: Date): Promise<number>;

  /** Deletes Idempotency-Key records made before `createdBefore`, in small batches. Returns the count. */
  abstract pruneIdempotencyKeys(createdBefore: Date): Promise<number>;

  /** Resolves when the backing store answers. */
  abstract ping(): Promise<void>;

  /**
   * How many messages, over all recipients, are stored and not yet delivered; for metrics,
   * read at each scrape. Undefined from an adapter that cannot count it cheaply.
   */
  queuedCount(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  /** Why the last write was refused (a full disk, a read-only database), or null while writes succeed. */
  writeFault(): StorageFault | null {
    return null;
  }
}
