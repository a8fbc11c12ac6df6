//! Repair tickets (接报单): intake while the customer is on the phone, routing to a team, the
//! life from new to closed, and what field workers may see. Repair records, searches, outage
//! notices and printing are in the submodules.

mod batch;
pub mod edit;
pub mod outages;
pub mod print;
pub mod records;
pub mod rules;
pub mod search;
pub mod transitions;

use crate::auth::CurrentUser;
use crate::db::audit::{self, Actor};
use crate::db::routing::{self as routing_store, AlertRow, DecisionRow};
use crate::db::tickets::{self as store, EventRow, TicketRow};
use crate::db::{self, Db, customers, teams};
use crate::error::{AppError, AppResult};
use crate::routing::decide;
use crate::routing::index::SpatialIndex;
use gasdesk_shared::intake::{NewTicket, TicketView};
use gasdesk_shared::routing::{RoutingBasis, RoutingDecisionView};
use gasdesk_shared::ticket::{self, TicketSource, TicketStatus};
use gasdesk_shared::{Permission, TeamKind, validate};
use serde_json::json;
use sqlx::types::Json;
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

pub const SUBJECT: &str = "repair_ticket";

/// Ticket numbers and their days follow the utility's clock (China Standard Time).
pub(crate) const LOCAL: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

fn number(day: &str, n: i64) -> String {
    format!("BX{day}-{n:04}")
}

pub(crate) fn parse_status(stored: &str) -> AppResult<TicketStatus> {
    TicketStatus::parse(stored)
        .ok_or_else(|| AppError::Internal(format!("stored ticket status `{stored}` is invalid")))
}

fn parse_source(stored: &str) -> TicketSource {
    match stored {
        "patrol" => TicketSource::Patrol,
        "web" => TicketSource::Web,
        _ => TicketSource::Call,
    }
}

/// Whether the user works on this ticket in the field: their team has it, or it is theirs.
pub fn on_ticket_team(user: &CurrentUser, t: &TicketRow) -> bool {
    t.assignee_id == Some(user.id) || t.team_id.is_some_and(|team| user.team_ids.contains(&team))
}

/// Office roles see every ticket; field workers those of their teams or assigned to them.
pub fn may_see(user: &CurrentUser, t: &TicketRow) -> bool {
    user.role.can(Permission::ViewTickets) || on_ticket_team(user, t)
}

pub async fn view(db: &Db, t: TicketRow) -> AppResult<TicketView> {
    let team_name = match t.team_id {
        Some(id) => teams::known(db, id).await?.map(|team| team.name.clone()),
        None => None,
    };
    let decision = match routing_store::latest_decision(db, SUBJECT, t.id).await? {
        Some(d) => Some(decision_view(d)?),
        None => None,
    };
    assemble(t, team_name, decision)
}

pub(crate) fn decision_view(d: DecisionRow) -> AppResult<RoutingDecisionView> {
    Ok(RoutingDecisionView {
        id: d.id,
        team_id: d.team_id,
        user_id: d.user_id,
        basis: serde_json::from_value(d.basis.0)
            .map_err(|e| AppError::Internal(format!("stored routing basis unreadable: {e}")))?,
        explanation: d.explanation,
        decided_at: d.decided_at,
    })
}

/// The view of a ticket whose team name and latest decision are already known.
pub(crate) fn assemble(
    t: TicketRow,
    team_name: Option<String>,
    decision: Option<RoutingDecisionView>,
) -> AppResult<TicketView> {
    Ok(TicketView {
        status: parse_status(&t.status)?,
        source: parse_source(&t.source),
        id: t.id,
        number: t.number,
        customer_id: t.customer_id,
        reporter: t.reporter,
        phone: t.phone,
        address: t.address,
        lon: t.lon,
        lat: t.lat,
        category: t.category,
        content: t.content,
        urgent: t.urgent,
        deadline_at: t.deadline_at,
        appointment_from: t.appointment_from,
        appointment_to: t.appointment_to,
        team_id: t.team_id,
        team_name,
        assignee_id: t.assignee_id,
        decision,
        created_at: t.created_at,
        updated_at: t.updated_at,
        corrected_at: t.corrected_at,
        warnings: Vec::new(),
    })
}

pub async fn get(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<TicketView> {
    let t = store::by_id(db, id)
        .await?
        .filter(|t| may_see(user, t))
        .ok_or_else(|| AppError::not_found(format!("no ticket {id}")))?;
    view(db, t).await
}

/// A team a dispatcher may give repair work to.
pub async fn repair_team(db: &Db, field: &str, id: Uuid) -> AppResult<crate::db::teams::TeamRow> {
    let team = teams::known(db, id)
        .await?
        .ok_or_else(|| AppError::validation(field, format!("no team with id {id}")))?;
    if team.kind == TeamKind::Patrol.as_str() {
        return Err(AppError::validation(
            field,
            format!("{} is a patrol team; repairs go to repair teams", team.name),
        ));
    }
    Ok(teams::TeamRow::clone(&team))
}

/// Records a ticket from a call (or a web report, or a patrol conversion) and routes it.
pub async fn create(
    db: &Db,
    index: &SpatialIndex,
    user: &CurrentUser,
    new: NewTicket,
) -> AppResult<TicketView> {
    user.require(Permission::DispatchWork)?;
    create_as(
        db,
        index,
        Actor(Some(user.id)),
        Some(&user.display_name),
        new,
        None,
    )
    .await
}

/// The shared path of every ticket's creation; `patrol_check` links a converted leak check.
pub async fn create_as(
    db: &Db,
    index: &SpatialIndex,
    actor: Actor,
    actor_name: Option<&str>,
    new: NewTicket,
    patrol_check: Option<Uuid>,
) -> AppResult<TicketView> {
    let mut prepared = prepare(db, index, actor, actor_name, new, patrol_check).await?;
    // What the answer needs besides the rows; writing does not use it.
    let (customer, team, now) = (prepared.customer.take(), prepared.team.take(), prepared.now);
    let (row, decision) = batch::write(db, prepared).await?;
    let warnings = intake_warnings(db, customer.as_ref(), &row, now).await?;
    // Everything the answer shows was just written: no need to read it back.
    let team_name = team.map(|t| t.name);
    let mut view = assemble(row, team_name, Some(decision_view(decision)?))?;
    view.warnings = warnings;
    Ok(view)
}

/// A ticket checked and routed, ready to be written.
pub struct Prepared {
    row: TicketRow,
    day: String,
    customer: Option<customers::CustomerRow>,
    basis: RoutingBasis,
    team: Option<gasdesk_shared::routing::TeamRef>,
    explanation: String,
    chosen: bool,
    actor: Actor,
    now: OffsetDateTime,
}

/// Validates and routes a new ticket without writing anything (reads only), so a caller can
/// write it inside its own transaction with [`insert_prepared`].
pub async fn prepare(
    db: &Db,
    index: &SpatialIndex,
    actor: Actor,
    actor_name: Option<&str>,
    new: NewTicket,
    patrol_check: Option<Uuid>,
) -> AppResult<Prepared> {
    let customer = match new.customer_id {
        Some(id) => Some(customers::by_id(db, id).await?.ok_or_else(|| {
            AppError::validation("customer_id", format!("no customer with id {id}"))
        })?),
        None => None,
    };
    let reporter = validate::required_text("reporter", &new.reporter, 32)?;
    let phone = validate::phone("phone", &new.phone)?;
    let address = match (
        new.address
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty()),
        &customer,
    ) {
        (Some(a), _) => validate::required_text("address", a, 200)?,
        (None, Some(c)) => c.address.clone(),
        (None, None) => {
            return Err(AppError::validation(
                "address",
                "give the address or choose the customer",
            ));
        }
    };
    let location = match validate::location(new.lon, new.lat)? {
        Some(l) => Some(l),
        None => customer.as_ref().and_then(|c| c.lon.zip(c.lat)),
    };
    let category = ticket::category(new.category.trim()).ok_or_else(|| {
        AppError::validation(
            "category",
            format!(
                "unknown category `{}`; one of: {}",
                new.category,
                ticket::CATEGORIES
                    .iter()
                    .map(|c| c.code)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let content = validate::required_text("content", &new.content, 1000)?;
    let now = db::now();
    let (deadline, appointment_from, appointment_to) = (
        new.deadline_at.map(db::utc),
        new.appointment_from.map(db::utc),
        new.appointment_to.map(db::utc),
    );
    let deadline_at = match deadline {
        Some(d) if d <= now => {
            return Err(AppError::validation(
                "deadline_at",
                "the deadline is already past",
            ));
        }
        Some(d) => d,
        None => now + time::Duration::hours(i64::from(category.deadline_hours)),
    };
    check_appointment(appointment_from, appointment_to)?;

    let (team_id, basis) = match new.team_id {
        Some(team) => {
            repair_team(db, "team_id", team).await?;
            let reason =
                validate::required_text("reason", new.reason.as_deref().unwrap_or(""), 200)?;
            (
                Some(team),
                RoutingBasis::ChosenBy {
                    user_id: actor.0.unwrap_or_default(),
                    user_name: actor_name.unwrap_or("system").to_owned(),
                    reason,
                },
            )
        }
        None if category.urgent => decide::emergency_team(db, index, location).await?,
        None => match location {
            Some((lon, lat)) => decide::repair_by_location(index, lon, lat),
            None => decide::repair_by_address(db, &address).await?,
        },
    };
    let team = match team_id {
        Some(id) => Some(decide::team_ref(db, id).await?),
        None => None,
    };
    let explanation = decide::explain(&basis, team.as_ref());
    let status = if team_id.is_some() {
        TicketStatus::Assigned
    } else {
        TicketStatus::New
    };
    let day = now.to_offset(LOCAL).date();
    let day = format!(
        "{:04}{:02}{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    );

    let chosen = new.team_id.is_some();
    let row = TicketRow {
        id: Uuid::now_v7(),
        number: String::new(),
        status: status.as_str().into(),
        customer_id: customer.as_ref().map(|c| c.id),
        reporter,
        phone,
        address,
        lon: location.map(|l| l.0),
        lat: location.map(|l| l.1),
        category: category.code.into(),
        content,
        source: new.source.as_str().into(),
        urgent: category.urgent,
        deadline_at,
        appointment_from,
        appointment_to,
        team_id,
        assignee_id: None,
        patrol_check_id: patrol_check,
        created_by: actor.0,
        created_at: now,
        updated_at: now,
        corrected_at: None,
    };
    Ok(Prepared {
        row,
        day,
        customer,
        basis,
        team,
        explanation,
        chosen,
        actor,
        now,
    })
}

/// An appointment window: a start, and an end after it if any.
pub(crate) fn check_appointment(
    from: Option<OffsetDateTime>,
    to: Option<OffsetDateTime>,
) -> AppResult<()> {
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        return Err(AppError::validation(
            "appointment_to",
            "the appointment window ends before it starts",
        ));
    }
    if to.is_some() && from.is_none() {
        return Err(AppError::validation(
            "appointment_from",
            "an appointment window needs its start",
        ));
    }
    Ok(())
}

/// Writes a prepared ticket with its number, first event, routing decision, alert when
/// unrouted, and audit entry.
pub async fn insert_prepared(
    tx: &mut crate::db::Tx,
    p: &Prepared,
) -> AppResult<(TicketRow, DecisionRow)> {
    let (actor, now, team_id, explanation) = (p.actor, p.now, p.row.team_id, &p.explanation);
    let mut row = p.row.clone();
    row.number = number(&p.day, store::next_number(tx, &p.day).await?);
    store::insert(tx, &row).await?;
    store::insert_event(
        tx,
        &EventRow {
            id: Uuid::now_v7(),
            ticket_id: row.id,
            action: "create".into(),
            from_status: None,
            to_status: row.status.clone(),
            actor_id: actor.0,
            at: now,
            device_at: None,
            note: Some(explanation.clone()),
        },
    )
    .await?;
    crate::live::ticket_step(
        tx,
        row.id,
        &row.number,
        "create",
        None,
        &row.status,
        row.team_id,
        row.assignee_id,
        actor.0,
        now,
    )
    .await?;
    crate::push::outbox::ticket_created(tx, &row, now).await?;
    let decision = DecisionRow {
        id: Uuid::now_v7(),
        subject_kind: SUBJECT.into(),
        subject_id: row.id,
        team_id,
        user_id: None,
        basis: Json(serde_json::to_value(&p.basis).map_err(|e| AppError::Internal(e.to_string()))?),
        explanation: explanation.clone(),
        decided_by: if p.chosen { actor.0 } else { None },
        decided_at: now,
    };
    routing_store::insert_decision(tx, &decision).await?;
    if team_id.is_none() {
        routing_store::insert_alert(
            tx,
            &AlertRow::for_dispatcher(
                "unrouted_ticket",
                format!("报修单 {} 未能自动派单：{explanation}", row.number),
                SUBJECT,
                row.id,
                now,
            ),
        )
        .await?;
    }
    audit::record(
        tx,
        actor,
        "ticket.create",
        SUBJECT,
        Some(row.id.to_string()),
        json!({ "number": row.number, "category": row.category, "team_id": team_id, "customer_id": row.customer_id }),
    )
    .await?;
    Ok((row, decision))
}

/// What the agent should tell the caller: arrears above the business parameter, and any outage
/// notice covering the address now.
pub async fn intake_warnings(
    db: &Db,
    customer: Option<&customers::CustomerRow>,
    t: &TicketRow,
    now: OffsetDateTime,
) -> AppResult<Vec<String>> {
    let mut warnings = Vec::new();
    if let Some(c) = customer
        && let Some(w) = arrears_warning(db, c.arrears_fen).await?
    {
        warnings.push(w);
    }
    let place = outages::Place {
        address: &t.address,
        street: customer.and_then(|c| c.street.as_deref()),
        community: customer.and_then(|c| c.community.as_deref()),
        location: t.lon.zip(t.lat),
    };
    for notice in outages::covering(db, &place, now).await? {
        warnings.push(outages::describe(&notice));
    }
    Ok(warnings)
}

/// The intake view of a customer: the account, its last tickets, arrears and outages.
pub async fn customer_context(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<gasdesk_shared::intake::CustomerContext> {
    let customer = crate::customers::get(db, user, id).await?;
    let row = customers::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no customer with id {id}")))?;
    let mut past_tickets = Vec::new();
    for t in store::of_customer(db, id, 20).await? {
        past_tickets.push(view(db, t).await?);
    }
    let place = outages::Place {
        address: &row.address,
        street: row.street.as_deref(),
        community: row.community.as_deref(),
        location: row.lon.zip(row.lat),
    };
    Ok(gasdesk_shared::intake::CustomerContext {
        arrears_warning: arrears_warning(db, row.arrears_fen).await?,
        outages: outages::covering(db, &place, db::now()).await?,
        customer,
        past_tickets,
    })
}

pub async fn arrears_warning(db: &Db, arrears_fen: i64) -> AppResult<Option<String>> {
    let threshold = crate::params::integer(db, "arrears_warning_fen").await?;
    Ok(arrears_message(threshold, arrears_fen))
}

/// The arrears warning for a balance, given the business parameter's threshold.
pub fn arrears_message(threshold: i64, arrears_fen: i64) -> Option<String> {
    (arrears_fen > threshold).then(|| {
        format!(
            "欠费 ¥{}.{:02}（超过 ¥{}.{:02}）：非紧急维修可能需先缴费",
            arrears_fen / 100,
            arrears_fen % 100,
            threshold / 100,
            threshold % 100
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_zero_padded_per_day() {
        assert_eq!(super::number("20261126", 1), "BX20261126-0001");
        assert_eq!(super::number("20261126", 12345), "BX20261126-12345");
    }
}
