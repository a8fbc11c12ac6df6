-- Routing: duty rosters, address rules, field workers' last positions, leak checks
-- (patrol tickets) as routing assigns them, every routing decision with its explanation, and
-- alerts for the dispatcher. Kept equivalent to the PostgreSQL migration.

CREATE TABLE duty_shifts (
    id          BLOB PRIMARY KEY NOT NULL,
    team_id     BLOB NOT NULL REFERENCES teams (id),
    user_id     BLOB NOT NULL REFERENCES users (id),
    starts_at   TEXT NOT NULL,
    ends_at     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX duty_shifts_team ON duty_shifts (team_id, starts_at);

CREATE TABLE routing_rules (
    id          BLOB PRIMARY KEY NOT NULL,
    field       TEXT NOT NULL CHECK (field IN ('street', 'community', 'address')),
    pattern     TEXT NOT NULL,
    team_id     BLOB NOT NULL REFERENCES teams (id),
    priority    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);

CREATE TABLE staff_positions (
    user_id     BLOB PRIMARY KEY NOT NULL REFERENCES users (id),
    lon         REAL NOT NULL,
    lat         REAL NOT NULL,
    at          TEXT NOT NULL
);

CREATE TABLE patrol_checks (
    id           BLOB PRIMARY KEY NOT NULL,
    lon          REAL NOT NULL,
    lat          REAL NOT NULL,
    caller       TEXT,
    phone        TEXT,
    description  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    team_id      BLOB REFERENCES teams (id),
    assigned_to  BLOB REFERENCES users (id),
    reported_at  TEXT NOT NULL,
    reported_by  BLOB REFERENCES users (id)
);
CREATE INDEX patrol_checks_assignee ON patrol_checks (assigned_to, status);

CREATE TABLE routing_decisions (
    id            BLOB PRIMARY KEY NOT NULL,
    subject_kind  TEXT NOT NULL,
    subject_id    BLOB NOT NULL,
    team_id       BLOB REFERENCES teams (id),
    user_id       BLOB REFERENCES users (id),
    basis         TEXT NOT NULL,
    explanation   TEXT NOT NULL,
    decided_by    BLOB REFERENCES users (id),
    decided_at    TEXT NOT NULL
);
CREATE INDEX routing_decisions_subject ON routing_decisions (subject_kind, subject_id);

CREATE TABLE alerts (
    id               BLOB PRIMARY KEY NOT NULL,
    kind             TEXT NOT NULL,
    message          TEXT NOT NULL,
    subject_kind     TEXT,
    subject_id       BLOB,
    raised_at        TEXT NOT NULL,
    acknowledged_at  TEXT,
    acknowledged_by  BLOB REFERENCES users (id)
);
CREATE INDEX alerts_open ON alerts (acknowledged_at, raised_at);
