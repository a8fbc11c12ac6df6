-- Follow-up calls (回访): the daily sample of completed tickets, batches an agent locks while
-- calling, and each call's result. Patrol results (巡线结果) on leak checks, and daily patrol
-- logs (巡线记录) with their GPS tracks. Kept equivalent across engines.

-- One row per sampled day: its primary key makes the daily sampling run once, however many
-- server instances share the database.
CREATE TABLE followup_sampling_runs (
    day       TEXT PRIMARY KEY NOT NULL,
    percent   INTEGER NOT NULL,
    eligible  INTEGER NOT NULL,
    sampled   INTEGER NOT NULL,
    ran_at    TEXT NOT NULL
);

CREATE TABLE followup_batches (
    id           BLOB PRIMARY KEY NOT NULL,
    locked_by    BLOB NOT NULL REFERENCES users (id),
    locked_at    TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    released_at  TEXT
);

CREATE TABLE followups (
    id            BLOB PRIMARY KEY NOT NULL,
    ticket_id     BLOB NOT NULL UNIQUE REFERENCES repair_tickets (id),
    sampled_day   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'done')),
    batch_id      BLOB REFERENCES followup_batches (id),
    satisfaction  TEXT CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
    remarks       TEXT,
    event_id      BLOB,
    called_by     BLOB REFERENCES users (id),
    called_at     TEXT
);
CREATE INDEX followups_status ON followups (status, batch_id);

ALTER TABLE patrol_checks ADD COLUMN result TEXT CHECK (result IN ('no_leak', 'leak_found', 'hazard'));
ALTER TABLE patrol_checks ADD COLUMN gas_reading REAL;
ALTER TABLE patrol_checks ADD COLUMN result_remarks TEXT;
ALTER TABLE patrol_checks ADD COLUMN result_lon REAL;
ALTER TABLE patrol_checks ADD COLUMN result_lat REAL;
ALTER TABLE patrol_checks ADD COLUMN result_at TEXT;
ALTER TABLE patrol_checks ADD COLUMN result_by BLOB REFERENCES users (id);
ALTER TABLE patrol_checks ADD COLUMN repair_ticket_id BLOB;

CREATE TABLE patrol_logs (
    id            BLOB PRIMARY KEY NOT NULL,
    patroller_id  BLOB NOT NULL REFERENCES users (id),
    day           TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    ended_at      TEXT,
    checked       TEXT,
    remarks       TEXT
);
CREATE INDEX patrol_logs_patroller ON patrol_logs (patroller_id, day);

CREATE TABLE patrol_log_points (
    log_id  BLOB NOT NULL REFERENCES patrol_logs (id),
    seq     INTEGER NOT NULL,
    lon     REAL NOT NULL,
    lat     REAL NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (log_id, seq)
);
