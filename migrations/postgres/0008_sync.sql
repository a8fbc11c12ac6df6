-- Offline sync: registered devices with the last sequence number applied from each (written in
-- the same transaction as the change, so a repeat is recognised and a gap refused), every
-- mutation received with its answer (flagged ones wait for a dispatcher), and the change log
-- pulls read from. Kept equivalent across engines.

-- Bumped on every change to a ticket or check, so a mutation says what it was made against.
ALTER TABLE repair_tickets ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE patrol_checks ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

CREATE TABLE sync_devices (
    id             UUID PRIMARY KEY,
    user_id        UUID NOT NULL REFERENCES users (id),
    name           TEXT NOT NULL,
    platform       TEXT,
    last_seq       BIGINT NOT NULL DEFAULT 0,
    -- Raised to make the device start over with a full snapshot; cursors carry the epoch.
    resync_epoch   BIGINT NOT NULL DEFAULT 0,
    registered_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ
);
CREATE INDEX sync_devices_user ON sync_devices (user_id);

CREATE TABLE sync_mutations (
    id            UUID PRIMARY KEY,
    device_id     UUID NOT NULL REFERENCES sync_devices (id),
    seq           BIGINT NOT NULL,
    user_id       UUID NOT NULL REFERENCES users (id),
    kind          TEXT NOT NULL,
    subject_id    UUID,
    base_version  BIGINT,
    device_at     TIMESTAMPTZ NOT NULL,
    payload       JSONB NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('applied', 'flagged')),
    code          TEXT,
    reason        TEXT,
    received_at   TIMESTAMPTZ NOT NULL,
    resolved_by   UUID REFERENCES users (id),
    resolved_at   TIMESTAMPTZ,
    resolution    TEXT,
    UNIQUE (device_id, seq)
);
CREATE INDEX sync_mutations_flagged ON sync_mutations (outcome, resolved_at);

-- One row per change to a ticket or check, in commit order (writers take a transaction-level
-- advisory lock before appending, so a later sequence number is never visible earlier). The
-- team and person before and after let a pull find what entered or left a device's scope.
CREATE TABLE sync_changes (
    seq           BIGSERIAL PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('ticket', 'check')),
    entity_id     UUID NOT NULL,
    team_id       UUID,
    user_id       UUID,
    prev_team_id  UUID,
    prev_user_id  UUID,
    at            TIMESTAMPTZ NOT NULL
);
