//! Routing (派单): which repair team serves a place, which patrol team and patroller check an
//! outdoor leak, and why. The spatial indexes are built from the stored areas and pipelines in
//! the background and swapped in atomically whenever those change.

pub mod checks;
pub mod decide;
pub mod geo_data;
pub mod geojson;
pub mod index;
pub mod roster;

use crate::db::{Db, areas};
use crate::error::{AppError, AppResult};
use arc_swap::ArcSwap;
use geo::{LineString, MultiPolygon};
use index::{AreaInput, PatrolAreaInput, SegmentInput, SpatialIndex};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The current indexes. Readers take a snapshot (`current()`); a rebuild replaces it whole.
pub struct Indexes {
    current: ArcSwap<SpatialIndex>,
    /// One rebuild at a time; a rebuild started later always reads newer data.
    rebuilding: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

impl Default for Indexes {
    fn default() -> Self {
        Indexes {
            current: ArcSwap::from_pointee(SpatialIndex::empty()),
            rebuilding: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
        }
    }
}

impl Indexes {
    pub fn current(&self) -> Arc<SpatialIndex> {
        self.current.load_full()
    }

    /// How many times the indexes have been rebuilt.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Reads areas and pipelines from the database, builds new indexes off the async threads
    /// and swaps them in. Lookups meanwhile keep using the previous indexes.
    pub async fn rebuild(&self, db: &Db) -> AppResult<()> {
        let _one_at_a_time = self.rebuilding.lock().await;
        let inputs = load_inputs(db).await?;
        let index =
            tokio::task::spawn_blocking(move || SpatialIndex::build(inputs.0, inputs.1, inputs.2))
                .await
                .map_err(|e| AppError::Internal(format!("index build failed: {e}")))?;
        tracing::info!(
            areas = index.area_count(),
            segments = index.segment_count(),
            "routing indexes rebuilt"
        );
        self.current.store(Arc::new(index));
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

type Inputs = (Vec<AreaInput>, Vec<PatrolAreaInput>, Vec<SegmentInput>);

async fn load_inputs(db: &Db) -> AppResult<Inputs> {
    let areas = areas::service_areas(db)
        .await?
        .into_iter()
        .map(|row| {
            let shape = multipolygon_from_geojson(&row.geometry.0).ok_or_else(|| {
                AppError::Internal(format!("stored geometry of area {} is unreadable", row.id))
            })?;
            Ok(AreaInput {
                id: row.id,
                name: row.name,
                team_id: row.team_id,
                priority: row.priority,
                shape,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let patrol_rows = areas::patrol_areas(db).await?;
    let position: HashMap<uuid::Uuid, usize> = patrol_rows
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    let patrol_areas = patrol_rows
        .into_iter()
        .map(|p| PatrolAreaInput {
            id: p.id,
            name: p.name,
            team_id: p.team_id,
        })
        .collect();
    let segments = areas::pipeline_segments(db)
        .await?
        .into_iter()
        .map(|row| {
            let line = linestring_from_geojson(&row.geometry.0).ok_or_else(|| {
                AppError::Internal(format!(
                    "stored geometry of segment {} is unreadable",
                    row.id
                ))
            })?;
            Ok(SegmentInput {
                id: row.id,
                patrol_area: position[&row.patrol_area_id],
                line,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok((areas, patrol_areas, segments))
}

fn coords(value: &serde_json::Value) -> Option<Vec<geo::Coord<f64>>> {
    value
        .as_array()?
        .iter()
        .map(|p| {
            Some(geo::Coord {
                x: p.get(0)?.as_f64()?,
                y: p.get(1)?.as_f64()?,
            })
        })
        .collect()
}

fn polygon(value: &serde_json::Value) -> Option<geo::Polygon<f64>> {
    let rings = value.as_array()?;
    let exterior = LineString(coords(rings.first()?)?);
    let interiors = rings[1..]
        .iter()
        .map(|r| coords(r).map(LineString))
        .collect::<Option<Vec<_>>>()?;
    Some(geo::Polygon::new(exterior, interiors))
}

/// Stored geometry (written by us, so already validated) back into geo types.
pub fn multipolygon_from_geojson(geometry: &serde_json::Value) -> Option<MultiPolygon<f64>> {
    let coordinates = geometry.get("coordinates")?;
    match geometry.get("type")?.as_str()? {
        "Polygon" => Some(MultiPolygon(vec![polygon(coordinates)?])),
        "MultiPolygon" => Some(MultiPolygon(
            coordinates
                .as_array()?
                .iter()
                .map(polygon)
                .collect::<Option<_>>()?,
        )),
        _ => None,
    }
}

pub fn linestring_from_geojson(geometry: &serde_json::Value) -> Option<LineString<f64>> {
    (geometry.get("type")?.as_str()? == "LineString")
        .then(|| coords(geometry.get("coordinates")?).map(LineString))
        .flatten()
}
