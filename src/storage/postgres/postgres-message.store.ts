import { InvalidInputError, RecipientQueueFullError } from '../../common/domain-errors.js';
import { formatMessageId, messageSequence } from '../../messages/message-id.js';
import { type MessageDraft, MessageStore, type StoredMessage } from '../message.store.js';
import type { PostgresDatabase, Statement, Transaction } from './postgres-database.js';
import { WriteBatcher } from './write-batcher.js';

interface MessageRow {
  id: string;
  recipient_id: string;
  sender_id: string | null;
  sender_name: string;
  body: string;
  sent_at: Date;
}

interface PendingAppend {
  draft: MessageDraft;
  maxQueued: number;
  resolve(message: StoredMessage): void;
  reject(error: unknown): void;
}

interface PendingCursors {
  cursors: ReadonlyMap<string, string>;
  resolve(): void;
  reject(error: unknown): void;
}

type PendingWrite = PendingAppend | PendingCursors;

const PRUNE_BATCH = 5_000;

// Locks the mailbox row of every recipient the batch touches, creating missing ones, in
// recipient order (the array is sorted): batches of several processes then never deadlock.
// It also advances delivery cursors ($2; 0 for none), never backwards, and returns the
// counts the queue limit is checked against, under the lock.
const LOCK_MAILBOXES: Statement = {
  name: 'cohora.messages.lock-mailboxes',
  text: `
    INSERT INTO mailboxes AS b (recipient_id, accepted, delivered, delivered_through)
    SELECT c.recipient_id, 0,
           coalesce((SELECT seq FROM messages m WHERE m.id = c.through AND m.recipient_id = c.recipient_id), 0),
           c.through
    FROM unnest($1::text[], $2::bigint[]) AS c(recipient_id, through)
    ON CONFLICT (recipient_id) DO UPDATE SET
      -- Delivered in id order, so "through id X" means "the first seq(X)"; a pruned X changes nothing.
      delivered = greatest(b.delivered, coalesce(
        (SELECT seq FROM messages m WHERE m.id = excluded.delivered_through AND m.recipient_id = b.recipient_id),
        b.delivered)),
      delivered_through = greatest(b.delivered_through, excluded.delivered_through)
    RETURNING recipient_id, accepted, delivered`,
};

// Runs after LOCK_MAILBOXES in the same transaction, so ids are drawn while the recipients'
// rows are locked: for one recipient, ids commit in increasing order. The drawn ids are
// sorted and handed out by position, so they increase in the order the appends came.
const INSERT_MESSAGES: Statement = {
  name: 'cohora.messages.insert',
  text: `
    WITH counted AS (
      UPDATE mailboxes AS b SET accepted = c.accepted
      FROM unnest($1::text[], $2::bigint[]) AS c(recipient_id, accepted)
      WHERE b.recipient_id = c.recipient_id
    ), drawn AS MATERIALIZED (
      SELECT nextval('message_ids') AS id FROM generate_series(1, cardinality($3::text[]))
    ), numbered AS (
      SELECT id, row_number() OVER (ORDER BY id) AS n FROM drawn
    )
    INSERT INTO messages (id, recipient_id, seq, sender_id, sender_name, body, sent_at)
    SELECT numbered.id, m.recipient_id, m.seq, m.sender_id, m.sender_name, m.body, m.sent_at
    FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
      WITH ORDINALITY AS m(recipient_id, seq, sender_id, sender_name, body, sent_at, n)
    JOIN numbered USING (n)
    RETURNING id`,
};

const AFTER: Statement = {
  name: 'cohora.messages.after',
  text: `
    SELECT id, recipient_id, sender_id, sender_name, body, sent_at FROM messages
    WHERE recipient_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
};

const DELIVERED_THROUGH: Statement = {
  name: 'cohora.messages.delivered-through',
  text: 'SELECT delivered_through FROM mailboxes WHERE recipient_id = $1',
};

const PRUNE: Statement = {
  name: 'cohora.messages.prune',
  text: `
    DELETE FROM messages WHERE id IN (
      SELECT m.id FROM messages m
      JOIN mailboxes b ON b.recipient_id = m.recipient_id
      WHERE m.sent_at < $1 AND m.id <= b.delivered_through
      LIMIT $2
    )`,
};

/**
 * Messages in PostgreSQL, shared by any number of cohora processes. Appends and delivery marks
 * of one event-loop turn share one transaction (see WriteBatcher); each append resolves only
 * after that transaction has committed.
 */
export class PostgresMessageStore extends MessageStore {
  private readonly writes = new WriteBatcher<PendingWrite>((batch) => this.write(batch));

  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  append(draft: MessageDraft, maxQueued: number): Promise<StoredMessage> {
    // Refused here, alone: in the batch's statement it would fail every send of the batch.
    if (draft.text.includes('\0')) {
      return Promise.reject(new InvalidInputError('message must not contain the character U+0000'));
    }
    return new Promise((resolve, reject) => this.writes.add({ draft, maxQueued, resolve, reject }));
  }

  async listAfter(recipientId: string, afterId: string | null, limit: number): Promise<StoredMessage[]> {
    const after = afterId === null ? 0 : messageSequence(afterId);
    const { rows } = await this.db.run<MessageRow>(AFTER, [recipientId, after, limit]);
    return rows.map(toMessage);
  }

  async deliveredThrough(recipientId: string): Promise<string | null> {
    const { rows } = await this.db.run<{ delivered_through: string }>(DELIVERED_THROUGH, [recipientId]);
    const through = rows.length > 0 ? Number(rows[0].delivered_through) : 0;
    return through > 0 ? formatMessageId(through) : null;
  }

  markDelivered(cursors: ReadonlyMap<string, string>): Promise<void> {
    if (cursors.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.writes.add({ cursors, resolve, reject }));
  }

  async pruneDelivered(sentBefore: Date): Promise<number> {
    let pruned = 0;
    for (;;) {
      // One statement per round: no lock is held between them, so sends go on meanwhile.
      const { rowCount } = await this.db.run(PRUNE, [sentBefore.toISOString(), PRUNE_BATCH]);
      pruned += rowCount ?? 0;
      if ((rowCount ?? 0) < PRUNE_BATCH) return pruned;
    }
  }

  ping(): Promise<void> {
    return this.db.ping();
  }

  /** Runs one batch in one transaction, then settles each write: only after the commit. */
  private async write(batch: PendingWrite[]): Promise<void> {
    const outcomes = await this.db.transaction((tx) => this.writeBatch(tx, batch));
    outcomes.forEach((settle) => settle());
  }

  /** The batch's statements; returns how to settle each write once committed. Safe to run again. */
  private async writeBatch(tx: Transaction, batch: PendingWrite[]): Promise<Array<() => void>> {
    const through = new Map<string, number>();
    for (const write of batch) {
      if (!('cursors' in write)) continue;
      for (const [recipientId, id] of write.cursors) {
        through.set(recipientId, Math.max(through.get(recipientId) ?? 0, messageSequence(id)));
      }
    }
    const appends = batch.filter((write): write is PendingAppend => 'draft' in write);
    const recipients = [...new Set([...appends.map((a) => a.draft.recipientId), ...through.keys()])].sort();
    const locked = await tx.run<{ recipient_id: string; accepted: string; delivered: string }>(LOCK_MAILBOXES, [
      recipients,
      recipients.map((recipientId) => through.get(recipientId) ?? 0),
    ]);
    const boxes = new Map(
      locked.rows.map((row) => [row.recipient_id, { accepted: Number(row.accepted), delivered: Number(row.delivered) }]),
    );

    // The queue check, in the order the appends came: the first ones fill the queue.
    const outcomes: Array<() => void> = [];
    const accepted: Array<{ write: PendingAppend; seq: number }> = [];
    for (const write of appends) {
      const box = boxes.get(write.draft.recipientId)!;
      if (box.accepted - box.delivered >= write.maxQueued) {
        outcomes.push(() => write.reject(new RecipientQueueFullError(write.maxQueued)));
        continue;
      }
      box.accepted += 1;
      accepted.push({ write, seq: box.accepted });
    }

    if (accepted.length > 0) {
      const counted = [...new Set(accepted.map(({ write }) => write.draft.recipientId))];
      const drafts = accepted.map(({ write }) => write.draft);
      const inserted = await tx.run<{ id: string }>(INSERT_MESSAGES, [
        counted,
        counted.map((recipientId) => boxes.get(recipientId)!.accepted),
        drafts.map((d) => d.recipientId),
        accepted.map(({ seq }) => seq),
        drafts.map((d) => d.senderId),
        drafts.map((d) => d.senderName),
        drafts.map((d) => d.text),
        drafts.map((d) => d.sentAt.toISOString()),
      ]);
      const ids = inserted.rows.map((row) => Number(row.id)).sort((a, b) => a - b);
      accepted.forEach(({ write }, index) => {
        const message = { ...write.draft, id: formatMessageId(ids[index]) };
        outcomes.push(() => write.resolve(message));
      });
    }
    for (const write of batch) if ('cursors' in write) outcomes.push(() => write.resolve());
    return outcomes;
  }
}

function toMessage(row: MessageRow): StoredMessage {
  return {
    id: formatMessageId(Number(row.id)),
    recipientId: row.recipient_id,
    senderId: row.sender_id,
    senderName: row.sender_name,
    text: row.body,
    sentAt: row.sent_at,
  };
}
