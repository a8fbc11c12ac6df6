-- Offline sync: registered devices with the last sequence number applied from each (written in
-- the same transaction as the change, so a repeat is recognised and a gap refused), every
-- mutation received with its answer (flagged ones wait for a dispatcher), and the change log
-- pulls read from. Kept equivalent to migrations/postgres/0008_sync.sql.

-- Bumped on every change to a ticket or check, so a mutation says what it was made against.
ALTER TABLE repair_tickets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE patrol_checks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE sync_devices (
    id             BLOB PRIMARY KEY NOT NULL,
    user_id        BLOB NOT NULL REFERENCES users (id),
    name           TEXT NOT NULL,
    platform       TEXT,
    last_seq       INTEGER NOT NULL DEFAULT 0,
    -- Raised to make the device start over with a full snapshot; cursors carry the epoch.
    resync_epoch   INTEGER NOT NULL DEFAULT 0,
    registered_at  TEXT NOT NULL,
    last_seen_at   TEXT
);
CREATE INDEX sync_devices_user ON sync_devices (user_id);

CREATE TABLE sync_mutations (
    id            BLOB PRIMARY KEY NOT NULL,
    device_id     BLOB NOT NULL REFERENCES sync_devices (id),
    seq           INTEGER NOT NULL,
    user_id       BLOB NOT NULL REFERENCES users (id),
    kind          TEXT NOT NULL,
    subject_id    BLOB,
    base_version  INTEGER,
    device_at     TEXT NOT NULL,
    payload       TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('applied', 'flagged')),
    code          TEXT,
    reason        TEXT,
    received_at   TEXT NOT NULL,
    resolved_by   BLOB REFERENCES users (id),
    resolved_at   TEXT,
    resolution    TEXT,
    UNIQUE (device_id, seq)
);
CREATE INDEX sync_mutations_flagged ON sync_mutations (outcome, resolved_at);

-- One row per change to a ticket or check, in commit order (SQLite serialises writers; PostgreSQL
-- writers take an advisory lock first, so a later sequence number is never visible earlier). The
-- team and person before and after let a pull find what entered or left a device's scope.
CREATE TABLE sync_changes (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL CHECK (kind IN ('ticket', 'check')),
    entity_id     BLOB NOT NULL,
    team_id       BLOB,
    user_id       BLOB,
    prev_team_id  BLOB,
    prev_user_id  BLOB,
    at            TEXT NOT NULL
);
