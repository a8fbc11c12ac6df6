//! Catalogs: repair items (维修内容) and materials (维修材料).

use super::{Db, Tx};
use crate::{on_db, on_tx};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RepairItemRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub category: String,
    pub workload_points: f64,
    pub onsite_fee_fen: i64,
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MaterialRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub spec: Option<String>,
    pub unit: String,
    pub price_fen: i64,
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

pub async fn repair_items(db: &Db) -> Result<Vec<RepairItemRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, code, name, category, workload_points, onsite_fee_fen, active, created_at,
                updated_at FROM repair_items ORDER BY code",
    )
    .fetch_all(pool)
    .await)
}

pub async fn insert_repair_item(tx: &mut Tx, item: &RepairItemRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO repair_items (id, code, name, category, workload_points, onsite_fee_fen,
         active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(item.id)
    .bind(&item.code)
    .bind(&item.name)
    .bind(&item.category)
    .bind(item.workload_points)
    .bind(item.onsite_fee_fen)
    .bind(item.active)
    .bind(item.created_at)
    .bind(item.updated_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn materials(db: &Db) -> Result<Vec<MaterialRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, code, name, spec, unit, price_fen, active, created_at, updated_at
         FROM materials ORDER BY code",
    )
    .fetch_all(pool)
    .await)
}

pub async fn insert_material(tx: &mut Tx, material: &MaterialRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO materials (id, code, name, spec, unit, price_fen, active, created_at,
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(material.id)
    .bind(&material.code)
    .bind(&material.name)
    .bind(&material.spec)
    .bind(&material.unit)
    .bind(material.price_fen)
    .bind(material.active)
    .bind(material.created_at)
    .bind(material.updated_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn repair_item_by_code(
    db: &Db,
    code: &str,
) -> Result<Option<RepairItemRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, code, name, category, workload_points, onsite_fee_fen, active, created_at,
                updated_at FROM repair_items WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(pool)
    .await)
}

/// Writes everything but the id, code and creation time.
pub async fn update_repair_item(tx: &mut Tx, item: &RepairItemRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE repair_items SET name = $2, category = $3, workload_points = $4,
         onsite_fee_fen = $5, active = $6, updated_at = $7 WHERE id = $1",
    )
    .bind(item.id)
    .bind(&item.name)
    .bind(&item.category)
    .bind(item.workload_points)
    .bind(item.onsite_fee_fen)
    .bind(item.active)
    .bind(item.updated_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn material_by_code(db: &Db, code: &str) -> Result<Option<MaterialRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, code, name, spec, unit, price_fen, active, created_at, updated_at
         FROM materials WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(pool)
    .await)
}

/// Writes everything but the id, code and creation time.
pub async fn update_material(tx: &mut Tx, material: &MaterialRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE materials SET name = $2, spec = $3, unit = $4, price_fen = $5, active = $6,
         updated_at = $7 WHERE id = $1",
    )
    .bind(material.id)
    .bind(&material.name)
    .bind(&material.spec)
    .bind(&material.unit)
    .bind(material.price_fen)
    .bind(material.active)
    .bind(material.updated_at)
    .execute(conn)
    .await
    .map(|_| ()))
}
