-- Routing: duty rosters, address rules, field workers' last positions, leak checks
-- (patrol tickets) as routing assigns them, every routing decision with its explanation, and
-- alerts for the dispatcher. Kept equivalent to the SQLite migration.

CREATE TABLE duty_shifts (
    id          UUID PRIMARY KEY,
    team_id     UUID NOT NULL REFERENCES teams (id),
    user_id     UUID NOT NULL REFERENCES users (id),
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX duty_shifts_team ON duty_shifts (team_id, starts_at);

CREATE TABLE routing_rules (
    id          UUID PRIMARY KEY,
    field       TEXT NOT NULL CHECK (field IN ('street', 'community', 'address')),
    pattern     TEXT NOT NULL,
    team_id     UUID NOT NULL REFERENCES teams (id),
    priority    BIGINT NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE staff_positions (
    user_id     UUID PRIMARY KEY REFERENCES users (id),
    lon         DOUBLE PRECISION NOT NULL,
    lat         DOUBLE PRECISION NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE patrol_checks (
    id           UUID PRIMARY KEY,
    lon          DOUBLE PRECISION NOT NULL,
    lat          DOUBLE PRECISION NOT NULL,
    caller       TEXT,
    phone        TEXT,
    description  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    team_id      UUID REFERENCES teams (id),
    assigned_to  UUID REFERENCES users (id),
    reported_at  TIMESTAMPTZ NOT NULL,
    reported_by  UUID REFERENCES users (id)
);
CREATE INDEX patrol_checks_assignee ON patrol_checks (assigned_to, status);

CREATE TABLE routing_decisions (
    id            UUID PRIMARY KEY,
    subject_kind  TEXT NOT NULL,
    subject_id    UUID NOT NULL,
    team_id       UUID REFERENCES teams (id),
    user_id       UUID REFERENCES users (id),
    basis         JSONB NOT NULL,
    explanation   TEXT NOT NULL,
    decided_by    UUID REFERENCES users (id),
    decided_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX routing_decisions_subject ON routing_decisions (subject_kind, subject_id);

CREATE TABLE alerts (
    id               UUID PRIMARY KEY,
    kind             TEXT NOT NULL,
    message          TEXT NOT NULL,
    subject_kind     TEXT,
    subject_id       UUID,
    raised_at        TIMESTAMPTZ NOT NULL,
    acknowledged_at  TIMESTAMPTZ,
    acknowledged_by  UUID REFERENCES users (id)
);
CREATE INDEX alerts_open ON alerts (acknowledged_at, raised_at);
