//! Leak checks (巡线单) as routing handles them: a reported outdoor leak goes to the patrol team
//! of the nearest pipeline and to its on-duty patroller with the fewest open checks; with nobody
//! to send, the dispatcher is alerted. A dispatcher can override; the override is audited.

use super::decide::{self, Candidate};
use super::index::SpatialIndex;
use crate::auth::CurrentUser;
use crate::db::audit::{self, Actor};
use crate::db::routing::{self as store, AlertRow, CheckRow, DecisionRow};
use crate::db::{self, Db, Tx, teams, users};
use crate::error::{AppError, AppResult};
use gasdesk_shared::routing::{
    AlertView, AssignOverride, NewPatrolCheck, PatrolCheckView, RoutingBasis, RoutingDecisionView,
};
use gasdesk_shared::{Permission, Role, validate};
use serde_json::json;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

const SUBJECT: &str = "patrol_check";

/// The on-duty patrollers of a team at `now`, with their open checks and distance to the leak.
async fn candidates(
    db: &Db,
    index: &SpatialIndex,
    team_id: Uuid,
    leak: (f64, f64),
    now: OffsetDateTime,
) -> AppResult<Vec<Candidate>> {
    let mut on_duty: Vec<Uuid> = store::shifts_of_team(db, team_id)
        .await?
        .into_iter()
        .filter(|s| s.starts_at <= now && now < s.ends_at)
        .map(|s| s.user_id)
        .collect();
    on_duty.sort();
    on_duty.dedup();
    let mut candidates = Vec::new();
    for user_id in on_duty {
        let Some(user) = users::by_id(db, user_id).await? else {
            continue;
        };
        if !user.active || user.role != Role::Patroller.as_str() {
            continue;
        }
        candidates.push(Candidate {
            user_id,
            name: user.username,
            open_checks: store::open_checks_of(db, user_id).await?,
            distance_m: store::position_of(db, user_id)
                .await?
                .map(|p| index.distance_m(p, leak)),
        });
    }
    Ok(candidates)
}

async fn raise_alert(tx: &mut Tx, kind: &str, message: String, subject: Uuid) -> AppResult<()> {
    store::insert_alert(
        tx,
        &AlertRow::for_dispatcher(kind, message, SUBJECT, subject, db::now()),
    )
    .await?;
    Ok(())
}

/// Records an outdoor leak report and routes it.
pub async fn report(
    db: &Db,
    index: &SpatialIndex,
    max_m: f64,
    user: &CurrentUser,
    new: NewPatrolCheck,
) -> AppResult<PatrolCheckView> {
    user.require(Permission::DispatchWork)?;
    let (lon, lat) =
        validate::location(Some(new.lon), Some(new.lat))?.unwrap_or((new.lon, new.lat));
    let description = validate::required_text("description", &new.description, 500)?;
    let phone = match new
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => Some(validate::phone("phone", p)?),
        None => None,
    };
    let now = db::now();
    let (team_id, basis) = decide::patrol_by_location(index, lon, lat, max_m);
    let chosen = match team_id {
        Some(team) => decide::choose(&candidates(db, index, team, (lon, lat), now).await?).cloned(),
        None => None,
    };
    let team = match team_id {
        Some(id) => Some(decide::team_ref(db, id).await?),
        None => None,
    };
    let mut explanation = decide::explain(&basis, team.as_ref());
    match (&team, &chosen) {
        (Some(_), Some(c)) => explanation.push_str(&format!(
            "；值班巡线工 {}（未完成 {} 单{}）",
            c.name,
            c.open_checks,
            c.distance_m
                .map(|d| format!("，距 {d:.0} 米"))
                .unwrap_or_default()
        )),
        (Some(t), None) => explanation.push_str(&format!("；{} 当前无人值班", t.name)),
        _ => {}
    }
    let check = CheckRow {
        id: Uuid::now_v7(),
        lon,
        lat,
        caller: validate::optional_text("caller", new.caller.as_deref(), 32)?,
        phone,
        description,
        status: "open".into(),
        team_id,
        assigned_to: chosen.as_ref().map(|c| c.user_id),
        reported_at: now,
        reported_by: Some(user.id),
    };
    let decision = DecisionRow {
        id: Uuid::now_v7(),
        subject_kind: SUBJECT.into(),
        subject_id: check.id,
        team_id,
        user_id: check.assigned_to,
        basis: Json(serde_json::to_value(&basis).map_err(|e| AppError::Internal(e.to_string()))?),
        explanation: explanation.clone(),
        decided_by: None,
        decided_at: now,
    };
    let mut tx = db.begin().await?;
    store::insert_check(&mut tx, &check).await?;
    store::insert_decision(&mut tx, &decision).await?;
    crate::live::check(
        &mut tx,
        "check.created",
        check.id,
        check.team_id,
        check.assigned_to,
        now,
    )
    .await?;
    crate::push::outbox::check_routed(&mut tx, &check, now).await?;
    if check.assigned_to.is_none() {
        let kind = if team_id.is_some() {
            "nobody_on_duty"
        } else {
            "unrouted_leak"
        };
        raise_alert(
            &mut tx,
            kind,
            format!("漏气报告 ({lon:.5}, {lat:.5}) 未能派给巡线工：{explanation}"),
            check.id,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        user.actor(),
        "patrol_check.create",
        SUBJECT,
        Some(check.id.to_string()),
        json!({ "lon": lon, "lat": lat, "team_id": team_id, "assigned_to": check.assigned_to }),
    )
    .await?;
    tx.commit().await?;
    view(db, check).await
}

pub async fn view(db: &Db, check: CheckRow) -> AppResult<PatrolCheckView> {
    let decision = store::latest_decision(db, SUBJECT, check.id)
        .await?
        .ok_or_else(|| {
            AppError::Internal(format!("patrol check {} has no routing decision", check.id))
        })?;
    Ok(PatrolCheckView {
        id: check.id,
        lon: check.lon,
        lat: check.lat,
        caller: check.caller,
        phone: check.phone,
        description: check.description,
        status: check.status,
        team_id: check.team_id,
        assigned_to: check.assigned_to,
        decision: RoutingDecisionView {
            id: decision.id,
            team_id: decision.team_id,
            user_id: decision.user_id,
            basis: serde_json::from_value(decision.basis.0)
                .map_err(|e| AppError::Internal(format!("stored routing basis unreadable: {e}")))?,
            explanation: decision.explanation,
            decided_at: decision.decided_at,
        },
        reported_at: check.reported_at,
    })
}

/// Field workers see the checks assigned to them or their teams; dispatchers see all.
pub fn may_see(user: &CurrentUser, check: &CheckRow) -> bool {
    user.role.can(Permission::DispatchWork)
        || check.assigned_to == Some(user.id)
        || check.team_id.is_some_and(|t| user.team_ids.contains(&t))
}

pub async fn list(db: &Db, user: &CurrentUser) -> AppResult<Vec<PatrolCheckView>> {
    let mut views = Vec::new();
    for check in store::checks(db).await? {
        if may_see(user, &check) {
            views.push(view(db, check).await?);
        }
    }
    Ok(views)
}

pub async fn get(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<PatrolCheckView> {
    let check = store::check(db, id)
        .await?
        .filter(|c| may_see(user, c))
        .ok_or_else(|| AppError::not_found(format!("no patrol check {id}")))?;
    view(db, check).await
}

/// A dispatcher's choice over the automatic one, with the reason; audited.
pub async fn assign(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    choice: AssignOverride,
) -> AppResult<PatrolCheckView> {
    user.require(Permission::DispatchWork)?;
    let reason = validate::required_text("reason", &choice.reason, 200)?;
    let check = store::check(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no patrol check {id}")))?;
    if check.status != "open" {
        return Err(AppError::conflict(
            "status",
            "the check is closed; it cannot be reassigned",
        ));
    }
    let mut team_id = choice.team_id.or(check.team_id);
    if let Some(person) = choice.user_id {
        let target = users::by_id(db, person)
            .await?
            .filter(|u| u.active && u.role == Role::Patroller.as_str())
            .ok_or_else(|| AppError::validation("user_id", "not an active patroller"))?;
        let their_teams = users::team_ids(db, target.id).await?;
        match team_id {
            Some(t) if !their_teams.contains(&t) => {
                return Err(AppError::validation(
                    "user_id",
                    "the patroller is not in that team",
                ));
            }
            None => team_id = their_teams.first().copied(),
            _ => {}
        }
    }
    if let Some(t) = team_id
        && teams::by_id(db, t).await?.is_none()
    {
        return Err(AppError::validation(
            "team_id",
            format!("no team with id {t}"),
        ));
    }
    let basis = RoutingBasis::ChosenBy {
        user_id: user.id,
        user_name: user.display_name.clone(),
        reason: reason.clone(),
    };
    let team = match team_id {
        Some(id) => Some(decide::team_ref(db, id).await?),
        None => None,
    };
    let decision = DecisionRow {
        id: Uuid::now_v7(),
        subject_kind: SUBJECT.into(),
        subject_id: id,
        team_id,
        user_id: choice.user_id,
        basis: Json(serde_json::to_value(&basis).map_err(|e| AppError::Internal(e.to_string()))?),
        explanation: decide::explain(&basis, team.as_ref()),
        decided_by: Some(user.id),
        decided_at: db::now(),
    };
    let mut tx = db.begin().await?;
    store::assign_check(&mut tx, id, team_id, choice.user_id).await?;
    store::insert_decision(&mut tx, &decision).await?;
    let routed = CheckRow {
        team_id,
        assigned_to: choice.user_id,
        ..check.clone()
    };
    let now = decision.decided_at;
    crate::live::check(&mut tx, "check.assigned", id, team_id, choice.user_id, now).await?;
    crate::push::outbox::check_routed(&mut tx, &routed, now).await?;
    audit::record(
        &mut tx,
        Actor(Some(user.id)),
        "patrol_check.assign",
        SUBJECT,
        Some(id.to_string()),
        json!({
            "from": { "team_id": check.team_id, "user_id": check.assigned_to },
            "to": { "team_id": team_id, "user_id": choice.user_id },
            "reason": reason,
        }),
    )
    .await?;
    tx.commit().await?;
    let updated = store::check(db, id)
        .await?
        .ok_or_else(|| AppError::Internal("patrol check vanished".into()))?;
    view(db, updated).await
}

pub async fn alerts(db: &Db, user: &CurrentUser) -> AppResult<Vec<AlertView>> {
    user.require(Permission::DispatchWork)?;
    Ok(store::open_alerts(db)
        .await?
        .into_iter()
        .map(|a| AlertView {
            id: a.id,
            kind: a.kind,
            message: a.message,
            subject_kind: a.subject_kind,
            subject_id: a.subject_id,
            raised_at: a.raised_at,
            audience: a.audience,
            team_id: a.team_id,
        })
        .collect())
}
