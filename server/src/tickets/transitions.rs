//! Moving a ticket along its life: each step checked against the shared state machine, for the
//! right role and (in the field) the right team, timestamped by the server and by the phone,
//! recorded as an event and audited, all in one transaction.

use super::{SUBJECT, on_ticket_team, parse_status, repair_team, view};
use crate::auth::CurrentUser;
use crate::db::audit;
use crate::db::routing::{self as routing_store, DecisionRow};
use crate::db::tickets::{self as store, EventRow, TicketRow};
use crate::db::{self, Db, Tx, users};
use crate::error::{AppError, AppResult};
use crate::routing::decide;
use gasdesk_shared::Role;
use gasdesk_shared::intake::{TicketEventView, TicketView, TransitionRequest};
use gasdesk_shared::routing::RoutingBasis;
use gasdesk_shared::ticket::{TicketAction, TicketStatus, TransitionError, transition};
use gasdesk_shared::validate;
use serde_json::json;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

pub fn refusal(err: TransitionError) -> AppError {
    match err {
        TransitionError::WrongState { .. } => AppError::conflict("status", err.to_string()),
        TransitionError::WrongRole { .. } | TransitionError::NotAssignee { .. } => {
            AppError::Forbidden(err.to_string())
        }
    }
}

/// Loads the ticket for a change and checks the step; returns the ticket and the new status.
pub async fn begin_step(
    tx: &mut Tx,
    user: &CurrentUser,
    id: Uuid,
    action: TicketAction,
) -> AppResult<(TicketRow, TicketStatus, TicketStatus)> {
    let ticket = store::for_update(tx, id)
        .await?
        .filter(|t| super::may_see(user, t))
        .ok_or_else(|| AppError::not_found(format!("no ticket {id}")))?;
    let from = parse_status(&ticket.status)?;
    let to = transition(from, action, user.role, on_ticket_team(user, &ticket)).map_err(refusal)?;
    Ok((ticket, from, to))
}

/// The phone's time of a field step: not in the future (beyond clock drift) and not before the
/// ticket existed.
pub fn device_time(
    field: &str,
    at: Option<OffsetDateTime>,
    ticket: &TicketRow,
) -> AppResult<Option<OffsetDateTime>> {
    match at {
        Some(t) if t > db::now() + time::Duration::minutes(10) => Err(AppError::validation(
            field,
            "is in the future; is the phone's clock right?",
        )),
        Some(t) if t < ticket.created_at - time::Duration::minutes(10) => Err(
            AppError::validation(field, "is before the ticket was reported"),
        ),
        other => Ok(other.map(db::utc)),
    }
}

/// A completion is final once the photos and signature recorded with it have arrived: until
/// then the ticket can be neither followed up nor closed.
pub async fn completion_is_final(db: &Db, ticket: &TicketRow) -> AppResult<()> {
    let pending = crate::attachments::pending_for_ticket(db, ticket.id).await?;
    if pending > 0 {
        return Err(AppError::conflict(
            "status",
            format!(
                "ticket {}: {pending} photo(s) or signature(s) recorded on site have not arrived yet",
                ticket.number
            ),
        ));
    }
    Ok(())
}

pub struct Step<'a> {
    pub ticket: &'a TicketRow,
    pub action: TicketAction,
    pub from: TicketStatus,
    pub to: TicketStatus,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub device_at: Option<OffsetDateTime>,
    pub note: Option<String>,
}

/// Writes the step: new state, event, audit entry.
pub async fn record_step(tx: &mut Tx, user: &CurrentUser, step: Step<'_>) -> AppResult<()> {
    let now = db::now();
    store::update_state(
        tx,
        step.ticket.id,
        step.to.as_str(),
        step.team_id,
        step.assignee_id,
        now,
    )
    .await?;
    store::insert_event(
        tx,
        &EventRow {
            id: Uuid::now_v7(),
            ticket_id: step.ticket.id,
            action: step.action.as_str().into(),
            from_status: Some(step.from.as_str().into()),
            to_status: step.to.as_str().into(),
            actor_id: Some(user.id),
            at: now,
            device_at: step.device_at,
            note: step.note.clone(),
        },
    )
    .await?;
    crate::live::ticket_step(
        tx,
        step.ticket.id,
        &step.ticket.number,
        step.action.as_str(),
        Some(step.from.as_str()),
        step.to.as_str(),
        step.team_id,
        step.assignee_id,
        Some(user.id),
        now,
    )
    .await?;
    crate::push::outbox::ticket_step(
        tx,
        step.ticket,
        step.action,
        step.team_id,
        step.assignee_id,
        user.id,
        now,
    )
    .await?;
    audit::record(
        tx,
        user.actor(),
        &format!("ticket.{}", step.action.as_str()),
        SUBJECT,
        Some(step.ticket.id.to_string()),
        json!({
            "number": step.ticket.number, "from": step.from.as_str(), "to": step.to.as_str(),
            "team_id": step.team_id, "assignee_id": step.assignee_id, "note": step.note,
        }),
    )
    .await?;
    Ok(())
}

pub async fn apply(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    request: TransitionRequest,
) -> AppResult<TicketView> {
    let action = request.action;
    if action == TicketAction::Complete {
        return Err(AppError::validation(
            "action",
            "complete a ticket with its repair record: POST /api/v1/tickets/{id}/complete",
        ));
    }
    let mut tx = db.begin().await?;
    // Who and from which state first: a repairer trying to cancel hears "not your role", not
    // "give a reason".
    let (ticket, from, to) = begin_step(&mut tx, user, id, action).await?;
    if matches!(action, TicketAction::FollowUp | TicketAction::Close) {
        completion_is_final(db, &ticket).await?;
    }
    let reason = match request
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(r) => Some(validate::required_text("reason", r, 200)?),
        None if matches!(action, TicketAction::Reassign | TicketAction::Cancel) => {
            return Err(AppError::validation(
                "reason",
                format!("say why you {} the ticket", action.as_str()),
            ));
        }
        None => None,
    };
    let device_at = device_time("device_at", request.device_at, &ticket)?;
    let (mut team_id, mut assignee_id) = (ticket.team_id, ticket.assignee_id);
    match action {
        TicketAction::Assign | TicketAction::Reassign => {
            let team = request
                .team_id
                .or(ticket.team_id)
                .ok_or_else(|| AppError::validation("team_id", "choose a team"))?;
            let team_row = repair_team(db, "team_id", team).await?;
            if let Some(person) = request.user_id {
                let worker = users::by_id(db, person)
                    .await?
                    .filter(|u| u.active && u.role == Role::Repairer.as_str())
                    .ok_or_else(|| AppError::validation("user_id", "not an active repairer"))?;
                if !users::team_ids(db, worker.id).await?.contains(&team) {
                    return Err(AppError::validation(
                        "user_id",
                        format!("{} is not in {}", worker.display_name, team_row.name),
                    ));
                }
            }
            if action == TicketAction::Reassign
                && team == ticket.team_id.unwrap_or_default()
                && request.user_id == ticket.assignee_id
            {
                return Err(AppError::validation(
                    "team_id",
                    "the ticket already has that team and person",
                ));
            }
            team_id = Some(team);
            assignee_id = request.user_id;
            let basis = RoutingBasis::ChosenBy {
                user_id: user.id,
                user_name: user.display_name.clone(),
                reason: reason.clone().unwrap_or_else(|| "派单".into()),
            };
            let team_ref = decide::team_ref(db, team).await?;
            routing_store::insert_decision(
                &mut tx,
                &DecisionRow {
                    id: Uuid::now_v7(),
                    subject_kind: SUBJECT.into(),
                    subject_id: id,
                    team_id,
                    user_id: assignee_id,
                    explanation: decide::explain(&basis, Some(&team_ref)),
                    basis: Json(
                        serde_json::to_value(&basis)
                            .map_err(|e| AppError::Internal(e.to_string()))?,
                    ),
                    decided_by: Some(user.id),
                    decided_at: db::now(),
                },
            )
            .await?;
        }
        TicketAction::Accept => assignee_id = Some(user.id),
        _ => {}
    }
    record_step(
        &mut tx,
        user,
        Step {
            ticket: &ticket,
            action,
            from,
            to,
            team_id,
            assignee_id,
            device_at,
            note: reason,
        },
    )
    .await?;
    tx.commit().await?;
    let updated = store::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::Internal("ticket vanished".into()))?;
    view(db, updated).await
}

pub async fn history(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<Vec<TicketEventView>> {
    super::get(db, user, id).await?;
    Ok(store::events(db, id)
        .await?
        .into_iter()
        .map(|e| TicketEventView {
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            actor_id: e.actor_id,
            at: e.at,
            device_at: e.device_at,
            note: e.note,
        })
        .collect())
}
