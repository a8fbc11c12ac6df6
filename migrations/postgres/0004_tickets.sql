-- Repair intake and records: tickets (接报单) with their numbered days, every transition as an
-- event, repair records (维修单) with repairers, items, materials and fees, versioned score
-- rules (维修分值规则表), and outage notices (停气通知). Kept equivalent across engines.

CREATE TABLE ticket_counters (
    day   TEXT PRIMARY KEY,
    last  BIGINT NOT NULL
);

CREATE TABLE repair_tickets (
    id                UUID PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    status            TEXT NOT NULL CHECK (status IN ('new', 'assigned', 'accepted', 'on_the_way', 'on_site',
                                                      'completed', 'followed_up', 'closed', 'cancelled')),
    customer_id       UUID REFERENCES customers (id),
    reporter          TEXT NOT NULL,
    phone             TEXT NOT NULL,
    address           TEXT NOT NULL,
    lon               DOUBLE PRECISION,
    lat               DOUBLE PRECISION,
    category          TEXT NOT NULL,
    content           TEXT NOT NULL,
    source            TEXT NOT NULL CHECK (source IN ('call', 'patrol', 'web')),
    urgent            BOOLEAN NOT NULL,
    deadline_at       TIMESTAMPTZ NOT NULL,
    appointment_from  TIMESTAMPTZ,
    appointment_to    TIMESTAMPTZ,
    team_id           UUID REFERENCES teams (id),
    assignee_id       UUID REFERENCES users (id),
    patrol_check_id   UUID REFERENCES patrol_checks (id),
    created_by        UUID REFERENCES users (id),
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX repair_tickets_status ON repair_tickets (status, team_id);
CREATE INDEX repair_tickets_created ON repair_tickets (created_at);
CREATE INDEX repair_tickets_customer ON repair_tickets (customer_id);
CREATE INDEX repair_tickets_phone ON repair_tickets (phone);
CREATE INDEX repair_tickets_team ON repair_tickets (team_id, created_at);

CREATE TABLE ticket_events (
    id           UUID PRIMARY KEY,
    ticket_id    UUID NOT NULL REFERENCES repair_tickets (id),
    action       TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    actor_id     UUID REFERENCES users (id),
    at           TIMESTAMPTZ NOT NULL,
    -- When the field worker did it, by their phone's clock (SLA times use this).
    device_at    TIMESTAMPTZ,
    note         TEXT
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at);

CREATE TABLE score_rule_sets (
    version     BIGINT PRIMARY KEY,
    rules       JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  UUID REFERENCES users (id)
);

CREATE TABLE repair_records (
    id                 UUID PRIMARY KEY,
    ticket_id          UUID NOT NULL UNIQUE REFERENCES repair_tickets (id),
    completed_at       TIMESTAMPTZ NOT NULL,
    rule_version       BIGINT NOT NULL REFERENCES score_rule_sets (version),
    total_centipoints  BIGINT NOT NULL,
    onsite_fee_fen     BIGINT NOT NULL,
    material_fee_fen   BIGINT NOT NULL,
    total_fee_fen      BIGINT NOT NULL,
    remarks            TEXT,
    created_by         UUID REFERENCES users (id),
    created_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE record_repairers (
    record_id     UUID NOT NULL REFERENCES repair_records (id),
    user_id       UUID NOT NULL REFERENCES users (id),
    centipoints   BIGINT NOT NULL,
    PRIMARY KEY (record_id, user_id)
);
CREATE INDEX record_repairers_user ON record_repairers (user_id);

CREATE TABLE record_items (
    record_id       UUID NOT NULL REFERENCES repair_records (id),
    position        BIGINT NOT NULL,
    repair_item_id  UUID NOT NULL REFERENCES repair_items (id),
    quantity        BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (record_id, position)
);
CREATE INDEX record_items_item ON record_items (repair_item_id);

CREATE TABLE record_materials (
    record_id       UUID NOT NULL REFERENCES repair_records (id),
    position        BIGINT NOT NULL,
    material_id     UUID NOT NULL REFERENCES materials (id),
    quantity        DOUBLE PRECISION NOT NULL CHECK (quantity > 0),
    unit_price_fen  BIGINT NOT NULL,
    PRIMARY KEY (record_id, position)
);
CREATE INDEX record_materials_material ON record_materials (material_id);

CREATE TABLE record_fees (
    record_id   UUID NOT NULL REFERENCES repair_records (id),
    position    BIGINT NOT NULL,
    label       TEXT NOT NULL,
    amount_fen  BIGINT NOT NULL CHECK (amount_fen >= 0),
    PRIMARY KEY (record_id, position)
);

CREATE TABLE outage_notices (
    id            UUID PRIMARY KEY,
    reason        TEXT NOT NULL,
    starts_at     TIMESTAMPTZ NOT NULL,
    ends_at       TIMESTAMPTZ NOT NULL,
    -- A GeoJSON polygon, or the streets/communities it covers (JSON arrays of names), or both.
    geometry      JSONB,
    streets       JSONB NOT NULL,
    communities   JSONB NOT NULL,
    created_by    UUID REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL,
    cancelled_at  TIMESTAMPTZ
);
CREATE INDEX outage_notices_window ON outage_notices (ends_at);
