//! Repair records (维修单) with their repairers, items, materials and fees; the versioned score
//! rule table; outage notices.

use super::filter::{Filter, Value};
use super::{Db, Tx};
use crate::{on_db, on_tx};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleSetRow {
    pub version: i64,
    pub rules: Json<serde_json::Value>,
    pub created_at: OffsetDateTime,
    pub created_by: Option<Uuid>,
}

pub async fn latest_rules(db: &Db) -> Result<Option<RuleSetRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT version, rules, created_at, created_by FROM score_rule_sets ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await)
}

pub async fn rules_version(db: &Db, version: i64) -> Result<Option<RuleSetRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT version, rules, created_at, created_by FROM score_rule_sets WHERE version = $1",
    )
    .bind(version)
    .fetch_optional(pool)
    .await)
}

pub async fn insert_rules(tx: &mut Tx, row: &RuleSetRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO score_rule_sets (version, rules, created_at, created_by) VALUES ($1, $2, $3, $4)",
    )
    .bind(row.version)
    .bind(&row.rules)
    .bind(row.created_at)
    .bind(row.created_by)
    .execute(conn)
    .await
    .map(|_| ()))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecordRow {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub completed_at: OffsetDateTime,
    pub rule_version: i64,
    pub total_centipoints: i64,
    pub onsite_fee_fen: i64,
    pub material_fee_fen: i64,
    pub total_fee_fen: i64,
    pub remarks: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

const RECORD_COLUMNS: &str = "r.id, r.ticket_id, r.completed_at, r.rule_version, r.total_centipoints, \
     r.onsite_fee_fen, r.material_fee_fen, r.total_fee_fen, r.remarks, r.created_by, r.created_at";

pub async fn insert_record(tx: &mut Tx, r: &RecordRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO repair_records (id, ticket_id, completed_at, rule_version, total_centipoints,
         onsite_fee_fen, material_fee_fen, total_fee_fen, remarks, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(r.id)
    .bind(r.ticket_id)
    .bind(r.completed_at)
    .bind(r.rule_version)
    .bind(r.total_centipoints)
    .bind(r.onsite_fee_fen)
    .bind(r.material_fee_fen)
    .bind(r.total_fee_fen)
    .bind(&r.remarks)
    .bind(r.created_by)
    .bind(r.created_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

/// The record's lines, inserted in one go with it.
pub struct RecordLines<'a> {
    pub repairers: &'a [(Uuid, i64)],
    pub items: &'a [(Uuid, i64)],
    pub materials: &'a [(Uuid, f64, i64)],
    pub fees: &'a [(String, i64)],
}

pub async fn insert_lines(
    tx: &mut Tx,
    record_id: Uuid,
    lines: &RecordLines<'_>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        for (user, points) in lines.repairers {
            sqlx::query("INSERT INTO record_repairers (record_id, user_id, centipoints) VALUES ($1, $2, $3)")
                .bind(record_id).bind(*user).bind(*points).execute(&mut *conn).await?;
        }
        for (i, (item, quantity)) in lines.items.iter().enumerate() {
            sqlx::query("INSERT INTO record_items (record_id, position, repair_item_id, quantity) VALUES ($1, $2, $3, $4)")
                .bind(record_id).bind(i as i64).bind(*item).bind(*quantity).execute(&mut *conn).await?;
        }
        for (i, (material, quantity, price)) in lines.materials.iter().enumerate() {
            sqlx::query(
                "INSERT INTO record_materials (record_id, position, material_id, quantity, unit_price_fen)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(record_id).bind(i as i64).bind(*material).bind(*quantity).bind(*price).execute(&mut *conn).await?;
        }
        for (i, (label, amount)) in lines.fees.iter().enumerate() {
            sqlx::query("INSERT INTO record_fees (record_id, position, label, amount_fen) VALUES ($1, $2, $3, $4)")
                .bind(record_id).bind(i as i64).bind(label).bind(*amount).execute(&mut *conn).await?;
        }
        Ok::<_, sqlx::Error>(())
    })
}

pub async fn record_of_ticket(db: &Db, ticket_id: Uuid) -> Result<Option<RecordRow>, sqlx::Error> {
    let sql = format!("SELECT {RECORD_COLUMNS} FROM repair_records r WHERE r.ticket_id = $1");
    on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(&*sql)).bind(ticket_id).fetch_optional(pool).await)
}

/// (user id, display name, centipoints)
pub async fn repairers_of(
    db: &Db,
    record_id: Uuid,
) -> Result<Vec<(Uuid, String, i64)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT u.id, u.display_name, rr.centipoints FROM record_repairers rr JOIN users u ON u.id = rr.user_id
         WHERE rr.record_id = $1 ORDER BY u.username",
    )
    .bind(record_id)
    .fetch_all(pool)
    .await)
}

/// (code, name, quantity)
pub async fn items_of(db: &Db, record_id: Uuid) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT i.code, i.name, ri.quantity FROM record_items ri JOIN repair_items i ON i.id = ri.repair_item_id
         WHERE ri.record_id = $1 ORDER BY ri.position",
    )
    .bind(record_id)
    .fetch_all(pool)
    .await)
}

/// (code, name, unit, quantity, unit price)
pub async fn materials_of(
    db: &Db,
    record_id: Uuid,
) -> Result<Vec<(String, String, String, f64, i64)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT m.code, m.name, m.unit, rm.quantity, rm.unit_price_fen FROM record_materials rm
         JOIN materials m ON m.id = rm.material_id WHERE rm.record_id = $1 ORDER BY rm.position",
    )
    .bind(record_id)
    .fetch_all(pool)
    .await)
}

pub async fn fees_of(db: &Db, record_id: Uuid) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT label, amount_fen FROM record_fees WHERE record_id = $1 ORDER BY position",
    )
    .bind(record_id)
    .fetch_all(pool)
    .await)
}

/// A page of records matching `filter` (over `repair_records r JOIN repair_tickets t`), newest
/// first, and the total.
pub async fn search(
    db: &Db,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<RecordRow>, i64), sqlx::Error> {
    let where_sql = filter.where_sql();
    let n = filter.values.len();
    let from = "FROM repair_records r JOIN repair_tickets t ON t.id = r.ticket_id";
    let rows_sql = format!(
        "SELECT {RECORD_COLUMNS} {from} {where_sql} ORDER BY r.id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let count_sql = format!("SELECT COUNT(*) {from} {where_sql}");
    on_db!(db, pool => {
        let mut rows_query = sqlx::query_as(sqlx::AssertSqlSafe(&*rows_sql));
        let mut count_query = sqlx::query_scalar(sqlx::AssertSqlSafe(&*count_sql));
        for v in &filter.values {
            (rows_query, count_query) = match v {
                Value::Text(s) => (rows_query.bind(s.clone()), count_query.bind(s.clone())),
                Value::Id(id) => (rows_query.bind(*id), count_query.bind(*id)),
                Value::Time(t) => (rows_query.bind(*t), count_query.bind(*t)),
            };
        }
        let rows = rows_query.bind(limit).bind(offset).fetch_all(pool).await?;
        let total: i64 = count_query.fetch_one(pool).await?;
        Ok((rows, total))
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutageRow {
    pub id: Uuid,
    pub reason: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub geometry: Option<Json<serde_json::Value>>,
    pub streets: Json<Vec<String>>,
    pub communities: Json<Vec<String>>,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub cancelled_at: Option<OffsetDateTime>,
}

pub async fn insert_outage(tx: &mut Tx, o: &OutageRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO outage_notices (id, reason, starts_at, ends_at, geometry, streets, communities,
         created_by, created_at, cancelled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(o.id)
    .bind(&o.reason)
    .bind(o.starts_at)
    .bind(o.ends_at)
    .bind(&o.geometry)
    .bind(&o.streets)
    .bind(&o.communities)
    .bind(o.created_by)
    .bind(o.created_at)
    .bind(o.cancelled_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

/// Notices not cancelled, newest first (few: filtered by time in the caller).
pub async fn outages(db: &Db) -> Result<Vec<OutageRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, reason, starts_at, ends_at, geometry, streets, communities, created_by, created_at,
                cancelled_at FROM outage_notices WHERE cancelled_at IS NULL ORDER BY id DESC",
    )
    .fetch_all(pool)
    .await)
}

pub async fn outage(db: &Db, id: Uuid) -> Result<Option<OutageRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, reason, starts_at, ends_at, geometry, streets, communities, created_by, created_at,
                cancelled_at FROM outage_notices WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await)
}
