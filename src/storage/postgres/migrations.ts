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

  -- One batch of writes (the appends and delivery marks of one event-loop turn of one process)
  -- as one statement: one round trip, committed before the caller hears back. The batch is one
  -- JSON document, which costs the caller far less to encode than typed arrays:
  --   { "lock": [recipient id, ...], "through": [cursor message id or 0, ...],
  --     "appends": [[recipient id, sender id, sender name, body, sent at (ms), max queued], ...] }
  --   1. Lock the mailbox row of every recipient in "lock", in that order (the caller sorts
  --      it, so batches from several processes never deadlock), creating missing rows and
  --      advancing delivery cursors ("through", one per lock entry), never backwards.
  --   2. In the order the appends came, check each against its max queued under that lock,
  --      and only then draw its id: for one recipient, ids commit in increasing order.
  -- Returns each append's id, or 0 where the recipient's queue was full (nothing stored).
  CREATE FUNCTION write_batch(batch json) RETURNS json LANGUAGE plpgsql AS $$
  DECLARE
    lock_ids      text[] := ARRAY(
      SELECT e FROM json_array_elements_text(batch->'lock') WITH ORDINALITY AS x(e, n) ORDER BY n);
    cursor_ids    bigint[] := ARRAY(
      SELECT e::bigint FROM json_array_elements_text(batch->'through') WITH ORDINALITY AS x(e, n) ORDER BY n);
    box_accepted  bigint[];
    box_delivered bigint[];
    new_ids       bigint[] := '{}';
    new_id        bigint;
    k             integer;
    a             record;
  BEGIN
    WITH locked AS (
      INSERT INTO mailboxes AS b (recipient_id, accepted, delivered, delivered_through)
      SELECT c.recipient_id, 0,
             coalesce((SELECT m.seq FROM messages m WHERE m.id = c.through AND m.recipient_id = c.recipient_id), 0),
             c.through
      FROM unnest(lock_ids, cursor_ids) WITH ORDINALITY AS c(recipient_id, through, n)
      ORDER BY c.n
      ON CONFLICT (recipient_id) DO UPDATE SET
        -- Delivered in id order, so "through id X" means "the first seq(X)"; a pruned X changes nothing.
        delivered = greatest(b.delivered, coalesce(
          (SELECT m.seq FROM messages m WHERE m.id = excluded.delivered_through AND m.recipient_id = b.recipient_id),
          b.delivered)),
        delivered_through = greatest(b.delivered_through, excluded.delivered_through)
      RETURNING b.recipient_id, b.accepted, b.delivered
    )
    SELECT array_agg(l.accepted ORDER BY o.n), array_agg(l.delivered ORDER BY o.n)
    INTO box_accepted, box_delivered
    FROM locked l JOIN unnest(lock_ids) WITH ORDINALITY AS o(recipient_id, n) USING (recipient_id);

    FOR a IN
      SELECT x.e->>0 AS recipient_id, x.e->>1 AS sender_id, x.e->>2 AS sender_name, x.e->>3 AS body,
             (x.e->>4)::bigint AS sent_ms, (x.e->>5)::bigint AS max_queued
      FROM json_array_elements(batch->'appends') WITH ORDINALITY AS x(e, n) ORDER BY x.n
    LOOP
      k := array_position(lock_ids, a.recipient_id);
      IF box_accepted[k] - box_delivered[k] >= a.max_queued THEN
        new_ids := new_ids || 0::bigint;
        CONTINUE;
      END IF;
      box_accepted[k] := box_accepted[k] + 1;
      new_id := nextval('message_ids');
      INSERT INTO messages (id, recipient_id, seq, sender_id, sender_name, body, sent_at)
      VALUES (new_id, a.recipient_id, box_accepted[k], a.sender_id, a.sender_name, a.body,
              timestamptz 'epoch' + a.sent_ms * interval '1 millisecond');
      new_ids := new_ids || new_id;
    END LOOP;

    UPDATE mailboxes AS b SET accepted = c.accepted
    FROM unnest(lock_ids, box_accepted) AS c(recipient_id, accepted)
    WHERE b.recipient_id = c.recipient_id AND b.accepted <> c.accepted;

    RETURN to_json(new_ids);
  END
  $$;
  `,
  `
  -- Secret tokens (AUTH_MODE=token): only their SHA-256 is kept. Users registered before
  -- this step have none. NULLs do not collide in a unique index.
  ALTER TABLE users ADD COLUMN token_hash text;
  CREATE UNIQUE INDEX users_by_token_hash ON users (token_hash);
  `,
  `
  -- Idempotency-Keys of stored sends (see write_batch below): written in the transaction that
  -- stores the message, so a retry finds the key exactly when the message exists. scope is the
  -- sender's id ('' for anonymous sends); fingerprint hashes the recipient and the text.
  CREATE TABLE idempotency_keys (
    scope       text NOT NULL,
    key         text NOT NULL,
    fingerprint text NOT NULL,
    message_id  bigint NOT NULL,
    created_ms  bigint NOT NULL,
    PRIMARY KEY (scope, key)
  );
  CREATE INDEX idempotency_keys_by_created_ms ON idempotency_keys (created_ms);

  -- write_batch, now with an Idempotency-Key per append: appends gain
  -- [..., scope, key, fingerprint] (nulls without a key) and the batch "key_window_ms". Each
  -- append's answer is its new id, 0 (queue full, nothing stored), {"replay": id} (the key's
  -- earlier message; nothing stored) or {"reused": true} (the key, with another body).
  CREATE OR REPLACE FUNCTION write_batch(batch json) RETURNS json LANGUAGE plpgsql AS $$
  DECLARE
    lock_ids      text[] := ARRAY(
      SELECT e FROM json_array_elements_text(batch->'lock') WITH ORDINALITY AS x(e, n) ORDER BY n);
    cursor_ids    bigint[] := ARRAY(
      SELECT e::bigint FROM json_array_elements_text(batch->'through') WITH ORDINALITY AS x(e, n) ORDER BY n);
    box_accepted  bigint[];
    box_delivered bigint[];
    key_window    bigint := coalesce((batch->>'key_window_ms')::bigint, 0);
    results       json[] := '{}';
    new_id        bigint;
    earlier       record;
    k             integer;
    a             record;
  BEGIN
    WITH locked AS (
      INSERT INTO mailboxes AS b (recipient_id, accepted, delivered, delivered_through)
      SELECT c.recipient_id, 0,
             coalesce((SELECT m.seq FROM messages m WHERE m.id = c.through AND m.recipient_id = c.recipient_id), 0),
             c.through
      FROM unnest(lock_ids, cursor_ids) WITH ORDINALITY AS c(recipient_id, through, n)
      ORDER BY c.n
      ON CONFLICT (recipient_id) DO UPDATE SET
        -- Delivered in id order, so "through id X" means "the first seq(X)"; a pruned X changes nothing.
        delivered = greatest(b.delivered, coalesce(
          (SELECT m.seq FROM messages m WHERE m.id = excluded.delivered_through AND m.recipient_id = b.recipient_id),
          b.delivered)),
        delivered_through = greatest(b.delivered_through, excluded.delivered_through)
      RETURNING b.recipient_id, b.accepted, b.delivered
    )
    SELECT array_agg(l.accepted ORDER BY o.n), array_agg(l.delivered ORDER BY o.n)
    INTO box_accepted, box_delivered
    FROM locked l JOIN unnest(lock_ids) WITH ORDINALITY AS o(recipient_id, n) USING (recipient_id);

    FOR a IN
      SELECT x.e->>0 AS recipient_id, x.e->>1 AS sender_id, x.e->>2 AS sender_name, x.e->>3 AS body,
             (x.e->>4)::bigint AS sent_ms, (x.e->>5)::bigint AS max_queued,
             x.e->>6 AS scope, x.e->>7 AS key, x.e->>8 AS fingerprint
      FROM json_array_elements(batch->'appends') WITH ORDINALITY AS x(e, n) ORDER BY x.n
    LOOP
      IF a.key IS NOT NULL THEN
        SELECT i.fingerprint, i.message_id INTO earlier FROM idempotency_keys i
        WHERE i.scope = a.scope AND i.key = a.key AND i.created_ms > a.sent_ms - key_window;
        IF FOUND THEN
          results := results || CASE WHEN earlier.fingerprint = a.fingerprint
            THEN json_build_object('replay', earlier.message_id) ELSE json_build_object('reused', true) END;
          CONTINUE;
        END IF;
      END IF;
      k := array_position(lock_ids, a.recipient_id);
      IF box_accepted[k] - box_delivered[k] >= a.max_queued THEN
        results := results || to_json(0);
        CONTINUE;
      END IF;
      new_id := nextval('message_ids');
      IF a.key IS NOT NULL THEN
        -- Another process's send with this key may be committing right now: the unique index
        -- makes this wait for it, and if it committed, we replay it instead of storing twice.
        -- A record past the window gives way.
        INSERT INTO idempotency_keys AS i (scope, key, fingerprint, message_id, created_ms)
        VALUES (a.scope, a.key, a.fingerprint, new_id, a.sent_ms)
        ON CONFLICT (scope, key) DO UPDATE SET
          fingerprint = excluded.fingerprint, message_id = excluded.message_id, created_ms = excluded.created_ms
        WHERE i.created_ms <= excluded.created_ms - key_window;
        IF NOT FOUND THEN
          SELECT i.fingerprint, i.message_id INTO earlier FROM idempotency_keys i
          WHERE i.scope = a.scope AND i.key = a.key;
          results := results || CASE WHEN earlier.fingerprint = a.fingerprint
            THEN json_build_object('replay', earlier.message_id) ELSE json_build_object('reused', true) END;
          CONTINUE;
        END IF;
      END IF;
      box_accepted[k] := box_accepted[k] + 1;
      INSERT INTO messages (id, recipient_id, seq, sender_id, sender_name, body, sent_at)
      VALUES (new_id, a.recipient_id, box_accepted[k], a.sender_id, a.sender_name, a.body,
              timestamptz 'epoch' + a.sent_ms * interval '1 millisecond');
      results := results || to_json(new_id);
    END LOOP;

    UPDATE mailboxes AS b SET accepted = c.accepted
    FROM unnest(lock_ids, box_accepted) AS c(recipient_id, accepted)
    WHERE b.recipient_id = c.recipient_id AND b.accepted <> c.accepted;

    RETURN to_json(results);
  END
  $$;
  `,
];
