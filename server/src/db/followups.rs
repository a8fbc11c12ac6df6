//! Follow-up calls: the daily sample, agents' locked batches and call results.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// Claims a day for sampling; false when another run (or server) already did it.
pub async fn claim_day(
    tx: &mut Tx,
    day: &str,
    percent: i64,
    at: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO followup_sampling_runs (day, percent, eligible, sampled, ran_at) VALUES ($1, $2, 0, 0, $3)
         ON CONFLICT (day) DO NOTHING",
    )
    .bind(day)
    .bind(percent)
    .bind(at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected() == 1))
}

pub async fn finish_day(
    tx: &mut Tx,
    day: &str,
    eligible: i64,
    sampled: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("UPDATE followup_sampling_runs SET eligible = $2, sampled = $3 WHERE day = $1")
        .bind(day)
        .bind(eligible)
        .bind(sampled)
        .execute(conn)
        .await
        .map(|_| ()))
}

/// (percent, eligible, sampled) of a day already sampled.
pub async fn day_run(db: &Db, day: &str) -> Result<Option<(i64, i64, i64)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as("SELECT percent, eligible, sampled FROM followup_sampling_runs WHERE day = $1")
        .bind(day)
        .fetch_optional(pool)
        .await)
}

/// Tickets completed between `from` and `to` (by the server's completion time), still
/// completed (not cancelled or closed meanwhile), and not sampled before.
pub async fn completed_between(
    tx: &mut Tx,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Vec<Uuid>, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT t.id FROM repair_tickets t
         WHERE t.status = 'completed'
           AND EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.action = 'complete'
                       AND e.at >= $1 AND e.at < $2)
           AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.ticket_id = t.id)
         ORDER BY t.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await)
}

pub async fn insert(tx: &mut Tx, id: Uuid, ticket_id: Uuid, day: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO followups (id, ticket_id, sampled_day, status) VALUES ($1, $2, $3, 'pending')",
    )
    .bind(id)
    .bind(ticket_id)
    .bind(day)
    .execute(conn)
    .await
    .map(|_| ()))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FollowupRow {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub sampled_day: String,
    pub status: String,
    pub batch_id: Option<Uuid>,
    pub satisfaction: Option<String>,
    pub remarks: Option<String>,
    pub event_id: Option<Uuid>,
    pub called_by: Option<Uuid>,
    pub called_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "id, ticket_id, sampled_day, status, batch_id, satisfaction, remarks, event_id, called_by, called_at";

pub async fn by_id(tx: &mut Tx, id: Uuid) -> Result<Option<FollowupRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM followups WHERE id = $1");
    on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(conn).await)
}

pub async fn of_batch(db: &Db, batch_id: Uuid) -> Result<Vec<FollowupRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM followups WHERE batch_id = $1 ORDER BY id");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(batch_id).fetch_all(pool).await)
}

pub async fn pending(db: &Db, limit: i64) -> Result<Vec<FollowupRow>, sqlx::Error> {
    let sql =
        format!("SELECT {COLUMNS} FROM followups WHERE status = 'pending' ORDER BY id LIMIT $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(limit).fetch_all(pool).await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BatchRow {
    pub id: Uuid,
    pub locked_by: Uuid,
    pub locked_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub released_at: Option<OffsetDateTime>,
}

pub async fn batch(tx: &mut Tx, id: Uuid) -> Result<Option<BatchRow>, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_as(
        "SELECT id, locked_by, locked_at, expires_at, released_at FROM followup_batches WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await)
}

pub async fn insert_batch(tx: &mut Tx, b: &BatchRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO followup_batches (id, locked_by, locked_at, expires_at, released_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(b.id)
    .bind(b.locked_by)
    .bind(b.locked_at)
    .bind(b.expires_at)
    .bind(b.released_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

/// Pending follow-ups not held by a live batch: never locked, or locked by a batch that was
/// released or has expired.
pub async fn free_pending(
    tx: &mut Tx,
    now: OffsetDateTime,
    limit: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT f.id FROM followups f LEFT JOIN followup_batches b ON b.id = f.batch_id
         WHERE f.status = 'pending'
           AND (f.batch_id IS NULL OR b.released_at IS NOT NULL OR b.expires_at <= $1)
         ORDER BY f.id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await)
}

pub async fn assign_batch(tx: &mut Tx, followup: Uuid, batch: Uuid) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("UPDATE followups SET batch_id = $2 WHERE id = $1")
        .bind(followup)
        .bind(batch)
        .execute(conn)
        .await
        .map(|_| ()))
}

pub async fn release_batch(tx: &mut Tx, id: Uuid, at: OffsetDateTime) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("UPDATE followup_batches SET released_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ()))
}

pub async fn record_call(tx: &mut Tx, row: &FollowupRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE followups SET status = $2, satisfaction = $3, remarks = $4, event_id = $5, called_by = $6, called_at = $7
         WHERE id = $1",
    )
    .bind(row.id)
    .bind(&row.status)
    .bind(&row.satisfaction)
    .bind(&row.remarks)
    .bind(row.event_id)
    .bind(row.called_by)
    .bind(row.called_at)
    .execute(conn)
    .await
    .map(|_| ()))
}
