/**
 * PostgreSQL schema changes, applied in order at boot inside one transaction that holds an
 * advisory lock, so processes booting together apply each step once. `cohora_migrations`
 * records how many ran. Append new steps, never edit a released one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  -- The directory's version: bumped in the transaction that adds a user, so creates queue on
  -- this one row and versions commit in the order they are handed out. A reader that has seen
  -- version N has seen every user up to N (a sequence alone could commit 7 before 6).
  CREATE TABLE directory (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   bigint NOT NULL
  );
  INSERT INTO directory (version) VALUES (0);

  CREATE TABLE users (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    name_key   text NOT NULL,
    version    bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE UNIQUE INDEX users_name_key ON users (name_key);
  CREATE UNIQUE INDEX users_by_version ON users (version);

  -- Message ids come from this sequence, drawn only while the recipient's mailbox row is
  -- locked: for one recipient they then commit in increasing order, and a reader paging by id
  -- never passes a message that commits later. A sequence never hands out a number twice.
  CREATE SEQUENCE message_ids AS bigint;

  -- seq numbers a recipient's messages 1, 2, 3... (see mailboxes.delivered).
  CREATE TABLE messages (
    id           bigint PRIMARY KEY,
    recipient_id text NOT NULL,
    seq          bigint NOT NULL,
    sender_id    text,
    sender_name  text NOT NULL,
    body         text NOT NULL,
    sent_at      timestamptz NOT NULL
  );
  CREATE INDEX messages_by_recipient ON messages (recipient_id, id);
  CREATE INDEX messages_by_sent_at ON messages (sent_at);

  -- One row per recipient, locked by every write that concerns them: how many messages were
  -- accepted, how many of those (a prefix, by seq) were delivered, and the id of the newest
  -- delivered one. The queue length is accepted - delivered: one key lookup per send.
  CREATE TABLE mailboxes (
    recipient_id      text PRIMARY KEY,
    accepted          bigint NOT NULL,
    delivered         bigint NOT NULL DEFAULT 0,
    delivered_through bigint NOT NULL DEFAULT 0
  );
  `,
];
