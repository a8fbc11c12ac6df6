//! Business parameters (业务参数) as stored; their meaning and defaults live in `crate::params`.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use sqlx::types::Json;
use uuid::Uuid;

pub async fn all(db: &Db) -> Result<Vec<(String, Json<serde_json::Value>)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as("SELECT key, value FROM business_params ORDER BY key")
        .fetch_all(pool)
        .await)
}

pub async fn get(db: &Db, key: &str) -> Result<Option<Json<serde_json::Value>>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar("SELECT value FROM business_params WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await)
}

/// Stores the default unless the key already has a value.
pub async fn insert_default(
    tx: &mut Tx,
    key: &str,
    value: &serde_json::Value,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO business_params (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(Json(value))
    .bind(super::now())
    .execute(conn)
    .await
    .map(|r| r.rows_affected() > 0))
}

pub async fn set(
    tx: &mut Tx,
    key: &str,
    value: &serde_json::Value,
    by: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO business_params (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET value = $2, updated_at = $3, updated_by = $4",
    )
    .bind(key)
    .bind(Json(value))
    .bind(super::now())
    .bind(by)
    .execute(conn)
    .await
    .map(|_| ()))
}
