//! One console's live stream: the events after where it resumes, then every new one the user
//! may see, as Server-Sent Events. A stream that falls behind the hub re-reads from the table,
//! and one whose session ends (sign-out, expiry, deactivation) is closed.

use super::{Hub, visible, wire};
use crate::auth::CurrentUser;
use crate::auth::session::authenticate_session;
use crate::db::Db;
use crate::db::live::{self as store, LiveRow};
use crate::error::{AppError, AppResult};
use axum::response::sse::Event;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};

/// How often an open stream checks that its session is still valid.
const SESSION_CHECK: Duration = Duration::from_secs(30);
/// Rows re-read at a time when resuming or catching up.
const PAGE: i64 = 500;

pub struct LiveStream {
    db: Db,
    user: CurrentUser,
    receiver: broadcast::Receiver<Arc<LiveRow>>,
    pending: VecDeque<Arc<LiveRow>>,
    /// The last sequence number handled (sent or filtered out).
    last: i64,
    /// Events to read from the table before following the hub (resume, or after lagging).
    catch_up_to: Option<i64>,
    /// A `reset` to send first: the stream could not resume where the browser asked.
    reset: Option<i64>,
    closing: tokio::sync::watch::Receiver<bool>,
}

impl LiveStream {
    /// Opens a stream for `user`, resuming after `last_event_id` when the browser gives one.
    pub async fn open(
        db: Db,
        hub: &Hub,
        user: CurrentUser,
        last_event_id: Option<i64>,
    ) -> AppResult<LiveStream> {
        // Subscribe before reading where the hub is, so nothing falls between the two.
        let receiver = hub.subscribe();
        // Right after start-up the hub may not have read where the log ends yet.
        for _ in 0..100 {
            if hub.last() >= 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let head = hub.last();
        if head < 0 {
            return Err(AppError::Unavailable);
        }
        let (mut last, mut catch_up_to, mut reset) = (head, None, None);
        if let Some(resume) = last_event_id {
            let (_, oldest) = store::bounds(&db).await?;
            if resume > head || (oldest > 0 && resume < oldest - 1) {
                // Pruned, or from another database: the board must reload.
                reset = Some(head);
            } else {
                last = resume;
                catch_up_to = Some(head);
            }
        }
        Ok(LiveStream {
            db,
            user,
            receiver,
            pending: VecDeque::new(),
            last,
            catch_up_to,
            reset,
            closing: hub.closing(),
        })
    }

    /// The next event to send; `None` ends the stream.
    pub async fn next(&mut self) -> Option<Event> {
        if let Some(head) = self.reset.take() {
            return Some(
                Event::default()
                    .id(head.to_string())
                    .event("reset")
                    .data(r#"{"reason":"the stream could not resume; reload the board"}"#),
            );
        }
        loop {
            if *self.closing.borrow() {
                return None;
            }
            while let Some(row) = self.pending.pop_front() {
                if row.seq <= self.last {
                    continue;
                }
                self.last = row.seq;
                if visible(&self.user, &row) {
                    return Some(event(&row));
                }
            }
            if let Some(until) = self.catch_up_to {
                match store::after(&self.db, self.last, PAGE).await {
                    Ok(rows) => {
                        if rows.is_empty() || rows.last().is_some_and(|r| r.seq >= until) {
                            self.catch_up_to = None;
                        }
                        self.pending.extend(rows.into_iter().map(Arc::new));
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "live stream: catching up failed");
                        return None;
                    }
                }
            }
            let received = tokio::select! {
                received = tokio::time::timeout(SESSION_CHECK, self.receiver.recv()) => received,
                _ = self.closing.changed() => return None,
            };
            match received {
                Ok(Ok(row)) => self.pending.push_back(row),
                Ok(Err(RecvError::Lagged(_))) => {
                    // Too slow for the channel: read what was missed from the table.
                    self.receiver = self.receiver.resubscribe();
                    self.catch_up_to = Some(i64::MAX);
                }
                Ok(Err(RecvError::Closed)) => return None,
                Err(_) => {
                    let hash = self.user.session_hash().to_owned();
                    match authenticate_session(&self.db, hash).await {
                        Ok(user) => self.user = user,
                        Err(_) => return None,
                    }
                }
            }
        }
    }
}

fn event(row: &LiveRow) -> Event {
    let data = serde_json::to_string(&wire(row)).unwrap_or_else(|_| "{}".into());
    Event::default()
        .id(row.seq.to_string())
        .event(&row.kind)
        .data(data)
}
