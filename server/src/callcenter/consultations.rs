//! Consultations (咨询单): a caller's question, answered on the call or forwarded to a
//! department with a due date; the department's reply is recorded when it comes, then the
//! consultation is closed. Agents chase the forwarded ones past their due date.

use super::{page, text};
use crate::auth::CurrentUser;
use crate::db::audit;
use crate::db::callcenter::{
    self as store, ConsultationChange, ConsultationFilter, ConsultationRow,
};
use crate::db::{self, Db, Tx, like_pattern};
use crate::error::{AppError, AppResult};
use gasdesk_shared::api::Page;
use gasdesk_shared::callcenter::{
    AnswerConsultation, ConsultationQuery, ConsultationStatus, ConsultationView, DepartmentReply,
    ForwardConsultation, NewConsultation,
};
use gasdesk_shared::{Permission, validate};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

const MAX_TEXT: usize = 2000;

fn status_of(c: &ConsultationRow) -> AppResult<ConsultationStatus> {
    ConsultationStatus::parse(&c.status).ok_or_else(|| {
        AppError::Internal(format!("consultation {} has status `{}`", c.id, c.status))
    })
}

pub(super) fn view(c: ConsultationRow, now: OffsetDateTime) -> AppResult<ConsultationView> {
    let status = status_of(&c)?;
    Ok(ConsultationView {
        id: c.id,
        status,
        overdue: status == ConsultationStatus::Forwarded && c.due_at.is_some_and(|d| d < now),
        caller: c.caller,
        phone: c.phone,
        customer_id: c.customer_id,
        question: c.question,
        answer: c.answer,
        department: c.department,
        due_at: c.due_at,
        reply: c.reply,
        replier: c.replier,
        replied_at: c.replied_at,
        closed_at: c.closed_at,
        created_by: c.created_by,
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}

fn rfc3339(t: OffsetDateTime) -> Option<String> {
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// A department and a due date in the future; the date stored in UTC so both engines compare
/// it as they compare `now`.
fn forward_to(field: &str, f: &ForwardConsultation) -> AppResult<(String, OffsetDateTime)> {
    let department = validate::required_text(&format!("{field}department"), &f.department, 64)?;
    let due_at = f.due_at.to_offset(time::UtcOffset::UTC);
    let due_at = due_at
        .replace_nanosecond(due_at.nanosecond() / 1000 * 1000)
        .unwrap_or(due_at);
    if due_at <= db::now() {
        return Err(AppError::validation(
            &format!("{field}due_at"),
            "the due date has already passed",
        ));
    }
    Ok((department, due_at))
}

pub async fn create(
    db: &Db,
    user: &CurrentUser,
    new: NewConsultation,
) -> AppResult<ConsultationView> {
    user.require(Permission::DispatchWork)?;
    let caller = validate::required_text("caller", &new.caller, 32)?;
    let phone = validate::phone("phone", &new.phone)?;
    let question = validate::required_text("question", &new.question, MAX_TEXT)?;
    let answer = validate::optional_text("answer", new.answer.as_deref(), MAX_TEXT)?;
    let forward = match &new.forward {
        Some(f) => Some(forward_to("forward.", f)?),
        None => None,
    };
    if answer.is_some() && forward.is_some() {
        return Err(AppError::validation(
            "forward",
            "answer the question on the call or forward it, not both",
        ));
    }
    let now = db::now();
    let status = match (&answer, &forward) {
        (Some(_), _) => ConsultationStatus::Answered,
        (None, Some(_)) => ConsultationStatus::Forwarded,
        (None, None) => ConsultationStatus::Open,
    };
    let answered = answer.is_some();
    let (department, due_at) = forward.unzip();
    let row = ConsultationRow {
        id: Uuid::now_v7(),
        status: status.as_str().into(),
        caller,
        phone,
        customer_id: new.customer_id,
        question,
        answer,
        answered_by: answered.then_some(user.id),
        answered_at: answered.then_some(now),
        forwarded_by: department.as_ref().map(|_| user.id),
        forwarded_at: department.as_ref().map(|_| now),
        department,
        due_at,
        reply: None,
        replier: None,
        reply_recorded_by: None,
        replied_at: None,
        closed_by: None,
        closed_at: None,
        created_by: Some(user.id),
        created_at: now,
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    if let Some(customer) = row.customer_id
        && !store::customer_exists(&mut tx, customer).await?
    {
        return Err(AppError::validation(
            "customer_id",
            format!("no customer with id {customer}"),
        ));
    }
    store::insert_consultation(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        user.actor(),
        "consultation.create",
        "consultation",
        Some(row.id.to_string()),
        json!({ "status": row.status, "customer_id": row.customer_id,
                "department": row.department, "due_at": row.due_at.and_then(rfc3339) }),
    )
    .await?;
    tx.commit().await?;
    view(row, now)
}

pub async fn get(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<ConsultationView> {
    user.require(Permission::ViewTickets)?;
    let row = store::consultation(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no consultation {id}")))?;
    view(row, db::now())
}

/// Why a change was refused: gone, closed, or not in the state the change needs.
async fn refusal(tx: &mut Tx, id: Uuid, change: &ConsultationChange<'_>) -> AppResult<AppError> {
    let Some(status) = store::consultation_status(tx, id).await? else {
        return Ok(AppError::not_found(format!("no consultation {id}")));
    };
    let status = ConsultationStatus::parse(&status)
        .ok_or_else(|| AppError::Internal(format!("consultation {id} has status `{status}`")))?;
    let is = format!(
        "the consultation is {} ({})",
        status.as_str(),
        status.label_zh()
    );
    Ok(match (change, status) {
        (_, ConsultationStatus::Closed) => {
            AppError::conflict("status", format!("{is}; it can no longer change"))
        }
        (ConsultationChange::Close, ConsultationStatus::Open) => {
            AppError::validation("answer", "answer the question or forward it before closing")
        }
        (ConsultationChange::Close, ConsultationStatus::Forwarded) => AppError::validation(
            "reply",
            "the department has not replied yet; record its reply before closing",
        ),
        (ConsultationChange::Reply { .. }, _) => AppError::conflict(
            "status",
            format!("{is}; only a forwarded consultation takes a department's reply"),
        ),
        _ => AppError::conflict(
            "status",
            format!("{is}; only an open consultation can be answered or forwarded"),
        ),
    })
}

async fn change(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    action: &str,
    change: ConsultationChange<'_>,
    details: serde_json::Value,
) -> AppResult<ConsultationView> {
    user.require(Permission::DispatchWork)?;
    let mut tx = db.begin().await?;
    if !store::change_consultation(&mut tx, id, user.id, db::now(), &change).await? {
        return Err(refusal(&mut tx, id, &change).await?);
    }
    audit::record(
        &mut tx,
        user.actor(),
        action,
        "consultation",
        Some(id.to_string()),
        details,
    )
    .await?;
    tx.commit().await?;
    get_unchecked(db, id).await
}

async fn get_unchecked(db: &Db, id: Uuid) -> AppResult<ConsultationView> {
    let row = store::consultation(db, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no consultation {id}")))?;
    view(row, db::now())
}

pub async fn answer(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    body: AnswerConsultation,
) -> AppResult<ConsultationView> {
    user.require(Permission::DispatchWork)?;
    let answer = validate::required_text("answer", &body.answer, MAX_TEXT)?;
    let details = json!({});
    change(
        db,
        user,
        id,
        "consultation.answer",
        ConsultationChange::Answer { answer: &answer },
        details,
    )
    .await
}

pub async fn forward(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    body: ForwardConsultation,
) -> AppResult<ConsultationView> {
    user.require(Permission::DispatchWork)?;
    let (department, due_at) = forward_to("", &body)?;
    let details = json!({ "department": department, "due_at": rfc3339(due_at) });
    let forward = ConsultationChange::Forward {
        department: &department,
        due_at,
    };
    change(db, user, id, "consultation.forward", forward, details).await
}

pub async fn reply(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    body: DepartmentReply,
) -> AppResult<ConsultationView> {
    user.require(Permission::DispatchWork)?;
    let reply = validate::required_text("reply", &body.reply, MAX_TEXT)?;
    let replier = validate::optional_text("replier", body.replier.as_deref(), 32)?;
    let details = json!({ "replier": replier });
    let change_to = ConsultationChange::Reply {
        reply: &reply,
        replier: replier.as_deref(),
    };
    change(db, user, id, "consultation.reply", change_to, details).await
}

pub async fn close(db: &Db, user: &CurrentUser, id: Uuid) -> AppResult<ConsultationView> {
    change(
        db,
        user,
        id,
        "consultation.close",
        ConsultationChange::Close,
        json!({}),
    )
    .await
}

/// Consultations by status, overdue-ness or text; the forwarded and overdue ones oldest due
/// date first (the reply to chase first), the rest newest first.
pub async fn search(
    db: &Db,
    user: &CurrentUser,
    query: ConsultationQuery,
) -> AppResult<Page<ConsultationView>> {
    user.require(Permission::ViewTickets)?;
    let (limit, offset) = page(query.limit, query.offset)?;
    let status = match text(&query.status) {
        Some(s) => Some(ConsultationStatus::parse(s).ok_or_else(|| {
            AppError::validation(
                "status",
                format!("unknown status `{s}`; use open, answered, forwarded, replied or closed"),
            )
        })?),
        None => None,
    };
    let now = db::now();
    let overdue = query.overdue.unwrap_or(false);
    let filter = ConsultationFilter {
        status: status.map(ConsultationStatus::as_str),
        overdue_at: overdue.then_some(now),
        text: text(&query.q).map(like_pattern),
        customer_id: query.customer_id,
        by_due_date: overdue || status == Some(ConsultationStatus::Forwarded),
        limit: i64::from(limit),
        offset: i64::from(offset),
    };
    let (rows, total) = store::search_consultations(db, &filter).await?;
    Ok(Page {
        capped: false,
        items: rows
            .into_iter()
            .map(|r| view(r, now))
            .collect::<AppResult<_>>()?,
        total: total.max(0) as u64,
        limit,
        offset,
    })
}
