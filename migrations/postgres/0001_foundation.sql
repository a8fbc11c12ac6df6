-- Foundation: staff, teams, sessions, customers, catalogs, business parameters, audit log.
-- Kept equivalent to migrations/sqlite/0001_foundation.sql (a test compares them).

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'team_leader', 'dispatcher', 'repairer', 'patroller', 'manager')),
    phone         TEXT,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE teams (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('repair', 'emergency_repair', 'patrol')),
    phone       TEXT,
    leader_id   UUID REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE team_members (
    team_id  UUID NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id  UUID NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE customers (
    id           UUID PRIMARY KEY,
    card_no      TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    address      TEXT NOT NULL,
    district     TEXT,
    street       TEXT,
    community    TEXT,
    lon          DOUBLE PRECISION,
    lat          DOUBLE PRECISION,
    arrears_fen  BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE customer_phones (
    customer_id  UUID NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    phone        TEXT NOT NULL,
    PRIMARY KEY (customer_id, phone)
);
CREATE INDEX customer_phones_phone ON customer_phones (phone);

CREATE TABLE repair_items (
    id               UUID PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    category         TEXT NOT NULL,
    workload_points  DOUBLE PRECISION NOT NULL CHECK (workload_points >= 0),
    onsite_fee_fen   BIGINT NOT NULL DEFAULT 0 CHECK (onsite_fee_fen >= 0),
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE materials (
    id          UUID PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    spec        TEXT,
    unit        TEXT NOT NULL,
    price_fen   BIGINT NOT NULL CHECK (price_fen >= 0),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE business_params (
    key          TEXT PRIMARY KEY,
    value        JSONB NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    updated_by   UUID REFERENCES users (id)
);

-- No foreign keys: the trail outlives what it talks about.
CREATE TABLE audit_log (
    id         UUID PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor_id   UUID,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT,
    details    JSONB NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_at ON audit_log (at);
