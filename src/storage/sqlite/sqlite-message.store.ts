import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Database, Statement, Transaction } from 'better-sqlite3';
import { RecipientQueueFullError } from '../../common/domain-errors.js';
import { formatMessageId, messageSequence } from '../../messages/message-id.js';
import { type MessageDraft, MessageStore, type StoredMessage } from '../message.store.js';
import { GroupCommit } from './group-commit.js';
import { promised, type SqliteDatabase } from './sqlite-database.js';

interface MessageRow {
  id: number;
  recipient_id: string;
  sender_id: string | null;
  sender_name: string;
  body: string;
  sent_at: number;
}

const PRUNE_BATCH = 5_000;

export class SqliteMessageStore extends MessageStore {
  private readonly db: Database;
  private readonly insert: Statement<[string, string | null, string, string, number]>;
  private readonly countQueued: Statement<[string, string, number], { queued: number }>;
  private readonly after: Statement<[string, number, number], MessageRow>;
  private readonly cursor: Statement<[string], { delivered_through: number }>;
  private readonly advance: Statement<[string, number]>;
  private readonly pruneBatch: Statement<[number, number]>;
  private readonly writes: GroupCommit;
  private readonly advanceAll: Transaction<(cursors: ReadonlyMap<string, string>) => void>;

  constructor({ db }: SqliteDatabase) {
    super();
    this.db = db;
    this.insert = db.prepare(
      'INSERT INTO messages (recipient_id, sender_id, sender_name, body, sent_at) VALUES (?, ?, ?, ?, ?)',
    );
    // Bounded by LIMIT: never counts past the cap, however long a queue grows.
    this.countQueued = db.prepare(`
      SELECT count(*) AS queued FROM (
        SELECT 1 FROM messages
        WHERE recipient_id = ?
          AND id > coalesce((SELECT delivered_through FROM delivery_cursors WHERE recipient_id = ?), 0)
        LIMIT ?
      )`);
    this.after = db.prepare(`
      SELECT id, recipient_id, sender_id, sender_name, body, sent_at FROM messages
      WHERE recipient_id = ? AND id > ? ORDER BY id LIMIT ?`);
    this.cursor = db.prepare('SELECT delivered_through FROM delivery_cursors WHERE recipient_id = ?');
    this.advance = db.prepare(`
      INSERT INTO delivery_cursors (recipient_id, delivered_through) VALUES (?, ?)
      ON CONFLICT (recipient_id) DO UPDATE SET delivered_through = max(delivered_through, excluded.delivered_through)`);
    this.pruneBatch = db.prepare(`
      DELETE FROM messages WHERE id IN (
        SELECT m.id FROM messages m
        JOIN delivery_cursors c ON c.recipient_id = m.recipient_id
        WHERE m.sent_at < ? AND m.id <= c.delivered_through
        LIMIT ?
      )`);
    this.writes = new GroupCommit(db);
    this.advanceAll = db.transaction((cursors: ReadonlyMap<string, string>) => {
      for (const [recipientId, id] of cursors) this.advance.run(recipientId, messageSequence(id));
    });
  }

  append(draft: MessageDraft, maxQueued: number): Promise<StoredMessage> {
    // Inside the group's IMMEDIATE transaction: the count and the insert see one state, also
    // when several processes share the file. The count comes first, so a refusal writes nothing.
    return this.writes.run(() => {
      const { recipientId, senderId, senderName, text, sentAt } = draft;
      const { queued } = this.countQueued.get(recipientId, recipientId, maxQueued)!;
      if (queued >= maxQueued) throw new RecipientQueueFullError(maxQueued);
      const { lastInsertRowid } = this.insert.run(recipientId, senderId, senderName, text, sentAt.getTime());
      return { ...draft, id: formatMessageId(Number(lastInsertRowid)) };
    });
  }

  listAfter(recipientId: string, afterId: string | null, limit: number): Promise<StoredMessage[]> {
    return promised(() =>
      this.after.all(recipientId, afterId === null ? 0 : messageSequence(afterId), limit).map(toMessage),
    );
  }

  deliveredThrough(recipientId: string): Promise<string | null> {
    return promised(() => {
      const row = this.cursor.get(recipientId);
      return row ? formatMessageId(row.delivered_through) : null;
    });
  }

  markDelivered(cursors: ReadonlyMap<string, string>): Promise<void> {
    return promised(() => this.advanceAll.immediate(cursors));
  }

  async pruneDelivered(sentBefore: Date): Promise<number> {
    let pruned = 0;
    for (;;) {
      const { changes } = this.pruneBatch.run(sentBefore.getTime(), PRUNE_BATCH);
      pruned += changes;
      if (changes < PRUNE_BATCH) return pruned;
      // Let sends through between batches of a large prune.
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
