//! What rings which phone: announcements queued in the transaction of the change they
//! announce (so a rolled-back change rings nobody), one message per subscription of each
//! person concerned. Sending happens later, off the request path ([`super::sender`]).

use crate::db::push::{self as store, MessageRow};
use crate::db::tickets::TicketRow;
use crate::db::{Tx, routing::CheckRow};
use crate::error::{AppError, AppResult};
use crate::live;
use gasdesk_shared::Role;
use gasdesk_shared::push::{PushKind, PushPayload, PushUrgency};
use gasdesk_shared::ticket::{TicketAction, TicketStatus};
use time::OffsetDateTime;
use uuid::Uuid;

/// Push services accept 4,096 bytes of encrypted body; the encryption adds 103 (RFC 8291
/// header, padding delimiter, tag), and JSON of Chinese text is 3 bytes a character.
pub const MAX_PAYLOAD_BYTES: usize = 3_000;
/// How long a push service keeps a message for a phone that is off: a job still matters
/// tomorrow morning.
const JOB_TTL_SECS: i32 = 24 * 3600;

/// One thing to tell one person.
pub struct Announcement {
    pub kind: PushKind,
    pub urgency: PushUrgency,
    pub ttl_secs: i32,
    pub title: String,
    pub body: String,
    pub url: String,
    pub ticket_id: Option<Uuid>,
    pub check_id: Option<Uuid>,
}

impl Announcement {
    /// Messages about one job replace each other at the push service (32 base64url chars).
    fn topic(&self) -> Option<String> {
        self.ticket_id
            .or(self.check_id)
            .map(|id| id.simple().to_string())
    }
}

/// Queues `announcement` for every phone `user_id` registered. With none, a failed record is
/// kept, so the dispatcher sees that this person cannot be rung. Returns the messages queued.
pub async fn queue(
    tx: &mut Tx,
    user_id: Uuid,
    announcement: &Announcement,
    now: OffsetDateTime,
) -> AppResult<Vec<Uuid>> {
    let subscriptions = store::subscriptions_in(tx, user_id).await?;
    let mut queued = Vec::new();
    let targets: Vec<Option<Uuid>> = if subscriptions.is_empty() {
        vec![None]
    } else {
        subscriptions.iter().map(|s| Some(s.id)).collect()
    };
    for subscription_id in targets {
        let id = Uuid::now_v7();
        let receipt = crate::auth::new_token();
        let payload = PushPayload {
            message_id: id,
            receipt: receipt.clone(),
            kind: announcement.kind,
            urgency: announcement.urgency,
            title: announcement.title.clone(),
            body: announcement.body.clone(),
            url: announcement.url.clone(),
            ticket_id: announcement.ticket_id,
            check_id: announcement.check_id,
        };
        let payload =
            serde_json::to_string(&payload).map_err(|e| AppError::Internal(e.to_string()))?;
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(AppError::Internal(format!(
                "push payload of {} bytes exceeds {MAX_PAYLOAD_BYTES}",
                payload.len()
            )));
        }
        let (state, error) = match subscription_id {
            Some(_) => ("queued", None),
            None => ("failed", Some("该人员没有登记接收推送的手机".to_owned())),
        };
        store::insert_message(
            tx,
            &MessageRow {
                id,
                subscription_id,
                user_id,
                kind: announcement.kind.as_str().into(),
                ticket_id: announcement.ticket_id,
                check_id: announcement.check_id,
                topic: announcement.topic(),
                urgency: announcement.urgency.as_str().into(),
                ttl_secs: announcement.ttl_secs,
                payload,
                receipt,
                state: state.into(),
                attempts: 0,
                // Due at once by the sender's clock, also when a sweep runs ahead (tests).
                next_attempt_at: now.min(crate::db::now()),
                queued_at: now,
                sent_at: None,
                received_at: None,
                accepted_at: None,
                last_error: error,
            },
        )
        .await?;
        live::delivery(
            tx,
            id,
            announcement.ticket_id,
            user_id,
            announcement.kind.as_str(),
            state,
            now,
        )
        .await?;
        if subscription_id.is_some() {
            queued.push(id);
        }
    }
    Ok(queued)
}

/// Who is rung for work sent to `team` / `person`: the person when named, otherwise every
/// active worker of the team with `role`.
pub async fn recipients(
    tx: &mut Tx,
    team: Option<Uuid>,
    person: Option<Uuid>,
    role: Role,
) -> AppResult<Vec<Uuid>> {
    Ok(match (person, team) {
        (Some(p), _) => vec![p],
        (None, Some(t)) => store::team_workers(tx, t, role.as_str()).await?,
        (None, None) => Vec::new(),
    })
}

fn ticket_announcement(ticket: &TicketRow, kind: PushKind) -> Announcement {
    let number = &ticket.number;
    let title = match kind {
        PushKind::Assigned => format!("新派工单 {number}"),
        PushKind::ReassignedAway => format!("工单已改派他人 {number}"),
        PushKind::Cancelled => format!("工单已撤销 {number}"),
        PushKind::AppointmentReminder => format!("预约提醒 {number}"),
        PushKind::JobChanged => format!("工单有变更 {number}"),
        PushKind::Reminder => format!("请尽快签收 {number}"),
        PushKind::PatrolCheck => format!("巡线核查 {number}"),
    };
    let category = gasdesk_shared::ticket::category(&ticket.category)
        .map(|c| c.label_zh)
        .unwrap_or("报修");
    let urgent = if ticket.urgent { "【紧急】" } else { "" };
    let body = format!("{urgent}{category} · {}", clip(&ticket.address, 120));
    let rings = matches!(
        kind,
        PushKind::Assigned | PushKind::Reminder | PushKind::AppointmentReminder
    );
    Announcement {
        kind,
        urgency: if ticket.urgent && rings {
            PushUrgency::High
        } else {
            PushUrgency::Normal
        },
        ttl_secs: JOB_TTL_SECS,
        title,
        body,
        url: format!("/jobs/{}", ticket.id),
        ticket_id: Some(ticket.id),
        check_id: None,
    }
}

fn clip(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// A new ticket routed to a team (or a person) rings them.
pub async fn ticket_created(tx: &mut Tx, ticket: &TicketRow, now: OffsetDateTime) -> AppResult<()> {
    if ticket.status != TicketStatus::Assigned.as_str() {
        return Ok(());
    }
    let announcement = ticket_announcement(ticket, PushKind::Assigned);
    for user in recipients(tx, ticket.team_id, ticket.assignee_id, Role::Repairer).await? {
        queue(tx, user, &announcement, now).await?;
    }
    Ok(())
}

/// A ticket step: assignment rings the new people, reassignment and cancellation tell the
/// people who lose the job, acceptance settles the announcements to the one who accepted.
pub async fn ticket_step(
    tx: &mut Tx,
    before: &TicketRow,
    action: TicketAction,
    team_id: Option<Uuid>,
    assignee_id: Option<Uuid>,
    actor: Uuid,
    now: OffsetDateTime,
) -> AppResult<()> {
    match action {
        TicketAction::Assign | TicketAction::Reassign => {
            let old = if before.status == TicketStatus::New.as_str() {
                Vec::new()
            } else {
                recipients(tx, before.team_id, before.assignee_id, Role::Repairer).await?
            };
            let new = recipients(tx, team_id, assignee_id, Role::Repairer).await?;
            let assigned = ticket_announcement(before, PushKind::Assigned);
            for user in &new {
                queue(tx, *user, &assigned, now).await?;
            }
            let away = ticket_announcement(before, PushKind::ReassignedAway);
            for user in old.iter().filter(|u| !new.contains(u)) {
                store::supersede_queued(tx, before.id, *user).await?;
                queue(tx, *user, &away, now).await?;
            }
        }
        TicketAction::Cancel => {
            let cancelled = ticket_announcement(before, PushKind::Cancelled);
            if before.status != TicketStatus::New.as_str() {
                for user in
                    recipients(tx, before.team_id, before.assignee_id, Role::Repairer).await?
                {
                    store::supersede_queued(tx, before.id, user).await?;
                    queue(tx, user, &cancelled, now).await?;
                }
            }
        }
        TicketAction::Accept => {
            let settled = store::mark_accepted(tx, before.id, actor, now).await?;
            if settled > 0 {
                live::delivery(
                    tx,
                    Uuid::nil(),
                    Some(before.id),
                    actor,
                    "assigned",
                    "accepted",
                    now,
                )
                .await?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A job its worker accepted was corrected: tell them what (`fields`, as the history names
/// them: 地址、预约…) and where it is now. Their older messages about the job are replaced at
/// the push service (same topic).
pub async fn ticket_changed(
    tx: &mut Tx,
    ticket: &TicketRow,
    worker: Uuid,
    fields: &[&str],
    now: OffsetDateTime,
) -> AppResult<()> {
    let mut announcement = ticket_announcement(ticket, PushKind::JobChanged);
    announcement.body = format!(
        "更正 {} · {}",
        fields.join("、"),
        clip(&ticket.address, 100)
    );
    queue(tx, worker, &announcement, now).await?;
    Ok(())
}

/// A reminder rung again for a job not yet acknowledged (escalation).
pub async fn ticket_reminder(
    tx: &mut Tx,
    ticket: &TicketRow,
    user: Uuid,
    kind: PushKind,
    now: OffsetDateTime,
) -> AppResult<Vec<Uuid>> {
    let mut announcement = ticket_announcement(ticket, kind);
    if kind == PushKind::Reminder {
        announcement.urgency = PushUrgency::High;
    }
    queue(tx, user, &announcement, now).await
}

/// A leak check routed to a patroller (or, with nobody on duty, to the team's patrollers).
pub async fn check_routed(tx: &mut Tx, check: &CheckRow, now: OffsetDateTime) -> AppResult<()> {
    let announcement = Announcement {
        kind: PushKind::PatrolCheck,
        urgency: PushUrgency::High,
        ttl_secs: 4 * 3600,
        title: "漏气核查".into(),
        body: format!(
            "{} ({:.5}, {:.5})",
            clip(&check.description, 100),
            check.lon,
            check.lat
        ),
        url: format!("/checks/{}", check.id),
        ticket_id: None,
        check_id: Some(check.id),
    };
    for user in recipients(tx, check.team_id, check.assigned_to, Role::Patroller).await? {
        queue(tx, user, &announcement, now).await?;
    }
    Ok(())
}
