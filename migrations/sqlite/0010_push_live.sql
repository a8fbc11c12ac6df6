-- Web Push to field phones, the live event stream of the console, and escalation alerts.
-- Kept equivalent to migrations/postgres/0010_push_live.sql.

-- The server's VAPID key pair, made on first start (one row) unless the config gives one.
CREATE TABLE push_vapid_keys (
    id           INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    private_key  TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- One row per browser push subscription; a user may have several phones.
CREATE TABLE push_subscriptions (
    id            BLOB PRIMARY KEY NOT NULL,
    user_id       BLOB NOT NULL REFERENCES users (id),
    device_id     BLOB,
    endpoint      TEXT NOT NULL UNIQUE,
    p256dh        TEXT NOT NULL,
    auth          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_sent_at  TEXT
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- The push outbox: one message to one subscription, written in the transaction of the change
-- it announces, sent later by the sender task. Rows stay as the delivery record.
CREATE TABLE push_messages (
    id               BLOB PRIMARY KEY NOT NULL,
    subscription_id  BLOB REFERENCES push_subscriptions (id) ON DELETE SET NULL,
    user_id          BLOB NOT NULL REFERENCES users (id),
    kind             TEXT NOT NULL,
    ticket_id        BLOB,
    check_id         BLOB,
    topic            TEXT,
    urgency          TEXT NOT NULL CHECK (urgency IN ('low', 'normal', 'high')),
    ttl_secs         INTEGER NOT NULL CHECK (ttl_secs >= 0),
    payload          TEXT NOT NULL,
    receipt          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'received', 'accepted',
                                                    'superseded', 'failed', 'gone')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    -- A sender (of any instance) working on the message holds it until then.
    lease_until      TEXT,
    queued_at        TEXT NOT NULL,
    sent_at          TEXT,
    received_at      TEXT,
    accepted_at      TEXT,
    last_error       TEXT
);
CREATE INDEX push_messages_due ON push_messages (state, next_attempt_at);
CREATE INDEX push_messages_ticket ON push_messages (ticket_id, user_id);

-- What the console's live stream (SSE) shows, in commit order; `seq` is the event id a
-- reconnecting browser resumes from. Old rows are pruned.
CREATE TABLE live_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    at         TEXT NOT NULL,
    ticket_id  BLOB,
    team_id    BLOB,
    user_id    BLOB,
    -- Office roles only (alerts, deliveries to others' phones).
    office_only BOOLEAN NOT NULL DEFAULT FALSE,
    data       TEXT NOT NULL
);

-- Short-lived, single-use tickets a browser's EventSource presents instead of a bearer token.
CREATE TABLE live_stream_tickets (
    token_hash    TEXT PRIMARY KEY NOT NULL,
    session_hash  TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);

-- Escalations alert the team leader as well as the dispatcher; each escalation of a ticket
-- is raised once (across instances) thanks to its key.
ALTER TABLE alerts ADD COLUMN audience TEXT NOT NULL DEFAULT 'dispatcher'
    CHECK (audience IN ('dispatcher', 'leader'));
ALTER TABLE alerts ADD COLUMN team_id BLOB;
ALTER TABLE alerts ADD COLUMN dedupe_key TEXT;
CREATE UNIQUE INDEX alerts_dedupe ON alerts (dedupe_key);
