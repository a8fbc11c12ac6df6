//! Web Push to field phones (RFC 8030 delivery, RFC 8291 encryption, RFC 8292 VAPID): phones
//! register subscriptions, changes queue announcements ([`outbox`]) in their own transaction,
//! and the sender task ([`sender`]) delivers them. Each message keeps its delivery record:
//! queued, sent, received (the service worker's receipt), accepted (the worker took the job).

pub mod outbox;
pub mod sender;
pub mod vapid;

use crate::auth::CurrentUser;
use crate::config::Config;
use crate::db::{self, Db, push as store, tickets as ticket_store};
use crate::error::{AppError, AppResult};
use crate::live;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gasdesk_shared::Permission;
use gasdesk_shared::push::{
    DeliveryState, DeliveryView, PushKind, ReceiptRequest, SubscribeRequest, SubscriptionView,
};
use std::time::Duration;
use tokio::sync::OnceCell;
use uuid::Uuid;
use vapid::Vapid;

/// Push settings and the VAPID key, loaded on first use.
pub struct Push {
    config: std::sync::Arc<Config>,
    db: Db,
    vapid: OnceCell<Vapid>,
    pub concurrency: usize,
    pub timeout: Duration,
}

impl Push {
    pub fn new(db: Db, config: std::sync::Arc<Config>) -> Push {
        Push {
            concurrency: config.push_concurrency.max(1),
            timeout: config.push_timeout(),
            config,
            db,
            vapid: OnceCell::new(),
        }
    }

    pub async fn vapid(&self) -> AppResult<&Vapid> {
        self.vapid
            .get_or_try_init(|| Vapid::load(&self.db, &self.config))
            .await
    }

    /// Registers (or takes over) a browser's push subscription for `user`.
    pub async fn subscribe(
        &self,
        user: &CurrentUser,
        request: SubscribeRequest,
    ) -> AppResult<SubscriptionView> {
        user.require(Permission::SyncDevice)?;
        let endpoint = self.checked_endpoint(&request.endpoint)?;
        let p256dh = key("keys.p256dh", &request.keys.p256dh, 65)?;
        if !p256dh.1.starts_with(&[4]) {
            return Err(AppError::validation(
                "keys.p256dh",
                "must be an uncompressed P-256 point (65 bytes starting with 0x04)",
            ));
        }
        let auth = key("keys.auth", &request.keys.auth, 16)?;
        let mut tx = self.db.begin().await?;
        let row = store::upsert_subscription(
            &mut tx,
            &store::SubscriptionRow {
                id: Uuid::now_v7(),
                user_id: user.id,
                device_id: request.device_id,
                endpoint,
                p256dh: p256dh.0,
                auth: auth.0,
                created_at: db::now(),
            },
        )
        .await?;
        crate::db::audit::record(
            &mut tx,
            user.actor(),
            "push.subscribe",
            "push_subscription",
            Some(row.id.to_string()),
            serde_json::json!({ "device_id": row.device_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(subscription_view(row))
    }

    fn checked_endpoint(&self, endpoint: &str) -> AppResult<String> {
        let endpoint = endpoint.trim();
        if endpoint.len() > 2048 {
            return Err(AppError::validation(
                "endpoint",
                "is longer than 2,048 characters",
            ));
        }
        let uri: axum::http::Uri = endpoint
            .parse()
            .map_err(|_| AppError::validation("endpoint", "is not a URL"))?;
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if self.config.push_allow_http => {}
            _ => {
                return Err(AppError::validation(
                    "endpoint",
                    "must be an https:// URL of a push service",
                ));
            }
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(AppError::validation("endpoint", "has no host"));
        }
        Ok(endpoint.to_owned())
    }
}

/// A base64url key of `len` bytes (padding and the standard alphabet are tolerated, since
/// browsers differ), returned normalised to base64url without padding.
fn key(field: &str, text: &str, len: usize) -> AppResult<(String, Vec<u8>)> {
    let normal: String = text
        .trim()
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    let bytes = URL_SAFE_NO_PAD
        .decode(&normal)
        .map_err(|_| AppError::validation(field, "is not base64url"))?;
    if bytes.len() != len {
        return Err(AppError::validation(
            field,
            format!("must be {len} bytes, not {}", bytes.len()),
        ));
    }
    Ok((normal, bytes))
}

fn subscription_view(row: store::SubscriptionRow) -> SubscriptionView {
    SubscriptionView {
        id: row.id,
        endpoint: row.endpoint,
        device_id: row.device_id,
        created_at: row.created_at,
    }
}

pub async fn subscriptions(db: &Db, user: &CurrentUser) -> AppResult<Vec<SubscriptionView>> {
    Ok(store::subscriptions_of(db, user.id)
        .await?
        .into_iter()
        .map(subscription_view)
        .collect())
}

pub async fn unsubscribe(db: &Db, user: &CurrentUser, endpoint: &str) -> AppResult<()> {
    let mut tx = db.begin().await?;
    if !store::delete_subscription(&mut tx, user.id, endpoint.trim()).await? {
        return Err(AppError::not_found(
            "no push subscription of yours has that endpoint",
        ));
    }
    tx.commit().await?;
    Ok(())
}

/// The service worker's receipt. Unauthenticated: the receipt code, which only the encrypted
/// message carried, is the proof. A repeated receipt is accepted and changes nothing.
pub async fn receipt(db: &Db, request: ReceiptRequest) -> AppResult<()> {
    let now = db::now();
    let mut tx = db.begin().await?;
    let Some((message, news)) =
        store::mark_received(&mut tx, request.message_id, request.receipt.trim(), now).await?
    else {
        return Err(AppError::not_found(
            "no push message with that id and receipt",
        ));
    };
    if news {
        live::delivery(
            &mut tx,
            message.id,
            message.ticket_id,
            message.user_id,
            &message.kind,
            "received",
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Every push about a ticket, for the console's delivery column.
pub async fn deliveries(
    db: &Db,
    user: &CurrentUser,
    ticket_id: Uuid,
) -> AppResult<Vec<DeliveryView>> {
    let ticket = ticket_store::by_id(db, ticket_id)
        .await?
        .filter(|t| crate::tickets::may_see(user, t))
        .ok_or_else(|| AppError::not_found(format!("no ticket {ticket_id}")))?;
    store::messages_for_ticket(db, ticket.id)
        .await?
        .into_iter()
        .map(|(m, user_name)| {
            Ok(DeliveryView {
                message_id: m.id,
                kind: PushKind::parse(&m.kind)
                    .ok_or_else(|| AppError::Internal(format!("stored push kind {}", m.kind)))?,
                user_id: m.user_id,
                user_name,
                subscription_id: m.subscription_id,
                state: DeliveryState::parse(&m.state)
                    .ok_or_else(|| AppError::Internal(format!("stored push state {}", m.state)))?,
                attempts: m.attempts,
                queued_at: m.queued_at,
                sent_at: m.sent_at,
                received_at: m.received_at,
                accepted_at: m.accepted_at,
                last_error: m.last_error,
            })
        })
        .collect()
}
