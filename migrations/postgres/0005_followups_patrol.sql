-- Follow-up calls (回访): the daily sample of completed tickets, batches an agent locks while
-- calling, and each call's result. Patrol results (巡线结果) on leak checks, and daily patrol
-- logs (巡线记录) with their GPS tracks. Kept equivalent across engines.

-- One row per sampled day: its primary key makes the daily sampling run once, however many
-- server instances share the database.
CREATE TABLE followup_sampling_runs (
    day       TEXT PRIMARY KEY,
    percent   BIGINT NOT NULL,
    eligible  BIGINT NOT NULL,
    sampled   BIGINT NOT NULL,
    ran_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE followup_batches (
    id           UUID PRIMARY KEY,
    locked_by    UUID NOT NULL REFERENCES users (id),
    locked_at    TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    released_at  TIMESTAMPTZ
);

CREATE TABLE followups (
    id            UUID PRIMARY KEY,
    ticket_id     UUID NOT NULL UNIQUE REFERENCES repair_tickets (id),
    sampled_day   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'done')),
    batch_id      UUID REFERENCES followup_batches (id),
    satisfaction  TEXT CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
    remarks       TEXT,
    event_id      UUID,
    called_by     UUID REFERENCES users (id),
    called_at     TIMESTAMPTZ
);
CREATE INDEX followups_status ON followups (status, batch_id);

ALTER TABLE patrol_checks ADD COLUMN result TEXT CHECK (result IN ('no_leak', 'leak_found', 'hazard'));
ALTER TABLE patrol_checks ADD COLUMN gas_reading DOUBLE PRECISION;
ALTER TABLE patrol_checks ADD COLUMN result_remarks TEXT;
ALTER TABLE patrol_checks ADD COLUMN result_lon DOUBLE PRECISION;
ALTER TABLE patrol_checks ADD COLUMN result_lat DOUBLE PRECISION;
ALTER TABLE patrol_checks ADD COLUMN result_at TIMESTAMPTZ;
ALTER TABLE patrol_checks ADD COLUMN result_by UUID REFERENCES users (id);
ALTER TABLE patrol_checks ADD COLUMN repair_ticket_id UUID;

CREATE TABLE patrol_logs (
    id            UUID PRIMARY KEY,
    patroller_id  UUID NOT NULL REFERENCES users (id),
    day           TEXT NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    ended_at      TIMESTAMPTZ,
    checked       TEXT,
    remarks       TEXT
);
CREATE INDEX patrol_logs_patroller ON patrol_logs (patroller_id, day);

CREATE TABLE patrol_log_points (
    log_id  UUID NOT NULL REFERENCES patrol_logs (id),
    seq     BIGINT NOT NULL,
    lon     DOUBLE PRECISION NOT NULL,
    lat     DOUBLE PRECISION NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (log_id, seq)
);
