-- Photos and signatures (附件) taken in the field and uploaded later in chunks over bad
-- networks. An attachment is named by the SHA-256 of its content, so a retried declaration or
-- upload never makes a second copy. Kept equivalent to migrations/postgres/0009_attachments.sql.

CREATE TABLE attachments (
    sha256        TEXT PRIMARY KEY NOT NULL,
    size          INTEGER NOT NULL CHECK (size > 0),
    mime          TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'image/webp')),
    kind          TEXT NOT NULL CHECK (kind IN ('photo', 'signature')),
    -- Bytes confirmed from the start without gaps: where an interrupted upload resumes.
    received      INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= size),
    complete      BOOLEAN NOT NULL DEFAULT FALSE,
    created_by    BLOB NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL,
    completed_at  TEXT
);

-- `byte_offset`, not `offset`: OFFSET is a reserved word in SQL.
CREATE TABLE attachment_chunks (
    sha256       TEXT NOT NULL REFERENCES attachments (sha256),
    byte_offset  INTEGER NOT NULL CHECK (byte_offset >= 0),
    bytes        BLOB NOT NULL,
    PRIMARY KEY (sha256, byte_offset)
);

-- The links carry no foreign key to attachments: sync may link a photo to a ticket before the
-- app has declared it, and such a link counts as a pending attachment of the ticket.
CREATE TABLE ticket_attachments (
    ticket_id  BLOB NOT NULL REFERENCES repair_tickets (id),
    sha256     TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('photo', 'signature')),
    added_by   BLOB NOT NULL REFERENCES users (id),
    added_at   TEXT NOT NULL,
    PRIMARY KEY (ticket_id, sha256)
);
CREATE INDEX ticket_attachments_sha256 ON ticket_attachments (sha256);

CREATE TABLE check_attachments (
    check_id  BLOB NOT NULL REFERENCES patrol_checks (id),
    sha256    TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('photo', 'signature')),
    added_by  BLOB NOT NULL REFERENCES users (id),
    added_at  TEXT NOT NULL,
    PRIMARY KEY (check_id, sha256)
);
CREATE INDEX check_attachments_sha256 ON check_attachments (sha256);
