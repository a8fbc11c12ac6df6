//! The audit trail: every change writes one entry in the same transaction as the change.

use super::{Db, Tx};
use crate::{on_db, on_tx};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: Uuid,
    pub at: OffsetDateTime,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub details: Json<serde_json::Value>,
}

/// Who did a change: a signed-in user, or the system itself (CLI, demo loader, scheduled jobs).
#[derive(Debug, Clone, Copy)]
pub struct Actor(pub Option<Uuid>);

impl Actor {
    pub const SYSTEM: Actor = Actor(None);
}

pub async fn record(
    tx: &mut Tx,
    actor: Actor,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    details: serde_json::Value,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, action, entity, entity_id, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::now_v7())
    .bind(super::now())
    .bind(actor.0)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(Json(details))
    .execute(conn)
    .await
    .map(|_| ()))
}

pub struct AuditFilter<'a> {
    pub entity: Option<&'a str>,
    pub entity_id: Option<&'a str>,
    pub limit: i64,
    pub offset: i64,
}

/// Newest first.
pub async fn list(db: &Db, filter: &AuditFilter<'_>) -> Result<(Vec<AuditRow>, i64), sqlx::Error> {
    const WHERE: &str = "WHERE ($1 IS NULL OR a.entity = $1) AND ($2 IS NULL OR a.entity_id = $2)";
    let rows_sql = format!(
        "SELECT a.id, a.at, a.actor_id, u.display_name AS actor_name, a.action, a.entity,
                a.entity_id, a.details
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id {WHERE}
         ORDER BY a.id DESC LIMIT $3 OFFSET $4"
    );
    let count_sql = format!("SELECT COUNT(*) FROM audit_log a {WHERE}");
    on_db!(db, pool => {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(&*rows_sql))
            .bind(filter.entity)
            .bind(filter.entity_id)
            .bind(filter.limit)
            .bind(filter.offset)
            .fetch_all(pool)
            .await?;
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(&*count_sql))
            .bind(filter.entity)
            .bind(filter.entity_id)
            .fetch_one(pool)
            .await?;
        Ok((rows, total))
    })
}
