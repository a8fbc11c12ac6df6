//! The live event log behind the console's stream (`live_events`) and the single-use stream
//! tickets a browser's EventSource presents (`live_stream_tickets`).
//!
//! Events are appended inside the transaction of the change they announce, so a stream never
//! shows what was rolled back, and in sequence order ([`super::log`]): a reader resuming after
//! `seq` never skips an event that committed late. On PostgreSQL the append also `NOTIFY`s,
//! which PostgreSQL delivers to every instance's listener at commit.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// The channel instances `LISTEN` on.
pub const CHANNEL: &str = "gasdesk_live";

#[derive(Debug, Clone)]
pub struct NewLiveEvent {
    pub kind: String,
    pub ticket_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    /// The field worker concerned (assignee, recipient of a push); they see it too.
    pub user_id: Option<Uuid>,
    /// Shown to office roles only.
    pub office_only: bool,
    pub data: serde_json::Value,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveRow {
    pub seq: i64,
    pub kind: String,
    pub at: OffsetDateTime,
    pub ticket_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub office_only: bool,
    pub data: String,
}

pub async fn append(
    tx: &mut Tx,
    event: &NewLiveEvent,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    super::log::append_live(
        tx,
        super::log::LiveRow {
            kind: event.kind.clone(),
            at,
            ticket_id: event.ticket_id,
            team_id: event.team_id,
            user_id: event.user_id,
            office_only: event.office_only,
            data: event.data.to_string(),
        },
    )
    .await
}

/// Events after `seq`, oldest first.
pub async fn after(db: &Db, seq: i64, limit: i64) -> Result<Vec<LiveRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT seq, kind, at, ticket_id, team_id, user_id, office_only, data FROM live_events
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(seq)
    .bind(limit)
    .fetch_all(pool)
    .await)
}

/// The newest sequence number, and the oldest still kept (0 when the log is empty).
pub async fn bounds(db: &Db) -> Result<(i64, i64), sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT COALESCE(MAX(seq), 0), COALESCE(MIN(seq), 0) FROM live_events",
    )
    .fetch_one(pool)
    .await)
}

/// Drops events older than `before`, keeping the newest so sequence numbers never restart
/// (SQLite's AUTOINCREMENT and PostgreSQL's sequence would not, but a reader's bound would).
pub async fn prune(tx: &mut Tx, before: OffsetDateTime) -> Result<u64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "DELETE FROM live_events WHERE at < $1 AND seq < (SELECT MAX(seq) FROM live_events)",
    )
    .bind(before)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))
}

pub async fn insert_stream_ticket(
    db: &Db,
    token_hash: &str,
    session_hash: &str,
    expires_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => sqlx::query(
        "INSERT INTO live_stream_tickets (token_hash, session_hash, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash)
    .bind(session_hash)
    .bind(expires_at)
    .execute(conn)
    .await
    .map(|_| ()))?;
    tx.commit().await
}

/// Uses up a stream ticket: the session it stands for, if it exists and has not expired.
/// Deleting it is what makes it single-use, on every instance at once.
pub async fn redeem_stream_ticket(
    db: &Db,
    token_hash: &str,
    now: OffsetDateTime,
) -> Result<Option<String>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let found: Option<(String, OffsetDateTime)> = on_tx!(&mut tx, conn => sqlx::query_as(
        "DELETE FROM live_stream_tickets WHERE token_hash = $1 RETURNING session_hash, expires_at",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await)?;
    tx.commit().await?;
    Ok(found.and_then(|(session, expires_at)| (expires_at > now).then_some(session)))
}

pub async fn prune_stream_tickets(tx: &mut Tx, now: OffsetDateTime) -> Result<u64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM live_stream_tickets WHERE expires_at < $1")
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))
}
