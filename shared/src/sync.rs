//! Offline sync between the field app and the server: the wire protocol and the client engine.
//!
//! Every change a field worker makes is a [`Mutation`]: a client-generated id, the device, a
//! per-device sequence number, the version of the thing it was made against and the phone's
//! time. The server applies a device's mutations exactly once and in order (it keeps the last
//! applied sequence number in the same transaction as the change), and answers each one:
//! applied, or kept and flagged for the dispatcher with a reason. Pulls bring the device's
//! scope (its jobs, its team's leak checks, the catalogs and rules) from a cursor.
//!
//! [`Replica`] is the client side, pure (no I/O): the app persists it whole after each change,
//! so a mutation and the local change it records are written together, and drives the network
//! from what it asks for. The same code runs in the browser and in the native simulation tests.

use crate::api::{MaterialView, RepairItemView};
use crate::callcenter::KnowledgeEntry;
use crate::followup::{CloseLog, PatrolResultRequest, TrackPoint};
use crate::intake::{CompletionRequest, TicketView};
use crate::routing::PatrolCheckView;
use crate::scoring::ScoreRules;
use crate::ticket::{TicketAction, TicketStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Mutations per push request; the server refuses larger batches.
pub const MAX_BATCH: usize = 100;
/// Changes per pull page, unless the device asks for fewer.
pub const DEFAULT_PULL_LIMIT: u32 = 200;
pub const MAX_PULL_LIMIT: u32 = 1000;

// --- the protocol ---------------------------------------------------------------------------

/// A phone (or browser profile) registering itself for one signed-in user. The app generates
/// the id once and keeps it; signing in as someone else on the same phone registers anew.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceRegistration {
    pub device_id: Uuid,
    /// What the worker calls the phone (e.g. "张师傅的手机").
    pub name: String,
    #[serde(default)]
    pub platform: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceView {
    pub device_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub platform: Option<String>,
    /// The last sequence number the server applied (or flagged) from this device.
    pub last_seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub registered_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_seen_at: Option<OffsetDateTime>,
}

/// One change made in the field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Mutation {
    /// Generated on the phone; the same change sent twice carries the same id.
    pub id: Uuid,
    pub device_id: Uuid,
    /// 1, 2, 3, … per device, with no gaps.
    pub seq: u64,
    /// The version of the ticket or check the change was made against, when there is one.
    #[serde(default)]
    pub base_version: Option<i64>,
    /// When the worker did it, by the phone's clock; deadlines (SLA) are judged by this time.
    #[serde(with = "time::serde::rfc3339")]
    pub device_at: OffsetDateTime,
    pub change: Change,
}

/// Read through [`ChangeWire`] rather than derived: see [`crate::tagged`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Accept, depart or arrive.
    TicketStep {
        ticket_id: Uuid,
        action: TicketAction,
    },
    /// The repair record, with the attachments (photos, signature) that belong to it.
    Complete {
        ticket_id: Uuid,
        record: CompletionRequest,
        #[serde(default)]
        attachments: Vec<AttachmentRef>,
    },
    PatrolResult {
        check_id: Uuid,
        result: PatrolResultRequest,
    },
    /// Opens a daily patrol log with an id made on the phone.
    StartPatrolLog {
        log_id: Uuid,
    },
    PatrolTrack {
        log_id: Uuid,
        points: Vec<TrackPoint>,
    },
    ClosePatrolLog {
        log_id: Uuid,
        close: CloseLog,
    },
    /// A photo or signature taken for a ticket or check; its bytes follow by chunked upload.
    Attach {
        #[serde(default)]
        ticket_id: Option<Uuid>,
        #[serde(default)]
        check_id: Option<Uuid>,
        attachment: AttachmentRef,
    },
}

/// [`Change`] as written: its tag and every variant's fields, read in one pass.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeWire {
    #[serde(rename = "type")]
    kind: ChangeKind,
    ticket_id: Option<Uuid>,
    action: Option<TicketAction>,
    record: Option<CompletionRequest>,
    attachments: Option<Vec<AttachmentRef>>,
    check_id: Option<Uuid>,
    result: Option<PatrolResultRequest>,
    log_id: Option<Uuid>,
    points: Option<Vec<TrackPoint>>,
    close: Option<CloseLog>,
    attachment: Option<AttachmentRef>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChangeKind {
    TicketStep,
    Complete,
    PatrolResult,
    StartPatrolLog,
    PatrolTrack,
    ClosePatrolLog,
    Attach,
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use crate::tagged::{only, required};
        let ChangeWire {
            kind,
            ticket_id,
            action,
            record,
            attachments,
            check_id,
            result,
            log_id,
            points,
            close,
            attachment,
        } = ChangeWire::deserialize(deserializer)?;
        let present = [
            ("ticket_id", ticket_id.is_some()),
            ("action", action.is_some()),
            ("record", record.is_some()),
            ("attachments", attachments.is_some()),
            ("check_id", check_id.is_some()),
            ("result", result.is_some()),
            ("log_id", log_id.is_some()),
            ("points", points.is_some()),
            ("close", close.is_some()),
            ("attachment", attachment.is_some()),
        ];
        Ok(match kind {
            ChangeKind::TicketStep => {
                only(&present, &["ticket_id", "action"])?;
                Change::TicketStep {
                    ticket_id: required(ticket_id, "ticket_id")?,
                    action: required(action, "action")?,
                }
            }
            ChangeKind::Complete => {
                only(&present, &["ticket_id", "record", "attachments"])?;
                Change::Complete {
                    ticket_id: required(ticket_id, "ticket_id")?,
                    record: required(record, "record")?,
                    attachments: attachments.unwrap_or_default(),
                }
            }
            ChangeKind::PatrolResult => {
                only(&present, &["check_id", "result"])?;
                Change::PatrolResult {
                    check_id: required(check_id, "check_id")?,
                    result: required(result, "result")?,
                }
            }
            ChangeKind::StartPatrolLog => {
                only(&present, &["log_id"])?;
                Change::StartPatrolLog {
                    log_id: required(log_id, "log_id")?,
                }
            }
            ChangeKind::PatrolTrack => {
                only(&present, &["log_id", "points"])?;
                Change::PatrolTrack {
                    log_id: required(log_id, "log_id")?,
                    points: required(points, "points")?,
                }
            }
            ChangeKind::ClosePatrolLog => {
                only(&present, &["log_id", "close"])?;
                Change::ClosePatrolLog {
                    log_id: required(log_id, "log_id")?,
                    close: required(close, "close")?,
                }
            }
            ChangeKind::Attach => {
                only(&present, &["ticket_id", "check_id", "attachment"])?;
                Change::Attach {
                    ticket_id,
                    check_id,
                    attachment: required(attachment, "attachment")?,
                }
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AttachmentRef {
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    pub kind: crate::attachments::AttachmentKind,
}

impl Change {
    pub fn kind(&self) -> &'static str {
        match self {
            Change::TicketStep { .. } => "ticket_step",
            Change::Complete { .. } => "complete",
            Change::PatrolResult { .. } => "patrol_result",
            Change::StartPatrolLog { .. } => "start_patrol_log",
            Change::PatrolTrack { .. } => "patrol_track",
            Change::ClosePatrolLog { .. } => "close_patrol_log",
            Change::Attach { .. } => "attach",
        }
    }

    /// The ticket, check or log the change is about.
    pub fn subject(&self) -> Option<Uuid> {
        match self {
            Change::TicketStep { ticket_id, .. } | Change::Complete { ticket_id, .. } => {
                Some(*ticket_id)
            }
            Change::PatrolResult { check_id, .. } => Some(*check_id),
            Change::StartPatrolLog { log_id }
            | Change::PatrolTrack { log_id, .. }
            | Change::ClosePatrolLog { log_id, .. } => Some(*log_id),
            Change::Attach {
                ticket_id,
                check_id,
                ..
            } => ticket_id.or(*check_id),
        }
    }

    /// The ticket this change touches, if any.
    pub fn ticket(&self) -> Option<Uuid> {
        match self {
            Change::TicketStep { ticket_id, .. } | Change::Complete { ticket_id, .. } => {
                Some(*ticket_id)
            }
            Change::Attach { ticket_id, .. } => *ticket_id,
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub device_id: Uuid,
    /// Consecutive sequence numbers, oldest first.
    pub mutations: Vec<Mutation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// One answer per mutation sent, in order.
    pub results: Vec<MutationResult>,
    /// The device's last sequence number the server now holds.
    pub last_seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationResult {
    pub id: Uuid,
    pub seq: u64,
    pub outcome: Outcome,
    /// The server had already answered this mutation; this is the stored answer again.
    pub duplicate: bool,
}

/// Read through [`OutcomeWire`] rather than derived: see [`crate::tagged`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Applied {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Not applied as sent, but kept on the server for the dispatcher to decide, with why.
    Flagged { code: String, reason: String },
}

#[derive(Deserialize)]
struct OutcomeWire {
    status: OutcomeStatus,
    note: Option<String>,
    code: Option<String>,
    reason: Option<String>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OutcomeStatus {
    Applied,
    Flagged,
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use crate::tagged::required;
        let wire = OutcomeWire::deserialize(deserializer)?;
        Ok(match wire.status {
            OutcomeStatus::Applied => Outcome::Applied { note: wire.note },
            OutcomeStatus::Flagged => Outcome::Flagged {
                code: required(wire.code, "code")?,
                reason: required(wire.reason, "reason")?,
            },
        })
    }
}

impl Outcome {
    pub fn is_applied(&self) -> bool {
        matches!(self, Outcome::Applied { .. })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    pub device_id: Uuid,
    /// Where the last page ended; none (or a cursor the server no longer honours) starts a
    /// full snapshot.
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
    /// The reference data version the device holds; sent again only when it changed.
    #[serde(default)]
    pub reference_version: Option<String>,
}

/// A job as the phone keeps it: the ticket, its version, and what the worker needs on site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldTicket {
    pub ticket: TicketView,
    pub version: i64,
    #[serde(default)]
    pub customer: Option<FieldCustomer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldCustomer {
    pub id: Uuid,
    pub name: String,
    pub card_no: String,
    pub phones: Vec<String>,
    pub address: String,
    pub arrears_fen: i64,
    /// The customer's earlier repairs, newest first: number, date, category, status.
    pub past_repairs: Vec<PastRepair>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PastRepair {
    pub ticket_id: Uuid,
    pub number: String,
    #[serde(with = "time::serde::rfc3339")]
    pub reported_at: OffsetDateTime,
    pub category: String,
    pub status: TicketStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldCheck {
    pub check: PatrolCheckView,
    pub version: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Ticket,
    Check,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Removal {
    pub kind: EntityKind,
    pub id: Uuid,
}

/// What the app needs offline besides the jobs: catalogs, the score rules, the knowledge base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceData {
    pub version: String,
    pub repair_items: Vec<RepairItemView>,
    pub materials: Vec<MaterialView>,
    pub rules: ScoreRules,
    pub knowledge: Vec<KnowledgeEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    /// Drop every pulled copy before applying this page: a new snapshot begins (first pull,
    /// or the server asked for a full resync). Pending changes are kept.
    pub reset: bool,
    pub tickets: Vec<FieldTicket>,
    pub checks: Vec<FieldCheck>,
    /// Left the device's scope (reassigned, cancelled, finished, team changed).
    pub removed: Vec<Removal>,
    pub cursor: String,
    /// More pages wait: pull again with `cursor` at once.
    pub more: bool,
    #[serde(default)]
    pub reference: Option<ReferenceData>,
}

/// A flagged mutation as the dispatcher's workbench lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlaggedMutation {
    pub id: Uuid,
    pub device_id: Uuid,
    pub seq: u64,
    pub user_id: Uuid,
    pub user_name: String,
    pub kind: String,
    pub subject_id: Option<Uuid>,
    pub code: String,
    pub reason: String,
    pub mutation: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub device_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    pub resolution: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResolveFlag {
    /// What the dispatcher decided and did (e.g. "已与维修工确认，补录完工").
    pub resolution: String,
}

// --- sequencing: the rule the server applies, kept here so the simulation checks the same ----

/// Where a mutation stands against the last sequence number the server applied for its device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqCheck {
    /// Already answered: acknowledge with the stored answer, apply nothing.
    Duplicate,
    /// The next one: apply it.
    Next,
    /// Something before it never arrived: refuse, nothing after it may be applied.
    Gap { expected: u64 },
}

pub fn check_seq(last_applied: u64, seq: u64) -> SeqCheck {
    if seq <= last_applied {
        SeqCheck::Duplicate
    } else if seq == last_applied + 1 {
        SeqCheck::Next
    } else {
        SeqCheck::Gap {
            expected: last_applied + 1,
        }
    }
}

/// What makes a push request malformed as a whole (before anything is applied).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("a push carries 1 to {MAX_BATCH} mutations, not {0}")]
    Size(usize),
    #[error("mutations[{index}] belongs to device {found}, not to the pushing device")]
    OtherDevice { index: usize, found: Uuid },
    #[error(
        "mutations[{index}] has sequence number {found}; the batch must continue with {expected}"
    )]
    NotConsecutive {
        index: usize,
        found: u64,
        expected: u64,
    },
    #[error("mutations[{index}] has sequence number 0; numbering starts at 1")]
    Zero { index: usize },
    #[error("mutations[{index}] repeats the id of an earlier mutation in the batch")]
    RepeatedId { index: usize },
}

impl BatchError {
    pub fn field(&self) -> String {
        match self {
            BatchError::Size(_) => "mutations".into(),
            BatchError::OtherDevice { index, .. } => format!("mutations[{index}].device_id"),
            BatchError::NotConsecutive { index, .. } | BatchError::Zero { index } => {
                format!("mutations[{index}].seq")
            }
            BatchError::RepeatedId { index } => format!("mutations[{index}].id"),
        }
    }
}

pub fn check_batch(request: &PushRequest) -> Result<(), BatchError> {
    let n = request.mutations.len();
    if n == 0 || n > MAX_BATCH {
        return Err(BatchError::Size(n));
    }
    let mut ids = std::collections::BTreeSet::new();
    for (index, m) in request.mutations.iter().enumerate() {
        if m.device_id != request.device_id {
            return Err(BatchError::OtherDevice {
                index,
                found: m.device_id,
            });
        }
        if m.seq == 0 {
            return Err(BatchError::Zero { index });
        }
        if index > 0 {
            let expected = request.mutations[index - 1].seq + 1;
            if m.seq != expected {
                return Err(BatchError::NotConsecutive {
                    index,
                    found: m.seq,
                    expected,
                });
            }
        }
        if !ids.insert(m.id) {
            return Err(BatchError::RepeatedId { index });
        }
    }
    Ok(())
}

/// The status a field step leads to, whoever asks (the server still checks the role and team).
pub fn step_target(action: TicketAction) -> TicketStatus {
    action.rule().1
}

// --- the client engine ----------------------------------------------------------------------

/// Why a push or pull did not go through, as the app classifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncFailure {
    /// No network, timeout, connection reset: try again later.
    Network,
    /// The server answered 5xx (or 429): try again later.
    Server(u16),
    /// The token expired or was revoked: keep everything, ask the worker to sign in again.
    SignedOut,
    /// The server refused the batch as a whole (a client bug or a server restored from an older
    /// backup): keep everything, show the reason, try again later.
    Refused(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalRefusal {
    #[error("没有这张工单（可能已改派或撤销）")]
    UnknownTicket,
    #[error("没有这张巡线单")]
    UnknownCheck,
    #[error(transparent)]
    Transition(#[from] crate::ticket::TransitionError),
}

/// A server's answer the worker should see: a change was kept but not applied, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagNotice {
    pub mutation_id: Uuid,
    pub seq: u64,
    pub kind: String,
    pub subject: Option<Uuid>,
    pub code: String,
    pub reason: String,
}

/// Exponential backoff for retries: 2 s, 4 s, … capped at 5 minutes, with a per-device spread
/// so a thousand phones coming back online do not retry in the same second.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Backoff {
    pub failures: u32,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
}

impl Backoff {
    pub const BASE: Duration = Duration::seconds(2);
    pub const CAP: Duration = Duration::minutes(5);

    pub fn delay(failures: u32, spread: u64) -> Duration {
        let exp = Self::BASE * 2_i32.pow(failures.saturating_sub(1).min(16));
        let base = if exp > Self::CAP { Self::CAP } else { exp };
        // Up to +25 % spread, fixed per device so the schedule is reproducible.
        let spread_ms = (base.whole_milliseconds() as u64 / 4).max(1);
        base + Duration::milliseconds((spread % spread_ms) as i64)
    }
}

/// The device's copy of its scope and its outbox. Serialisable: the app stores it whole (or in
/// parts within one IndexedDB transaction) after every change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replica {
    pub device_id: Uuid,
    pub user_id: Uuid,
    /// The sequence number the next mutation gets.
    pub next_seq: u64,
    /// Mutations not yet answered by the server, oldest first.
    pub outbox: Vec<Mutation>,
    /// The server's copies, as last pulled. What the worker sees is these with the outbox
    /// replayed on top (see [`Replica::ticket`]), so a pull never overwrites pending work.
    pub tickets: BTreeMap<Uuid, FieldTicket>,
    pub checks: BTreeMap<Uuid, FieldCheck>,
    pub cursor: Option<String>,
    pub reference: Option<ReferenceData>,
    /// Answers the worker should see (flagged changes), newest last, until dismissed.
    pub flags: Vec<FlagNotice>,
    pub backoff: Backoff,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_sync_at: Option<OffsetDateTime>,
    /// Why the last attempt failed, for the sync status line.
    pub last_error: Option<String>,
    /// Set after a pull page said `more`: pull again without waiting.
    pub pull_pending: bool,
    /// Tickets the server removed from the scope while work on them was still queued: kept
    /// until that work is answered, then dropped.
    #[serde(default)]
    pub leaving: std::collections::BTreeSet<Uuid>,
    /// Applied by the server but not yet seen in a pulled copy: replayed on the copies until
    /// the next pull brings them (the copies are not edited, so a late or repeated answer can
    /// never take a ticket back to an older state).
    #[serde(default)]
    pub acked: Vec<Mutation>,
}

impl Replica {
    pub fn new(device_id: Uuid, user_id: Uuid) -> Replica {
        Replica {
            device_id,
            user_id,
            next_seq: 1,
            outbox: Vec::new(),
            tickets: BTreeMap::new(),
            checks: BTreeMap::new(),
            cursor: None,
            reference: None,
            flags: Vec::new(),
            backoff: Backoff::default(),
            last_sync_at: None,
            last_error: None,
            pull_pending: true,
            leaving: std::collections::BTreeSet::new(),
            acked: Vec::new(),
        }
    }

    pub fn pending(&self) -> usize {
        self.outbox.len()
    }

    /// The ticket as the worker sees it: the server's copy with pending steps replayed.
    pub fn ticket(&self, id: Uuid) -> Option<TicketView> {
        let mut ticket = self.tickets.get(&id)?.ticket.clone();
        for m in self.acked.iter().chain(&self.outbox) {
            replay(&mut ticket, m, self.user_id);
        }
        Some(ticket)
    }

    /// Tickets the worker sees: pulled ones, plus any that left the scope while work on them
    /// is still queued (it must not vanish before the server has heard of it).
    pub fn ticket_ids(&self) -> Vec<Uuid> {
        self.tickets.keys().copied().collect()
    }

    /// Records a field change: checked against the shared state machine on the local view,
    /// numbered, queued. The caller persists the replica before telling the worker it is saved.
    pub fn record(
        &mut self,
        change: Change,
        role: crate::Role,
        now: OffsetDateTime,
    ) -> Result<&Mutation, LocalRefusal> {
        let base_version = match &change {
            Change::TicketStep { ticket_id, action } => {
                let view = self.ticket(*ticket_id).ok_or(LocalRefusal::UnknownTicket)?;
                crate::ticket::transition(view.status, *action, role, true)?;
                self.tickets.get(ticket_id).map(|t| t.version)
            }
            Change::Complete { ticket_id, .. } => {
                let view = self.ticket(*ticket_id).ok_or(LocalRefusal::UnknownTicket)?;
                crate::ticket::transition(view.status, TicketAction::Complete, role, true)?;
                self.tickets.get(ticket_id).map(|t| t.version)
            }
            Change::PatrolResult { check_id, .. } => Some(
                self.checks
                    .get(check_id)
                    .ok_or(LocalRefusal::UnknownCheck)?
                    .version,
            ),
            _ => None,
        };
        // Time-ordered ids from the phone's clock (std's clock is not available in the browser).
        let stamp = uuid::Timestamp::from_unix(
            uuid::NoContext,
            u64::try_from(now.unix_timestamp()).unwrap_or_default(),
            now.nanosecond(),
        );
        let mutation = Mutation {
            id: Uuid::new_v7(stamp),
            device_id: self.device_id,
            seq: self.next_seq,
            base_version,
            device_at: now,
            change,
        };
        self.next_seq += 1;
        self.outbox.push(mutation);
        Ok(self.outbox.last().expect("just pushed"))
    }

    /// Whether to try now: something to send or pull, and the backoff has passed.
    pub fn sync_due(&self, now: OffsetDateTime) -> bool {
        (self.pull_pending || !self.outbox.is_empty())
            && self.backoff.next_attempt_at.is_none_or(|t| now >= t)
    }

    /// On reconnect and at start-up: retry at once.
    pub fn wake(&mut self) {
        self.backoff.next_attempt_at = None;
        self.pull_pending = true;
    }

    /// The next push to send, oldest first.
    pub fn next_push(&self, max: usize) -> Option<PushRequest> {
        if self.outbox.is_empty() {
            return None;
        }
        Some(PushRequest {
            device_id: self.device_id,
            mutations: self
                .outbox
                .iter()
                .take(max.clamp(1, MAX_BATCH))
                .cloned()
                .collect(),
        })
    }

    /// Takes the server's answers: answered mutations leave the outbox, flagged ones are kept
    /// as notices for the worker.
    pub fn on_pushed(&mut self, response: &PushResponse, now: OffsetDateTime) {
        for result in &response.results {
            let Some(pos) = self
                .outbox
                .iter()
                .position(|m| m.seq == result.seq && m.id == result.id)
            else {
                continue; // an answer to something already settled (a repeated response)
            };
            let m = self.outbox.remove(pos);
            if result.outcome.is_applied() {
                self.acked.push(m.clone());
            }
            if let Outcome::Flagged { code, reason } = &result.outcome {
                self.flags.push(FlagNotice {
                    mutation_id: m.id,
                    seq: m.seq,
                    kind: m.change.kind().into(),
                    subject: m.change.subject(),
                    code: code.clone(),
                    reason: reason.clone(),
                });
            }
        }
        // Everything up to the server's last sequence number is settled, even when the answer
        // that said so was lost.
        self.outbox.retain(|m| m.seq > response.last_seq);
        let still_pending: std::collections::BTreeSet<Uuid> = self
            .outbox
            .iter()
            .filter_map(|m| m.change.ticket())
            .collect();
        let gone: Vec<Uuid> = self
            .leaving
            .iter()
            .filter(|id| !still_pending.contains(id))
            .copied()
            .collect();
        for id in gone {
            self.leaving.remove(&id);
            self.tickets.remove(&id);
        }
        self.succeeded(now);
        // What we did may have changed our scope (a found leak became a ticket): pull next.
        self.pull_pending = true;
    }

    /// Applies a pull page. Removed tickets with pending work stay until that work is answered.
    pub fn on_pulled(&mut self, page: PullResponse, now: OffsetDateTime) {
        if page.reset {
            // Start over, but a ticket with queued work stays visible until that work is
            // answered (or the snapshot brings it back).
            let pending: std::collections::BTreeSet<Uuid> = self
                .outbox
                .iter()
                .filter_map(|m| m.change.ticket())
                .collect();
            self.tickets.retain(|id, _| pending.contains(id));
            self.leaving = self.tickets.keys().copied().collect();
            self.checks.clear();
        }
        for t in page.tickets {
            let id = t.ticket.id;
            self.leaving.remove(&id);
            self.acked.retain(|m| m.change.ticket() != Some(id));
            self.tickets.insert(id, t);
        }
        for c in page.checks {
            self.checks.insert(c.check.id, c);
        }
        for r in page.removed {
            match r.kind {
                EntityKind::Ticket => {
                    self.acked.retain(|m| m.change.ticket() != Some(r.id));
                    let pending = self.outbox.iter().any(|m| m.change.ticket() == Some(r.id));
                    if pending {
                        self.leaving.insert(r.id);
                    } else {
                        self.tickets.remove(&r.id);
                    }
                }
                EntityKind::Check => {
                    self.checks.remove(&r.id);
                }
            }
        }
        if let Some(reference) = page.reference {
            self.reference = Some(reference);
        }
        if !page.more {
            // The pull has caught up with everything the server had applied.
            self.acked.clear();
        }
        self.cursor = Some(page.cursor);
        self.pull_pending = page.more;
        self.succeeded(now);
    }

    pub fn on_failed(&mut self, failure: SyncFailure, now: OffsetDateTime) {
        self.backoff.failures = self.backoff.failures.saturating_add(1);
        let spread = self.device_id.as_u64_pair().0;
        self.backoff.next_attempt_at = Some(now + Backoff::delay(self.backoff.failures, spread));
        self.last_error = Some(match failure {
            SyncFailure::Network => "网络不可用，稍后自动重试".into(),
            SyncFailure::Server(code) => format!("服务器暂时不可用（{code}），稍后自动重试"),
            SyncFailure::SignedOut => "登录已过期：请重新登录，未同步的数据会保留".into(),
            SyncFailure::Refused(reason) => format!("服务器拒绝了同步：{reason}"),
        });
    }

    fn succeeded(&mut self, now: OffsetDateTime) {
        self.backoff = Backoff::default();
        self.last_sync_at = Some(now);
        self.last_error = None;
    }

    /// Tickets left in the scope once the outbox is empty, for comparing with the server.
    pub fn settled_tickets(&self) -> BTreeMap<Uuid, TicketStatus> {
        self.tickets
            .iter()
            .map(|(id, t)| (*id, t.ticket.status))
            .collect()
    }
}

/// What a field change does to the worker's view of a ticket.
fn replay(ticket: &mut TicketView, m: &Mutation, user_id: Uuid) {
    match &m.change {
        Change::TicketStep { ticket_id, action } if *ticket_id == ticket.id => {
            ticket.status = step_target(*action);
            if *action == TicketAction::Accept {
                ticket.assignee_id = Some(user_id);
            }
        }
        Change::Complete { ticket_id, .. } if *ticket_id == ticket.id => {
            ticket.status = TicketStatus::Completed;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mutation(device: Uuid, seq: u64) -> Mutation {
        Mutation {
            id: Uuid::now_v7(),
            device_id: device,
            seq,
            base_version: None,
            device_at: OffsetDateTime::UNIX_EPOCH,
            change: Change::StartPatrolLog {
                log_id: Uuid::nil(),
            },
        }
    }

    #[test]
    fn sequence_numbers_are_duplicate_next_or_gap() {
        assert_eq!(check_seq(0, 1), SeqCheck::Next);
        assert_eq!(check_seq(5, 5), SeqCheck::Duplicate);
        assert_eq!(check_seq(5, 2), SeqCheck::Duplicate);
        assert_eq!(check_seq(5, 6), SeqCheck::Next);
        assert_eq!(check_seq(5, 8), SeqCheck::Gap { expected: 6 });
    }

    #[test]
    fn batches_must_be_one_device_consecutive_and_bounded() {
        let d = Uuid::now_v7();
        let ok = PushRequest {
            device_id: d,
            mutations: vec![mutation(d, 3), mutation(d, 4)],
        };
        assert_eq!(check_batch(&ok), Ok(()));
        let empty = PushRequest {
            device_id: d,
            mutations: vec![],
        };
        assert_eq!(check_batch(&empty), Err(BatchError::Size(0)));
        let skip = PushRequest {
            device_id: d,
            mutations: vec![mutation(d, 3), mutation(d, 5)],
        };
        assert!(matches!(
            check_batch(&skip),
            Err(BatchError::NotConsecutive {
                index: 1,
                found: 5,
                expected: 4
            })
        ));
        let other = PushRequest {
            device_id: d,
            mutations: vec![mutation(Uuid::now_v7(), 1)],
        };
        assert!(matches!(
            check_batch(&other),
            Err(BatchError::OtherDevice { index: 0, .. })
        ));
        let mut twice = mutation(d, 2);
        let mut again = twice.clone();
        again.seq = 3;
        twice.seq = 2;
        let repeated = PushRequest {
            device_id: d,
            mutations: vec![twice, again],
        };
        assert_eq!(
            check_batch(&repeated),
            Err(BatchError::RepeatedId { index: 1 })
        );
        let zero = PushRequest {
            device_id: d,
            mutations: vec![mutation(d, 0)],
        };
        assert_eq!(check_batch(&zero), Err(BatchError::Zero { index: 0 }));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_a_bounded_spread() {
        assert_eq!(Backoff::delay(1, 0), Duration::seconds(2));
        assert_eq!(Backoff::delay(2, 0), Duration::seconds(4));
        assert_eq!(Backoff::delay(30, 0), Duration::minutes(5));
        let spread = Backoff::delay(3, u64::MAX);
        assert!(spread >= Duration::seconds(8) && spread <= Duration::seconds(10));
    }

    #[test]
    fn a_change_that_breaks_the_state_machine_is_refused_locally_and_not_queued() {
        let mut r = Replica::new(Uuid::now_v7(), Uuid::now_v7());
        let err = r
            .record(
                Change::TicketStep {
                    ticket_id: Uuid::now_v7(),
                    action: TicketAction::Accept,
                },
                crate::Role::Repairer,
                OffsetDateTime::UNIX_EPOCH,
            )
            .unwrap_err();
        assert_eq!(err, LocalRefusal::UnknownTicket);
        assert_eq!(r.pending(), 0);
        assert_eq!(r.next_seq, 1);
    }

    #[test]
    fn a_lost_answer_is_settled_by_the_servers_last_sequence_number() {
        let d = Uuid::now_v7();
        let mut r = Replica::new(d, Uuid::now_v7());
        for _ in 0..3 {
            r.record(
                Change::StartPatrolLog {
                    log_id: Uuid::now_v7(),
                },
                crate::Role::Patroller,
                OffsetDateTime::UNIX_EPOCH,
            )
            .unwrap();
        }
        let third = r.outbox[2].clone();
        r.on_pushed(
            &PushResponse {
                results: vec![MutationResult {
                    id: third.id,
                    seq: 3,
                    outcome: Outcome::Flagged {
                        code: "conflict".into(),
                        reason: "日志已关闭".into(),
                    },
                    duplicate: false,
                }],
                last_seq: 3,
            },
            OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(r.pending(), 0);
        assert_eq!(r.flags.len(), 1);
        assert_eq!(r.flags[0].seq, 3);
    }
}
