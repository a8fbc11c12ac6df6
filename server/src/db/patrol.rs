//! Patrol results on leak checks, and daily patrol logs with their tracks.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use time::OffsetDateTime;
use uuid::Uuid;

pub struct ResultRow {
    pub check_id: Uuid,
    pub finding: String,
    pub gas_reading: Option<f64>,
    pub remarks: Option<String>,
    pub location: Option<(f64, f64)>,
    pub at: OffsetDateTime,
    pub by: Uuid,
    pub repair_ticket_id: Option<Uuid>,
}

pub async fn record_result(tx: &mut Tx, r: &ResultRow) -> Result<(), sqlx::Error> {
    // The check keeps its team and patroller; the log entry tells their phones it closed.
    super::sync::log_touch(tx, super::sync::Entity::Check, r.check_id, r.at).await?;
    on_tx!(tx, conn => sqlx::query(
        "UPDATE patrol_checks SET status = 'closed', version = version + 1, result = $2, gas_reading = $3, result_remarks = $4,
             result_lon = $5, result_lat = $6, result_at = $7, result_by = $8, repair_ticket_id = $9
         WHERE id = $1",
    )
    .bind(r.check_id)
    .bind(&r.finding)
    .bind(r.gas_reading)
    .bind(&r.remarks)
    .bind(r.location.map(|l| l.0))
    .bind(r.location.map(|l| l.1))
    .bind(r.at)
    .bind(r.by)
    .bind(r.repair_ticket_id)
    .execute(conn)
    .await
    .map(|_| ()))
}

/// (result, repair ticket) of a check, for refusing a second result; locked for the rest of the
/// transaction on PostgreSQL (SQLite transactions already serialise writers).
pub async fn result_of(
    tx: &mut Tx,
    check_id: Uuid,
) -> Result<Option<(Option<String>, Option<Uuid>)>, sqlx::Error> {
    const SQL: &str = "SELECT result, repair_ticket_id FROM patrol_checks WHERE id = $1";
    match tx {
        Tx::Sqlite(t) => {
            sqlx::query_as(SQL)
                .bind(check_id)
                .fetch_optional(&mut **t)
                .await
        }
        Tx::Postgres(t) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SQL} FOR UPDATE")))
                .bind(check_id)
                .fetch_optional(&mut **t)
                .await
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogRow {
    pub id: Uuid,
    pub patroller_id: Uuid,
    pub day: String,
    pub started_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
    pub checked: Option<String>,
    pub remarks: Option<String>,
}

const LOG_COLUMNS: &str = "id, patroller_id, day, started_at, ended_at, checked, remarks";

pub async fn insert_log(tx: &mut Tx, l: &LogRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO patrol_logs (id, patroller_id, day, started_at, ended_at, checked, remarks)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(l.id)
    .bind(l.patroller_id)
    .bind(&l.day)
    .bind(l.started_at)
    .bind(l.ended_at)
    .bind(&l.checked)
    .bind(&l.remarks)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn log(db: &Db, id: Uuid) -> Result<Option<LogRow>, sqlx::Error> {
    let sql = format!("SELECT {LOG_COLUMNS} FROM patrol_logs WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(pool).await)
}

/// A log as the transaction sees it (a sync batch may have opened it a moment ago).
pub async fn log_in(tx: &mut Tx, id: Uuid) -> Result<Option<LogRow>, sqlx::Error> {
    let sql = format!("SELECT {LOG_COLUMNS} FROM patrol_logs WHERE id = $1");
    on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(conn).await)
}

pub async fn open_log_of_in(tx: &mut Tx, patroller: Uuid) -> Result<Option<LogRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {LOG_COLUMNS} FROM patrol_logs WHERE patroller_id = $1 AND ended_at IS NULL"
    );
    on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(patroller).fetch_optional(conn).await)
}

pub async fn open_log_of(db: &Db, patroller: Uuid) -> Result<Option<LogRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {LOG_COLUMNS} FROM patrol_logs WHERE patroller_id = $1 AND ended_at IS NULL"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(patroller).fetch_optional(pool).await)
}

pub async fn logs(
    db: &Db,
    patroller: Option<Uuid>,
    day: Option<&str>,
) -> Result<Vec<LogRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {LOG_COLUMNS} FROM patrol_logs WHERE ($1 IS NULL OR patroller_id = $1) AND ($2 IS NULL OR day = $2)
         ORDER BY started_at DESC LIMIT 500"
    );
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(patroller).bind(day).fetch_all(pool).await)
}

pub async fn close_log(
    tx: &mut Tx,
    id: Uuid,
    at: OffsetDateTime,
    checked: &str,
    remarks: Option<&str>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("UPDATE patrol_logs SET ended_at = $2, checked = $3, remarks = $4 WHERE id = $1")
        .bind(id)
        .bind(at)
        .bind(checked)
        .bind(remarks)
        .execute(conn)
        .await
        .map(|_| ()))
}

pub async fn next_seq(tx: &mut Tx, log_id: Uuid) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar("SELECT COALESCE(MAX(seq), -1) + 1 FROM patrol_log_points WHERE log_id = $1")
        .bind(log_id)
        .fetch_one(conn)
        .await)
}

pub async fn insert_point(
    tx: &mut Tx,
    log_id: Uuid,
    seq: i64,
    lon: f64,
    lat: f64,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("INSERT INTO patrol_log_points (log_id, seq, lon, lat, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(log_id)
        .bind(seq)
        .bind(lon)
        .bind(lat)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ()))
}

/// (lon, lat) in the order recorded.
pub async fn track(db: &Db, log_id: Uuid) -> Result<Vec<(f64, f64)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as("SELECT lon, lat FROM patrol_log_points WHERE log_id = $1 ORDER BY seq")
        .bind(log_id)
        .fetch_all(pool)
        .await)
}
