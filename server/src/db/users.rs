//! Staff accounts.

use super::sessions::SessionRow;
use super::{Db, Tx};
use crate::{on_db, on_tx};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub phone: Option<String>,
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

const COLUMNS: &str =
    "id, username, display_name, password_hash, role, phone, active, created_at, updated_at";

pub async fn by_username(db: &Db, username: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(username).fetch_optional(pool).await)
}

pub async fn by_id(db: &Db, id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(id).fetch_optional(pool).await)
}

pub async fn list(db: &Db) -> Result<Vec<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).fetch_all(pool).await)
}

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)
}

pub async fn insert(tx: &mut Tx, user: &UserRow) -> Result<(), sqlx::Error> {
    let sql = format!("INSERT INTO users ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
    on_tx!(tx, conn => sqlx::query(sqlx::AssertSqlSafe(&*sql))
        .bind(user.id)
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(&user.role)
        .bind(&user.phone)
        .bind(user.active)
        .bind(user.created_at)
        .bind(user.updated_at)
        .execute(conn)
        .await
        .map(|_| ()))
}

pub async fn update(tx: &mut Tx, user: &UserRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE users SET display_name = $2, password_hash = $3, role = $4, phone = $5,
         active = $6, updated_at = $7 WHERE id = $1",
    )
    .bind(user.id)
    .bind(&user.display_name)
    .bind(&user.password_hash)
    .bind(&user.role)
    .bind(&user.phone)
    .bind(user.active)
    .bind(user.updated_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

/// The teams each of `user_ids` belongs to.
pub async fn team_ids(db: &Db, user_id: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar(
        "SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await)
}

/// Every (user, team) membership, for listing users with their teams in one query.
pub async fn all_memberships(db: &Db) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as("SELECT user_id, team_id FROM team_members ORDER BY team_id")
        .fetch_all(pool)
        .await)
}

/// The session for a token hash with its user and the teams the user belongs to, whatever
/// their state (the caller decides what expired, revoked or deactivated means). One round
/// trip, as every request pays it: one row per team, or one with no team.
pub async fn signed_in(
    db: &Db,
    token_hash: &str,
) -> Result<Option<(SessionRow, UserRow, Vec<Uuid>)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Joined {
        #[sqlx(flatten)]
        user: UserRow,
        token_hash: String,
        session_created_at: OffsetDateTime,
        expires_at: OffsetDateTime,
        revoked_at: Option<OffsetDateTime>,
        team_id: Option<Uuid>,
    }
    let rows: Vec<Joined> = on_db!(db, pool => sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.phone, u.active,
                u.created_at, u.updated_at, s.token_hash, s.created_at AS session_created_at,
                s.expires_at, s.revoked_at, m.team_id
         FROM sessions s JOIN users u ON u.id = s.user_id
              LEFT JOIN team_members m ON m.user_id = u.id
         WHERE s.token_hash = $1 ORDER BY m.team_id",
    )
    .bind(token_hash)
    .fetch_all(pool)
    .await)?;
    let team_ids = rows.iter().filter_map(|r| r.team_id).collect();
    Ok(rows.into_iter().next().map(|j| {
        let session = SessionRow {
            token_hash: j.token_hash,
            user_id: j.user.id,
            created_at: j.session_created_at,
            expires_at: j.expires_at,
            revoked_at: j.revoked_at,
        };
        (session, j.user, team_ids)
    }))
}
