-- The call center's other workflows: consultations (咨询单), events (事件: emergencies,
-- complaints, praise, tip-offs, suggestions) and the knowledge base (知识库). Kept equivalent
-- across engines.

CREATE TABLE consultations (
    id                 UUID PRIMARY KEY,
    status             TEXT NOT NULL CHECK (status IN ('open', 'answered', 'forwarded', 'replied', 'closed')),
    caller             TEXT NOT NULL,
    phone              TEXT NOT NULL,
    customer_id        UUID REFERENCES customers (id),
    question           TEXT NOT NULL,
    answer             TEXT,
    answered_by        UUID REFERENCES users (id),
    answered_at        TIMESTAMPTZ,
    department         TEXT,
    due_at             TIMESTAMPTZ,
    forwarded_by       UUID REFERENCES users (id),
    forwarded_at       TIMESTAMPTZ,
    reply              TEXT,
    -- Who in the department replied (free text); the agent who recorded it is reply_recorded_by.
    replier            TEXT,
    reply_recorded_by  UUID REFERENCES users (id),
    replied_at         TIMESTAMPTZ,
    closed_by          UUID REFERENCES users (id),
    closed_at          TIMESTAMPTZ,
    created_by         UUID REFERENCES users (id),
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX consultations_status ON consultations (status, due_at);
CREATE INDEX consultations_created ON consultations (created_at);
CREATE INDEX consultations_phone ON consultations (phone);

CREATE TABLE call_events (
    id           UUID PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('emergency', 'complaint', 'praise', 'tip_off', 'suggestion')),
    status       TEXT NOT NULL CHECK (status IN ('open', 'replied', 'closed')),
    content      TEXT NOT NULL,
    reporter     TEXT,
    phone        TEXT,
    ticket_id    UUID REFERENCES repair_tickets (id),
    needs_reply  BOOLEAN NOT NULL,
    reply        TEXT,
    replied_by   UUID REFERENCES users (id),
    replied_at   TIMESTAMPTZ,
    closed_by    UUID REFERENCES users (id),
    closed_at    TIMESTAMPTZ,
    created_by   UUID REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX call_events_status ON call_events (status, needs_reply);
CREATE INDEX call_events_ticket ON call_events (ticket_id);
CREATE INDEX call_events_created ON call_events (created_at);

CREATE TABLE knowledge_entries (
    id          UUID PRIMARY KEY,
    title       TEXT NOT NULL,
    subtitle    TEXT,
    -- A JSON array of strings.
    keywords    JSONB NOT NULL,
    content     TEXT NOT NULL,
    created_by  UUID REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_by  UUID REFERENCES users (id),
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX knowledge_entries_updated ON knowledge_entries (updated_at);
