import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Database, Statement } from 'better-sqlite3';
import { formatMessageId, messageSequence } from '../../protocol/message-id.js';
import {
  type AppendOptions,
  type AppendResult,
  type MessageDraft,
  MessageStore,
  type StorageFault,
  type StoredMessage,
} from '../../ports/message.store.js';
import { promised, type SqliteDatabase } from './sqlite-database.js';
import type { SqliteWriter } from './sqlite-writer.js';

interface MessageRow {
  id: number;
  recipient_id: string;
  sender_id: string | null;
  sender_name: string;
  body: string;
  sent_at: number;
}

const PRUNE_BATCH = 5_000;

/** Reads on this thread's connection; every write through the writer thread (sqlite-writer.ts). */
export class SqliteMessageStore extends MessageStore {
  private readonly db: Database;
  private readonly writer: SqliteWriter;
  private readonly cursor: Statement<[string], { delivered_through: number }>;
  private readonly after: Statement<[string, number, number], MessageRow>;
  private readonly queued: Statement<[], { queued: number | null }>;

  constructor({ db, writer }: SqliteDatabase) {
    super();
    this.db = db;
    this.writer = writer;
    this.cursor = db.prepare('SELECT delivered_through FROM mailboxes WHERE recipient_id = ?');
    this.after = db.prepare(`
      SELECT id, recipient_id, sender_id, sender_name, body, sent_at FROM messages
      WHERE recipient_id = ? AND id > ? ORDER BY id LIMIT ?`);
    // One row per recipient ever messaged: a scan, but only at each metrics scrape.
    this.queued = db.prepare('SELECT sum(accepted - delivered) AS queued FROM mailboxes');
  }

  override writeFault(): StorageFault | null {
    return this.writer.fault;
  }

  override queuedCount(): Promise<number> {
    return promised(() => this.queued.get()?.queued ?? 0);
  }

  async appendOnce(
    draft: MessageDraft,
    maxQueued: number,
    { idempotency, signal }: AppendOptions = {},
  ): Promise<AppendResult> {
    // In the batch's IMMEDIATE transaction: the checks and the inserts see one state, also when
    // several processes share the file. The checks come first, so a refusal writes nothing.
    const { replayed, id } = await this.writer.write(
      'append',
      {
        recipientId: draft.recipientId,
        senderId: draft.senderId,
        senderName: draft.senderName,
        text: draft.text,
        sentAt: draft.sentAt.getTime(),
        maxQueued,
        key: idempotency && { scope: idempotency.scope, key: idempotency.key, fingerprint: idempotency.fingerprint },
      },
      signal,
    );
    const messageId = formatMessageId(id);
    return replayed ? { replayed: true, messageId } : { replayed: false, message: { ...draft, id: messageId } };
  }

  listAfter(recipientId: string, afterId: string | null, limit: number): Promise<StoredMessage[]> {
    return promised(() =>
      this.after.all(recipientId, afterId === null ? 0 : messageSequence(afterId), limit).map(toMessage),
    );
  }

  deliveredThrough(recipientId: string): Promise<string | null> {
    return promised(() => {
      const box = this.cursor.get(recipientId);
      return box && box.delivered_through > 0 ? formatMessageId(box.delivered_through) : null;
    });
  }

  async markDelivered(cursors: ReadonlyMap<string, string>): Promise<void> {
    // Shares the sends' batches: one transaction per event-loop turn for both.
    await this.writer.write('deliver', {
      cursors: [...cursors].map(([recipientId, id]): [string, number] => [recipientId, messageSequence(id)]),
    });
  }

  pruneDelivered(sentBefore: Date): Promise<number> {
    return this.pruneInBatches('pruneMessages', sentBefore);
  }

  pruneIdempotencyKeys(createdBefore: Date): Promise<number> {
    return this.pruneInBatches('pruneKeys', createdBefore);
  }

  /** A bounded delete per batch of the writer's, so that a large prune never holds sends back for long. */
  private async pruneInBatches(kind: 'pruneMessages' | 'pruneKeys', before: Date): Promise<number> {
    let pruned = 0;
    for (;;) {
      const changes = await this.writer.write(kind, { before: before.getTime(), limit: PRUNE_BATCH });
      pruned += changes;
      if (changes < PRUNE_BATCH) return pruned;
      await yieldToEventLoop();
    }
  }

  ping(): Promise<void> {
    return promised(() => void this.db.prepare('SELECT 1').get());
  }
}

function toMessage(row: MessageRow): StoredMessage {
  return {
    id: formatMessageId(row.id),
    recipientId: row.recipient_id,
    senderId: row.sender_id,
    senderName: row.sender_name,
    text: row.body,
    sentAt: new Date(row.sent_at),
  };
}
