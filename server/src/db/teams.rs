//! Repair, emergency-repair and patrol teams (班组) and their members.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamRow {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub phone: Option<String>,
    pub leader_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

const COLUMNS: &str = "id, name, kind, phone, leader_id, created_at, updated_at";

pub async fn list(db: &Db) -> Result<Vec<TeamRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM teams ORDER BY name");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).fetch_all(pool).await)
}

pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<TeamRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM teams WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(pool).await)
}

/// Teams read lately, per database: intake names the routed team of every ticket. A change
/// made here forgets the team at once; one made through another instance sharing the database
/// is seen here within `SEEN_FOR` (teams are renamed or given a new leader rarely, and a
/// ticket naming the old name for a minute is harmless).
static SEEN: LazyLock<RwLock<Seen>> = LazyLock::new(Default::default);
const SEEN_FOR: Duration = Duration::from_secs(60);

/// By database ([`Db::identity`]) and team id: when it was read, and the row.
type Seen = HashMap<(String, Uuid), (Instant, Arc<TeamRow>)>;

/// [`by_id`], answered from memory when read within the last minute.
pub async fn known(db: &Db, id: Uuid) -> Result<Option<Arc<TeamRow>>, sqlx::Error> {
    let key = (db.identity(), id);
    let cached = SEEN.read().ok().and_then(|seen| {
        seen.get(&key)
            .filter(|(read_at, _)| read_at.elapsed() < SEEN_FOR)
            .map(|(_, team)| team.clone())
    });
    if let Some(team) = cached {
        return Ok(Some(team));
    }
    let read_at = Instant::now();
    let Some(team) = by_id(db, id).await? else {
        return Ok(None);
    };
    let team = Arc::new(team);
    if let Ok(mut seen) = SEEN.write() {
        seen.insert(key, (read_at, team.clone()));
    }
    Ok(Some(team))
}

/// Drops the remembered copy of a team this process changed.
pub fn forget(db: &Db, id: Uuid) {
    if let Ok(mut seen) = SEEN.write() {
        seen.remove(&(db.identity(), id));
    }
}

/// Writes a team's name, phone and leader.
pub async fn update(tx: &mut Tx, team: &TeamRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE teams SET name = $2, phone = $3, leader_id = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(team.id)
    .bind(&team.name)
    .bind(&team.phone)
    .bind(team.leader_id)
    .bind(team.updated_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn insert(tx: &mut Tx, team: &TeamRow) -> Result<(), sqlx::Error> {
    let sql = format!("INSERT INTO teams ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
    on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(&*sql))
        .bind(team.id)
        .bind(&team.name)
        .bind(&team.kind)
        .bind(&team.phone)
        .bind(team.leader_id)
        .bind(team.created_at)
        .bind(team.updated_at)
        .execute(conn)
        .await
        .map(|_| ()))
}

pub async fn add_member(tx: &mut Tx, team_id: Uuid, user_id: Uuid) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(team_id)
    .bind(user_id)
    .execute(conn)
    .await
    .map(|r| r.rows_affected() > 0))
}

pub async fn remove_member(tx: &mut Tx, team_id: Uuid, user_id: Uuid) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
        .bind(team_id)
        .bind(user_id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() > 0))
}

pub async fn member_ids(db: &Db, team_id: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar(
        "SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id",
    )
    .bind(team_id)
    .fetch_all(pool)
    .await)
}

/// What still belongs to a team, each kept with it on purpose: a team is deleted only when
/// all are zero (members are not counted: they leave with the team).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Holdings {
    pub tickets: i64,
    pub patrol_checks: i64,
    pub routing_decisions: i64,
    pub service_areas: i64,
    pub patrol_areas: i64,
    pub routing_rules: i64,
    pub duty_shifts: i64,
}

/// Counts what belongs to the team, inside the transaction that would delete it.
pub async fn holdings(tx: &mut Tx, team_id: Uuid) -> Result<Holdings, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM repair_tickets WHERE team_id = $1) AS tickets, \
           (SELECT COUNT(*) FROM patrol_checks WHERE team_id = $1) AS patrol_checks, \
           (SELECT COUNT(*) FROM routing_decisions WHERE team_id = $1) AS routing_decisions, \
           (SELECT COUNT(*) FROM service_areas WHERE team_id = $1) AS service_areas, \
           (SELECT COUNT(*) FROM patrol_areas WHERE team_id = $1) AS patrol_areas, \
           (SELECT COUNT(*) FROM routing_rules WHERE team_id = $1) AS routing_rules, \
           (SELECT COUNT(*) FROM duty_shifts WHERE team_id = $1) AS duty_shifts",
    )
    .bind(team_id)
    .fetch_one(conn)
    .await)
}

/// Deletes the team and its memberships; false when there was no such team.
pub async fn delete(tx: &mut Tx, team_id: Uuid) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM teams WHERE id = $1")
        .bind(team_id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() > 0))
}
