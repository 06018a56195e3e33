import {
  DomainError,
  IdempotencyKeyReusedError,
  InsufficientStorageError,
  InvalidInputError,
  RecipientQueueFullError,
} from '../../common/domain-errors.js';
import { formatMessageId, messageSequence } from '../../protocol/message-id.js';
import {
  type AppendOptions,
  type AppendResult,
  type IdempotencyClaim,
  IDEMPOTENCY_WINDOW_MS,
  type MessageDraft,
  MessageStore,
  type StorageFault,
  type StoredMessage,
} from '../../ports/message.store.js';
import { WriteFaults } from '../write-faults.js';
import type { PostgresDatabase, Statement } from './postgres-database.js';
import { WriteBatcher } from '../write-batcher.js';

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
  idempotency?: IdempotencyClaim;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

interface PendingCursors {
  cursors: ReadonlyMap<string, string>;
  resolve(): void;
  reject(error: unknown): void;
}

type PendingWrite = PendingAppend | PendingCursors;

/** One append's answer from write_batch (see migrations.ts). */
type AppendAnswer = number | { replay: number } | { reused: true };

const PRUNE_BATCH = 5_000;

// See write_batch in migrations.ts: locks, queue checks, ids and inserts in one round trip.
const WRITE_BATCH: Statement = {
  name: 'cohora.messages.write-batch',
  text: 'SELECT write_batch($1) AS ids',
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

// One row per recipient ever messaged: a scan, but only at each metrics scrape.
const QUEUED: Statement = {
  name: 'cohora.messages.queued',
  text: 'SELECT coalesce(sum(accepted - delivered), 0) AS queued FROM mailboxes',
};

const PRUNE_KEYS: Statement = {
  name: 'cohora.messages.prune-keys',
  text: `
    DELETE FROM idempotency_keys WHERE (scope, key) IN (
      SELECT scope, key FROM idempotency_keys WHERE created_ms < $1 LIMIT $2
    )`,
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
 * of one event-loop turn share one statement, so one transaction and one round trip (see
 * WriteBatcher and write_batch); each append resolves only after it has committed.
 */
export class PostgresMessageStore extends MessageStore {
  private readonly writes = new WriteBatcher<PendingWrite>((batch) => this.write(batch));
  private readonly faults: WriteFaults;

  constructor(private readonly db: PostgresDatabase) {
    super();
    this.faults = new WriteFaults(`PostgreSQL at ${db.target}`);
  }

  appendOnce(
    draft: MessageDraft,
    maxQueued: number,
    { idempotency, signal }: AppendOptions = {},
  ): Promise<AppendResult> {
    // PostgreSQL text cannot hold U+0000: the client's mistake (400), not the database's failure.
    if (draft.text.includes('\0')) {
      return Promise.reject(new InvalidInputError('message must not contain the character U+0000'));
    }
    return new Promise((resolve, reject) =>
      this.writes.add({ draft, maxQueued, idempotency, resolve, reject }, signal),
    );
  }

  override writeFault(): StorageFault | null {
    return this.faults.current;
  }

  async pruneIdempotencyKeys(createdBefore: Date): Promise<number> {
    let pruned = 0;
    for (;;) {
      const { rowCount } = await this.db.run(PRUNE_KEYS, [createdBefore.getTime(), PRUNE_BATCH]);
      pruned += rowCount ?? 0;
      if ((rowCount ?? 0) < PRUNE_BATCH) return pruned;
    }
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

  override async queuedCount(): Promise<number> {
    const { rows } = await this.db.run<{ queued: string }>(QUEUED);
    return Number(rows[0].queued);
  }

  /** Runs one batch; settles each write only after it has committed. */
  private async write(batch: PendingWrite[]): Promise<void> {
    try {
      await this.writeTogether(batch);
      this.faults.accepted();
    } catch (error) {
      if (error instanceof InsufficientStorageError) this.faults.refused(error.fault);
      // Refused for its data rather than for an outage: one odd write must not fail the sends
      // that happened to share its batch, so each runs again alone, and the odd one fails alone.
      // An outage, a full disk or an unknown outcome fails the batch whole: never sent again.
      if (batch.length === 1 || error instanceof DomainError) throw error;
      for (const write of batch) await this.writeTogether([write]).catch((alone: unknown) => write.reject(alone));
    }
  }

  /** Runs writes as one statement, then settles each; writes withdrawn meanwhile are left out. */
  private async writeTogether(batch: PendingWrite[]): Promise<void> {
    let sent: PendingWrite[] = [];
    let appends: PendingAppend[] = [];
    const result = await this.db.runWhenConnected<{ ids: AppendAnswer[] }>(WRITE_BATCH, () => {
      sent = this.writes.sendable(batch);
      if (sent.length === 0) return undefined;
      appends = sent.filter((write): write is PendingAppend => 'draft' in write);
      return [batchJson(sent, appends)];
    });
    if (result === undefined) return;
    const { ids } = result.rows[0];
    appends.forEach((write, index) => {
      const answer = ids[index];
      if (answer === 0) write.reject(new RecipientQueueFullError(write.maxQueued));
      else if (typeof answer === 'number')
        write.resolve({ replayed: false, message: { ...write.draft, id: formatMessageId(answer) } });
      else if ('replay' in answer) write.resolve({ replayed: true, messageId: formatMessageId(answer.replay) });
      else write.reject(new IdempotencyKeyReusedError());
    });
    for (const write of sent) if ('cursors' in write) write.resolve();
  }
}

/** The batch as write_batch takes it (see migrations.ts). */
function batchJson(batch: PendingWrite[], appends: PendingAppend[]): string {
  const through = new Map<string, number>();
  for (const write of batch) {
    if ('cursors' in write) {
      for (const [recipientId, id] of write.cursors) {
        through.set(recipientId, Math.max(through.get(recipientId) ?? 0, messageSequence(id)));
      }
    }
  }
  // Sorted: every process locks mailboxes in the same order.
  const lock = [...new Set([...appends.map((a) => a.draft.recipientId), ...through.keys()])].sort();
  return JSON.stringify({
    lock,
    through: lock.map((recipientId) => through.get(recipientId) ?? 0),
    key_window_ms: IDEMPOTENCY_WINDOW_MS,
    appends: appends.map(({ draft, maxQueued, idempotency }) => [
      draft.recipientId,
      draft.senderId,
      draft.senderName,
      wellFormed(draft.text),
      draft.sentAt.getTime(),
      maxQueued,
      idempotency?.scope ?? null,
      idempotency?.key ?? null,
      idempotency?.fingerprint ?? null,
    ]),
  });
}

const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The text with any lone UTF-16 surrogate replaced by U+FFFD, as UTF-8 encoding would store
 * it: JSON would carry it as an escape that PostgreSQL refuses, failing the whole batch.
 */
function wellFormed(text: string): string {
  return SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\ufffd') : text;
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
