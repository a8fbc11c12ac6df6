//! The demo city: Suzhou's real districts, streets and communities, with generated teams, staff,
//! catalogs and customers. Deterministic: the same seed gives the same city, so demo logins,
//! screenshots and benchmarks are repeatable.

mod data;
mod geography;
mod network;

use crate::db::areas::{self, PatrolAreaRow, PipelineSegmentRow, ServiceAreaRow};
use crate::db::audit::{self, Actor};
use crate::db::catalog::{self, MaterialRow, RepairItemRow};
use crate::db::customers::{self, CustomerRow};
use crate::db::users::UserRow;
use crate::db::{self, Db};
use crate::error::AppResult;
use crate::geometry::{linestring_geojson, multipolygon_geojson};
use gasdesk_shared::api::NewTeam;
use gasdesk_shared::{Role, TeamKind};
use geography::City;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use sqlx::types::Json;
use std::collections::HashMap;
use std::fmt;
use uuid::Uuid;

pub const SEED: u64 = 20_261_126;
/// Every demo account's password. Demo only: never use `--demo` for real data.
pub const DEMO_PASSWORD: &str = "gasdesk2026";

/// The named demo logins, one per role: (username, role, display name).
pub const LOGINS: &[(&str, Role, &str)] = &[
    ("admin", Role::Admin, "系统管理员"),
    ("leader", Role::TeamLeader, "顾建国"),
    ("dispatcher", Role::Dispatcher, "沈佳怡"),
    ("repairer", Role::Repairer, "陆志强"),
    ("patroller", Role::Patroller, "钱卫东"),
    ("manager", Role::Manager, "周国平"),
];

pub fn logins_text() -> String {
    let mut text = format!("demo logins (password `{DEMO_PASSWORD}` for all):\n");
    for (username, role, name) in LOGINS {
        text.push_str(&format!(
            "  {username:<11} {:<12} {name}\n",
            role.label_zh()
        ));
    }
    text
}

pub enum Outcome {
    Loaded(Summary),
    AlreadyThere,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub teams: usize,
    pub staff: usize,
    pub customers: usize,
    pub repair_items: usize,
    pub materials: usize,
    pub service_areas: usize,
    pub pipeline_segments: usize,
    /// District outlines the map data had folded, each with what was wrong and done.
    pub repairs: Vec<String>,
    pub millis: u128,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "demo city 苏州 loaded in {} ms: {} teams, {} staff, {} customers, {} repair items, \
             {} materials, {} service areas, {} pipeline segments",
            self.millis,
            self.teams,
            self.staff,
            self.customers,
            self.repair_items,
            self.materials,
            self.service_areas,
            self.pipeline_segments
        )?;
        for repair in &self.repairs {
            writeln!(f, "  map outline repaired: {repair}")?;
        }
        Ok(())
    }
}

/// Loads the demo city into an empty database; leaves a database with users untouched.
pub async fn load(db: &Db, customer_count: u32) -> AppResult<Outcome> {
    if db::users::count(db).await? > 0 {
        return Ok(Outcome::AlreadyThere);
    }
    let started = std::time::Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let city = City::load();
    let mut summary = Summary::default();
    load_catalogs(db, &mut summary).await?;
    let teams = load_staff(db, &city, &mut rng, &mut summary).await?;
    load_network(db, &city, &teams, &mut rng, &mut summary).await?;
    load_customers(db, &city, &mut rng, customer_count, &mut summary).await?;
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        Actor::SYSTEM,
        "demo.load",
        "database",
        None,
        json!({ "seed": SEED }),
    )
    .await?;
    tx.commit().await?;
    summary.millis = started.elapsed().as_millis();
    Ok(Outcome::Loaded(summary))
}

async fn load_catalogs(db: &Db, summary: &mut Summary) -> AppResult<()> {
    let now = db::now();
    let mut tx = db.begin().await?;
    for (code, name, category, points, fee) in data::REPAIR_ITEMS {
        catalog::insert_repair_item(
            &mut tx,
            &RepairItemRow {
                id: Uuid::now_v7(),
                code: (*code).into(),
                name: (*name).into(),
                category: (*category).into(),
                workload_points: *points,
                onsite_fee_fen: *fee,
                active: true,
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    for (code, name, spec, unit, price) in data::MATERIALS {
        catalog::insert_material(
            &mut tx,
            &MaterialRow {
                id: Uuid::now_v7(),
                code: (*code).into(),
                name: (*name).into(),
                spec: spec.map(Into::into),
                unit: (*unit).into(),
                price_fen: *price,
                active: true,
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    summary.repair_items = data::REPAIR_ITEMS.len();
    summary.materials = data::MATERIALS.len();
    Ok(())
}

fn person_name(rng: &mut ChaCha8Rng) -> String {
    let surname = data::SURNAMES[rng.random_range(0..data::SURNAMES.len())];
    let given = data::GIVEN[rng.random_range(0..data::GIVEN.len())];
    format!("{surname}{given}")
}

fn mobile(rng: &mut ChaCha8Rng) -> String {
    const PREFIXES: [&str; 8] = ["138", "139", "137", "150", "151", "180", "189", "133"];
    format!(
        "{}{:08}",
        PREFIXES[rng.random_range(0..PREFIXES.len())],
        rng.random_range(0..100_000_000u32)
    )
}

/// Staff: the named logins, then per district a repair team and a patrol team, and two
/// city-wide emergency-repair teams, each with a leader and members.
async fn load_staff(
    db: &Db,
    city: &City,
    rng: &mut ChaCha8Rng,
    summary: &mut Summary,
) -> AppResult<HashMap<String, Uuid>> {
    // One hash for every demo account: hashing ~100 passwords with argon2id would make every
    // demo start slow, and they share a password anyway.
    let password_hash = crate::auth::password::hash(DEMO_PASSWORD.to_owned()).await?;
    let add_user = |username: String, role: Role, name: String, phone: String| {
        let now = db::now();
        UserRow {
            id: Uuid::now_v7(),
            username,
            display_name: name,
            password_hash: password_hash.clone(),
            role: role.as_str().into(),
            phone: Some(phone),
            active: true,
            created_at: now,
            updated_at: now,
        }
    };
    let mut named = HashMap::new();
    let mut rows = Vec::new();
    for (username, role, name) in LOGINS {
        let row = add_user((*username).into(), *role, (*name).into(), mobile(rng));
        named.insert(*username, row.id);
        rows.push(row);
    }
    let mut teams: Vec<(NewTeam, Vec<Uuid>)> = Vec::new();
    let mut team_ids = HashMap::new();
    let mut serial = 0;
    let mut next = |prefix: &str| {
        serial += 1;
        format!("{prefix}{serial:03}")
    };
    for district in &city.districts {
        for (kind, suffix, members, prefix) in [
            (TeamKind::Repair, "维修班", 3, "wx"),
            (TeamKind::Patrol, "巡线班", 2, "xx"),
        ] {
            let role = if kind == TeamKind::Patrol {
                Role::Patroller
            } else {
                Role::Repairer
            };
            let leader = add_user(next("bz"), Role::TeamLeader, person_name(rng), mobile(rng));
            let mut ids = vec![leader.id];
            let leader_id = leader.id;
            rows.push(leader);
            for _ in 0..members {
                let member = add_user(next(prefix), role, person_name(rng), mobile(rng));
                ids.push(member.id);
                rows.push(member);
            }
            teams.push((
                NewTeam {
                    name: format!("{}{suffix}", district.name),
                    kind,
                    phone: Some(format!("0512-6{:07}", rng.random_range(0..10_000_000u32))),
                    leader_id: Some(leader_id),
                },
                ids,
            ));
        }
    }
    for name in ["市区抢修一班", "市区抢修二班"] {
        let leader = add_user(next("bz"), Role::TeamLeader, person_name(rng), mobile(rng));
        let mut ids = vec![leader.id];
        let leader_id = leader.id;
        rows.push(leader);
        for _ in 0..4 {
            let member = add_user(next("qx"), Role::Repairer, person_name(rng), mobile(rng));
            ids.push(member.id);
            rows.push(member);
        }
        teams.push((
            NewTeam {
                name: name.into(),
                kind: TeamKind::EmergencyRepair,
                phone: Some("0512-96777".into()),
                leader_id: Some(leader_id),
            },
            ids,
        ));
    }
    for _ in 0..5 {
        rows.push(add_user(
            next("hw"),
            Role::Dispatcher,
            person_name(rng),
            mobile(rng),
        ));
    }
    for row in &rows {
        crate::users::insert(db, Actor::SYSTEM, row).await?;
    }
    summary.staff = rows.len();
    // The named field workers and leader join the teams of 姑苏区, the old city.
    for (team, mut members) in teams {
        if team.name == "姑苏区维修班" {
            members.extend([named["repairer"], named["leader"]]);
        }
        if team.name == "姑苏区巡线班" {
            members.push(named["patroller"]);
        }
        let view = crate::teams::create(db, Actor::SYSTEM, team).await?;
        for member in members {
            crate::teams::add_member(db, Actor::SYSTEM, view.id, member).await?;
        }
        summary.teams += 1;
        team_ids.insert(view.name, view.id);
    }
    Ok(team_ids)
}

/// Street-level service areas for each district's repair team, and the pipeline network in
/// patrol areas of each district's patrol team.
async fn load_network(
    db: &Db,
    city: &City,
    teams: &HashMap<String, Uuid>,
    rng: &mut ChaCha8Rng,
    summary: &mut Summary,
) -> AppResult<()> {
    let network = network::build(city, rng);
    let team = |name: String| {
        teams
            .get(&name)
            .copied()
            .ok_or_else(|| crate::error::AppError::Internal(format!("demo team {name} missing")))
    };
    let now = db::now();
    let mut tx = db.begin().await?;
    for area in &network.areas {
        let street = &city.streets[area.street];
        let district = &city.districts[street.district];
        areas::insert_service_area(
            &mut tx,
            &ServiceAreaRow {
                id: Uuid::now_v7(),
                name: format!("{}{}", district.name, street.name),
                team_id: team(format!("{}维修班", district.name))?,
                priority: 0,
                district: Some(district.name.clone()),
                street: Some(street.name.clone()),
                geometry: Json(multipolygon_geojson(&area.shape)),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    let mut patrol_areas = HashMap::new();
    for (index, district) in city.districts.iter().enumerate() {
        let row = PatrolAreaRow {
            id: Uuid::now_v7(),
            name: format!("{}巡线区域", district.name),
            team_id: team(format!("{}巡线班", district.name))?,
            created_at: now,
            updated_at: now,
        };
        areas::insert_patrol_area(&mut tx, &row).await?;
        patrol_areas.insert(index, row.id);
    }
    for segment in &network.segments {
        areas::insert_pipeline_segment(
            &mut tx,
            &PipelineSegmentRow {
                id: Uuid::now_v7(),
                patrol_area_id: patrol_areas[&segment.district],
                pressure_class: segment.pressure.as_str().into(),
                material: Some(segment.material.into()),
                diameter_mm: Some(segment.diameter_mm),
                geometry: Json(linestring_geojson(&segment.line)),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    tx.commit().await?;
    summary.service_areas = network.areas.len();
    summary.pipeline_segments = network.segments.len();
    summary.repairs = network.repairs;
    Ok(())
}

async fn load_customers(
    db: &Db,
    city: &City,
    rng: &mut ChaCha8Rng,
    count: u32,
    summary: &mut Summary,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    for i in 0..count {
        let street = city.pick_street(rng);
        let district = &city.districts[street.district];
        let community = street
            .communities
            .get(rng.random_range(0..street.communities.len().max(1)))
            .cloned();
        let road = data::ROADS[rng.random_range(0..data::ROADS.len())];
        let address = format!(
            "苏州市{}{}{}号{}幢{}室",
            district.name,
            road,
            rng.random_range(1..1200),
            rng.random_range(1..40),
            rng.random_range(1..7) * 100 + rng.random_range(1..5)
        );
        let (lon, lat) = city.point_near(street, rng);
        let mut phones = vec![mobile(rng)];
        if rng.random_bool(0.3) {
            phones.push(format!("05126{:07}", rng.random_range(0..10_000_000u32)));
        }
        let arrears_fen = if rng.random_bool(0.12) {
            rng.random_range(1_000..80_000)
        } else {
            0
        };
        let now = db::now();
        let row = CustomerRow {
            id: Uuid::now_v7(),
            card_no: format!("{}{:07}", &district.code[4..], i + 1),
            name: person_name(rng),
            address,
            district: Some(district.name.clone()),
            street: Some(street.name.clone()),
            community,
            lon: Some(lon),
            lat: Some(lat),
            arrears_fen,
            created_at: now,
            updated_at: now,
        };
        customers::upsert(&mut tx, &row, &phones).await?;
        if (i + 1) % 2000 == 0 {
            tx.commit().await?;
            tx = db.begin().await?;
        }
    }
    tx.commit().await?;
    summary.customers = count as usize;
    Ok(())
}
