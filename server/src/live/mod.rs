//! Live events for the console (实时看板): what changed, raised in the transaction of the
//! change, read back in commit order by one hub per instance and fanned out to the open
//! Server-Sent Events streams ([`stream`]).
//!
//! Why a table and not an in-memory channel: a browser that reconnects resumes from the last
//! event id it saw, and with several instances on PostgreSQL an event raised on one must reach
//! streams on every other. Each hub reads `live_events` after the last sequence number it
//! broadcast, when woken by a local commit, by PostgreSQL `NOTIFY`, or by a one-second poll.

pub mod stream;

use crate::auth::CurrentUser;
use crate::db::live::{self as store, LiveRow, NewLiveEvent};
use crate::db::{self, Db, Tx};
use gasdesk_shared::Permission;
use gasdesk_shared::push::LiveEvent;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{Notify, broadcast};
use uuid::Uuid;

/// Events a stream may fall behind before it re-reads from the table.
const CHANNEL_CAPACITY: usize = 4096;
/// Rows read per round.
const PAGE: i64 = 1000;
/// How long events are kept for reconnecting browsers.
pub const RETENTION: time::Duration = time::Duration::hours(24);

/// One instance's reader of the live event log.
pub struct Hub {
    sender: broadcast::Sender<Arc<LiveRow>>,
    /// The highest sequence number broadcast so far.
    last: AtomicI64,
    /// Told when a push message was queued, so the sender need not poll.
    pub pushes_queued: Notify,
    /// Told by PostgreSQL `NOTIFY` (another instance, or this one, committed events).
    remote: Notify,
    /// Set when the server shuts down: open streams end, so a graceful shutdown need not
    /// wait for browsers to hang up.
    closing: tokio::sync::watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            sender: broadcast::channel(CHANNEL_CAPACITY).0,
            last: AtomicI64::new(-1),
            pushes_queued: Notify::new(),
            remote: Notify::new(),
            closing: tokio::sync::watch::channel(false).0,
        }
    }
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveRow>> {
        self.sender.subscribe()
    }

    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// The last sequence number broadcast; -1 before the hub has started.
    pub fn last(&self) -> i64 {
        self.last.load(Ordering::Acquire)
    }

    /// Reads the log from its current end, then follows it until the task is dropped.
    pub async fn run(self: Arc<Self>, db: Db) {
        let mut commits = db::commits();
        loop {
            match store::bounds(&db).await {
                Ok((newest, _)) => {
                    self.last.store(newest, Ordering::Release);
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "live events: cannot read the log yet");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        if let Db::Postgres(pool) = &db {
            tokio::spawn(listen(pool.clone(), Arc::downgrade(&self)));
        }
        loop {
            match self.poll(&db).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "live events: reading the log failed"),
            }
            tokio::select! {
                _ = commits.changed() => {}
                _ = self.remote.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }

    /// Broadcasts what was committed since the last round; true when there may be more.
    async fn poll(&self, db: &Db) -> Result<bool, sqlx::Error> {
        let rows = store::after(db, self.last(), PAGE).await?;
        let full = rows.len() as i64 == PAGE;
        let mut queued = false;
        for row in rows {
            self.last.store(row.seq, Ordering::Release);
            queued |= row.kind == "push.delivery" && row.data.contains(r#""state":"queued""#);
            // No receivers is fine: nobody is watching.
            let _ = self.sender.send(Arc::new(row));
        }
        if queued {
            self.pushes_queued.notify_one();
        }
        Ok(full)
    }
}

/// Follows PostgreSQL notifications for as long as the hub lives, reconnecting after errors.
async fn listen(pool: sqlx::PgPool, hub: std::sync::Weak<Hub>) {
    loop {
        let result = async {
            let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
            listener.listen(store::CHANNEL).await?;
            loop {
                listener.recv().await?;
                match hub.upgrade() {
                    Some(hub) => hub.remote.notify_one(),
                    None => return Ok::<(), sqlx::Error>(()),
                }
            }
        }
        .await;
        match result {
            Ok(()) => return,
            Err(e) if hub.strong_count() > 0 => {
                tracing::warn!(error = %e, "live events: LISTEN connection lost; reconnecting");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(_) => return,
        }
    }
}

/// Whether `user` may see the event: office roles see everything; field workers what concerns
/// them or their teams, never office-only events.
pub fn visible(user: &CurrentUser, row: &LiveRow) -> bool {
    if user.role.can(Permission::ViewTickets) {
        return true;
    }
    !row.office_only
        && (row.user_id == Some(user.id)
            || row
                .team_id
                .is_some_and(|team| user.team_ids.contains(&team)))
}

/// The event as the stream sends it.
pub fn wire(row: &LiveRow) -> LiveEvent {
    LiveEvent {
        seq: row.seq,
        kind: row.kind.clone(),
        at: row.at,
        ticket_id: row.ticket_id,
        team_id: row.team_id,
        data: serde_json::from_str(&row.data).unwrap_or(Value::Null),
    }
}

// --- raising events -------------------------------------------------------------------------

/// A ticket moved (or was created): `ticket.<action>`.
#[allow(clippy::too_many_arguments)]
pub async fn ticket_step(
    tx: &mut Tx,
    ticket_id: Uuid,
    number: &str,
    action: &str,
    from: Option<&str>,
    to: &str,
    team_id: Option<Uuid>,
    assignee_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let event = NewLiveEvent {
        kind: format!("ticket.{action}"),
        ticket_id: Some(ticket_id),
        team_id,
        user_id: assignee_id,
        office_only: false,
        data: json!({
            "number": number, "action": action, "from": from, "to": to,
            "team_id": team_id, "assignee_id": assignee_id, "actor_id": actor_id,
        }),
    };
    store::append(tx, &event, at).await
}

/// A push message changed state (queued, sent, received, accepted, failed, gone).
pub async fn delivery(
    tx: &mut Tx,
    message_id: Uuid,
    ticket_id: Option<Uuid>,
    user_id: Uuid,
    kind: &str,
    state: &str,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let event = NewLiveEvent {
        kind: "push.delivery".into(),
        ticket_id,
        team_id: None,
        user_id: None,
        office_only: true,
        data: json!({
            "message_id": message_id, "user_id": user_id, "push_kind": kind, "state": state,
        }),
    };
    store::append(tx, &event, at).await
}

/// An alert for the dispatchers (or the team's leader).
pub async fn alert(tx: &mut Tx, alert: &crate::db::routing::AlertRow) -> Result<(), sqlx::Error> {
    let ticket_id = (alert.subject_kind.as_deref() == Some(crate::tickets::SUBJECT))
        .then_some(alert.subject_id)
        .flatten();
    let event = NewLiveEvent {
        kind: "alert".into(),
        ticket_id,
        team_id: alert.team_id,
        user_id: None,
        office_only: true,
        data: json!({
            "alert_id": alert.id, "alert_kind": alert.kind, "audience": alert.audience,
            "message": alert.message, "subject_kind": alert.subject_kind,
            "subject_id": alert.subject_id,
        }),
    };
    store::append(tx, &event, alert.raised_at).await
}

/// A leak check was reported or routed to a patroller.
pub async fn check(
    tx: &mut Tx,
    kind: &str,
    check_id: Uuid,
    team_id: Option<Uuid>,
    assigned_to: Option<Uuid>,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let event = NewLiveEvent {
        kind: kind.into(),
        ticket_id: None,
        team_id,
        user_id: assigned_to,
        office_only: false,
        data: json!({ "check_id": check_id, "team_id": team_id, "assigned_to": assigned_to }),
    };
    store::append(tx, &event, at).await
}

/// Daily housekeeping: events older than the retention and expired stream tickets.
pub async fn prune(db: &Db, now: OffsetDateTime) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    store::prune(&mut tx, now - RETENTION).await?;
    store::prune_stream_tickets(&mut tx, now).await?;
    tx.commit().await
}
