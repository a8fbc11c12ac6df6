//! Duty rosters (值班表) of patrol teams, address routing rules (地址班组关系), and the field
//! workers' last known positions that break ties between patrollers.

use super::decide::rule_field;
use crate::auth::CurrentUser;
use crate::db::audit::{self, Actor};
use crate::db::routing::{self as store, RuleRow, ShiftRow};
use crate::db::{self, Db, teams, users};
use crate::error::{AppError, AppResult};
use gasdesk_shared::routing::{
    DutyShift, NewDutyShift, NewRoutingRule, PositionReport, RoutingRule, StaffPosition,
};
use gasdesk_shared::{Permission, Role, TeamKind, validate};
use serde_json::json;
use uuid::Uuid;

fn shift_view(s: ShiftRow) -> DutyShift {
    DutyShift {
        id: s.id,
        team_id: s.team_id,
        user_id: s.user_id,
        starts_at: s.starts_at,
        ends_at: s.ends_at,
    }
}

pub async fn shifts(db: &Db, user: &CurrentUser) -> AppResult<Vec<DutyShift>> {
    let all = user.role.can(Permission::ViewAllTeams);
    Ok(store::all_shifts(db)
        .await?
        .into_iter()
        .filter(|s| all || user.team_ids.contains(&s.team_id))
        .map(shift_view)
        .collect())
}

pub async fn add_shift(db: &Db, user: &CurrentUser, new: NewDutyShift) -> AppResult<DutyShift> {
    user.require(Permission::ManageAreas)?;
    if new.ends_at <= new.starts_at {
        return Err(AppError::validation(
            "ends_at",
            "a shift must end after it starts",
        ));
    }
    if new.ends_at - new.starts_at > time::Duration::days(7) {
        return Err(AppError::validation(
            "ends_at",
            "a shift may last at most 7 days",
        ));
    }
    let team = teams::by_id(db, new.team_id).await?.ok_or_else(|| {
        AppError::validation("team_id", format!("no team with id {}", new.team_id))
    })?;
    if team.kind != TeamKind::Patrol.as_str() {
        return Err(AppError::validation(
            "team_id",
            format!("{} is not a patrol team", team.name),
        ));
    }
    let member = users::by_id(db, new.user_id)
        .await?
        .filter(|u| u.active && u.role == Role::Patroller.as_str())
        .ok_or_else(|| AppError::validation("user_id", "not an active patroller"))?;
    if !users::team_ids(db, member.id).await?.contains(&team.id) {
        return Err(AppError::validation(
            "user_id",
            format!("{} is not a member of {}", member.display_name, team.name),
        ));
    }
    let row = ShiftRow {
        id: Uuid::now_v7(),
        team_id: new.team_id,
        user_id: new.user_id,
        starts_at: db::utc(new.starts_at),
        ends_at: db::utc(new.ends_at),
        created_at: db::now(),
    };
    let mut tx = db.begin().await?;
    store::insert_shift(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        user.actor(),
        "duty_shift.create",
        "duty_shift",
        Some(row.id.to_string()),
        json!({ "team_id": row.team_id, "user_id": row.user_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(shift_view(row))
}

pub async fn remove_shift(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<()> {
    user.require(Permission::ManageAreas)?;
    let mut tx = db.begin().await?;
    if !store::delete_shift(&mut tx, id).await? {
        return Err(AppError::not_found(format!("no duty shift {id}")));
    }
    audit::record(
        &mut tx,
        user.actor(),
        "duty_shift.delete",
        "duty_shift",
        Some(id.to_string()),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn rules(db: &Db) -> AppResult<Vec<RoutingRule>> {
    store::rules(db)
        .await?
        .into_iter()
        .map(|r| {
            Ok(RoutingRule {
                field: rule_field(&r.field)?,
                id: r.id,
                pattern: r.pattern,
                team_id: r.team_id,
                priority: r.priority,
            })
        })
        .collect()
}

pub async fn add_rule(db: &Db, user: &CurrentUser, new: NewRoutingRule) -> AppResult<RoutingRule> {
    user.require(Permission::ManageAreas)?;
    let pattern = validate::required_text("pattern", &new.pattern, 64)?;
    if teams::by_id(db, new.team_id).await?.is_none() {
        return Err(AppError::validation(
            "team_id",
            format!("no team with id {}", new.team_id),
        ));
    }
    let row = RuleRow {
        id: Uuid::now_v7(),
        field: new.field.as_str().into(),
        pattern,
        team_id: new.team_id,
        priority: new.priority,
        created_at: db::now(),
    };
    let mut tx = db.begin().await?;
    store::insert_rule(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        user.actor(),
        "routing_rule.create",
        "routing_rule",
        Some(row.id.to_string()),
        json!({ "field": row.field, "pattern": row.pattern, "team_id": row.team_id, "priority": row.priority }),
    )
    .await?;
    tx.commit().await?;
    Ok(RoutingRule {
        id: row.id,
        field: new.field,
        pattern: row.pattern,
        team_id: row.team_id,
        priority: row.priority,
    })
}

pub async fn remove_rule(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<()> {
    user.require(Permission::ManageAreas)?;
    let mut tx = db.begin().await?;
    if !store::delete_rule(&mut tx, id).await? {
        return Err(AppError::not_found(format!("no routing rule {id}")));
    }
    audit::record(
        &mut tx,
        Actor(Some(user.id)),
        "routing_rule.delete",
        "routing_rule",
        Some(id.to_string()),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The field app reports where its user is; kept as the last known position only.
pub async fn report_position(db: &Db, user: &CurrentUser, report: PositionReport) -> AppResult<()> {
    user.require(Permission::ReportPosition)?;
    let (lon, lat) =
        validate::location(Some(report.lon), Some(report.lat))?.unwrap_or((report.lon, report.lat));
    store::set_position(db, user.id, lon, lat, db::now()).await?;
    Ok(())
}

/// Field workers' last known positions, for the console's map (office staff only).
pub async fn positions(db: &Db, user: &CurrentUser) -> AppResult<Vec<StaffPosition>> {
    user.require(Permission::ViewAllTeams)?;
    let rows = store::positions(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|p| {
            Some(StaffPosition {
                role: p.role.parse::<Role>().ok()?,
                user_id: p.user_id,
                name: p.display_name,
                lon: p.lon,
                lat: p.lat,
                at: p.at,
            })
        })
        .collect())
}
