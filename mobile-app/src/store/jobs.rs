//! What the field screens show, computed from the replica: the job list in working order, the
//! steps a job can take next, the completion draft with its fee and score preview, and catalog
//! search. Pure functions, tested natively.

use crate::platform::BlobMeta;
use gasdesk_shared::Role;
use gasdesk_shared::api::{MaterialView, RepairItemView};
use gasdesk_shared::intake::{CompletionRequest, RecordItemInput, RecordMaterialInput, TicketView};
use gasdesk_shared::scoring::{self, Computation, ItemLine, MaterialLine};
use gasdesk_shared::sync::{AttachmentRef, Change, ReferenceData, Replica};
use gasdesk_shared::ticket::{TicketAction, TicketStatus, transition};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// One line of the job list.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub ticket: TicketView,
    /// Assigned and not yet accepted: highlighted.
    pub is_new: bool,
    /// Work on it waits in the outbox.
    pub pending: bool,
    pub overdue: bool,
    /// Still open and corrected by the dispatcher since intake (new address, appointment…):
    /// marked, with when, for a worker who missed the notification.
    pub corrected_at: Option<OffsetDateTime>,
}

/// The worker's jobs: open ones first; then urgent first, the nearest deadline, the earliest
/// appointment (none last), and the number to keep the order stable.
pub fn job_rows(replica: &Replica, now: OffsetDateTime) -> Vec<JobRow> {
    let mut rows: Vec<JobRow> = replica
        .ticket_ids()
        .into_iter()
        .filter_map(|id| replica.ticket(id))
        .map(|ticket| {
            let pending = replica
                .outbox
                .iter()
                .any(|m| m.change.ticket() == Some(ticket.id));
            JobRow {
                is_new: ticket.status == TicketStatus::Assigned,
                overdue: ticket.status.is_open() && ticket.deadline_at < now,
                corrected_at: ticket.corrected_at.filter(|_| ticket.status.is_open()),
                pending,
                ticket,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        let (a, b) = (&a.ticket, &b.ticket);
        b.status
            .is_open()
            .cmp(&a.status.is_open())
            .then(b.urgent.cmp(&a.urgent))
            .then(a.deadline_at.cmp(&b.deadline_at))
            .then(match (a.appointment_from, b.appointment_from) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then(a.number.cmp(&b.number))
    });
    rows
}

/// The step buttons a job shows in `status` (completion opens the form).
pub fn next_actions(status: TicketStatus, role: Role) -> Vec<TicketAction> {
    [
        TicketAction::Accept,
        TicketAction::Depart,
        TicketAction::Arrive,
        TicketAction::Complete,
    ]
    .into_iter()
    .filter(|a| transition(status, *a, role, true).is_ok())
    .collect()
}

/// The steps taken on this phone for a ticket, with the phone's time, and whether each is
/// still waiting to be sent.
pub fn step_log(replica: &Replica, ticket_id: Uuid) -> Vec<(TicketAction, OffsetDateTime, bool)> {
    let sent = replica.acked.iter().map(|m| (m, false));
    let queued = replica.outbox.iter().map(|m| (m, true));
    sent.chain(queued)
        .filter_map(|(m, pending)| match &m.change {
            Change::TicketStep {
                ticket_id: t,
                action,
            } if *t == ticket_id => Some((*action, m.device_at, pending)),
            Change::Complete { ticket_id: t, .. } if *t == ticket_id => {
                Some((TicketAction::Complete, m.device_at, pending))
            }
            _ => None,
        })
        .collect()
}

/// A completion being filled in on site.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub items: Vec<ItemLine>,
    /// Material code and quantity.
    pub materials: Vec<(String, f64)>,
    pub remarks: String,
    pub photos: Vec<BlobMeta>,
    pub signature: Option<BlobMeta>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftError {
    NoItems,
    BadQuantity,
}

impl Draft {
    pub fn add_item(&mut self, code: &str) {
        match self.items.iter_mut().find(|l| l.code == code) {
            Some(line) => line.quantity = line.quantity.saturating_add(1),
            None => self.items.push(ItemLine {
                code: code.into(),
                quantity: 1,
            }),
        }
    }

    /// Changes a repair item's quantity by `delta`; at zero the line goes.
    pub fn bump_item(&mut self, code: &str, delta: i64) {
        if let Some(line) = self.items.iter_mut().find(|l| l.code == code) {
            line.quantity = (i64::from(line.quantity) + delta).clamp(0, 1000) as u32;
        }
        self.items.retain(|l| l.quantity > 0);
    }

    pub fn add_material(&mut self, code: &str) {
        match self.materials.iter_mut().find(|(c, _)| c == code) {
            Some((_, q)) => *q += 1.0,
            None => self.materials.push((code.into(), 1.0)),
        }
    }

    pub fn set_material(&mut self, code: &str, quantity: f64) {
        if let Some((_, q)) = self.materials.iter_mut().find(|(c, _)| c == code) {
            *q = quantity;
        }
    }

    pub fn remove_material(&mut self, code: &str) {
        self.materials.retain(|(c, _)| c != code);
    }

    /// The shas of the photos and signature: uploaded once the completion is queued.
    pub fn attachment_shas(&self) -> Vec<String> {
        self.photos
            .iter()
            .chain(&self.signature)
            .map(|b| b.sha256.clone())
            .collect()
    }

    /// The repair record and its attachments, as the completion mutation carries them.
    pub fn completion(
        &self,
        completed_at: OffsetDateTime,
    ) -> Result<(CompletionRequest, Vec<AttachmentRef>), DraftError> {
        if self.items.is_empty() {
            return Err(DraftError::NoItems);
        }
        if self
            .materials
            .iter()
            .any(|(_, q)| !q.is_finite() || *q <= 0.0 || *q > 10_000.0)
        {
            return Err(DraftError::BadQuantity);
        }
        let remarks = self.remarks.trim();
        let record = CompletionRequest {
            repairers: vec![],
            items: self
                .items
                .iter()
                .map(|l| RecordItemInput {
                    code: l.code.clone(),
                    quantity: l.quantity,
                })
                .collect(),
            materials: self
                .materials
                .iter()
                .map(|(code, quantity)| RecordMaterialInput {
                    code: code.clone(),
                    quantity: *quantity,
                })
                .collect(),
            extra_fees: vec![],
            remarks: (!remarks.is_empty()).then(|| remarks.to_string()),
            completed_at: Some(completed_at),
        };
        let attachments = self
            .photos
            .iter()
            .chain(&self.signature)
            .map(|b| AttachmentRef {
                sha256: b.sha256.clone(),
                kind: b.kind,
            })
            .collect();
        Ok((record, attachments))
    }

    /// Fees and workload score with the shared rules, as the server will compute them. The
    /// worker alone is counted: the preview shows their share.
    pub fn preview(&self, reference: &ReferenceData, worker: Uuid) -> Option<Computation> {
        let materials: Option<Vec<MaterialLine>> = self
            .materials
            .iter()
            .map(|(code, quantity)| {
                let m = reference.materials.iter().find(|m| &m.code == code)?;
                Some(MaterialLine {
                    code: code.clone(),
                    quantity: *quantity,
                    unit_price_fen: m.price_fen,
                })
            })
            .collect();
        scoring::compute(&reference.rules, &[worker], &self.items, &materials?, &[]).ok()
    }
}

fn matches(query: &str, code: &str, texts: &[&str]) -> bool {
    let q = fold(query.trim());
    q.is_empty() || fold(code).contains(&q) || texts.iter().any(|t| fold(t).contains(&q))
}

/// Text as catalog search compares it: ASCII letters in lower case, and the full-width letters,
/// digits and signs a Chinese input method types in its full-width mode read as ASCII
/// (ＣＬ００１ finds CL001). Chinese has no case and codes and specifications are ASCII, so no other
/// folding is needed; `str::to_lowercase` would also bring std's Unicode case tables (some
/// 20 KB) into the phones' download.
fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Active repair items matching a name or code fragment, at most `limit`.
pub fn search_items<'a>(
    reference: &'a ReferenceData,
    query: &str,
    limit: usize,
) -> Vec<&'a RepairItemView> {
    reference
        .repair_items
        .iter()
        .filter(|i| i.active && matches(query, &i.code, &[&i.name, &i.category]))
        .take(limit)
        .collect()
}

/// Active materials matching a name, spec or code fragment, at most `limit`.
pub fn search_materials<'a>(
    reference: &'a ReferenceData,
    query: &str,
    limit: usize,
) -> Vec<&'a MaterialView> {
    reference
        .materials
        .iter()
        .filter(|m| {
            m.active
                && matches(
                    query,
                    &m.code,
                    &[&m.name, m.spec.as_deref().unwrap_or_default()],
                )
        })
        .take(limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testdata::{self, ticket};
    use time::macros::datetime;

    #[test]
    fn jobs_come_urgent_first_then_by_deadline_then_appointment_and_finished_last() {
        let now = datetime!(2026-11-26 06:00 UTC);
        let late = ticket(
            1,
            TicketStatus::Accepted,
            false,
            datetime!(2026-11-26 05:00 UTC),
        );
        let soon = ticket(
            2,
            TicketStatus::Assigned,
            false,
            datetime!(2026-11-26 08:00 UTC),
        );
        let urgent = ticket(
            3,
            TicketStatus::Assigned,
            true,
            datetime!(2026-11-27 00:00 UTC),
        );
        let mut booked = ticket(
            4,
            TicketStatus::Accepted,
            false,
            datetime!(2026-11-26 08:00 UTC),
        );
        booked.appointment_from = Some(datetime!(2026-11-26 07:00 UTC));
        let done = ticket(
            5,
            TicketStatus::Completed,
            true,
            datetime!(2026-11-26 01:00 UTC),
        );
        let replica = testdata::replica(vec![
            done.clone(),
            soon.clone(),
            booked.clone(),
            late.clone(),
            urgent.clone(),
        ]);
        let rows = job_rows(&replica, now);
        let order: Vec<Uuid> = rows.iter().map(|r| r.ticket.id).collect();
        assert_eq!(order, vec![urgent.id, late.id, booked.id, soon.id, done.id]);
        assert!(rows[0].is_new && !rows[1].is_new, "assigned jobs are new");
        assert!(rows[1].overdue && !rows[2].overdue);
        assert!(!rows[4].overdue, "a finished job is never overdue");
    }

    #[test]
    fn a_job_corrected_by_the_dispatcher_is_marked_while_open() {
        let at = datetime!(2026-11-26 05:00 UTC);
        let mut open = ticket(1, TicketStatus::Accepted, false, at);
        open.corrected_at = Some(at);
        let mut done = ticket(2, TicketStatus::Completed, false, at);
        done.corrected_at = Some(at);
        let plain = ticket(3, TicketStatus::Accepted, false, at);
        let replica = testdata::replica(vec![open.clone(), done.clone(), plain.clone()]);
        let marked: Vec<(Uuid, Option<OffsetDateTime>)> = job_rows(&replica, at)
            .into_iter()
            .map(|r| (r.ticket.id, r.corrected_at))
            .collect();
        assert!(marked.contains(&(open.id, Some(at))), "{marked:?}");
        assert!(marked.contains(&(done.id, None)), "{marked:?}");
        assert!(marked.contains(&(plain.id, None)), "{marked:?}");
    }

    #[test]
    fn a_queued_step_shows_at_once_and_marks_the_job_pending() {
        let job = ticket(
            1,
            TicketStatus::Assigned,
            false,
            datetime!(2026-11-26 08:00 UTC),
        );
        let mut replica = testdata::replica(vec![job.clone()]);
        replica
            .record(
                Change::TicketStep {
                    ticket_id: job.id,
                    action: TicketAction::Accept,
                },
                Role::Repairer,
                datetime!(2026-11-26 06:30 UTC),
            )
            .unwrap();
        let rows = job_rows(&replica, datetime!(2026-11-26 06:31 UTC));
        assert_eq!(rows[0].ticket.status, TicketStatus::Accepted);
        assert!(rows[0].pending && !rows[0].is_new);
        let log = step_log(&replica, job.id);
        assert_eq!(
            log,
            vec![(TicketAction::Accept, datetime!(2026-11-26 06:30 UTC), true)]
        );
    }

    #[test]
    fn the_buttons_follow_the_shared_state_machine() {
        use TicketAction::*;
        assert_eq!(
            next_actions(TicketStatus::Assigned, Role::Repairer),
            vec![Accept]
        );
        assert_eq!(
            next_actions(TicketStatus::Accepted, Role::Repairer),
            vec![Depart, Arrive, Complete]
        );
        assert_eq!(
            next_actions(TicketStatus::OnTheWay, Role::Repairer),
            vec![Arrive, Complete]
        );
        assert_eq!(
            next_actions(TicketStatus::OnSite, Role::Repairer),
            vec![Complete]
        );
        assert!(next_actions(TicketStatus::Completed, Role::Repairer).is_empty());
        assert!(next_actions(TicketStatus::Assigned, Role::Patroller).is_empty());
    }

    #[test]
    fn the_preview_uses_the_shared_rules_and_catalog_prices() {
        let reference = testdata::reference();
        let mut draft = Draft::default();
        draft.add_item("WX001");
        draft.add_item("WX013");
        draft.add_item("WX001");
        draft.add_material("CL001");
        draft.add_material("CL004");
        draft.set_material("CL004", 2.5);
        let c = draft.preview(&reference, testdata::id(1)).unwrap();
        // 2 × 1 point + 1 × 4 points; the highest on-site fee once; 15.00 + 2.5 × 1.20.
        assert_eq!(c.total_centipoints, 600);
        assert_eq!(c.onsite_fee_fen, 5000);
        assert_eq!(c.material_fee_fen, 1500 + 300);
        assert_eq!(c.total_fee_fen, 6800);
        assert_eq!(c.rule_version, 7);
        // A material the catalog does not know gives no preview rather than a wrong one.
        draft.add_material("NOPE");
        assert!(draft.preview(&reference, testdata::id(1)).is_none());
    }

    #[test]
    fn quantities_go_up_and_down_and_lines_go_at_zero() {
        let mut draft = Draft::default();
        draft.add_item("WX001");
        draft.bump_item("WX001", 2);
        assert_eq!(draft.items[0].quantity, 3);
        draft.bump_item("WX001", -3);
        assert!(draft.items.is_empty());
        draft.add_material("CL001");
        draft.add_material("CL001");
        assert_eq!(draft.materials, vec![("CL001".to_string(), 2.0)]);
        draft.remove_material("CL001");
        assert!(draft.materials.is_empty());
    }

    #[test]
    fn a_draft_needs_an_item_and_sane_quantities() {
        let at = datetime!(2026-11-26 06:00 UTC);
        let mut draft = Draft::default();
        draft.add_material("CL001");
        assert_eq!(draft.completion(at), Err(DraftError::NoItems));
        draft.add_item("WX001");
        for bad in [0.0, -1.0, f64::NAN, 20_000.0] {
            draft.set_material("CL001", bad);
            assert_eq!(draft.completion(at), Err(DraftError::BadQuantity), "{bad}");
        }
        draft.set_material("CL001", 1.5);
        draft.remarks = "  更换胶管 ".into();
        let (record, attachments) = draft.completion(at).unwrap();
        assert_eq!(record.materials[0].quantity, 1.5);
        assert_eq!(record.remarks.as_deref(), Some("更换胶管"));
        assert_eq!(record.completed_at, Some(at));
        assert!(attachments.is_empty());
    }

    #[test]
    fn catalogs_are_searched_by_name_or_code() {
        let reference = testdata::reference();
        let codes = |v: Vec<&RepairItemView>| v.iter().map(|i| i.code.clone()).collect::<Vec<_>>();
        assert_eq!(codes(search_items(&reference, "点火", 10)), vec!["WX001"]);
        assert_eq!(
            codes(search_items(&reference, "wx00", 10)),
            vec!["WX001", "WX006"]
        );
        assert_eq!(search_items(&reference, "", 2).len(), 2);
        assert!(search_items(&reference, "不存在", 10).is_empty());
        let found = search_materials(&reference, "球阀", 10);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "CL003");
        assert_eq!(search_materials(&reference, "cl004", 10)[0].name, "管卡");
        let mut inactive = reference.clone();
        inactive.materials[2].active = false;
        assert!(search_materials(&inactive, "CL004", 10).is_empty());
    }

    #[test]
    fn full_width_input_finds_the_ascii_code() {
        // What a Chinese input method types in its full-width mode, with its wide space.
        let reference = testdata::reference();
        assert_eq!(
            search_materials(&reference, "ＣＬ００４", 10)[0].name,
            "管卡"
        );
        assert_eq!(
            search_items(&reference, "\u{3000}ｗｘ００１", 10)[0].code,
            "WX001"
        );
        assert!(search_items(&reference, "ｗｘ９", 10).is_empty());
    }
}
