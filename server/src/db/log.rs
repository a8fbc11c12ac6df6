//! The two append-only logs readers follow by sequence number: the sync change log
//! (`sync_changes`, for phones' pulls) and the live event log (`live_events`, for consoles).
//!
//! A reader that has seen up to N must never find later a row numbered below N, so rows must
//! become visible in sequence order. SQLite has one writer at a time, so it appends at once.
//! PostgreSQL hands out numbers when rows are inserted but shows them at commit, so a
//! transaction keeps its rows here and appends them at commit under a transaction-level
//! advisory lock: the lock is held only for those inserts and the commit, not for the whole
//! transaction (which made concurrent sync pushes run one at a time).

use super::{PgTx, Tx};
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

/// The lock every PostgreSQL appender takes just before appending and committing.
const APPEND_LOCK: i64 = 72_430_801;

#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub kind: &'static str,
    pub entity_id: Uuid,
    pub team_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub prev_team_id: Option<Uuid>,
    pub prev_user_id: Option<Uuid>,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct LiveRow {
    pub kind: String,
    pub at: OffsetDateTime,
    pub ticket_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub office_only: bool,
    pub data: String,
}

/// What a PostgreSQL transaction will append, with savepoint marks so that rolling back to a
/// savepoint also drops the rows written after it.
#[derive(Debug, Default)]
pub struct Pending {
    changes: Vec<ChangeRow>,
    live: Vec<LiveRow>,
    marks: Vec<(usize, usize)>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.live.is_empty()
    }
}

pub async fn append_change(tx: &mut Tx, row: ChangeRow) -> Result<(), sqlx::Error> {
    match tx {
        Tx::Sqlite(t) => {
            sqlx::query(
                "INSERT INTO sync_changes (kind, entity_id, team_id, user_id, prev_team_id, prev_user_id, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(row.kind)
            .bind(row.entity_id)
            .bind(row.team_id)
            .bind(row.user_id)
            .bind(row.prev_team_id)
            .bind(row.prev_user_id)
            .bind(row.at)
            .execute(&mut **t)
            .await?;
        }
        Tx::Postgres(t) => t.log.changes.push(row),
    }
    Ok(())
}

pub async fn append_live(tx: &mut Tx, row: LiveRow) -> Result<(), sqlx::Error> {
    match tx {
        Tx::Sqlite(t) => {
            sqlx::query(
                "INSERT INTO live_events (kind, at, ticket_id, team_id, user_id, office_only, data)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&row.kind)
            .bind(row.at)
            .bind(row.ticket_id)
            .bind(row.team_id)
            .bind(row.user_id)
            .bind(row.office_only)
            .bind(&row.data)
            .execute(&mut **t)
            .await?;
        }
        Tx::Postgres(t) => t.log.live.push(row),
    }
    Ok(())
}

/// A savepoint was set: rows appended from now on belong to it.
pub fn mark(tx: &mut Tx) {
    if let Tx::Postgres(PgTx { log, .. }) = tx {
        let at = (log.changes.len(), log.live.len());
        log.marks.push(at);
    }
}

/// Rolled back to the latest savepoint (which stays set).
pub fn undo_to_mark(tx: &mut Tx) {
    if let Tx::Postgres(PgTx { log, .. }) = tx
        && let Some(&(changes, live)) = log.marks.last()
    {
        log.changes.truncate(changes);
        log.live.truncate(live);
    }
}

/// The latest savepoint was released: its rows now belong to the one before.
pub fn release_mark(tx: &mut Tx) {
    if let Tx::Postgres(PgTx { log, .. }) = tx {
        log.marks.pop();
    }
}

/// Appends a PostgreSQL transaction's rows, in order, under the lock, just before it commits.
pub(super) async fn flush(
    tx: &mut Transaction<'static, Postgres>,
    pending: Pending,
) -> Result<(), sqlx::Error> {
    if pending.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(APPEND_LOCK)
        .execute(&mut **tx)
        .await?;
    for chunk in pending.changes.chunks(500) {
        let mut q = sqlx::QueryBuilder::<Postgres>::new(
            "INSERT INTO sync_changes (kind, entity_id, team_id, user_id, prev_team_id, prev_user_id, at) ",
        );
        q.push_values(chunk, |mut b, r| {
            b.push_bind(r.kind)
                .push_bind(r.entity_id)
                .push_bind(r.team_id)
                .push_bind(r.user_id)
                .push_bind(r.prev_team_id)
                .push_bind(r.prev_user_id)
                .push_bind(r.at);
        });
        q.build().execute(&mut **tx).await?;
    }
    for chunk in pending.live.chunks(500) {
        let mut q = sqlx::QueryBuilder::<Postgres>::new(
            "INSERT INTO live_events (kind, at, ticket_id, team_id, user_id, office_only, data) ",
        );
        q.push_values(chunk, |mut b, r| {
            b.push_bind(&r.kind)
                .push_bind(r.at)
                .push_bind(r.ticket_id)
                .push_bind(r.team_id)
                .push_bind(r.user_id)
                .push_bind(r.office_only)
                .push_bind(&r.data);
        });
        q.build().execute(&mut **tx).await?;
    }
    if !pending.live.is_empty() {
        // Delivered to every instance's listener when the transaction commits.
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(super::live::CHANNEL)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
