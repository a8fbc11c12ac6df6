//! Escalation (超时升级): a sweep, every half minute, over the jobs that are waiting on
//! someone. A pushed job not acknowledged by the phone within N minutes is rung again and the
//! dispatcher alerted; one not accepted within M minutes alerts the team leader; deadlines
//! (时限要求) near or missed alert the dispatcher; appointments coming up remind the worker.
//! N and M are business parameters, shorter for urgent jobs.
//!
//! The sweep takes `now` as an argument (tests drive the clock) and is safe to run on every
//! instance at once: on PostgreSQL the first to take the advisory lock does the round and the
//! others skip it, and every escalation is keyed, so a repeat raises nothing twice.

use crate::db::routing::{self as routing_store, AlertRow};
use crate::db::tickets::{self as ticket_store, TicketRow};
use crate::db::{Db, Tx};
use crate::error::AppResult;
use crate::params;
use crate::push::outbox;
use crate::{live, on_tx};
use gasdesk_shared::Role;
use gasdesk_shared::push::PushKind;
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Advisory lock that makes one instance do each round.
const SWEEP_LOCK: i64 = 72_430_802;
/// How long before an appointment the worker is reminded.
pub const APPOINTMENT_NOTICE: Duration = Duration::minutes(30);

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    /// Another instance was doing this round.
    pub skipped: bool,
    /// Workers rung again because their phones did not acknowledge a job.
    pub rung_again: usize,
    pub dispatcher_alerts: usize,
    pub leader_alerts: usize,
    pub deadline_alerts: usize,
    pub appointment_reminders: usize,
}

struct Limits {
    ack: (Duration, Duration),
    accept: (Duration, Duration),
    deadline_warning: Duration,
}

impl Limits {
    async fn load(db: &Db) -> AppResult<Limits> {
        let minutes = |n: i64| Duration::minutes(n);
        Ok(Limits {
            ack: (
                minutes(params::integer(db, "ack_escalation_minutes").await?),
                minutes(params::integer(db, "ack_escalation_minutes_urgent").await?),
            ),
            accept: (
                minutes(params::integer(db, "accept_escalation_minutes").await?),
                minutes(params::integer(db, "accept_escalation_minutes_urgent").await?),
            ),
            deadline_warning: minutes(params::integer(db, "deadline_warning_minutes").await?),
        })
    }

    fn ack(&self, urgent: bool) -> Duration {
        if urgent { self.ack.1 } else { self.ack.0 }
    }

    fn accept(&self, urgent: bool) -> Duration {
        if urgent { self.accept.1 } else { self.accept.0 }
    }
}

/// One round at `now`.
pub async fn sweep(db: &Db, now: OffsetDateTime) -> AppResult<SweepReport> {
    let limits = Limits::load(db).await?;
    let mut report = SweepReport::default();
    let mut tx = db.begin().await?;
    if let Tx::Postgres(t) = &mut tx {
        let ours: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(SWEEP_LOCK)
            .fetch_one(&mut **t)
            .await?;
        if !ours {
            report.skipped = true;
            return Ok(report);
        }
    }
    unacknowledged(&mut tx, &limits, now, &mut report).await?;
    unaccepted(&mut tx, &limits, now, &mut report).await?;
    deadlines(&mut tx, &limits, now, &mut report).await?;
    appointments(&mut tx, now, &mut report).await?;
    tx.commit().await?;
    live::prune(db, now).await?;
    Ok(report)
}

#[derive(sqlx::FromRow)]
struct Announced {
    ticket_id: Uuid,
    user_id: Uuid,
    queued_at: OffsetDateTime,
    received: bool,
}

/// Jobs announced at their current assignment (messages queued with it, so no older
/// assignment counts) whose phones have not said they arrived.
async fn unacknowledged(
    tx: &mut Tx,
    limits: &Limits,
    now: OffsetDateTime,
    report: &mut SweepReport,
) -> AppResult<()> {
    let shortest = limits.ack.0.min(limits.ack.1);
    let rows: Vec<Announced> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT m.ticket_id, m.user_id, m.queued_at, (m.received_at IS NOT NULL) AS received
         FROM push_messages m JOIN repair_tickets t ON t.id = m.ticket_id
         WHERE m.kind = 'assigned' AND t.status = 'assigned' AND m.queued_at >= t.updated_at
           AND m.queued_at <= $1",
    )
    .bind(now - shortest)
    .fetch_all(conn)
    .await)?;
    // Per job and person: acknowledged when any of their phones said so.
    let mut waiting: BTreeMap<(Uuid, Uuid), (OffsetDateTime, bool)> = BTreeMap::new();
    for r in rows {
        let entry = waiting
            .entry((r.ticket_id, r.user_id))
            .or_insert((r.queued_at, false));
        entry.0 = entry.0.min(r.queued_at);
        entry.1 |= r.received;
    }
    for ((ticket_id, user_id), (queued_at, received)) in waiting {
        if received {
            continue;
        }
        let Some(ticket) = ticket_store::for_update(tx, ticket_id).await? else {
            continue;
        };
        if now - queued_at < limits.ack(ticket.urgent) {
            continue;
        }
        let name = user_name(tx, user_id).await?;
        let alert = AlertRow {
            team_id: ticket.team_id,
            dedupe_key: Some(format!(
                "unacknowledged:{ticket_id}:{user_id}:{}",
                ticket.updated_at.unix_timestamp()
            )),
            ..AlertRow::for_dispatcher(
                "push_unacknowledged",
                format!(
                    "工单 {} 推送给 {name} 后 {} 分钟未签收，已再次推送",
                    ticket.number,
                    (now - queued_at).whole_minutes()
                ),
                crate::tickets::SUBJECT,
                ticket_id,
                now,
            )
        };
        if routing_store::insert_alert(tx, &alert).await? {
            outbox::ticket_reminder(tx, &ticket, user_id, PushKind::Reminder, now).await?;
            report.rung_again += 1;
            report.dispatcher_alerts += 1;
        }
    }
    Ok(())
}

/// Jobs assigned longer than M minutes ago and still not accepted: the team leader hears.
async fn unaccepted(
    tx: &mut Tx,
    limits: &Limits,
    now: OffsetDateTime,
    report: &mut SweepReport,
) -> AppResult<()> {
    let shortest = limits.accept.0.min(limits.accept.1);
    let tickets = tickets_where(
        tx,
        "status = 'assigned' AND updated_at <= $1",
        now - shortest,
    )
    .await?;
    for ticket in tickets {
        let waited = now - ticket.updated_at;
        if waited < limits.accept(ticket.urgent) {
            continue;
        }
        let alert = AlertRow {
            audience: "leader".into(),
            team_id: ticket.team_id,
            dedupe_key: Some(format!(
                "unaccepted:{}:{}",
                ticket.id,
                ticket.updated_at.unix_timestamp()
            )),
            ..AlertRow::for_dispatcher(
                "job_unaccepted",
                format!(
                    "工单 {} 派出 {} 分钟仍无人接单，请班长处理",
                    ticket.number,
                    waited.whole_minutes()
                ),
                crate::tickets::SUBJECT,
                ticket.id,
                now,
            )
        };
        if routing_store::insert_alert(tx, &alert).await? {
            report.leader_alerts += 1;
        }
    }
    Ok(())
}

/// Open tickets whose deadline is near (within the warning) or past.
async fn deadlines(
    tx: &mut Tx,
    limits: &Limits,
    now: OffsetDateTime,
    report: &mut SweepReport,
) -> AppResult<()> {
    let tickets = tickets_where(
        tx,
        "status NOT IN ('completed', 'followed_up', 'closed', 'cancelled')
           AND deadline_at <= $1",
        now + limits.deadline_warning,
    )
    .await?;
    for ticket in tickets {
        let deadline = ticket.deadline_at;
        let (kind, message) = if deadline <= now {
            (
                "deadline_missed",
                format!("工单 {} 已超过时限（{}）", ticket.number, local(deadline)),
            )
        } else {
            (
                "deadline_near",
                format!(
                    "工单 {} 距时限不足 {} 分钟（{}）",
                    ticket.number,
                    (deadline - now).whole_minutes() + 1,
                    local(deadline)
                ),
            )
        };
        let alert = AlertRow {
            team_id: ticket.team_id,
            dedupe_key: Some(format!(
                "{kind}:{}:{}",
                ticket.id,
                deadline.unix_timestamp()
            )),
            ..AlertRow::for_dispatcher(kind, message, crate::tickets::SUBJECT, ticket.id, now)
        };
        if routing_store::insert_alert(tx, &alert).await? {
            report.deadline_alerts += 1;
        }
    }
    Ok(())
}

/// Appointments starting within half an hour: the worker's phone is reminded once. A reminder
/// for this appointment was queued within the last half hour; an older one was for an
/// appointment since moved, so the new one is reminded too.
async fn appointments(tx: &mut Tx, now: OffsetDateTime, report: &mut SweepReport) -> AppResult<()> {
    let tickets = tickets_where(
        tx,
        "status IN ('assigned', 'accepted', 'on_the_way') AND appointment_from IS NOT NULL
           AND appointment_from <= $1 AND appointment_from > $2
           AND NOT EXISTS (SELECT 1 FROM push_messages m
                           WHERE m.ticket_id = repair_tickets.id AND m.kind = 'appointment_reminder'
                             AND m.queued_at > $3)",
        (now + APPOINTMENT_NOTICE, now, now - APPOINTMENT_NOTICE),
    )
    .await?;
    for ticket in tickets {
        for user in
            outbox::recipients(tx, ticket.team_id, ticket.assignee_id, Role::Repairer).await?
        {
            outbox::ticket_reminder(tx, &ticket, user, PushKind::AppointmentReminder, now).await?;
            report.appointment_reminders += 1;
        }
    }
    Ok(())
}

/// Binds for [`tickets_where`]: one time or two.
trait TimeBinds {
    fn times(&self) -> Vec<OffsetDateTime>;
}

impl TimeBinds for OffsetDateTime {
    fn times(&self) -> Vec<OffsetDateTime> {
        vec![*self]
    }
}

impl TimeBinds for (OffsetDateTime, OffsetDateTime) {
    fn times(&self) -> Vec<OffsetDateTime> {
        vec![self.0, self.1]
    }
}

impl TimeBinds for (OffsetDateTime, OffsetDateTime, OffsetDateTime) {
    fn times(&self) -> Vec<OffsetDateTime> {
        vec![self.0, self.1, self.2]
    }
}

async fn tickets_where(
    tx: &mut Tx,
    condition: &str,
    binds: impl TimeBinds,
) -> AppResult<Vec<TicketRow>> {
    let sql = format!(
        "SELECT {} FROM repair_tickets WHERE {condition} ORDER BY id LIMIT 1000",
        ticket_store::COLUMNS
    );
    Ok(on_tx!(tx, conn => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for t in binds.times() {
            q = q.bind(t);
        }
        q.fetch_all(conn).await
    })?)
}

async fn user_name(tx: &mut Tx, id: Uuid) -> AppResult<String> {
    let name: Option<String> = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT display_name FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await)?;
    Ok(name.unwrap_or_else(|| id.to_string()))
}

/// A time as the dispatcher reads it (China time).
fn local(t: OffsetDateTime) -> String {
    let t = t.to_offset(crate::tickets::LOCAL);
    format!(
        "{:02}-{:02} {:02}:{:02}",
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}
