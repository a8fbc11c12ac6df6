-- Foundation: staff, teams, sessions, customers, catalogs, business parameters, audit log.
-- Kept equivalent to migrations/postgres/0001_foundation.sql (a test compares them).
-- UUIDs are stored as 16-byte BLOBs and timestamps as RFC 3339 text in UTC (sqlx's encodings).

CREATE TABLE users (
    id            BLOB PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'team_leader', 'dispatcher', 'repairer', 'patroller', 'manager')),
    phone         TEXT,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE teams (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('repair', 'emergency_repair', 'patrol')),
    phone       TEXT,
    leader_id   BLOB REFERENCES users (id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE team_members (
    team_id  BLOB NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id  BLOB NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE customers (
    id           BLOB PRIMARY KEY NOT NULL,
    card_no      TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    address      TEXT NOT NULL,
    district     TEXT,
    street       TEXT,
    community    TEXT,
    lon          REAL,
    lat          REAL,
    arrears_fen  INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE customer_phones (
    customer_id  BLOB NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    phone        TEXT NOT NULL,
    PRIMARY KEY (customer_id, phone)
);
CREATE INDEX customer_phones_phone ON customer_phones (phone);

CREATE TABLE repair_items (
    id               BLOB PRIMARY KEY NOT NULL,
    code             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    category         TEXT NOT NULL,
    workload_points  REAL NOT NULL CHECK (workload_points >= 0),
    onsite_fee_fen   INTEGER NOT NULL DEFAULT 0 CHECK (onsite_fee_fen >= 0),
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE materials (
    id          BLOB PRIMARY KEY NOT NULL,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    spec        TEXT,
    unit        TEXT NOT NULL,
    price_fen   INTEGER NOT NULL CHECK (price_fen >= 0),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE business_params (
    key          TEXT PRIMARY KEY NOT NULL,
    value        TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   BLOB REFERENCES users (id)
);

-- No foreign keys: the trail outlives what it talks about.
CREATE TABLE audit_log (
    id         BLOB PRIMARY KEY NOT NULL,
    at         TEXT NOT NULL,
    actor_id   BLOB,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT,
    details    TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_at ON audit_log (at);
