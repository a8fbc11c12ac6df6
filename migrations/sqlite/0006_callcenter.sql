-- The call center's other workflows: consultations (咨询单), events (事件: emergencies,
-- complaints, praise, tip-offs, suggestions) and the knowledge base (知识库). Kept equivalent
-- across engines.

CREATE TABLE consultations (
    id                 BLOB PRIMARY KEY NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('open', 'answered', 'forwarded', 'replied', 'closed')),
    caller             TEXT NOT NULL,
    phone              TEXT NOT NULL,
    customer_id        BLOB REFERENCES customers (id),
    question           TEXT NOT NULL,
    answer             TEXT,
    answered_by        BLOB REFERENCES users (id),
    answered_at        TEXT,
    department         TEXT,
    due_at             TEXT,
    forwarded_by       BLOB REFERENCES users (id),
    forwarded_at       TEXT,
    reply              TEXT,
    -- Who in the department replied (free text); the agent who recorded it is reply_recorded_by.
    replier            TEXT,
    reply_recorded_by  BLOB REFERENCES users (id),
    replied_at         TEXT,
    closed_by          BLOB REFERENCES users (id),
    closed_at          TEXT,
    created_by         BLOB REFERENCES users (id),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX consultations_status ON consultations (status, due_at);
CREATE INDEX consultations_created ON consultations (created_at);
CREATE INDEX consultations_phone ON consultations (phone);

CREATE TABLE call_events (
    id           BLOB PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('emergency', 'complaint', 'praise', 'tip_off', 'suggestion')),
    status       TEXT NOT NULL CHECK (status IN ('open', 'replied', 'closed')),
    content      TEXT NOT NULL,
    reporter     TEXT,
    phone        TEXT,
    ticket_id    BLOB REFERENCES repair_tickets (id),
    needs_reply  BOOLEAN NOT NULL,
    reply        TEXT,
    replied_by   BLOB REFERENCES users (id),
    replied_at   TEXT,
    closed_by    BLOB REFERENCES users (id),
    closed_at    TEXT,
    created_by   BLOB REFERENCES users (id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX call_events_status ON call_events (status, needs_reply);
CREATE INDEX call_events_ticket ON call_events (ticket_id);
CREATE INDEX call_events_created ON call_events (created_at);

CREATE TABLE knowledge_entries (
    id          BLOB PRIMARY KEY NOT NULL,
    title       TEXT NOT NULL,
    subtitle    TEXT,
    -- A JSON array of strings.
    keywords    TEXT NOT NULL,
    content     TEXT NOT NULL,
    created_by  BLOB REFERENCES users (id),
    created_at  TEXT NOT NULL,
    updated_by  BLOB REFERENCES users (id),
    updated_at  TEXT NOT NULL
);
CREATE INDEX knowledge_entries_updated ON knowledge_entries (updated_at);
