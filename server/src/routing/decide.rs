//! Routing decisions: where a place's repair goes, where a leak report goes and to whom, each
//! with the reason a dispatcher can read.

use super::index::SpatialIndex;
use crate::db::{Db, routing as store, teams};
use crate::error::{AppError, AppResult};
use gasdesk_shared::routing::{Resolution, ResolveQuery, RoutingBasis, RuleField, TeamRef};
use gasdesk_shared::validate;
use uuid::Uuid;

pub async fn team_ref(db: &Db, id: Uuid) -> AppResult<TeamRef> {
    let team = teams::known(db, id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("routing points at missing team {id}")))?;
    Ok(TeamRef {
        id,
        name: team.name.clone(),
    })
}

/// The repair team for a located place: the service area containing it.
pub fn repair_by_location(
    index: &SpatialIndex,
    lon: f64,
    lat: f64,
) -> (Option<Uuid>, RoutingBasis) {
    match index.area_at(lon, lat) {
        Some(area) => (
            Some(area.team_id),
            RoutingBasis::ServiceArea {
                area_id: area.id,
                area_name: area.name.clone(),
                priority: area.priority,
            },
        ),
        None => (
            None,
            RoutingBasis::Unrouted {
                reason: "该位置不在任何辖区内 (the place lies in no service area)".into(),
            },
        ),
    }
}

/// The patrol team for a located leak: the patrol area of the nearest pipeline within reach.
pub fn patrol_by_location(
    index: &SpatialIndex,
    lon: f64,
    lat: f64,
    max_m: f64,
) -> (Option<Uuid>, RoutingBasis) {
    match index.nearest_segment(lon, lat, max_m) {
        Some(hit) => {
            let area = &index.patrol_areas[hit.patrol_area];
            (
                Some(area.team_id),
                RoutingBasis::NearestPipeline {
                    segment_id: hit.segment_id,
                    distance_m: (hit.distance_m * 10.0).round() / 10.0,
                    patrol_area_id: area.id,
                    patrol_area_name: area.name.clone(),
                },
            )
        }
        None => (
            None,
            RoutingBasis::Unrouted {
                reason: format!("{max_m:.0} 米内没有管线 (no pipeline within {max_m:.0} m)"),
            },
        ),
    }
}

/// The repair team for an address without a location: the highest-priority rule whose
/// pattern the address contains.
pub async fn repair_by_address(db: &Db, address: &str) -> AppResult<(Option<Uuid>, RoutingBasis)> {
    let rules = store::rules(db).await?;
    // Street and community rules look at the address text too: it names both.
    let matched = rules
        .into_iter()
        .find(|r| address.contains(r.pattern.as_str()));
    Ok(match matched {
        Some(rule) => (
            Some(rule.team_id),
            RoutingBasis::Rule {
                rule_id: rule.id,
                pattern: rule.pattern,
            },
        ),
        None => (
            None,
            RoutingBasis::Unrouted {
                reason: "没有位置，也没有匹配的地址规则 (no location and no address rule matches)"
                    .into(),
            },
        ),
    })
}

/// Urgent work (leaks, alarms) goes to an emergency-repair team (抢修班): the one whose service
/// area holds the place if there is one, else the one with the fewest open urgent tickets.
pub async fn emergency_team(
    db: &Db,
    index: &SpatialIndex,
    location: Option<(f64, f64)>,
) -> AppResult<(Option<Uuid>, RoutingBasis)> {
    let teams: Vec<_> = teams::list(db)
        .await?
        .into_iter()
        .filter(|t| t.kind == gasdesk_shared::TeamKind::EmergencyRepair.as_str())
        .collect();
    if let Some((lon, lat)) = location
        && let Some(area) = index.area_at(lon, lat)
        && teams.iter().any(|t| t.id == area.team_id)
    {
        return Ok((
            Some(area.team_id),
            RoutingBasis::Emergency {
                reason: format!("位于抢修辖区「{}」", area.name),
            },
        ));
    }
    let mut best: Option<(i64, &crate::db::teams::TeamRow)> = None;
    for team in &teams {
        let load = crate::db::tickets::open_urgent_of(db, team.id).await?;
        if best.is_none_or(|(b, bt)| load < b || (load == b && team.name < bt.name)) {
            best = Some((load, team));
        }
    }
    Ok(match best {
        Some((load, team)) => (
            Some(team.id),
            RoutingBasis::Emergency {
                reason: format!("抢修班「{}」在办紧急单最少（{load} 单）", team.name),
            },
        ),
        None => (
            None,
            RoutingBasis::Unrouted {
                reason: "没有抢修班 (no emergency-repair team)".into(),
            },
        ),
    })
}

/// A sentence for the dispatcher saying what was decided and why.
pub fn explain(basis: &RoutingBasis, team: Option<&TeamRef>) -> String {
    let to = team.map(|t| format!(" → {}", t.name)).unwrap_or_default();
    match basis {
        RoutingBasis::ServiceArea {
            area_name,
            priority,
            ..
        } => {
            format!("位于辖区「{area_name}」(优先级 {priority}){to}")
        }
        RoutingBasis::NearestPipeline {
            distance_m,
            patrol_area_name,
            ..
        } => {
            format!("最近管线 {distance_m:.0} 米，属巡线区域「{patrol_area_name}」{to}")
        }
        RoutingBasis::Rule { pattern, .. } => format!("地址含「{pattern}」，按地址规则{to}"),
        RoutingBasis::Emergency { reason } => format!("紧急报修：{reason}{to}"),
        RoutingBasis::Unrouted { reason } => format!("未能自动分派：{reason}，请话务员指定"),
        RoutingBasis::ChosenBy {
            user_name, reason, ..
        } => format!("由 {user_name} 指定：{reason}{to}"),
    }
}

/// What intake would do with a place, without creating anything.
pub async fn resolve(
    db: &Db,
    index: &SpatialIndex,
    max_m: f64,
    query: ResolveQuery,
) -> AppResult<Resolution> {
    let location = validate::location(query.lon, query.lat)?;
    let address = query
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let ((repair_team, repair_basis), (patrol_team, patrol_basis)) = match (location, address) {
        (Some((lon, lat)), _) => (
            repair_by_location(index, lon, lat),
            patrol_by_location(index, lon, lat, max_m),
        ),
        (None, Some(address)) => (
            repair_by_address(db, address).await?,
            (
                None,
                RoutingBasis::Unrouted {
                    reason: "没有位置 (no location)".into(),
                },
            ),
        ),
        (None, None) => {
            return Err(AppError::validation(
                "lon",
                "give lon and lat, or an address",
            ));
        }
    };
    let repair_team = match repair_team {
        Some(id) => Some(team_ref(db, id).await?),
        None => None,
    };
    let patrol_team = match patrol_team {
        Some(id) => Some(team_ref(db, id).await?),
        None => None,
    };
    let explanation = format!(
        "维修：{}；巡线：{}",
        explain(&repair_basis, repair_team.as_ref()),
        explain(&patrol_basis, patrol_team.as_ref())
    );
    Ok(Resolution {
        repair_team,
        repair_basis,
        patrol_team,
        patrol_basis,
        explanation,
    })
}

/// An on-duty patroller who could take a leak check.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub user_id: Uuid,
    pub name: String,
    pub open_checks: i64,
    /// From their last known position to the leak; unknown counts as farthest.
    pub distance_m: Option<f64>,
}

/// The one with the fewest open checks; ties go to the nearest, then by name (stable).
pub fn choose(candidates: &[Candidate]) -> Option<&Candidate> {
    candidates.iter().min_by(|a, b| {
        a.open_checks
            .cmp(&b.open_checks)
            .then(
                a.distance_m
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.distance_m.unwrap_or(f64::INFINITY)),
            )
            .then(a.name.cmp(&b.name))
    })
}

pub fn rule_field(stored: &str) -> AppResult<RuleField> {
    match stored {
        "street" => Ok(RuleField::Street),
        "community" => Ok(RuleField::Community),
        "address" => Ok(RuleField::Address),
        other => Err(AppError::Internal(format!(
            "stored rule field `{other}` is invalid"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(n: u128, open: i64, distance: Option<f64>) -> Candidate {
        Candidate {
            user_id: Uuid::from_u128(n),
            name: format!("xx{n:03}"),
            open_checks: open,
            distance_m: distance,
        }
    }

    #[test]
    fn fewest_open_checks_then_nearest_then_name() {
        // (open checks, distance) → who is chosen
        let table: &[(&[Candidate], Option<u128>)] = &[
            (&[], None),
            (
                &[candidate(1, 2, Some(10.0)), candidate(2, 1, Some(900.0))],
                Some(2),
            ),
            (
                &[candidate(1, 1, Some(500.0)), candidate(2, 1, Some(80.0))],
                Some(2),
            ),
            (
                &[candidate(1, 1, None), candidate(2, 1, Some(5000.0))],
                Some(2),
            ),
            (&[candidate(2, 0, None), candidate(1, 0, None)], Some(1)),
        ];
        for (candidates, expected) in table {
            assert_eq!(
                choose(candidates).map(|c| c.user_id),
                expected.map(Uuid::from_u128),
                "{candidates:?}"
            );
        }
    }

    #[test]
    fn explanations_name_the_reason() {
        let team = TeamRef {
            id: Uuid::nil(),
            name: "姑苏区维修班".into(),
        };
        let basis = RoutingBasis::ServiceArea {
            area_id: Uuid::nil(),
            area_name: "姑苏区双塔街道".into(),
            priority: 0,
        };
        assert_eq!(
            explain(&basis, Some(&team)),
            "位于辖区「姑苏区双塔街道」(优先级 0) → 姑苏区维修班"
        );
        let basis = RoutingBasis::Unrouted { reason: "x".into() };
        assert!(explain(&basis, None).contains("请话务员指定"));
    }
}
