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

/**
 * Durable message history with a delivery cursor per recipient: messages at or below the
 * cursor were delivered, those above it are queued.
 */
export abstract class MessageStore {
  /**
   * Stores a message. Resolves once it is durable: after that a crash must not lose it.
   * Rejects with RecipientQueueFullError, storing nothing, when the recipient already has
   * `maxQueued` undelivered messages. Ids increase in the order appends are accepted.
   */
  abstract append(draft: MessageDraft, maxQueued: number): Promise<StoredMessage>;

  /** Up to `limit` messages for `recipientId` with an id above `afterId` (all if null), oldest first. */
  abstract listAfter(recipientId: string, afterId: string | null, limit: number): Promise<StoredMessage[]>;

  /** The id of the newest message known delivered to `recipientId`, or null. */
  abstract deliveredThrough(recipientId: string): Promise<string | null>;

  /** Advances delivery cursors (recipient id to message id); a cursor never moves back. */
  abstract markDelivered(cursors: ReadonlyMap<string, string>): Promise<void>;

  /** Deletes delivered messages sent before `sentBefore`; undelivered ones are kept. Returns the count. */
  abstract pruneDelivered(sentBefore: Date): Promise<number>;

  /** Resolves when the backing store answers. */
  abstract ping(): Promise<void>;

  /**
   * How many messages, over all recipients, are stored and not yet delivered; for metrics,
   * read at each scrape. Undefined from an adapter that cannot count it cheaply.
   */
  queuedCount(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }
}
