//! Service areas, patrol areas and pipeline segments as stored (geometry as GeoJSON).

use super::{Db, Tx};
use crate::{on_db, on_tx};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceAreaRow {
    pub id: Uuid,
    pub name: String,
    pub team_id: Uuid,
    pub priority: i64,
    pub district: Option<String>,
    pub street: Option<String>,
    pub geometry: Json<serde_json::Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PatrolAreaRow {
    pub id: Uuid,
    pub name: String,
    pub team_id: Uuid,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PipelineSegmentRow {
    pub id: Uuid,
    pub patrol_area_id: Uuid,
    pub pressure_class: String,
    pub material: Option<String>,
    pub diameter_mm: Option<i64>,
    pub geometry: Json<serde_json::Value>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

pub async fn insert_service_area(tx: &mut Tx, area: &ServiceAreaRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO service_areas (id, name, team_id, priority, district, street, geometry,
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(area.id)
    .bind(&area.name)
    .bind(area.team_id)
    .bind(area.priority)
    .bind(&area.district)
    .bind(&area.street)
    .bind(&area.geometry)
    .bind(area.created_at)
    .bind(area.updated_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn insert_patrol_area(tx: &mut Tx, area: &PatrolAreaRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO patrol_areas (id, name, team_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(area.id)
    .bind(&area.name)
    .bind(area.team_id)
    .bind(area.created_at)
    .bind(area.updated_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn insert_pipeline_segment(
    tx: &mut Tx,
    segment: &PipelineSegmentRow,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO pipeline_segments (id, patrol_area_id, pressure_class, material, diameter_mm,
         geometry, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(segment.id)
    .bind(segment.patrol_area_id)
    .bind(&segment.pressure_class)
    .bind(&segment.material)
    .bind(segment.diameter_mm)
    .bind(&segment.geometry)
    .bind(segment.created_at)
    .bind(segment.updated_at)
    .execute(conn)
    .await
    .map(|_| ()))
}

pub async fn service_areas(db: &Db) -> Result<Vec<ServiceAreaRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, name, team_id, priority, district, street, geometry, created_at, updated_at
         FROM service_areas ORDER BY name",
    )
    .fetch_all(pool)
    .await)
}

pub async fn count_pipeline_segments(db: &Db) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM pipeline_segments")
        .fetch_one(pool)
        .await)
}

pub async fn patrol_areas(db: &Db) -> Result<Vec<PatrolAreaRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, name, team_id, created_at, updated_at FROM patrol_areas ORDER BY name",
    )
    .fetch_all(pool)
    .await)
}

pub async fn pipeline_segments(db: &Db) -> Result<Vec<PipelineSegmentRow>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT id, patrol_area_id, pressure_class, material, diameter_mm, geometry, created_at,
                updated_at FROM pipeline_segments ORDER BY id",
    )
    .fetch_all(pool)
    .await)
}

/// Removes every service area (an import replaces the whole set).
pub async fn delete_service_areas(tx: &mut Tx) -> Result<u64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM service_areas")
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))
}

/// Removes every pipeline segment (an import replaces the whole network).
pub async fn delete_pipeline_segments(tx: &mut Tx) -> Result<u64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM pipeline_segments")
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))
}
