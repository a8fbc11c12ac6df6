//! The sender task: takes due messages from the outbox, sends each to its push service with a
//! timeout and bounded concurrency, and records what happened: sent; retried later on
//! 429/5xx/timeouts (honouring `Retry-After`); the subscription removed on 404/410; failed on
//! any other refusal. Outcomes are written in batches, so a fan-out to a thousand phones is a
//! handful of transactions, not a thousand.

use super::Push;
use crate::db::push::{self as store, Claimed};
use crate::db::{self, Db};
use crate::live::{self, Hub};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{Semaphore, mpsc};
use web_push::{ContentEncoding, SubscriptionInfo, Urgency, WebPushMessageBuilder};

/// Attempts before a message is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// Outcomes written per transaction.
const RECORD_BATCH: usize = 256;

/// What a push service answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Sent,
    /// Try again after this long.
    Retry(Duration, String),
    /// The subscription is gone (404/410).
    Gone(String),
    /// Refused for good.
    Failed(String),
}

/// Runs until dropped.
pub async fn run(db: Db, push: Arc<Push>, hub: Arc<Hub>) {
    let client = match reqwest::Client::builder()
        .timeout(push.timeout)
        .connect_timeout(push.timeout)
        .pool_max_idle_per_host(push.concurrency)
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "push sender: cannot build the HTTP client; pushes stay queued");
            return;
        }
    };
    let (outcomes, received) = mpsc::channel(RECORD_BATCH * 4);
    tokio::spawn(record_outcomes(db.clone(), received));
    let permits = Arc::new(Semaphore::new(push.concurrency.max(1)));
    loop {
        // Claim only what can be sent now: a claimed message is leased to this instance.
        let free = permits.available_permits();
        if free == 0 {
            let _ = permits.clone().acquire_owned().await;
            continue;
        }
        let now = db::now();
        let lease = now + push.timeout * 2 + Duration::from_secs(30);
        let claimed = match store::claim_due(&db, now, lease, free as i64).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "push sender: cannot read the outbox");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if claimed.is_empty() {
            let wait = match store::next_due(&db).await {
                Ok(Some(due)) => {
                    (due - db::now()).clamp(time::Duration::ZERO, time::Duration::seconds(5))
                }
                _ => time::Duration::seconds(5),
            };
            tokio::select! {
                _ = hub.pushes_queued.notified() => {}
                _ = tokio::time::sleep(wait.unsigned_abs()) => {}
            }
            continue;
        }
        for message in claimed {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let (client, push, outcomes) = (client.clone(), push.clone(), outcomes.clone());
            tokio::spawn(async move {
                let outcome = send(&client, &push, &message).await;
                let _ = outcomes.send((message, outcome)).await;
                drop(permit);
            });
        }
    }
}

/// Sends one message and classifies the answer.
pub async fn send(client: &reqwest::Client, push: &Push, message: &Claimed) -> Outcome {
    let vapid = match push.vapid().await {
        Ok(vapid) => vapid,
        Err(e) => return Outcome::Retry(Duration::from_secs(30), format!("VAPID key: {e}")),
    };
    let info = SubscriptionInfo::new(
        message.endpoint.as_str(),
        message.p256dh.as_str(),
        message.auth.as_str(),
    );
    let request = (|| {
        let mut builder = WebPushMessageBuilder::new(&info);
        builder.set_payload(ContentEncoding::Aes128Gcm, message.payload.as_bytes());
        builder.set_ttl(message.ttl_secs.max(0) as u32);
        builder.set_urgency(match message.urgency.as_str() {
            "high" => Urgency::High,
            "low" => Urgency::Low,
            _ => Urgency::Normal,
        });
        if let Some(topic) = &message.topic {
            builder.set_topic(topic.clone());
        }
        builder.set_vapid_signature(vapid.sign(&info)?);
        Ok::<_, web_push::WebPushError>(web_push::request_builder::build_request::<Vec<u8>>(
            builder.build()?,
        ))
    })();
    let request = match request {
        Ok(request) => request,
        // Bad keys in a stored subscription cannot get better by retrying.
        Err(e) => return Outcome::Failed(format!("cannot encrypt for this subscription: {e}")),
    };
    let (parts, body) = request.into_parts();
    let mut outgoing = client.post(parts.uri.to_string()).body(body);
    for (name, value) in &parts.headers {
        outgoing = outgoing.header(name.as_str(), value.as_bytes());
    }
    let response = match outgoing.send().await {
        Ok(response) => response,
        Err(e) if e.is_timeout() => {
            return Outcome::Retry(
                backoff(message.attempts),
                "the push service did not answer in time".into(),
            );
        }
        Err(e) => {
            return Outcome::Retry(
                backoff(message.attempts),
                format!("push service unreachable: {e}"),
            );
        }
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|secs| Duration::from_secs(secs.min(3600)));
    let text = response.text().await.unwrap_or_default();
    let detail = format!(
        "HTTP {status}: {}",
        text.chars().take(200).collect::<String>()
    );
    match status {
        200..=299 => Outcome::Sent,
        404 | 410 => Outcome::Gone(detail),
        429 | 500..=599 => Outcome::Retry(
            retry_after.unwrap_or_else(|| backoff(message.attempts)),
            detail,
        ),
        _ => Outcome::Failed(detail),
    }
}

/// 5 s, 10 s, 20 s, … up to 10 minutes, by attempts made so far.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 8) as u32 - 1;
    Duration::from_secs((5u64 << exp).min(600))
}

/// Writes outcomes in batches until the channel closes.
async fn record_outcomes(db: Db, mut received: mpsc::Receiver<(Claimed, Outcome)>) {
    let mut batch = Vec::with_capacity(RECORD_BATCH);
    while received.recv_many(&mut batch, RECORD_BATCH).await > 0 {
        if let Err(e) = record(&db, &batch, db::now()).await {
            // Unrecorded outcomes leave their leases to expire: those messages are sent again
            // (a duplicate the Topic header makes harmless), never lost.
            tracing::warn!(error = %e, count = batch.len(), "push sender: cannot record outcomes");
        }
        batch.clear();
    }
}

async fn record(
    db: &Db,
    batch: &[(Claimed, Outcome)],
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for (message, outcome) in batch {
        let state = match outcome {
            Outcome::Sent => {
                store::mark_sent(&mut tx, message.id, now).await?;
                Some("sent")
            }
            Outcome::Retry(after, error) if message.attempts < MAX_ATTEMPTS => {
                let next = now + *after;
                store::mark_retry(&mut tx, message.id, next, error).await?;
                None
            }
            Outcome::Retry(_, error) | Outcome::Failed(error) => {
                store::mark_final(&mut tx, message.id, "failed", error).await?;
                Some("failed")
            }
            Outcome::Gone(error) => {
                store::mark_final(&mut tx, message.id, "gone", error).await?;
                store::delete_subscription_by_id(&mut tx, message.subscription_id, error).await?;
                Some("gone")
            }
        };
        if let Some(state) = state {
            live::delivery(
                &mut tx,
                message.id,
                message.ticket_id,
                message.user_id,
                &message.kind,
                state,
                now,
            )
            .await?;
        }
    }
    tx.commit().await
}
