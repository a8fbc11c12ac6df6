//! Follow-up calls (回访): every day a share of the previous day's completed tickets is sampled
//! (business parameter `followup_sample_percent`); an agent locks a batch so nobody else calls
//! the same customers, records satisfaction and remarks per call, and releases what is left;
//! abandoned locks expire (`followup_lock_minutes`). A complaint or praise heard on the call
//! becomes an event needing a reply, linked to the ticket.

use crate::auth::CurrentUser;
use crate::callcenter::events;
use crate::db::audit;
use crate::db::followups::{self as store, BatchRow, FollowupRow};
use crate::db::tickets as tickets_store;
use crate::db::{self, Db, Tx, users};
use crate::error::{AppError, AppResult};
use crate::tickets::transitions::{Step, begin_step, record_step};
use gasdesk_shared::callcenter::{EventKind, NewEvent};
use gasdesk_shared::followup::{
    FollowupBatch, FollowupResult, FollowupView, SamplingReport, Satisfaction,
};
use gasdesk_shared::ticket::TicketAction;
use gasdesk_shared::{Permission, validate};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use time::{Date, OffsetDateTime, Time, UtcOffset};
use uuid::Uuid;

/// The utility's day (China Standard Time).
fn local_offset() -> UtcOffset {
    UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC)
}

fn day_text(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

pub fn parse_day(field: &str, text: &str) -> AppResult<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format)
        .map_err(|_| AppError::validation(field, format!("`{text}` is not a date (YYYY-MM-DD)")))
}

/// How many of `eligible` a `percent` share is, rounding half up.
pub fn share(eligible: usize, percent: i64) -> usize {
    ((eligible as i64 * percent.clamp(0, 100) + 50) / 100) as usize
}

/// Samples the tickets completed on `day` (China time). Runs once per day across all server
/// instances: the day's row is claimed in the same transaction as the sample.
pub async fn sample_day(db: &Db, day: Date) -> AppResult<SamplingReport> {
    let percent = crate::params::integer(db, "followup_sample_percent").await?;
    let text = day_text(day);
    let from = db::utc(day.with_time(Time::MIDNIGHT).assume_offset(local_offset()));
    let to = from + time::Duration::days(1);
    let mut tx = db.begin().await?;
    if !store::claim_day(&mut tx, &text, percent, db::now()).await? {
        drop(tx);
        let (percent, eligible, sampled) =
            store::day_run(db, &text).await?.unwrap_or((percent, 0, 0));
        return Ok(SamplingReport {
            day: text,
            percent,
            eligible,
            sampled,
            ran_now: false,
        });
    }
    let mut eligible = store::completed_between(&mut tx, from, to).await?;
    // A reproducible shuffle per day: the same day always samples the same tickets.
    let seed = u64::try_from(day.to_julian_day()).unwrap_or_default();
    eligible.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let chosen = share(eligible.len(), percent);
    for ticket in &eligible[..chosen] {
        store::insert(&mut tx, Uuid::now_v7(), *ticket, &text).await?;
    }
    store::finish_day(&mut tx, &text, eligible.len() as i64, chosen as i64).await?;
    audit::record(
        &mut tx,
        audit::Actor::SYSTEM,
        "followup.sample",
        "followup",
        Some(text.clone()),
        json!({ "percent": percent, "eligible": eligible.len(), "sampled": chosen }),
    )
    .await?;
    tx.commit().await?;
    Ok(SamplingReport {
        day: text,
        percent,
        eligible: eligible.len() as i64,
        sampled: chosen as i64,
        ran_now: true,
    })
}

/// What the daily job does at `now`: sample yesterday (China time).
pub async fn run_daily(db: &Db, now: OffsetDateTime) -> AppResult<SamplingReport> {
    let yesterday = now
        .to_offset(local_offset())
        .date()
        .previous_day()
        .unwrap_or(Date::MIN);
    sample_day(db, yesterday).await
}

async fn view(db: &Db, f: FollowupRow) -> AppResult<FollowupView> {
    let t = tickets_store::by_id(db, f.ticket_id)
        .await?
        .ok_or_else(|| {
            AppError::Internal(format!("follow-up {} points at a missing ticket", f.id))
        })?;
    Ok(FollowupView {
        id: f.id,
        ticket_id: t.id,
        ticket_number: t.number,
        reporter: t.reporter,
        phone: t.phone,
        address: t.address,
        content: t.content,
        sampled_day: f.sampled_day,
        status: f.status,
        satisfaction: f.satisfaction.as_deref().and_then(|s| match s {
            "satisfied" => Some(Satisfaction::Satisfied),
            "basically_satisfied" => Some(Satisfaction::BasicallySatisfied),
            "dissatisfied" => Some(Satisfaction::Dissatisfied),
            _ => None,
        }),
        remarks: f.remarks,
        event_id: f.event_id,
    })
}

pub async fn pending(db: &Db, user: &CurrentUser) -> AppResult<Vec<FollowupView>> {
    user.require(Permission::DispatchWork)?;
    let mut out = Vec::new();
    for f in store::pending(db, 500).await? {
        out.push(view(db, f).await?);
    }
    Ok(out)
}

/// Locks up to `size` pending follow-ups nobody holds for the calling agent.
pub async fn take_batch(db: &Db, user: &CurrentUser, size: u32) -> AppResult<FollowupBatch> {
    user.require(Permission::DispatchWork)?;
    if !(1..=50).contains(&size) {
        return Err(AppError::validation(
            "size",
            "take between 1 and 50 calls at a time",
        ));
    }
    let minutes = crate::params::integer(db, "followup_lock_minutes").await?;
    let now = db::now();
    let batch = BatchRow {
        id: Uuid::now_v7(),
        locked_by: user.id,
        locked_at: now,
        expires_at: now + time::Duration::minutes(minutes),
        released_at: None,
    };
    let mut tx = db.begin().await?;
    let free = store::free_pending(&mut tx, now, i64::from(size)).await?;
    if free.is_empty() {
        return Err(AppError::not_found("no follow-up calls are waiting"));
    }
    store::insert_batch(&mut tx, &batch).await?;
    for id in &free {
        store::assign_batch(&mut tx, *id, batch.id).await?;
    }
    audit::record(
        &mut tx,
        user.actor(),
        "followup.lock",
        "followup_batch",
        Some(batch.id.to_string()),
        json!({ "calls": free.len() }),
    )
    .await?;
    tx.commit().await?;
    let mut items = Vec::new();
    for f in store::of_batch(db, batch.id).await? {
        items.push(view(db, f).await?);
    }
    Ok(FollowupBatch {
        id: batch.id,
        locked_by: user.id,
        expires_at: batch.expires_at,
        items,
    })
}

/// The caller's live lock on a follow-up, or why they have none.
async fn check_lock(
    db: &Db,
    tx: &mut Tx,
    user: &CurrentUser,
    f: &FollowupRow,
    now: OffsetDateTime,
) -> AppResult<()> {
    let batch = match f.batch_id {
        Some(id) => store::batch(tx, id).await?,
        None => None,
    };
    match batch {
        None => Err(AppError::conflict(
            "batch",
            "take this call in a batch first (nobody has locked it)",
        )),
        Some(b) if b.locked_by != user.id && b.released_at.is_none() && b.expires_at > now => {
            let name = users::by_id(db, b.locked_by)
                .await?
                .map(|u| u.display_name)
                .unwrap_or_default();
            Err(AppError::conflict(
                "batch",
                format!("{name} has locked this call until {}", b.expires_at),
            ))
        }
        Some(b) if b.locked_by != user.id => Err(AppError::conflict(
            "batch",
            "this call is not in your batch; take a new batch",
        )),
        Some(b) if b.released_at.is_some() => Err(AppError::conflict(
            "batch",
            "you released this batch; take a new batch",
        )),
        Some(b) if b.expires_at <= now => Err(AppError::conflict(
            "batch",
            "your lock on this batch expired; take a new batch to go on",
        )),
        Some(_) => Ok(()),
    }
}

/// Records one call: satisfaction, remarks, and an event for a complaint or praise heard.
pub async fn record(
    db: &Db,
    user: &CurrentUser,
    id: Uuid,
    result: FollowupResult,
) -> AppResult<FollowupView> {
    user.require(Permission::DispatchWork)?;
    let remarks = validate::optional_text("remarks", result.remarks.as_deref(), 500)?;
    let now = db::now();
    let mut tx = db.begin().await?;
    let mut f = store::by_id(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no follow-up {id}")))?;
    check_lock(db, &mut tx, user, &f, now).await?;
    if f.status != "pending" {
        return Err(AppError::conflict(
            "status",
            "this call has already been recorded",
        ));
    }
    let (ticket, from, to) = begin_step(&mut tx, user, f.ticket_id, TicketAction::FollowUp).await?;
    crate::tickets::transitions::completion_is_final(db, &ticket).await?;
    let event_id = match result.heard {
        Some(heard) => {
            let kind = match heard.kind.as_str() {
                "complaint" => EventKind::Complaint,
                "praise" => EventKind::Praise,
                other => {
                    return Err(AppError::validation(
                        "heard.kind",
                        format!("`{other}` is neither complaint nor praise"),
                    ));
                }
            };
            let new = NewEvent {
                kind,
                content: heard.content,
                reporter: Some(ticket.reporter.clone()),
                phone: Some(ticket.phone.clone()),
                ticket_id: Some(ticket.id),
                needs_reply: true,
            };
            Some(events::create_in(&mut tx, user.actor(), &new).await?)
        }
        None => None,
    };
    f.status = "done".into();
    f.satisfaction = Some(result.satisfaction.as_str().into());
    f.remarks = remarks;
    f.event_id = event_id;
    f.called_by = Some(user.id);
    f.called_at = Some(now);
    store::record_call(&mut tx, &f).await?;
    record_step(
        &mut tx,
        user,
        Step {
            ticket: &ticket,
            action: TicketAction::FollowUp,
            from,
            to,
            team_id: ticket.team_id,
            assignee_id: ticket.assignee_id,
            device_at: None,
            note: Some(format!("回访：{}", result.satisfaction.label_zh())),
        },
    )
    .await?;
    tx.commit().await?;
    view(db, f).await
}

/// Gives back what is left of a batch, for another agent to call.
pub async fn release(db: &Db, user: &CurrentUser, batch_id: Uuid) -> AppResult<()> {
    user.require(Permission::DispatchWork)?;
    let mut tx = db.begin().await?;
    let batch = store::batch(&mut tx, batch_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no follow-up batch {batch_id}")))?;
    if batch.locked_by != user.id {
        return Err(AppError::Forbidden(
            "only the agent who took a batch may release it".into(),
        ));
    }
    if batch.released_at.is_none() {
        store::release_batch(&mut tx, batch_id, db::now()).await?;
        audit::record(
            &mut tx,
            user.actor(),
            "followup.release",
            "followup_batch",
            Some(batch_id.to_string()),
            json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn shares_round_half_up() {
        assert_eq!(super::share(10, 30), 3);
        assert_eq!(super::share(5, 30), 2);
        assert_eq!(super::share(0, 30), 0);
        assert_eq!(super::share(7, 100), 7);
        assert_eq!(super::share(7, 0), 0);
    }
}
