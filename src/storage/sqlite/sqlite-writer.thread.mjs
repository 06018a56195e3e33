// @ts-check
// The SQLite writer thread (issue 13). Every write to the file runs here, on a connection of
// its own, so a commit's write, SQLite's auto-checkpoint and its fsyncs block this thread and
// never the event loop. Plain JavaScript because worker threads load files, not TypeScript
// (vitest runs the sources); nest-cli.json copies it to dist/. sqlite-writer.ts is its other
// half and documents the protocol.
//
// Each message is one batch: the writes of one event-loop turn of the main thread (and those
// queued while the previous batch ran), run in one IMMEDIATE transaction. The answer lists each
// write's outcome in order, or the transaction's failure. A write that refuses (a full queue,
// a reused key) must refuse before it writes anything: it fails alone and the batch goes on.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

// idempotencyWindowMs: how long past sentAt an idempotency key is kept (IDEMPOTENCY_WINDOW_MS in
// ports/message.store.ts). lockWaitMs: see busy_timeout below.
const { file, synchronous, lockWaitMs, idempotencyWindowMs } = workerData;

const db = new Database(file);
// The config makes it half a send's bound: a batch that cannot get the write lock from another
// connection fails with SQLITE_BUSY, a 503 that says nothing was stored, while its sends still
// wait for an answer.
db.pragma(`busy_timeout = ${lockWaitMs}`);
// Per connection: the writer's is the one that counts, as it is the one that commits.
db.pragma(`synchronous = ${synchronous}`);
// The checkpointer thread (wal-checkpointer.thread.mjs) copies the log into the file as it
// grows, without blocking commits. But SQLite restarts the log only when a commit begins with
// every frame copied, which load that never pauses never allows; past this many frames
// (about 64 MB) this connection checkpoints what is left itself, so the log stays bounded.
db.pragma('wal_autocheckpoint = 16384');

const keyByScope = db.prepare('SELECT fingerprint, message_id, created_at FROM idempotency_keys WHERE scope = ? AND key = ?');
// REPLACE: a record past the window that the pruner has not reached yet gives way.
const rememberKey = db.prepare(
  'INSERT OR REPLACE INTO idempotency_keys (scope, key, fingerprint, message_id, created_at) VALUES (?, ?, ?, ?, ?)',
);
const mailbox = db.prepare('SELECT accepted, delivered FROM mailboxes WHERE recipient_id = ?');
const countAccepted = db.prepare(`
  INSERT INTO mailboxes (recipient_id, accepted) VALUES (?, 1)
  ON CONFLICT (recipient_id) DO UPDATE SET accepted = accepted + 1`);
const insertMessage = db.prepare(
  'INSERT INTO messages (recipient_id, seq, sender_id, sender_name, body, sent_at) VALUES (?, ?, ?, ?, ?, ?)',
);
// A recipient's messages are delivered in id order, so "delivered through id X" means
// "delivered the first seq(X) messages". A pruned X leaves the count where it was.
const advance = db.prepare(`
  UPDATE mailboxes SET
    delivered = max(delivered, coalesce((SELECT seq FROM messages WHERE id = ?), delivered)),
    delivered_through = max(delivered_through, ?)
  WHERE recipient_id = ?`);
const pruneMessages = db.prepare(`
  DELETE FROM messages WHERE id IN (
    SELECT m.id FROM messages m
    JOIN mailboxes b ON b.recipient_id = m.recipient_id
    WHERE m.sent_at < ? AND m.id <= b.delivered_through
    LIMIT ?
  )`);
const pruneKeys = db.prepare(`
  DELETE FROM idempotency_keys WHERE (scope, key) IN (
    SELECT scope, key FROM idempotency_keys WHERE created_at < ? LIMIT ?
  )`);
const insertUser = db.prepare('INSERT INTO users (id, name, name_key, created_at, token_hash) VALUES (?, ?, ?, ?, ?)');
const rotate = db.prepare('UPDATE users SET token_hash = ? WHERE id = ? AND token_hash = ?');

/** A refusal the main thread turns into its domain error; nothing was written. */
class Refusal {
  /** @param {string} refused */
  constructor(refused) {
    this.refused = refused;
  }
}

/** Each write by its `kind`: the write's fields in, a structured-cloneable value out. */
const writes = {
  /** @param {any} w */
  append(w) {
    if (w.key) {
      const earlier = keyByScope.get(w.key.scope, w.key.key);
      if (earlier && earlier.created_at > w.sentAt - idempotencyWindowMs) {
        if (earlier.fingerprint !== w.key.fingerprint) throw new Refusal('key-reused');
        return { replayed: true, id: earlier.message_id };
      }
    }
    const box = mailbox.get(w.recipientId);
    const accepted = box?.accepted ?? 0;
    if (accepted - (box?.delivered ?? 0) >= w.maxQueued) throw new Refusal('queue-full');
    countAccepted.run(w.recipientId);
    const { lastInsertRowid } = insertMessage.run(w.recipientId, accepted + 1, w.senderId, w.senderName, w.text, w.sentAt);
    const id = Number(lastInsertRowid);
    if (w.key) rememberKey.run(w.key.scope, w.key.key, w.key.fingerprint, id, w.sentAt);
    return { replayed: false, id };
  },
  /** @param {any} w */
  deliver(w) {
    for (const [recipientId, sequence] of w.cursors) advance.run(sequence, sequence, recipientId);
    return null;
  },
  /** @param {any} w */
  pruneMessages(w) {
    return pruneMessages.run(w.before, w.limit).changes;
  },
  /** @param {any} w */
  pruneKeys(w) {
    return pruneKeys.run(w.before, w.limit).changes;
  },
  /** @param {any} w */
  createUser(w) {
    insertUser.run(w.id, w.name, w.nameKey, w.createdAt, w.tokenHash);
    return null;
  },
  /** @param {any} w */
  rotateToken(w) {
    return rotate.run(w.nextHash, w.id, w.currentHash).changes === 1;
  },
};

/** What the main thread needs of an error: its SQLite code and message (Error objects lose their class in transit). */
function described(/** @type {any} */ error) {
  if (error instanceof Refusal) return { refused: error.refused };
  return { code: typeof error?.code === 'string' ? error.code : undefined, message: String(error?.message ?? error) };
}

/** @param {any[]} batch */
function commit(batch) {
  /** @type {any[]} */
  const outcomes = [];
  try {
    db.transaction(() => {
      for (const write of batch) {
        try {
          outcomes.push({ value: writes[/** @type {keyof typeof writes} */ (write.kind)](write) });
        } catch (error) {
          // Rolled back under our feet (SQLite does so on a full disk): the rest would run in
          // autocommit, outside the batch.
          if (!db.inTransaction) throw error;
          outcomes.push({ error: described(error) });
        }
      }
    }).immediate();
  } catch (error) {
    return { failed: described(error) };
  }
  return { outcomes };
}

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
port.on('message', (/** @type {any} */ message) => {
  if (message === 'close') {
    db.close();
    port.close();
    return;
  }
  port.postMessage(commit(message));
});
