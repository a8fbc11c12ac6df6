-- Repair intake and records: tickets (接报单) with their numbered days, every transition as an
-- event, repair records (维修单) with repairers, items, materials and fees, versioned score
-- rules (维修分值规则表), and outage notices (停气通知). Kept equivalent across engines.

CREATE TABLE ticket_counters (
    day   TEXT PRIMARY KEY NOT NULL,
    last  INTEGER NOT NULL
);

CREATE TABLE repair_tickets (
    id                BLOB PRIMARY KEY NOT NULL,
    number            TEXT NOT NULL UNIQUE,
    status            TEXT NOT NULL CHECK (status IN ('new', 'assigned', 'accepted', 'on_the_way', 'on_site',
                                                      'completed', 'followed_up', 'closed', 'cancelled')),
    customer_id       BLOB REFERENCES customers (id),
    reporter          TEXT NOT NULL,
    phone             TEXT NOT NULL,
    address           TEXT NOT NULL,
    lon               REAL,
    lat               REAL,
    category          TEXT NOT NULL,
    content           TEXT NOT NULL,
    source            TEXT NOT NULL CHECK (source IN ('call', 'patrol', 'web')),
    urgent            BOOLEAN NOT NULL,
    deadline_at       TEXT NOT NULL,
    appointment_from  TEXT,
    appointment_to    TEXT,
    team_id           BLOB REFERENCES teams (id),
    assignee_id       BLOB REFERENCES users (id),
    patrol_check_id   BLOB REFERENCES patrol_checks (id),
    created_by        BLOB REFERENCES users (id),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX repair_tickets_status ON repair_tickets (status, team_id);
CREATE INDEX repair_tickets_created ON repair_tickets (created_at);
CREATE INDEX repair_tickets_customer ON repair_tickets (customer_id);
CREATE INDEX repair_tickets_phone ON repair_tickets (phone);
CREATE INDEX repair_tickets_team ON repair_tickets (team_id, created_at);

CREATE TABLE ticket_events (
    id           BLOB PRIMARY KEY NOT NULL,
    ticket_id    BLOB NOT NULL REFERENCES repair_tickets (id),
    action       TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    actor_id     BLOB REFERENCES users (id),
    at           TEXT NOT NULL,
    -- When the field worker did it, by their phone's clock (SLA times use this).
    device_at    TEXT,
    note         TEXT
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, at);

CREATE TABLE score_rule_sets (
    version     INTEGER PRIMARY KEY NOT NULL,
    rules       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  BLOB REFERENCES users (id)
);

CREATE TABLE repair_records (
    id                 BLOB PRIMARY KEY NOT NULL,
    ticket_id          BLOB NOT NULL UNIQUE REFERENCES repair_tickets (id),
    completed_at       TEXT NOT NULL,
    rule_version       INTEGER NOT NULL REFERENCES score_rule_sets (version),
    total_centipoints  INTEGER NOT NULL,
    onsite_fee_fen     INTEGER NOT NULL,
    material_fee_fen   INTEGER NOT NULL,
    total_fee_fen      INTEGER NOT NULL,
    remarks            TEXT,
    created_by         BLOB REFERENCES users (id),
    created_at         TEXT NOT NULL
);

CREATE TABLE record_repairers (
    record_id     BLOB NOT NULL REFERENCES repair_records (id),
    user_id       BLOB NOT NULL REFERENCES users (id),
    centipoints   INTEGER NOT NULL,
    PRIMARY KEY (record_id, user_id)
);
CREATE INDEX record_repairers_user ON record_repairers (user_id);

CREATE TABLE record_items (
    record_id       BLOB NOT NULL REFERENCES repair_records (id),
    position        INTEGER NOT NULL,
    repair_item_id  BLOB NOT NULL REFERENCES repair_items (id),
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (record_id, position)
);
CREATE INDEX record_items_item ON record_items (repair_item_id);

CREATE TABLE record_materials (
    record_id       BLOB NOT NULL REFERENCES repair_records (id),
    position        INTEGER NOT NULL,
    material_id     BLOB NOT NULL REFERENCES materials (id),
    quantity        REAL NOT NULL CHECK (quantity > 0),
    unit_price_fen  INTEGER NOT NULL,
    PRIMARY KEY (record_id, position)
);
CREATE INDEX record_materials_material ON record_materials (material_id);

CREATE TABLE record_fees (
    record_id   BLOB NOT NULL REFERENCES repair_records (id),
    position    INTEGER NOT NULL,
    label       TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL CHECK (amount_fen >= 0),
    PRIMARY KEY (record_id, position)
);

CREATE TABLE outage_notices (
    id            BLOB PRIMARY KEY NOT NULL,
    reason        TEXT NOT NULL,
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    -- A GeoJSON polygon, or the streets/communities it covers (JSON arrays of names), or both.
    geometry      TEXT,
    streets       TEXT NOT NULL,
    communities   TEXT NOT NULL,
    created_by    BLOB REFERENCES users (id),
    created_at    TEXT NOT NULL,
    cancelled_at  TEXT
);
CREATE INDEX outage_notices_window ON outage_notices (ends_at);
