//! Request and response bodies of the HTTP API (`/api/v1`), shared so the app and the server
//! cannot drift apart. Times are RFC 3339; money is in fen (分, 1/100 yuan) to stay exact.

use crate::roles::{Role, TeamKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginResponse {
    /// Bearer token for the `Authorization` header.
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub user: UserView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub phone: Option<String>,
    pub active: bool,
    /// Teams the user belongs to.
    pub team_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    #[serde(default)]
    pub phone: Option<String>,
}

/// A partial update: absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub phone: Option<String>,
    pub active: Option<bool>,
    /// A new password; all of the user's sessions are revoked when it changes.
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TeamView {
    pub id: Uuid,
    pub name: String,
    pub kind: TeamKind,
    pub phone: Option<String>,
    pub leader_id: Option<Uuid>,
    pub member_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    pub name: String,
    pub kind: TeamKind,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub leader_id: Option<Uuid>,
}

/// Changes to a team (`PATCH /api/v1/teams/{id}`); what is absent stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TeamUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The team's duty phone; blank removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader_id: Option<Uuid>,
    /// True removes the leader (not together with `leader_id`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_leader: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TeamMember {
    pub user_id: Uuid,
}

/// A gas account from the billing system (营业系统).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CustomerView {
    pub id: Uuid,
    /// 交费卡号
    pub card_no: String,
    pub name: String,
    pub phones: Vec<String>,
    pub address: String,
    pub district: Option<String>,
    pub street: Option<String>,
    pub community: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// 欠费, in fen.
    pub arrears_fen: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    pub card_no: String,
    pub name: String,
    #[serde(default)]
    pub phones: Vec<String>,
    pub address: String,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub community: Option<String>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub arrears_fen: i64,
}

/// Filters for `GET /api/v1/customers`; at most one of them is usually given.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, IntoParams))]
#[serde(deny_unknown_fields)]
pub struct CustomerQuery {
    /// Address text as the caller says it: partial, out of order, slightly wrong (fuzzy).
    pub q: Option<String>,
    pub card_no: Option<String>,
    pub phone: Option<String>,
    /// The first digits of a card number or a phone number, as the agent types them (at least
    /// `MIN_NUMBER_PREFIX`; spaces and dashes are ignored for phone numbers).
    pub number: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// Fewer typed characters than this match too many card and phone numbers to be useful.
pub const MIN_NUMBER_PREFIX: usize = 3;

/// What an import did: rows kept, and each refused row with its line number and reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportReport {
    pub inserted: u64,
    pub updated: u64,
    pub rejected: Vec<RowError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RowError {
    /// 1-based line number in the file, the header being line 1.
    pub line: u64,
    pub field: Option<String>,
    pub message: String,
}

/// 维修内容: a repair item with its workload points and on-site fee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RepairItemView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub category: String,
    pub workload_points: f64,
    /// 上门费 charged to the customer, in fen; 0 when the item charges none.
    pub onsite_fee_fen: i64,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRepairItem {
    pub code: String,
    pub name: String,
    pub category: String,
    pub workload_points: f64,
    #[serde(default)]
    pub onsite_fee_fen: i64,
}

/// A change to a repair item: only the fields given change. Retiring one (`active: false`)
/// keeps it for the records that name it but no longer offers it on the phones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RepairItemUpdate {
    pub name: Option<String>,
    pub category: Option<String>,
    pub workload_points: Option<f64>,
    pub onsite_fee_fen: Option<i64>,
    pub active: Option<bool>,
}

/// 维修材料: a material with its unit and price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MaterialView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub spec: Option<String>,
    pub unit: String,
    pub price_fen: i64,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewMaterial {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub spec: Option<String>,
    pub unit: String,
    pub price_fen: i64,
}

/// A change to a material: only the fields given change; a blank `spec` clears it. A new price
/// applies to records from now on (a record keeps the unit price it was completed with).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MaterialUpdate {
    pub name: Option<String>,
    pub spec: Option<String>,
    pub unit: Option<String>,
    pub price_fen: Option<i64>,
    pub active: Option<bool>,
}

/// 业务参数: a named setting with a JSON value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BusinessParam {
    pub key: String,
    pub value: serde_json::Value,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ParamUpdate {
    pub value: serde_json::Value,
}

/// One line of the audit trail: who changed what, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEntry {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, IntoParams))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match in all; when `capped`, at least this many.
    pub total: u64,
    /// True when there were too many matches to count them all (searches count up to 1,000).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub capped: bool,
    pub limit: u32,
    pub offset: u32,
}

/// Page size when the caller gives none, and the most one request may ask for.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;
