//! Web Push (推送): what a phone registers to be rung, what a notification carries, and how the
//! phone's service worker tells the server a message arrived.
//!
//! A notification carries only what it shows and the ids to open; the app syncs the rest. The
//! service worker has no session token (it may run while the app is closed), so a receipt is
//! authorised by the random `receipt` code that came inside the encrypted message itself.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The server's VAPID public key: the `applicationServerKey` for `pushManager.subscribe`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VapidPublicKey {
    /// Uncompressed P-256 point (65 bytes), base64url without padding.
    pub public_key: String,
}

/// The browser's subscription keys, as `PushSubscription.toJSON().keys` gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SubscriptionKeys {
    /// The subscription's P-256 public key (65 bytes, base64url).
    pub p256dh: String,
    /// The 16-byte authentication secret (base64url).
    pub auth: String,
}

/// Registers a phone (or browser) for push: the JSON of a `PushSubscription`, plus the sync
/// device it belongs to when the app has one. Registering the same endpoint again updates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SubscribeRequest {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
    #[serde(default)]
    pub device_id: Option<Uuid>,
    /// `expirationTime` from the browser, ignored (kept for `toJSON()` compatibility).
    #[serde(default, rename = "expirationTime", skip_serializing)]
    pub expiration_time: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SubscriptionView {
    pub id: Uuid,
    pub endpoint: String,
    pub device_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Removes a subscription (on sign-out, or when the browser dropped it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UnsubscribeRequest {
    pub endpoint: String,
}

/// Why a phone is rung.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PushKind {
    /// A job was assigned to the worker (派工).
    Assigned,
    /// A job was taken from the worker and given to someone else (改派).
    ReassignedAway,
    /// A job was cancelled (撤单).
    Cancelled,
    /// A customer's appointment is coming up (预约提醒).
    AppointmentReminder,
    /// A leak check was assigned to the patroller's team (巡线核查).
    PatrolCheck,
    /// An accepted job changed (address, appointment, urgency...).
    JobChanged,
    /// A job was not acknowledged or accepted in time: it is rung again.
    Reminder,
}

impl PushKind {
    pub const ALL: [PushKind; 7] = [
        PushKind::Assigned,
        PushKind::ReassignedAway,
        PushKind::Cancelled,
        PushKind::AppointmentReminder,
        PushKind::PatrolCheck,
        PushKind::JobChanged,
        PushKind::Reminder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PushKind::Assigned => "assigned",
            PushKind::ReassignedAway => "reassigned_away",
            PushKind::Cancelled => "cancelled",
            PushKind::AppointmentReminder => "appointment_reminder",
            PushKind::PatrolCheck => "patrol_check",
            PushKind::JobChanged => "job_changed",
            PushKind::Reminder => "reminder",
        }
    }

    pub fn parse(stored: &str) -> Option<PushKind> {
        PushKind::ALL.into_iter().find(|k| k.as_str() == stored)
    }
}

/// How urgently the push service should deliver (the `Urgency` header, RFC 8030 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PushUrgency {
    Low,
    Normal,
    High,
}

impl PushUrgency {
    pub fn as_str(self) -> &'static str {
        match self {
            PushUrgency::Low => "low",
            PushUrgency::Normal => "normal",
            PushUrgency::High => "high",
        }
    }

    pub fn parse(stored: &str) -> Option<PushUrgency> {
        [PushUrgency::Low, PushUrgency::Normal, PushUrgency::High]
            .into_iter()
            .find(|u| u.as_str() == stored)
    }
}

/// The decrypted body of a push message, as the service worker reads it. Kept well under the
/// 4 KB a push service accepts (the server checks before queueing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PushPayload {
    pub message_id: Uuid,
    /// Single-purpose code that authorises the receipt for this message.
    pub receipt: String,
    pub kind: PushKind,
    pub urgency: PushUrgency,
    /// Notification title and body, in Chinese.
    pub title: String,
    pub body: String,
    /// The app path to open on a tap, e.g. `/jobs/<ticket id>`.
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_id: Option<Uuid>,
}

/// Sent by the service worker when a message arrived (`POST /api/v1/push/receipts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceiptRequest {
    pub message_id: Uuid,
    pub receipt: String,
}

/// Where one message to one device stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting in the outbox (or for a retry).
    Queued,
    /// The push service took it (201).
    Sent,
    /// The phone's service worker reported it arrived.
    Received,
    /// The worker accepted the job it announced.
    Accepted,
    /// A newer message about the same job replaced it before it was sent.
    Superseded,
    /// Given up: the push service refused it for good, or retries ran out.
    Failed,
    /// The subscription no longer exists (404/410); it was removed.
    Gone,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 7] = [
        DeliveryState::Queued,
        DeliveryState::Sent,
        DeliveryState::Received,
        DeliveryState::Accepted,
        DeliveryState::Superseded,
        DeliveryState::Failed,
        DeliveryState::Gone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sent => "sent",
            DeliveryState::Received => "received",
            DeliveryState::Accepted => "accepted",
            DeliveryState::Superseded => "superseded",
            DeliveryState::Failed => "failed",
            DeliveryState::Gone => "gone",
        }
    }

    pub fn parse(stored: &str) -> Option<DeliveryState> {
        DeliveryState::ALL
            .into_iter()
            .find(|s| s.as_str() == stored)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            DeliveryState::Queued => "待发送",
            DeliveryState::Sent => "已发送",
            DeliveryState::Received => "已送达",
            DeliveryState::Accepted => "已接单",
            DeliveryState::Superseded => "已被新消息替代",
            DeliveryState::Failed => "发送失败",
            DeliveryState::Gone => "设备已注销",
        }
    }
}

/// One message to one device, for the console's delivery column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeliveryView {
    pub message_id: Uuid,
    pub kind: PushKind,
    pub user_id: Uuid,
    pub user_name: String,
    pub subscription_id: Option<Uuid>,
    pub state: DeliveryState,
    pub attempts: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub received_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
}

/// A stream ticket for the console's `EventSource` (which cannot send headers): single use,
/// valid for `expires_in` seconds; open `GET /api/v1/live?ticket=...`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StreamTicket {
    pub ticket: String,
    pub expires_in: u32,
}

/// One event on the console's live stream (`GET /api/v1/live`, Server-Sent Events): the SSE
/// `event:` field is `kind`, `id:` is `seq`, `data:` is this JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LiveEvent {
    pub seq: i64,
    /// `ticket.created`, `ticket.assigned`, `ticket.accepted`, `ticket.completed`, ... (every
    /// ticket step as `ticket.<action>`), `push.delivery`, `alert`, `check.created`, or `reset`
    /// when the stream could not resume from the last id (reload the board).
    pub kind: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<Uuid>,
    /// What happened, by kind: ticket number and status, delivery state, alert text...
    pub data: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in PushKind::ALL {
            assert_eq!(PushKind::parse(k.as_str()), Some(k));
        }
        for s in DeliveryState::ALL {
            assert_eq!(DeliveryState::parse(s.as_str()), Some(s));
        }
        assert_eq!(PushKind::parse("fax"), None);
    }

    #[test]
    fn a_browser_subscription_json_is_accepted_as_is() {
        let json = r#"{"endpoint":"https://push.example/abc","expirationTime":null,
            "keys":{"p256dh":"BPub","auth":"c2VjcmV0"}}"#;
        let req: SubscribeRequest = serde_json::from_str(json).unwrap();
        assert_eq!(req.endpoint, "https://push.example/abc");
        assert_eq!(req.keys.auth, "c2VjcmV0");
        assert_eq!(req.device_id, None);
    }
}
