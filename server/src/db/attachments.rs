//! Attachments (photos and signatures), their uploaded chunks, and their links to repair
//! tickets and patrol checks.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    pub sha256: String,
    pub size: i64,
    pub mime: String,
    pub kind: String,
    pub received: i64,
    pub complete: bool,
    pub created_by: Uuid,
    pub created_at: OffsetDateTime,
    pub completed_at: Option<OffsetDateTime>,
}

const COLUMNS: &str =
    "sha256, size, mime, kind, received, complete, created_by, created_at, completed_at";

/// Inserts the declaration unless the hash is already declared; true when it was inserted.
/// `ON CONFLICT DO NOTHING` rather than catching the violation, so a concurrent declaration
/// does not abort the transaction on PostgreSQL.
pub async fn insert_if_absent(tx: &mut Tx, a: &AttachmentRow) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "INSERT INTO attachments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (sha256) DO NOTHING"
    );
    on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(&*sql))
        .bind(&a.sha256)
        .bind(a.size)
        .bind(&a.mime)
        .bind(&a.kind)
        .bind(a.received)
        .bind(a.complete)
        .bind(a.created_by)
        .bind(a.created_at)
        .bind(a.completed_at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1))
}

pub async fn by_sha(db: &Db, sha256: &str) -> Result<Option<AttachmentRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM attachments WHERE sha256 = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(sha256).fetch_optional(pool).await)
}

pub async fn by_sha_in(tx: &mut Tx, sha256: &str) -> Result<Option<AttachmentRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM attachments WHERE sha256 = $1");
    on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(sha256).fetch_optional(conn).await)
}

/// Moves the confirmed count from `from` to `to` if nobody moved it meanwhile; false otherwise.
/// Written first in its transaction, so SQLite takes the write lock at once and PostgreSQL
/// makes a concurrent upload of the same chunk wait here and then find nothing to update.
pub async fn advance(tx: &mut Tx, sha256: &str, from: i64, to: i64) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE attachments SET received = $3 WHERE sha256 = $1 AND received = $2 AND NOT complete",
    )
    .bind(sha256)
    .bind(from)
    .bind(to)
    .execute(conn)
    .await
    .map(|r| r.rows_affected() == 1))
}

pub async fn insert_chunk(
    tx: &mut Tx,
    sha256: &str,
    offset: i64,
    bytes: &[u8],
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO attachment_chunks (sha256, byte_offset, bytes) VALUES ($1, $2, $3)",
    )
    .bind(sha256)
    .bind(offset)
    .bind(bytes)
    .execute(conn)
    .await
    .map(|_| ()))
}

/// Up to `limit` chunks from `from` on, in order: the whole content is read a few chunks at a
/// time so hashing it never holds more than that in memory.
pub async fn chunks_from(
    tx: &mut Tx,
    sha256: &str,
    from: i64,
    limit: i64,
) -> Result<Vec<(i64, Vec<u8>)>, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_as(
        "SELECT byte_offset, bytes FROM attachment_chunks WHERE sha256 = $1 AND byte_offset >= $2
         ORDER BY byte_offset LIMIT $3",
    )
    .bind(sha256)
    .bind(from)
    .bind(limit)
    .fetch_all(conn)
    .await)
}

/// The stored chunks holding any byte of `start..end`, in order.
pub async fn chunks_overlapping(
    db: &Db,
    sha256: &str,
    start: i64,
    end: i64,
) -> Result<Vec<(i64, Vec<u8>)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT byte_offset, bytes FROM attachment_chunks
         WHERE sha256 = $1 AND byte_offset < $3 AND byte_offset + length(bytes) > $2
         ORDER BY byte_offset",
    )
    .bind(sha256)
    .bind(start)
    .bind(end)
    .fetch_all(pool)
    .await)
}

/// Every chunk in order (an attachment is at most 10 MiB).
pub async fn content(db: &Db, sha256: &str) -> Result<Vec<(i64, Vec<u8>)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT byte_offset, bytes FROM attachment_chunks WHERE sha256 = $1 ORDER BY byte_offset",
    )
    .bind(sha256)
    .fetch_all(pool)
    .await)
}

pub async fn mark_complete(
    tx: &mut Tx,
    sha256: &str,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE attachments SET complete = TRUE, completed_at = $2 WHERE sha256 = $1",
    )
    .bind(sha256)
    .bind(at)
    .execute(conn)
    .await
    .map(|_| ()))
}

/// Drops every chunk and starts the count over, after content that did not match its hash.
pub async fn reset(tx: &mut Tx, sha256: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM attachment_chunks WHERE sha256 = $1")
        .bind(sha256)
        .execute(conn)
        .await
        .map(|_| ()))?;
    on_tx!(tx, conn => sqlx::query("UPDATE attachments SET received = 0 WHERE sha256 = $1")
        .bind(sha256)
        .execute(conn)
        .await
        .map(|_| ()))
}

pub async fn ticket_exists(tx: &mut Tx, ticket_id: Uuid) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar("SELECT COUNT(*) FROM repair_tickets WHERE id = $1")
        .bind(ticket_id)
        .fetch_one(conn)
        .await
        .map(|n: i64| n > 0))
}

pub async fn check_exists(tx: &mut Tx, check_id: Uuid) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar("SELECT COUNT(*) FROM patrol_checks WHERE id = $1")
        .bind(check_id)
        .fetch_one(conn)
        .await
        .map(|n: i64| n > 0))
}

/// Whether ticket attachments or check attachments are meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Ticket,
    Check,
}

impl Owner {
    fn table_and_column(self) -> (&'static str, &'static str) {
        match self {
            Owner::Ticket => ("ticket_attachments", "ticket_id"),
            Owner::Check => ("check_attachments", "check_id"),
        }
    }
}

/// Links an attachment to a ticket or check; true when the link is new (a repeat is a no-op).
pub async fn link(
    tx: &mut Tx,
    owner: Owner,
    owner_id: Uuid,
    sha256: &str,
    kind: &str,
    by: Uuid,
    at: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let (table, column) = owner.table_and_column();
    let sql = format!(
        "INSERT INTO {table} ({column}, sha256, kind, added_by, added_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ({column}, sha256) DO NOTHING"
    );
    on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(&*sql))
        .bind(owner_id)
        .bind(sha256)
        .bind(kind)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1))
}

/// The tickets or checks an attachment is linked to.
pub async fn owners_of(db: &Db, owner: Owner, sha256: &str) -> Result<Vec<Uuid>, sqlx::Error> {
    let (table, column) = owner.table_and_column();
    let sql = format!("SELECT {column} FROM {table} WHERE sha256 = $1");
    on_db!(db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(&*sql)).bind(sha256).fetch_all(pool).await)
}

/// A ticket's link with its attachment's state, if declared.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    pub sha256: String,
    pub kind: String,
    pub added_by: Uuid,
    pub added_at: OffsetDateTime,
    pub size: Option<i64>,
    pub mime: Option<String>,
    pub declared_kind: Option<String>,
    pub received: Option<i64>,
    pub complete: Option<bool>,
}

pub async fn ticket_links(db: &Db, ticket_id: Uuid) -> Result<Vec<LinkRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT l.sha256, l.kind, l.added_by, l.added_at, a.size, a.mime, a.kind AS declared_kind,
                a.received, a.complete
         FROM ticket_attachments l LEFT JOIN attachments a ON a.sha256 = l.sha256
         WHERE l.ticket_id = $1 ORDER BY l.added_at, l.sha256",
    )
    .bind(ticket_id)
    .fetch_all(pool)
    .await)
}

/// Linked attachments of a ticket whose bytes have not all arrived, undeclared ones included.
pub async fn pending_for_ticket(db: &Db, ticket_id: Uuid) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM ticket_attachments l LEFT JOIN attachments a ON a.sha256 = l.sha256
         WHERE l.ticket_id = $1 AND (a.sha256 IS NULL OR NOT a.complete)",
    )
    .bind(ticket_id)
    .fetch_one(pool)
    .await)
}
