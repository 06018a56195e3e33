import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { dirname } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import {
  IdempotencyKeyReusedError,
  InsufficientStorageError,
  RecipientQueueFullError,
} from '../../common/domain-errors.js';
import { formatMessageId, messageSequence } from '../../protocol/message-id.js';
import {
  type AppendOptions,
  type AppendResult,
  IDEMPOTENCY_WINDOW_MS,
  type MessageDraft,
  MessageStore,
  type StorageFault,
  type StoredMessage,
} from '../../ports/message.store.js';
import { WriteFaults } from '../write-faults.js';
import { GroupCommit } from './group-commit.js';
import { promised, type SqliteDatabase } from './sqlite-database.js';
import { sqliteWriteFailure } from './sqlite-errors.js';

interface MessageRow {
  id: number;
  recipient_id: string;
  sender_id: string | null;
  sender_name: string;
  body: string;
  sent_at: number;
}

interface KeyRow {
  fingerprint: string;
  message_id: number;
  created_at: number;
}

const PRUNE_BATCH = 5_000;

export class SqliteMessageStore extends MessageStore {
  private readonly db: Database;
  private readonly mailbox: Statement<[string], { accepted: number; delivered: number; delivered_through: number }>;
  private readonly countAccepted: Statement<[string]>;
  private readonly insert: Statement<[string, number, string | null, string, string, number]>;
  private readonly after: Statement<[string, number, number], MessageRow>;
  private readonly advance: Statement<[number, number, string]>;
  private readonly pruneBatch: Statement<[number, number]>;
  private readonly queued: Statement<[], { queued: number | null }>;
  private readonly keyByScope: Statement<[string, string], KeyRow>;
  private readonly rememberKey: Statement<[string, string, string, number, number]>;
  private readonly pruneKeysBatch: Statement<[number, number]>;
  private readonly writes: GroupCommit;
  private readonly faults: WriteFaults;

  constructor({ db, file }: SqliteDatabase) {
    super();
    this.db = db;
    this.keyByScope = db.prepare(
      'SELECT fingerprint, message_id, created_at FROM idempotency_keys WHERE scope = ? AND key = ?',
    );
    // REPLACE: a record past the window that the pruner has not reached yet gives way.
    this.rememberKey = db.prepare(
      'INSERT OR REPLACE INTO idempotency_keys (scope, key, fingerprint, message_id, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.pruneKeysBatch = db.prepare(`
      DELETE FROM idempotency_keys WHERE (scope, key) IN (
        SELECT scope, key FROM idempotency_keys WHERE created_at < ? LIMIT ?
      )`);
    this.mailbox = db.prepare('SELECT accepted, delivered, delivered_through FROM mailboxes WHERE recipient_id = ?');
    this.countAccepted = db.prepare(`
      INSERT INTO mailboxes (recipient_id, accepted) VALUES (?, 1)
      ON CONFLICT (recipient_id) DO UPDATE SET accepted = accepted + 1`);
    this.insert = db.prepare(
      'INSERT INTO messages (recipient_id, seq, sender_id, sender_name, body, sent_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.after = db.prepare(`
      SELECT id, recipient_id, sender_id, sender_name, body, sent_at FROM messages
      WHERE recipient_id = ? AND id > ? ORDER BY id LIMIT ?`);
    // A recipient's messages are delivered in id order, so "delivered through id X" means
    // "delivered the first seq(X) messages". A pruned X leaves the count where it was.
    this.advance = db.prepare(`
      UPDATE mailboxes SET
        delivered = max(delivered, coalesce((SELECT seq FROM messages WHERE id = ?), delivered)),
        delivered_through = max(delivered_through, ?)
      WHERE recipient_id = ?`);
    this.pruneBatch = db.prepare(`
      DELETE FROM messages WHERE id IN (
        SELECT m.id FROM messages m
        JOIN mailboxes b ON b.recipient_id = m.recipient_id
        WHERE m.sent_at < ? AND m.id <= b.delivered_through
        LIMIT ?
      )`);
    // One row per recipient ever messaged: a scan, but only at each metrics scrape.
    this.queued = db.prepare('SELECT sum(accepted - delivered) AS queued FROM mailboxes');
    this.faults = new WriteFaults(`The SQLite file ${file}`);
    const dataDir = dirname(file);
    this.writes = new GroupCommit(
      db,
      (error) => {
        const failure = sqliteWriteFailure(error, dataDir);
        if (failure instanceof InsufficientStorageError) this.faults.refused(failure.fault);
        return failure;
      },
      () => this.faults.accepted(),
    );
  }

  override writeFault(): StorageFault | null {
    return this.faults.current;
  }

  override queuedCount(): Promise<number> {
    return promised(() => this.queued.get()?.queued ?? 0);
  }

  appendOnce(
    draft: MessageDraft,
    maxQueued: number,
    { idempotency, signal }: AppendOptions = {},
  ): Promise<AppendResult> {
    // Inside the group's IMMEDIATE transaction: the checks and the inserts see one state, also
    // when several processes share the file. The checks come first, so a refusal writes nothing.
    return this.writes.run((): AppendResult => {
      const { recipientId, senderId, senderName, text, sentAt } = draft;
      if (idempotency) {
        const earlier = this.keyByScope.get(idempotency.scope, idempotency.key);
        if (earlier && earlier.created_at > sentAt.getTime() - IDEMPOTENCY_WINDOW_MS) {
          if (earlier.fingerprint !== idempotency.fingerprint) throw new IdempotencyKeyReusedError();
          return { replayed: true, messageId: formatMessageId(earlier.message_id) };
        }
      }
      const box = this.mailbox.get(recipientId);
      const accepted = box?.accepted ?? 0;
      if (accepted - (box?.delivered ?? 0) >= maxQueued) throw new RecipientQueueFullError(maxQueued);
      this.countAccepted.run(recipientId);
      const { lastInsertRowid } = this.insert.run(
        recipientId,
        accepted + 1,
        senderId,
        senderName,
        text,
        sentAt.getTime(),
      );
      const id = Number(lastInsertRowid);
      if (idempotency) {
        this.rememberKey.run(idempotency.scope, idempotency.key, idempotency.fingerprint, id, sentAt.getTime());
      }
      return { replayed: false, message: { ...draft, id: formatMessageId(id) } };
    }, signal);
  }

  listAfter(recipientId: string, afterId: string | null, limit: number): Promise<StoredMessage[]> {
    return promised(() =>
      this.after.all(recipientId, afterId === null ? 0 : messageSequence(afterId), limit).map(toMessage),
    );
  }

  deliveredThrough(recipientId: string): Promise<string | null> {
    return promised(() => {
      const box = this.mailbox.get(recipientId);
      return box && box.delivered_through > 0 ? formatMessageId(box.delivered_through) : null;
    });
  }

  markDelivered(cursors: ReadonlyMap<string, string>): Promise<void> {
    // Shares the sends' group commit: one transaction per event-loop turn for both.
    return this.writes.run(() => {
      for (const [recipientId, id] of cursors) {
        const sequence = messageSequence(id);
        this.advance.run(sequence, sequence, recipientId);
      }
    });
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

  async pruneIdempotencyKeys(createdBefore: Date): Promise<number> {
    let pruned = 0;
    for (;;) {
      const { changes } = this.pruneKeysBatch.run(createdBefore.getTime(), PRUNE_BATCH);
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
