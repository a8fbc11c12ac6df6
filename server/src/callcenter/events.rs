//! Events (事件): emergencies, complaints, praise, tip-offs and suggestions, recorded by agents
//! or raised by follow-up calls, maybe about a repair ticket. One reply each; an event that
//! needs a reply cannot be closed without one.

use super::{page, text};
use crate::auth::CurrentUser;
use crate::db::audit::{self, Actor};
use crate::db::callcenter::{self as store, EventFilter, EventRow, NewEventRow};
use crate::db::{self, Db, Tx};
use crate::error::{AppError, AppResult};
use gasdesk_shared::api::Page;
use gasdesk_shared::callcenter::{
    EventKind, EventQuery, EventReply, EventStatus, EventView, NewEvent,
};
use gasdesk_shared::{Permission, validate};
use serde_json::json;
use uuid::Uuid;

const MAX_TEXT: usize = 2000;

fn view(e: EventRow) -> AppResult<EventView> {
    let bad = |what: &str, value: &str| {
        AppError::Internal(format!("event {} has {what} `{value}`", e.id))
    };
    Ok(EventView {
        kind: EventKind::parse(&e.kind).ok_or_else(|| bad("kind", &e.kind))?,
        status: EventStatus::parse(&e.status).ok_or_else(|| bad("status", &e.status))?,
        id: e.id,
        content: e.content,
        reporter: e.reporter,
        phone: e.phone,
        ticket_id: e.ticket_id,
        needs_reply: e.needs_reply,
        reply: e.reply,
        replied_by: e.replied_by,
        replied_by_name: e.replied_by_name,
        replied_at: e.replied_at,
        closed_at: e.closed_at,
        created_by: e.created_by,
        created_at: e.created_at,
    })
}

/// Validates `new`, inserts the event and writes its audit entry inside `tx`, without
/// committing: the follow-up module raises events in its own transaction through this. The
/// caller checks permissions.
pub async fn create_in(
    tx: &mut crate::db::Tx,
    actor: crate::db::audit::Actor,
    new: &gasdesk_shared::callcenter::NewEvent,
) -> crate::error::AppResult<uuid::Uuid> {
    let content = validate::required_text("content", &new.content, MAX_TEXT)?;
    let reporter = validate::optional_text("reporter", new.reporter.as_deref(), 32)?;
    let phone = match new.phone.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(validate::phone("phone", p)?),
    };
    if let Some(ticket) = new.ticket_id
        && !store::ticket_exists(tx, ticket).await?
    {
        return Err(AppError::validation(
            "ticket_id",
            format!("no repair ticket with id {ticket}"),
        ));
    }
    let row = NewEventRow {
        id: Uuid::now_v7(),
        kind: new.kind.as_str(),
        content: &content,
        reporter: reporter.as_deref(),
        phone: phone.as_deref(),
        ticket_id: new.ticket_id,
        needs_reply: new.needs_reply,
        created_by: actor.0,
        created_at: db::now(),
    };
    store::insert_event(tx, &row).await?;
    audit::record(
        tx,
        actor,
        "event.create",
        "event",
        Some(row.id.to_string()),
        json!({ "kind": row.kind, "ticket_id": row.ticket_id, "needs_reply": row.needs_reply }),
    )
    .await?;
    Ok(row.id)
}

pub async fn create(db: &Db, user: &CurrentUser, new: NewEvent) -> AppResult<EventView> {
    user.require(Permission::DispatchWork)?;
    let mut tx = db.begin().await?;
    let id = create_in(&mut tx, Actor(Some(user.id)), &new).await?;
    tx.commit().await?;
    fetch(db, id).await
}

async fn fetch(db: &Db, id: Uuid) -> AppResult<EventView> {
    store::event(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no event {id}")))
        .and_then(view)
}

pub async fn get(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<EventView> {
    user.require(Permission::ViewTickets)?;
    fetch(db, id).await
}

/// The event as it is now, for explaining a refused change.
async fn current(tx: &mut Tx, id: Uuid) -> AppResult<EventRow> {
    store::event_in(tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no event {id}")))
}

/// Records the event's one reply.
pub async fn reply(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    body: EventReply,
) -> AppResult<EventView> {
    user.require(Permission::DispatchWork)?;
    let reply = validate::required_text("reply", &body.reply, MAX_TEXT)?;
    let mut tx = db.begin().await?;
    if !store::reply_event(&mut tx, id, &reply, user.id, db::now()).await? {
        let e = current(&mut tx, id).await?;
        return Err(if e.status == EventStatus::Closed.as_str() {
            AppError::conflict("status", "the event is closed; it takes no more replies")
        } else {
            AppError::conflict("status", "the event has already been replied to")
        });
    }
    audit::record(
        &mut tx,
        user.actor(),
        "event.reply",
        "event",
        Some(id.to_string()),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    fetch(db, id).await
}

pub async fn close(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<EventView> {
    user.require(Permission::DispatchWork)?;
    let mut tx = db.begin().await?;
    if !store::close_event(&mut tx, id, user.id, db::now()).await? {
        let e = current(&mut tx, id).await?;
        return Err(if e.status == EventStatus::Closed.as_str() {
            AppError::conflict("status", "the event is already closed")
        } else {
            AppError::validation("reply", "the event needs a reply before it can be closed")
        });
    }
    audit::record(
        &mut tx,
        user.actor(),
        "event.close",
        "event",
        Some(id.to_string()),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    fetch(db, id).await
}

/// Events by kind, status or ticket; `awaiting_reply` lists those still owed a reply, the
/// longest waiting first.
pub async fn search(db: &Db, user: &CurrentUser, query: EventQuery) -> AppResult<Page<EventView>> {
    user.require(Permission::ViewTickets)?;
    let (limit, offset) = page(query.limit, query.offset)?;
    let kind = match text(&query.kind) {
        Some(k) => Some(EventKind::parse(k).ok_or_else(|| {
            AppError::validation(
                "kind",
                format!(
                    "unknown kind `{k}`; use emergency, complaint, praise, tip_off or suggestion"
                ),
            )
        })?),
        None => None,
    };
    let status = match text(&query.status) {
        Some(s) => Some(EventStatus::parse(s).ok_or_else(|| {
            AppError::validation(
                "status",
                format!("unknown status `{s}`; use open, replied or closed"),
            )
        })?),
        None => None,
    };
    let filter = EventFilter {
        kind: kind.map(EventKind::as_str),
        status: status.map(EventStatus::as_str),
        ticket_id: query.ticket_id,
        awaiting_reply: query.awaiting_reply.unwrap_or(false),
        limit: i64::from(limit),
        offset: i64::from(offset),
    };
    let (rows, total) = store::search_events(db, &filter).await?;
    Ok(Page {
        capped: false,
        items: rows.into_iter().map(view).collect::<AppResult<_>>()?,
        total: total.max(0) as u64,
        limit,
        offset,
    })
}
