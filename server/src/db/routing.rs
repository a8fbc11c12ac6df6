//! Routing records: duty shifts, address rules, last known positions, leak checks as routed,
//! routing decisions and dispatcher alerts.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShiftRow {
    pub id: Uuid,
    pub team_id: Uuid,
    pub user_id: Uuid,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
}

pub async fn shifts_of_team(db: &Db, team_id: Uuid) -> Result<Vec<ShiftRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, team_id, user_id, starts_at, ends_at, created_at FROM duty_shifts
         WHERE team_id = $1 ORDER BY starts_at",
    )
    .bind(team_id)
    .fetch_all(pool)
    .await)
}

pub async fn all_shifts(db: &Db) -> Result<Vec<ShiftRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, team_id, user_id, starts_at, ends_at, created_at FROM duty_shifts ORDER BY starts_at",
    )
    .fetch_all(pool)
    .await)
}

pub async fn insert_shift(tx: &mut Tx, shift: &ShiftRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO duty_shifts (id, team_id, user_id, starts_at, ends_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(shift.id)
    .bind(shift.team_id)
    .bind(shift.user_id)
    .bind(shift.starts_at)
    .bind(shift.ends_at)
    .bind(shift.created_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn delete_shift(tx: &mut Tx, id: Uuid) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM duty_shifts WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() > 0))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    pub id: Uuid,
    pub field: String,
    pub pattern: String,
    pub team_id: Uuid,
    pub priority: i64,
    pub created_at: OffsetDateTime,
}

pub async fn rules(db: &Db) -> Result<Vec<RuleRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, field, pattern, team_id, priority, created_at FROM routing_rules
         ORDER BY priority DESC, created_at",
    )
    .fetch_all(pool)
    .await)
}

pub async fn insert_rule(tx: &mut Tx, rule: &RuleRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO routing_rules (id, field, pattern, team_id, priority, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(rule.id)
    .bind(&rule.field)
    .bind(&rule.pattern)
    .bind(rule.team_id)
    .bind(rule.priority)
    .bind(rule.created_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn delete_rule(tx: &mut Tx, id: Uuid) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM routing_rules WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() > 0))
}

pub async fn set_position(
    db: &Db,
    user_id: Uuid,
    lon: f64,
    lat: f64,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    // Through the write connection (see `sync::touch`): phones report often.
    let mut tx = db.begin().await?;
    set_position_in(&mut tx, user_id, lon, lat, at).await?;
    tx.commit().await
}

/// Records where the person was at `at`, unless a newer position is already known (a track
/// synced late must not move them back).
pub async fn set_position_in(
    tx: &mut Tx,
    user_id: Uuid,
    lon: f64,
    lat: f64,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO staff_positions (user_id, lon, lat, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET lon = $2, lat = $3, at = $4
         WHERE staff_positions.at <= $4",
    )
    .bind(user_id)
    .bind(lon)
    .bind(lat)
    .bind(at)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn position_of(db: &Db, user_id: Uuid) -> Result<Option<(f64, f64)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as("SELECT lon, lat FROM staff_positions WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PositionRow {
    pub user_id: Uuid,
    pub display_name: String,
    pub role: String,
    pub lon: f64,
    pub lat: f64,
    pub at: OffsetDateTime,
}

/// Every active user's last known position, newest first.
pub async fn positions(db: &Db) -> Result<Vec<PositionRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT p.user_id, u.display_name, u.role, p.lon, p.lat, p.at
         FROM staff_positions p JOIN users u ON u.id = p.user_id
         WHERE u.active ORDER BY p.at DESC",
    )
    .fetch_all(pool)
    .await)
}

pub async fn open_checks_of(db: &Db, user_id: Uuid) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM patrol_checks WHERE assigned_to = $1 AND status = 'open'",
    )
    .bind(user_id)
    .fetch_one(pool)
    .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CheckRow {
    pub id: Uuid,
    pub lon: f64,
    pub lat: f64,
    pub caller: Option<String>,
    pub phone: Option<String>,
    pub description: String,
    pub status: String,
    pub team_id: Option<Uuid>,
    pub assigned_to: Option<Uuid>,
    pub reported_at: OffsetDateTime,
    pub reported_by: Option<Uuid>,
}

pub const CHECK_COLUMNS: &str = "id, lon, lat, caller, phone, description, status, team_id, assigned_to, reported_at, reported_by";

pub async fn insert_check(tx: &mut Tx, check: &CheckRow) -> Result<(), sqlx::Error> {
    super::sync::log_change(
        tx,
        super::sync::Entity::Check,
        check.id,
        check.team_id,
        check.assigned_to,
        check.reported_at,
    )
    .await?;
    let sql = format!(
        "INSERT INTO patrol_checks ({CHECK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(&*sql))
        .bind(check.id)
        .bind(check.lon)
        .bind(check.lat)
        .bind(&check.caller)
        .bind(&check.phone)
        .bind(&check.description)
        .bind(&check.status)
        .bind(check.team_id)
        .bind(check.assigned_to)
        .bind(check.reported_at)
        .bind(check.reported_by)
        .execute(conn)
        .await
        .map(|_| ()))
}

pub async fn check(db: &Db, id: Uuid) -> Result<Option<CheckRow>, sqlx::Error> {
    let sql = format!("SELECT {CHECK_COLUMNS} FROM patrol_checks WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(pool).await)
}

pub async fn checks(db: &Db) -> Result<Vec<CheckRow>, sqlx::Error> {
    let sql = format!("SELECT {CHECK_COLUMNS} FROM patrol_checks ORDER BY reported_at DESC");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).fetch_all(pool).await)
}

pub async fn assign_check(
    tx: &mut Tx,
    id: Uuid,
    team_id: Option<Uuid>,
    user_id: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    super::sync::log_change(
        tx,
        super::sync::Entity::Check,
        id,
        team_id,
        user_id,
        super::now(),
    )
    .await?;
    on_tx!(tx, conn => sqlx::query("UPDATE patrol_checks SET team_id = $2, assigned_to = $3, version = version + 1 WHERE id = $1")
        .bind(id)
        .bind(team_id)
        .bind(user_id)
        .execute(conn)
        .await
        .map(|_| ()))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecisionRow {
    pub id: Uuid,
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub team_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub basis: Json<serde_json::Value>,
    pub explanation: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: OffsetDateTime,
}

pub async fn insert_decision(tx: &mut Tx, d: &DecisionRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO routing_decisions (id, subject_kind, subject_id, team_id, user_id, basis,
         explanation, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(d.id)
    .bind(&d.subject_kind)
    .bind(d.subject_id)
    .bind(d.team_id)
    .bind(d.user_id)
    .bind(&d.basis)
    .bind(&d.explanation)
    .bind(d.decided_by)
    .bind(d.decided_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

/// The newest decision about a subject.
pub async fn latest_decision(
    db: &Db,
    kind: &str,
    subject: Uuid,
) -> Result<Option<DecisionRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, subject_kind, subject_id, team_id, user_id, basis, explanation, decided_by,
                decided_at FROM routing_decisions WHERE subject_kind = $1 AND subject_id = $2
         ORDER BY id DESC LIMIT 1",
    )
    .bind(kind)
    .bind(subject)
    .fetch_optional(pool)
    .await)
}

/// The newest decision about each of the subjects.
pub async fn latest_decisions(
    db: &Db,
    kind: &str,
    subjects: &[Uuid],
) -> Result<Vec<DecisionRow>, sqlx::Error> {
    if subjects.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (2..subjects.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, subject_kind, subject_id, team_id, user_id, basis, explanation, decided_by,
                decided_at FROM routing_decisions WHERE subject_kind = $1 AND subject_id IN ({})
         ORDER BY subject_id, id",
        list.join(", ")
    );
    let mut rows: Vec<DecisionRow> = on_db!(db, pool => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(kind);
        for s in subjects {
            q = q.bind(*s);
        }
        q.fetch_all(pool).await
    })?;
    // Ordered by subject then id (time-ordered): keep the last of each subject.
    rows.reverse();
    rows.dedup_by_key(|d| d.subject_id);
    Ok(rows)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlertRow {
    pub id: Uuid,
    pub kind: String,
    pub message: String,
    pub subject_kind: Option<String>,
    pub subject_id: Option<Uuid>,
    pub raised_at: OffsetDateTime,
    /// `dispatcher` or `leader` (of `team_id`).
    pub audience: String,
    pub team_id: Option<Uuid>,
    /// Alerts with the same key are raised once, whichever instance raises them.
    pub dedupe_key: Option<String>,
}

impl AlertRow {
    /// An alert for the dispatchers about a subject.
    pub fn for_dispatcher(
        kind: &str,
        message: String,
        subject_kind: &str,
        subject_id: Uuid,
        raised_at: OffsetDateTime,
    ) -> AlertRow {
        AlertRow {
            id: Uuid::now_v7(),
            kind: kind.into(),
            message,
            subject_kind: Some(subject_kind.into()),
            subject_id: Some(subject_id),
            raised_at,
            audience: "dispatcher".into(),
            team_id: None,
            dedupe_key: None,
        }
    }
}

/// Stores the alert and announces it on the live stream; false (and nothing written) when an
/// alert with the same key exists.
pub async fn insert_alert(tx: &mut Tx, alert: &AlertRow) -> Result<bool, sqlx::Error> {
    let inserted = on_tx!(tx, conn => sqlx::query(
        "INSERT INTO alerts (id, kind, message, subject_kind, subject_id, raised_at, audience,
                             team_id, dedupe_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(alert.id)
    .bind(&alert.kind)
    .bind(&alert.message)
    .bind(&alert.subject_kind)
    .bind(alert.subject_id)
    .bind(alert.raised_at)
    .bind(&alert.audience)
    .bind(alert.team_id)
    .bind(&alert.dedupe_key)
    .execute(conn)
    .await
    .map(|r| r.rows_affected() > 0))?;
    if inserted {
        crate::live::alert(tx, alert).await?;
    }
    Ok(inserted)
}

pub async fn open_alerts(db: &Db) -> Result<Vec<AlertRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, kind, message, subject_kind, subject_id, raised_at, audience, team_id,
                dedupe_key
         FROM alerts WHERE acknowledged_at IS NULL ORDER BY id DESC",
    )
    .fetch_all(pool)
    .await)
}
