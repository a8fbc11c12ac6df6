//! Teams (班组) and their members. Field workers see only their own teams.

use crate::auth::CurrentUser;
use crate::db::audit::{self, Actor};
use crate::db::{
    self, Db,
    teams::{self, TeamRow},
    users,
};
use crate::error::{AppError, AppResult};
use gasdesk_shared::api::{NewTeam, TeamUpdate, TeamView};
use gasdesk_shared::{Permission, TeamKind, validate};
use serde_json::json;
use uuid::Uuid;

async fn to_view(db: &Db, row: TeamRow) -> AppResult<TeamView> {
    Ok(TeamView {
        kind: row
            .kind
            .parse::<TeamKind>()
            .map_err(|e| AppError::Internal(format!("stored team kind is invalid: {e}")))?,
        member_ids: teams::member_ids(db, row.id).await?,
        id: row.id,
        name: row.name,
        phone: row.phone,
        leader_id: row.leader_id,
    })
}

pub async fn list(db: &Db, user: &CurrentUser) -> AppResult<Vec<TeamView>> {
    let all = user.role.can(Permission::ViewAllTeams);
    let mut views = Vec::new();
    for row in teams::list(db).await? {
        if all || user.team_ids.contains(&row.id) {
            views.push(to_view(db, row).await?);
        }
    }
    Ok(views)
}

pub async fn get(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<TeamView> {
    let not_found = || AppError::not_found(format!("no team with id {id}"));
    if !user.role.can(Permission::ViewAllTeams) && !user.team_ids.contains(&id) {
        return Err(not_found());
    }
    let row = teams::by_id(db, id).await?.ok_or_else(not_found)?;
    to_view(db, row).await
}

pub async fn create(db: &Db, actor: Actor, new: NewTeam) -> AppResult<TeamView> {
    let name = validate::required_text("name", &new.name, 64)?;
    let phone = new
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(|p| validate::phone("phone", p))
        .transpose()?;
    if let Some(leader) = new.leader_id
        && users::by_id(db, leader).await?.is_none()
    {
        return Err(AppError::validation(
            "leader_id",
            format!("no user with id {leader}"),
        ));
    }
    let now = db::now();
    let row = TeamRow {
        id: Uuid::now_v7(),
        name,
        kind: new.kind.as_str().to_owned(),
        phone,
        leader_id: new.leader_id,
        created_at: now,
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    teams::insert(&mut tx, &row).await.map_err(|e| {
        if db::is_unique_violation(&e) {
            AppError::conflict("name", format!("a team named `{}` exists", row.name))
        } else {
            e.into()
        }
    })?;
    audit::record(
        &mut tx,
        actor,
        "team.create",
        "team",
        Some(row.id.to_string()),
        json!({ "name": row.name, "kind": row.kind }),
    )
    .await?;
    tx.commit().await?;
    to_view(db, row).await
}

/// Renames a team, changes its phone or its leader. Tickets keep their team; intake names the
/// new name at once on this instance (within a minute on others).
pub async fn update(db: &Db, actor: Actor, id: Uuid, change: TeamUpdate) -> AppResult<TeamView> {
    let before = teams::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no team with id {id}")))?;
    let mut team = before.clone();
    if let Some(name) = &change.name {
        team.name = validate::required_text("name", name, 64)?;
    }
    if let Some(phone) = &change.phone {
        team.phone = match phone.trim() {
            "" => None,
            p => Some(validate::phone("phone", p)?),
        };
    }
    match (change.leader_id, change.no_leader) {
        (Some(_), true) => {
            return Err(AppError::validation(
                "no_leader",
                "give a new leader_id or no_leader, not both",
            ));
        }
        (Some(leader), false) => {
            if users::by_id(db, leader).await?.is_none() {
                return Err(AppError::validation(
                    "leader_id",
                    format!("no user with id {leader}"),
                ));
            }
            team.leader_id = Some(leader);
        }
        (None, true) => team.leader_id = None,
        (None, false) => {}
    }
    if (&team.name, &team.phone, team.leader_id) == (&before.name, &before.phone, before.leader_id)
    {
        return to_view(db, team).await;
    }
    team.updated_at = db::now();
    let mut tx = db.begin().await?;
    teams::update(&mut tx, &team).await.map_err(|e| {
        if db::is_unique_violation(&e) {
            AppError::conflict("name", format!("a team named `{}` exists", team.name))
        } else {
            e.into()
        }
    })?;
    audit::record(
        &mut tx,
        actor,
        "team.update",
        "team",
        Some(id.to_string()),
        json!({
            "before": { "name": before.name, "phone": before.phone, "leader_id": before.leader_id },
            "after": { "name": team.name, "phone": team.phone, "leader_id": team.leader_id },
        }),
    )
    .await?;
    tx.commit().await?;
    // After the commit: a read between forgetting and committing would keep the old row.
    teams::forget(db, id);
    to_view(db, team).await
}

pub async fn add_member(
    db: &Db,
    actor: Actor,
    team_id: Uuid,
    user_id: Uuid,
) -> AppResult<TeamView> {
    let team = teams::by_id(db, team_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no team with id {team_id}")))?;
    if users::by_id(db, user_id).await?.is_none() {
        return Err(AppError::validation(
            "user_id",
            format!("no user with id {user_id}"),
        ));
    }
    let mut tx = db.begin().await?;
    if teams::add_member(&mut tx, team_id, user_id).await? {
        audit::record(
            &mut tx,
            actor,
            "team.add_member",
            "team",
            Some(team_id.to_string()),
            json!({ "user_id": user_id }),
        )
        .await?;
    }
    tx.commit().await?;
    to_view(db, team).await
}

pub async fn remove_member(
    db: &Db,
    actor: Actor,
    team_id: Uuid,
    user_id: Uuid,
) -> AppResult<TeamView> {
    let team = teams::by_id(db, team_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no team with id {team_id}")))?;
    let mut tx = db.begin().await?;
    if !teams::remove_member(&mut tx, team_id, user_id).await? {
        return Err(AppError::not_found(format!(
            "user {user_id} is not a member of this team"
        )));
    }
    audit::record(
        &mut tx,
        actor,
        "team.remove_member",
        "team",
        Some(team_id.to_string()),
        json!({ "user_id": user_id }),
    )
    .await?;
    tx.commit().await?;
    to_view(db, team).await
}

/// Deletes a team set up by mistake or never used. A team that has handled tickets or patrol
/// checks is kept for the record; one that still has areas, rules or duty shifts would leave
/// routing pointing nowhere: both are refused, naming what is left. Members leave with it.
pub async fn delete(db: &Db, actor: Actor, id: Uuid) -> AppResult<()> {
    let team = teams::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no team with id {id}")))?;
    let members = teams::member_ids(db, id).await?;
    let mut tx = db.begin().await?;
    let held = teams::holdings(&mut tx, id).await?;
    if let Some(what) = still_held(&held) {
        return Err(still_in_use(&team.name, &what));
    }
    let deleted = teams::delete(&mut tx, id).await.map_err(|e| {
        // Something was given to the team after the count (another instance, or a race).
        if db::is_foreign_key_violation(&e) {
            still_in_use(&team.name, "records written meanwhile")
        } else {
            e.into()
        }
    })?;
    if !deleted {
        return Err(AppError::not_found(format!("no team with id {id}")));
    }
    audit::record(
        &mut tx,
        actor,
        "team.delete",
        "team",
        Some(id.to_string()),
        json!({ "name": team.name, "kind": team.kind, "member_ids": members }),
    )
    .await?;
    tx.commit().await?;
    teams::forget(db, id);
    Ok(())
}

fn still_in_use(name: &str, what: &str) -> AppError {
    AppError::conflict(
        "team",
        format!(
            "team `{name}` still has {what}; tickets and patrol checks keep their team for the record, \
             and areas, routing rules and duty shifts must be moved or deleted first"
        ),
    )
}

/// "3 tickets, 1 service area": what keeps a team, or None when nothing does.
fn still_held(held: &teams::Holdings) -> Option<String> {
    let counts = [
        (held.tickets, "ticket", "tickets"),
        (held.patrol_checks, "patrol check", "patrol checks"),
        (
            held.routing_decisions,
            "routing decision",
            "routing decisions",
        ),
        (held.service_areas, "service area", "service areas"),
        (held.patrol_areas, "patrol area", "patrol areas"),
        (held.routing_rules, "routing rule", "routing rules"),
        (held.duty_shifts, "duty shift", "duty shifts"),
    ];
    let parts: Vec<String> = counts
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_keeps_a_team_is_named_with_its_count() {
        assert_eq!(still_held(&teams::Holdings::default()), None);
        let held = teams::Holdings {
            tickets: 3,
            service_areas: 1,
            duty_shifts: 2,
            ..Default::default()
        };
        assert_eq!(
            still_held(&held).as_deref(),
            Some("3 tickets, 1 service area, 2 duty shifts")
        );
    }
}
