//! API shapes of repair intake: tickets, their transitions, repair records, searches and
//! outage notices.

use crate::routing::RoutingDecisionView;
use crate::scoring::FeeLine;
use crate::ticket::{TicketAction, TicketSource, TicketStatus};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    /// The matched customer; their address and location are used when not given here.
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    pub reporter: String,
    pub phone: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    /// A category code (see `GET /api/v1/tickets/categories`).
    pub category: String,
    pub content: String,
    #[serde(default = "default_source")]
    pub source: TicketSource,
    /// Defaults to the category's deadline.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub deadline_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub appointment_from: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub appointment_to: Option<OffsetDateTime>,
    /// Overrides routing: the dispatcher's choice of team.
    #[serde(default)]
    pub team_id: Option<Uuid>,
    /// Why the dispatcher chose the team (required with `team_id`).
    #[serde(default)]
    pub reason: Option<String>,
}

/// What a dispatcher corrects on a ticket after intake (`PATCH /api/v1/tickets/{id}`): each
/// field given replaces the stored one. The team and person are changed by reassigning, the
/// category not at all (it decides the kind of team).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TicketEdit {
    #[serde(default)]
    pub reporter: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// A new address without `lon`/`lat` clears the location, so nobody navigates to the old one.
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub deadline_at: Option<OffsetDateTime>,
    /// A new appointment window (`appointment_to` optional).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub appointment_from: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub appointment_to: Option<OffsetDateTime>,
    /// Removes the appointment.
    #[serde(default)]
    pub no_appointment: bool,
    /// Why, kept in the ticket's history (what the customer said, say).
    #[serde(default)]
    pub note: Option<String>,
}

fn default_source() -> TicketSource {
    TicketSource::Call
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TicketView {
    pub id: Uuid,
    /// Human-readable number, e.g. BX20261126-0001.
    pub number: String,
    pub status: TicketStatus,
    pub customer_id: Option<Uuid>,
    pub reporter: String,
    pub phone: String,
    pub address: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub category: String,
    pub content: String,
    pub source: TicketSource,
    pub urgent: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub deadline_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub appointment_from: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub appointment_to: Option<OffsetDateTime>,
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub decision: Option<RoutingDecisionView>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When a dispatcher last corrected it after intake (`PATCH /api/v1/tickets/{id}`). Absent
    /// in jobs a phone stored before this field existed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub corrected_at: Option<OffsetDateTime>,
    /// Things the agent should say or check (arrears, outages), in Chinese.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub action: TicketAction,
    /// For assign/reassign: the team, and optionally the person.
    #[serde(default)]
    pub team_id: Option<Uuid>,
    #[serde(default)]
    pub user_id: Option<Uuid>,
    /// Why (required for reassign and cancel).
    #[serde(default)]
    pub reason: Option<String>,
    /// When it happened on the phone's clock.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub device_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TicketEventView {
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub device_at: Option<OffsetDateTime>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordItemInput {
    pub code: String,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordMaterialInput {
    pub code: String,
    pub quantity: f64,
}

/// The repair record a repairer completes a ticket with (回单).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompletionRequest {
    /// Everyone who did the job; defaults to the one completing.
    #[serde(default)]
    pub repairers: Vec<Uuid>,
    pub items: Vec<RecordItemInput>,
    #[serde(default)]
    pub materials: Vec<RecordMaterialInput>,
    #[serde(default)]
    pub extra_fees: Vec<FeeLine>,
    #[serde(default)]
    pub remarks: Option<String>,
    /// When the job was finished, by the phone's clock.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecordView {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub ticket_number: String,
    #[serde(with = "time::serde::rfc3339")]
    pub completed_at: OffsetDateTime,
    pub rule_version: i64,
    /// Points, in hundredths.
    pub total_centipoints: i64,
    pub repairers: Vec<RepairerShare>,
    pub items: Vec<RecordItemView>,
    pub materials: Vec<RecordMaterialView>,
    pub fees: Vec<FeeLine>,
    pub total_fee_fen: i64,
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RepairerShare {
    pub user_id: Uuid,
    pub name: String,
    pub centipoints: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecordItemView {
    pub code: String,
    pub name: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecordMaterialView {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub quantity: f64,
    pub unit_price_fen: i64,
}

/// Ticket search (every field the seed system lists); all filters are optional and combine.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, IntoParams))]
#[serde(deny_unknown_fields)]
pub struct TicketQuery {
    pub number: Option<String>,
    /// Part of the reporter's name.
    pub contact: Option<String>,
    pub phone: Option<String>,
    /// Part of the address.
    pub address: Option<String>,
    /// Part of the content.
    pub content: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub team_id: Option<Uuid>,
    pub source: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub reported_from: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub reported_to: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub appointment_from: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub appointment_to: Option<OffsetDateTime>,
    /// `created_at` (default, newest first), `deadline_at` or `number`; prefix `-` for descending.
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// Repair-record search.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, IntoParams))]
#[serde(deny_unknown_fields)]
pub struct RecordQuery {
    pub number: Option<String>,
    /// A repair item code.
    pub item: Option<String>,
    /// A material code.
    pub material: Option<String>,
    pub repairer_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewOutageNotice {
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// A GeoJSON Polygon or MultiPolygon geometry (WGS84).
    #[serde(default)]
    pub geometry: Option<serde_json::Value>,
    #[serde(default)]
    pub streets: Vec<String>,
    #[serde(default)]
    pub communities: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OutageNoticeView {
    pub id: Uuid,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub geometry: Option<serde_json::Value>,
    pub streets: Vec<String>,
    pub communities: Vec<String>,
}

/// What the agent sees on choosing a customer: the account, its past tickets and warnings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CustomerContext {
    pub customer: crate::api::CustomerView,
    pub past_tickets: Vec<TicketView>,
    pub arrears_warning: Option<String>,
    pub outages: Vec<OutageNoticeView>,
}
