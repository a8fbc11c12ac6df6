//! Corrections to a ticket after intake: the customer calls back with another phone number, a
//! better address or a new appointment. The team and person stay (reassigning changes those);
//! the change is kept in the ticket's history and the audit trail, the phones of the people
//! who have the job pull it, and a worker who already accepted the job is told on the phone.

use super::{LOCAL, check_appointment, may_see, parse_status, view};
use crate::auth::CurrentUser;
use crate::db::audit;
use crate::db::tickets::{self as store, EventRow, TicketRow};
use crate::db::{self, Db};
use crate::error::{AppError, AppResult};
use gasdesk_shared::intake::{TicketEdit, TicketView};
use gasdesk_shared::ticket::TicketStatus;
use gasdesk_shared::{Permission, validate};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

pub async fn edit(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    edit: TicketEdit,
) -> AppResult<TicketView> {
    user.require(Permission::DispatchWork)?;
    let note = edit
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| validate::required_text("note", n, 200))
        .transpose()?;
    let mut tx = db.begin().await?;
    let before = store::for_update(&mut tx, id)
        .await?
        .filter(|t| may_see(user, t))
        .ok_or_else(|| AppError::not_found(format!("no ticket {id}")))?;
    let status = parse_status(&before.status)?;
    if !status.is_open() {
        return Err(AppError::conflict(
            "status",
            format!(
                "ticket {} is {}: its record is final and cannot be corrected",
                before.number,
                status.as_str()
            ),
        ));
    }
    let now = db::now();
    let after = corrected(&before, &edit, now)?;
    let changed = changes(&before, &after);
    if changed.is_empty() {
        return view(db, before).await;
    }
    store::update_details(&mut tx, &after).await?;
    let fields: Vec<&str> = changed.iter().map(|(f, _)| label_zh(f)).collect();
    let history = match &note {
        Some(n) => format!("更正 {}：{n}", fields.join("、")),
        None => format!("更正 {}", fields.join("、")),
    };
    store::insert_event(
        &mut tx,
        &EventRow {
            id: Uuid::now_v7(),
            ticket_id: id,
            action: "edit".into(),
            from_status: Some(status.as_str().into()),
            to_status: status.as_str().into(),
            actor_id: Some(user.id),
            at: now,
            device_at: None,
            note: Some(history),
        },
    )
    .await?;
    crate::live::ticket_step(
        &mut tx,
        id,
        &before.number,
        "edit",
        Some(status.as_str()),
        status.as_str(),
        before.team_id,
        before.assignee_id,
        Some(user.id),
        now,
    )
    .await?;
    // Someone who accepted the job may be on the way to the old address: ring them. Before
    // acceptance the "new job" message still stands and the phones pull the correction.
    if matches!(
        status,
        TicketStatus::Accepted | TicketStatus::OnTheWay | TicketStatus::OnSite
    ) && let Some(worker) = after.assignee_id
    {
        crate::push::outbox::ticket_changed(&mut tx, &after, worker, &fields, now).await?;
    }
    audit::record(
        &mut tx,
        user.actor(),
        "ticket.edit",
        super::SUBJECT,
        Some(id.to_string()),
        json!({
            "number": before.number,
            "changes": changed.into_iter().collect::<serde_json::Map<_, _>>(),
            "note": note,
        }),
    )
    .await?;
    tx.commit().await?;
    view(db, after).await
}

/// The ticket with the edit applied, each given field checked as at intake.
fn corrected(before: &TicketRow, edit: &TicketEdit, now: OffsetDateTime) -> AppResult<TicketRow> {
    let mut t = before.clone();
    if let Some(reporter) = &edit.reporter {
        t.reporter = validate::required_text("reporter", reporter, 32)?;
    }
    if let Some(phone) = &edit.phone {
        t.phone = validate::phone("phone", phone)?;
    }
    let location = validate::location(edit.lon, edit.lat)?;
    if let Some(address) = &edit.address {
        t.address = validate::required_text("address", address, 200)?;
        if t.address != before.address && location.is_none() {
            // The old point is somewhere else now: better none than a wrong one.
            (t.lon, t.lat) = (None, None);
        }
    }
    if let Some((lon, lat)) = location {
        (t.lon, t.lat) = (Some(lon), Some(lat));
    }
    if let Some(content) = &edit.content {
        t.content = validate::required_text("content", content, 1000)?;
    }
    if let Some(deadline) = edit.deadline_at.map(db::utc) {
        if deadline <= now {
            return Err(AppError::validation(
                "deadline_at",
                "the deadline is already past",
            ));
        }
        t.deadline_at = deadline;
    }
    match (
        edit.no_appointment,
        edit.appointment_from,
        edit.appointment_to,
    ) {
        (true, None, None) => (t.appointment_from, t.appointment_to) = (None, None),
        (true, _, _) => {
            return Err(AppError::validation(
                "no_appointment",
                "give a new appointment or no_appointment, not both",
            ));
        }
        (false, None, None) => {}
        (false, from, to) => {
            let (from, to) = (from.map(db::utc), to.map(db::utc));
            check_appointment(from, to)?;
            if from.is_some_and(|f| f <= now) {
                return Err(AppError::validation(
                    "appointment_from",
                    "the new appointment is already past",
                ));
            }
            (t.appointment_from, t.appointment_to) = (from, to);
        }
    }
    t.updated_at = now;
    t.corrected_at = Some(now);
    Ok(t)
}

/// What differs, field by field in the form's order, each as `{"before": …, "after": …}`: for
/// the history line and the audit trail.
fn changes(before: &TicketRow, after: &TicketRow) -> Vec<(String, Value)> {
    let time = |t: Option<OffsetDateTime>| {
        t.map(|t| {
            let t = t.to_offset(LOCAL);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
    };
    let pairs = [
        ("reporter", json!(before.reporter), json!(after.reporter)),
        ("phone", json!(before.phone), json!(after.phone)),
        ("address", json!(before.address), json!(after.address)),
        (
            "location",
            json!(before.lon.zip(before.lat)),
            json!(after.lon.zip(after.lat)),
        ),
        ("content", json!(before.content), json!(after.content)),
        (
            "deadline_at",
            json!(time(Some(before.deadline_at))),
            json!(time(Some(after.deadline_at))),
        ),
        (
            "appointment",
            json!([time(before.appointment_from), time(before.appointment_to)]),
            json!([time(after.appointment_from), time(after.appointment_to)]),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(field, b, a)| (field.to_owned(), json!({ "before": b, "after": a })))
        .collect()
}

/// A corrected field as the history line names it.
fn label_zh(field: &str) -> &str {
    match field {
        "reporter" => "报修人",
        "phone" => "电话",
        "address" => "地址",
        "location" => "位置",
        "content" => "内容",
        "deadline_at" => "时限",
        "appointment" => "预约",
        other => other,
    }
}
