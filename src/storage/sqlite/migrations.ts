/**
 * Schema changes, applied in order at boot; `PRAGMA user_version` records how many ran.
 * Append new steps, never edit a released one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );

  -- AUTOINCREMENT: an id is never reused, even after the newest messages are pruned,
  -- because clients de-duplicate by id. seq numbers a recipient's messages 1, 2, 3...
  CREATE TABLE messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    sender_id    TEXT,
    sender_name  TEXT NOT NULL,
    body         TEXT NOT NULL,
    sent_at      INTEGER NOT NULL
  );
  CREATE INDEX messages_by_recipient ON messages (recipient_id, id);
  CREATE INDEX messages_by_sent_at ON messages (sent_at);

  -- One row per recipient: how many messages were accepted for them, how many of those (a
  -- prefix, by seq) were delivered, and the id of the newest delivered one. The queue length
  -- is accepted - delivered: checked in O(1) on every send, however long the queue.
  CREATE TABLE mailboxes (
    recipient_id      TEXT PRIMARY KEY,
    accepted          INTEGER NOT NULL,
    delivered         INTEGER NOT NULL DEFAULT 0,
    delivered_through INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  `,
  `
  -- Secret tokens (AUTH_MODE=token): only their SHA-256 is kept. Users registered before
  -- this step have none. NULLs do not collide in a unique index.
  ALTER TABLE users ADD COLUMN token_hash TEXT;
  CREATE UNIQUE INDEX users_by_token_hash ON users (token_hash);
  `,
  `
  -- Idempotency-Keys of stored sends, written in the transaction that stores the message: a
  -- retry finds the key exactly when the message exists. scope is the sender's id ('' for
  -- anonymous sends); fingerprint hashes the recipient and the text. Pruned after 24 h.
  CREATE TABLE idempotency_keys (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    message_id  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  CREATE INDEX idempotency_keys_by_created_at ON idempotency_keys (created_at);
  `,
];
