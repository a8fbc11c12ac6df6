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
/// decides what expired, revoked or deactivated means. One round trip: every request pays it.
pub async fn with_user(
    db: &Db,
    token_hash: &str,
) -> Result<Option<(SessionRow, UserRow)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Joined {
        #[sqlx(flatten)]
        user: UserRow,
        token_hash: String,
        session_created_at: OffsetDateTime,
        expires_at: OffsetDateTime,
        revoked_at: Option<OffsetDateTime>,
    }
    let joined: Option<Joined> = on_db!(db, pool => sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.phone, u.active,
                u.created_at, u.updated_at, s.token_hash, s.created_at AS session_created_at,
                s.expires_at, s.revoked_at
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await)?;
    Ok(joined.map(|j| {
        let session = SessionRow {
            token_hash: j.token_hash,
            user_id: j.user.id,
            created_at: j.session_created_at,
            expires_at: j.expires_at,
            revoked_at: j.revoked_at,
        };
        (session, j.user)
    }))
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
