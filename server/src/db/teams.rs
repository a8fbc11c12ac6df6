//! Repair, emergency-repair and patrol teams (班组) and their members.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};
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

/// Teams read so far, per database. A team is never changed or deleted once created (nothing
/// here updates or deletes `teams`), so what was read stays true on every instance and is kept
/// for the life of the process; a team not yet seen is read. Whoever adds a change to teams must
/// make this forget the team (on other instances too, so with a time to live; see `db::cache`).
static SEEN: LazyLock<RwLock<Seen>> = LazyLock::new(Default::default);

/// By database ([`Db::identity`]) and team id.
type Seen = HashMap<(String, Uuid), Arc<TeamRow>>;

/// [`by_id`], answered from memory after the first read: intake names the routed team of
/// every ticket.
pub async fn known(db: &Db, id: Uuid) -> Result<Option<Arc<TeamRow>>, sqlx::Error> {
    let key = (db.identity(), id);
    if let Some(team) = SEEN.read().ok().and_then(|seen| seen.get(&key).cloned()) {
        return Ok(Some(team));
    }
    let Some(team) = by_id(db, id).await? else {
        return Ok(None);
    };
    let team = Arc::new(team);
    if let Ok(mut seen) = SEEN.write() {
        seen.insert(key, team.clone());
    }
    Ok(Some(team))
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
