//! Service areas and pipelines in and out as GeoJSON. An import replaces the whole set in one
//! transaction: a file with any problem is refused whole, with every problem listed, and the
//! indexes are rebuilt only after a successful import.

use super::Indexes;
use super::geojson::{self, AreaFeature, PipelineFeature, Reading, TeamSpec};
use crate::db::areas::{self, PatrolAreaRow, PipelineSegmentRow, ServiceAreaRow};
use crate::db::audit::{self, Actor};
use crate::db::teams::TeamRow;
use crate::db::{self, Db};
use crate::error::{AppError, AppResult};
use crate::geometry::{linestring_geojson, multipolygon_geojson};
use gasdesk_shared::TeamKind;
use gasdesk_shared::routing::{FeatureIssue, GeoImportReport};
use serde_json::{Value, json};
use sqlx::types::Json;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

fn find_team<'a>(teams: &'a [TeamRow], spec: &TeamSpec) -> Option<&'a TeamRow> {
    teams.iter().find(|t| match spec {
        TeamSpec::Id(id) => t.id == *id,
        TeamSpec::Name(name) => &t.name == name,
    })
}

fn describe(spec: &TeamSpec) -> String {
    match spec {
        TeamSpec::Id(id) => id.to_string(),
        TeamSpec::Name(name) => name.clone(),
    }
}

fn refuse(problems: Vec<FeatureIssue>) -> AppError {
    let first = &problems[0];
    AppError::Rejected {
        message: format!(
            "the file was refused, nothing was imported: {} problem(s); feature {}: {}",
            problems.len(),
            first.feature,
            first.reason
        ),
        field: Some(format!("features[{}]", first.feature)),
        details: json!(problems),
    }
}

fn check_duplicate_ids<T>(reading: &mut Reading<T>, id: impl Fn(&T) -> (usize, Option<Uuid>)) {
    let mut seen = HashSet::new();
    for feature in &reading.features {
        if let (index, Some(id)) = id(feature)
            && !seen.insert(id)
        {
            reading.problems.push(FeatureIssue {
                feature: index,
                reason: format!("id {id} appears twice in the file"),
            });
        }
    }
}

pub async fn import_areas(
    db: &Db,
    indexes: &Indexes,
    actor: Actor,
    doc: &[u8],
    repair: bool,
) -> AppResult<GeoImportReport> {
    let mut reading = geojson::read_areas(doc, repair);
    let teams = db::teams::list(db).await?;
    let mut resolved: Vec<(AreaFeature, Uuid)> = Vec::new();
    for feature in std::mem::take(&mut reading.features) {
        match find_team(&teams, &feature.team) {
            None => reading.problems.push(FeatureIssue {
                feature: feature.index,
                reason: format!("unknown team `{}`", describe(&feature.team)),
            }),
            Some(t) if t.kind == TeamKind::Patrol.as_str() => reading.problems.push(FeatureIssue {
                feature: feature.index,
                reason: format!(
                    "{} is a patrol team; service areas belong to repair teams",
                    t.name
                ),
            }),
            Some(t) => {
                let team_id = t.id;
                resolved.push((feature, team_id));
            }
        }
    }
    let mut reading = Reading {
        features: resolved,
        repairs: reading.repairs,
        problems: reading.problems,
    };
    check_duplicate_ids(&mut reading, |(f, _)| (f.index, f.id));
    if !reading.problems.is_empty() {
        reading.problems.sort_by_key(|p| p.feature);
        return Err(refuse(reading.problems));
    }
    let now = db::now();
    let mut tx = db.begin().await?;
    let replaced = areas::delete_service_areas(&mut tx).await?;
    for (feature, team_id) in &reading.features {
        areas::insert_service_area(
            &mut tx,
            &ServiceAreaRow {
                id: feature.id.unwrap_or_else(Uuid::now_v7),
                name: feature.name.clone(),
                team_id: *team_id,
                priority: feature.priority,
                district: feature.district.clone(),
                street: feature.street.clone(),
                geometry: Json(multipolygon_geojson(&feature.shape)),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        "service_area.import",
        "service_area",
        None,
        json!({ "imported": reading.features.len(), "replaced": replaced, "repairs": reading.repairs }),
    )
    .await?;
    tx.commit().await?;
    indexes.rebuild(db).await?;
    Ok(GeoImportReport {
        imported: reading.features.len(),
        repairs: reading.repairs,
    })
}

pub async fn import_pipelines(
    db: &Db,
    indexes: &Indexes,
    actor: Actor,
    doc: &[u8],
) -> AppResult<GeoImportReport> {
    let mut reading = geojson::read_pipelines(doc);
    let teams = db::teams::list(db).await?;
    let existing: HashMap<String, Uuid> = areas::patrol_areas(db)
        .await?
        .into_iter()
        .map(|p| (p.name, p.id))
        .collect();
    // Patrol areas the file introduces, with the patrol team named on their first feature.
    let mut new_areas: HashMap<String, (Uuid, Uuid)> = HashMap::new();
    let mut problems = std::mem::take(&mut reading.problems);
    for feature in &reading.features {
        if existing.contains_key(&feature.patrol_area)
            || new_areas.contains_key(&feature.patrol_area)
        {
            continue;
        }
        let team = feature
            .team
            .as_ref()
            .map(|spec| (spec, find_team(&teams, spec)));
        match team {
            None => problems.push(FeatureIssue {
                feature: feature.index,
                reason: format!(
                    "patrol area `{}` is new: name its patrol team in `team`",
                    feature.patrol_area
                ),
            }),
            Some((spec, None)) => problems.push(FeatureIssue {
                feature: feature.index,
                reason: format!("unknown team `{}`", describe(spec)),
            }),
            Some((_, Some(t))) if t.kind != TeamKind::Patrol.as_str() => {
                problems.push(FeatureIssue {
                    feature: feature.index,
                    reason: format!("{} is not a patrol team", t.name),
                })
            }
            Some((_, Some(t))) => {
                new_areas.insert(feature.patrol_area.clone(), (Uuid::now_v7(), t.id));
            }
        }
    }
    reading.problems = problems;
    check_duplicate_ids(&mut reading, |f: &PipelineFeature| (f.index, f.id));
    if !reading.problems.is_empty() {
        reading.problems.sort_by_key(|p| p.feature);
        return Err(refuse(reading.problems));
    }
    let now = db::now();
    let mut tx = db.begin().await?;
    for (name, (id, team_id)) in &new_areas {
        areas::insert_patrol_area(
            &mut tx,
            &PatrolAreaRow {
                id: *id,
                name: name.clone(),
                team_id: *team_id,
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    let replaced = areas::delete_pipeline_segments(&mut tx).await?;
    for feature in &reading.features {
        let patrol_area_id = existing
            .get(&feature.patrol_area)
            .copied()
            .or_else(|| new_areas.get(&feature.patrol_area).map(|a| a.0))
            .ok_or_else(|| AppError::Internal("patrol area vanished during import".into()))?;
        areas::insert_pipeline_segment(
            &mut tx,
            &PipelineSegmentRow {
                id: feature.id.unwrap_or_else(Uuid::now_v7),
                patrol_area_id,
                pressure_class: feature.pressure.as_str().into(),
                material: feature.material.clone(),
                diameter_mm: feature.diameter_mm,
                geometry: Json(linestring_geojson(&feature.line)),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        "pipeline.import",
        "pipeline_segment",
        None,
        json!({ "imported": reading.features.len(), "replaced": replaced, "new_patrol_areas": new_areas.len() }),
    )
    .await?;
    tx.commit().await?;
    indexes.rebuild(db).await?;
    Ok(GeoImportReport {
        imported: reading.features.len(),
        repairs: reading.repairs,
    })
}

pub async fn export_areas(db: &Db) -> AppResult<Value> {
    let teams: HashMap<Uuid, String> = db::teams::list(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let rows = areas::service_areas(db).await?;
    Ok(geojson::feature_collection(rows.into_iter().map(|a| {
        let properties = json!({
            "id": a.id, "name": a.name, "team": teams.get(&a.team_id), "team_id": a.team_id,
            "priority": a.priority, "district": a.district, "street": a.street,
        });
        // Areas stored wound either way (the demo city's were) go out as RFC 7946 wants, so
        // the file imports back without repair.
        let geometry = match geojson::stored_polygons(&a.geometry.0) {
            Ok(shape) => multipolygon_geojson(&shape),
            Err(problem) => {
                tracing::warn!(area = %a.id, %problem, "stored area geometry unreadable; exported as stored");
                a.geometry.0
            }
        };
        (geometry, properties)
    })))
}

pub async fn export_pipelines(db: &Db) -> AppResult<Value> {
    let teams: HashMap<Uuid, String> = db::teams::list(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let patrol: HashMap<Uuid, PatrolAreaRow> = areas::patrol_areas(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let rows = areas::pipeline_segments(db).await?;
    Ok(geojson::feature_collection(rows.into_iter().map(|s| {
        let area = patrol.get(&s.patrol_area_id);
        let properties = json!({
            "id": s.id,
            "patrol_area": area.map(|a| a.name.clone()),
            "team": area.and_then(|a| teams.get(&a.team_id)),
            "pressure_class": s.pressure_class,
            "material": s.material,
            "diameter_mm": s.diameter_mm,
        });
        (s.geometry.0, properties)
    })))
}
