//! Sign-in sessions. Only a hash of each bearer token is stored, so a copy of the database
//! does not let anyone sign in.

use super::{Db, Tx, users::UserRow};
use crate::{on_db, on_tx};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: Uuid,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

pub async fn insert(tx: &mut Tx, session: &SessionRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&session.token_hash)
    .bind(session.user_id)
    .bind(session.created_at)
    .bind(session.expires_at)
    .bind(session.revoked_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

/// The session for a token hash together with its user, whatever their state; the caller
/// decides what expired, revoked or deactivated means.
pub async fn with_user(
    db: &Db,
    token_hash: &str,
) -> Result<Option<(SessionRow, UserRow)>, sqlx::Error> {
    let session: Option<SessionRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT token_hash, user_id, created_at, expires_at, revoked_at FROM sessions
         WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await)?;
    let Some(session) = session else {
        return Ok(None);
    };
    let user = super::users::by_id(db, session.user_id).await?;
    Ok(user.map(|u| (session, u)))
}

pub async fn revoke(tx: &mut Tx, token_hash: &str, at: OffsetDateTime) -> Result<u64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))
}

/// Revokes every open session of a user (password change, deactivation).
pub async fn revoke_all_of(
    tx: &mut Tx,
    user_id: Uuid,
    at: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(at)
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))
}
