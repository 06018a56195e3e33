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
  -- because clients de-duplicate by id.
  CREATE TABLE messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id TEXT NOT NULL,
    sender_id    TEXT,
    sender_name  TEXT NOT NULL,
    body         TEXT NOT NULL,
    sent_at      INTEGER NOT NULL
  );
  CREATE INDEX messages_by_recipient ON messages (recipient_id, id);
  CREATE INDEX messages_by_sent_at ON messages (sent_at);

  CREATE TABLE delivery_cursors (
    recipient_id      TEXT PRIMARY KEY,
    delivered_through INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
];
