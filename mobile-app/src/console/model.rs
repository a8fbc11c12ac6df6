//! The console's pure logic, kept apart from rendering so it is tested natively: which search
//! answer is still wanted, keyboard movement in a hit list, SLA countdowns, and the live board
//! that live events are folded into.

use gasdesk_shared::intake::TicketView;
use gasdesk_shared::push::{DeliveryState, LiveEvent};
use gasdesk_shared::routing::AlertView;
use gasdesk_shared::ticket::TicketStatus;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Numbers searches so that an answer arriving after a newer keystroke is dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SearchSeq {
    latest: u64,
}

impl SearchSeq {
    /// A new search starts; earlier ones become stale.
    pub fn start(&mut self) -> u64 {
        self.latest += 1;
        self.latest
    }

    pub fn is_current(&self, seq: u64) -> bool {
        seq == self.latest
    }
}

/// Where the keyboard highlight goes in a list of `len` hits (wrapping at both ends).
pub fn move_highlight(current: Option<usize>, len: usize, down: bool) -> Option<usize> {
    if len == 0 {
        return None;
    }
    Some(match (current, down) {
        (None, true) => 0,
        (None, false) => len - 1,
        (Some(i), true) => (i + 1) % len,
        (Some(i), false) => (i + len - 1) % len,
    })
}

/// Time left to a deadline, negative when overdue.
pub fn seconds_left(deadline_unix: i64, now_unix: i64) -> i64 {
    deadline_unix - now_unix
}

/// `1:05:09` for 3909 seconds; days are shown as hours (SLA are hours, not days).
pub fn clock(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// How far a push message got; the furthest wins when a ticket has several.
pub fn delivery_rank(state: DeliveryState) -> u8 {
    match state {
        DeliveryState::Accepted => 6,
        DeliveryState::Received => 5,
        DeliveryState::Sent => 4,
        DeliveryState::Queued => 3,
        DeliveryState::Failed => 2,
        DeliveryState::Gone => 1,
        DeliveryState::Superseded => 0,
    }
}

/// The board columns, in the order work moves through them.
pub const BOARD_COLUMNS: [TicketStatus; 5] = [
    TicketStatus::New,
    TicketStatus::Assigned,
    TicketStatus::Accepted,
    TicketStatus::OnTheWay,
    TicketStatus::OnSite,
];

/// What the board needs done after an event it could not complete on its own.
#[derive(Debug, Clone, PartialEq)]
pub enum Followup {
    Nothing,
    /// A ticket the board does not hold yet (or whose fields changed): fetch it.
    FetchTicket(Uuid),
    /// The stream could not resume: reload everything.
    Reload,
}

/// Open tickets, their delivery state and the open alerts, as the board shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Board {
    pub tickets: BTreeMap<Uuid, TicketView>,
    pub delivery: HashMap<Uuid, DeliveryState>,
    pub alerts: Vec<AlertView>,
    /// The last live event folded in: where a reconnect resumes.
    pub last_seq: Option<i64>,
    /// Ticket id → when (ms) its last live change arrived, to flash the row.
    pub touched: HashMap<Uuid, f64>,
}

impl Board {
    /// Replaces the tickets with a fresh load, keeping delivery states already known.
    pub fn load(&mut self, tickets: Vec<TicketView>) {
        self.tickets = tickets
            .into_iter()
            .filter(|t| t.status.is_open())
            .map(|t| (t.id, t))
            .collect();
    }

    /// Puts in a fetched ticket (or drops it when it is no longer open).
    pub fn upsert(&mut self, ticket: TicketView) {
        if ticket.status.is_open() {
            self.tickets.insert(ticket.id, ticket);
        } else {
            self.tickets.remove(&ticket.id);
        }
    }

    pub fn note_delivery(&mut self, ticket: Uuid, state: DeliveryState) {
        let better = self
            .delivery
            .get(&ticket)
            .is_none_or(|old| delivery_rank(state) >= delivery_rank(*old));
        if better {
            self.delivery.insert(ticket, state);
        }
    }

    /// Folds one live event in; `now_ms` marks the row as just changed.
    pub fn apply(&mut self, event: &LiveEvent, now_ms: f64) -> Followup {
        if self.last_seq.is_some_and(|last| event.seq <= last) && event.kind != "reset" {
            return Followup::Nothing; // already seen (a resumed stream may repeat)
        }
        self.last_seq = Some(event.seq);
        let data = &event.data;
        match (event.kind.as_str(), event.ticket_id) {
            ("reset", _) => Followup::Reload,
            (kind, Some(id)) if kind.starts_with("ticket.") => {
                self.touched.insert(id, now_ms);
                let to = data
                    .get("to")
                    .and_then(|v| v.as_str())
                    .and_then(TicketStatus::parse);
                let Some(ticket) = self.tickets.get_mut(&id) else {
                    return match to {
                        Some(status) if !status.is_open() => Followup::Nothing,
                        _ => Followup::FetchTicket(id),
                    };
                };
                if let Some(status) = to {
                    ticket.status = status;
                }
                let uuid = |key: &str| data.get(key).and_then(|v| v.as_str()?.parse().ok());
                if kind == "ticket.edit" {
                    // Address, phone or appointment corrected: the card shows the new ones.
                    return Followup::FetchTicket(id);
                }
                if kind == "ticket.assign" || kind == "ticket.reassign" {
                    ticket.team_id = uuid("team_id");
                    ticket.assignee_id = uuid("assignee_id");
                    // A new team: its name and the new routing decision come with the ticket.
                    return Followup::FetchTicket(id);
                }
                if to.is_some_and(|s| !s.is_open()) {
                    self.tickets.remove(&id);
                }
                Followup::Nothing
            }
            ("push.delivery", Some(id)) => {
                if let Some(state) = data
                    .get("state")
                    .and_then(|v| v.as_str())
                    .and_then(DeliveryState::parse)
                {
                    self.note_delivery(id, state);
                    self.touched.insert(id, now_ms);
                }
                Followup::Nothing
            }
            ("alert", _) => {
                let id = data.get("alert_id").and_then(|v| v.as_str()?.parse().ok());
                let text = |key: &str| data.get(key).and_then(|v| v.as_str()).map(String::from);
                if let Some(id) = id
                    && !self.alerts.iter().any(|a| a.id == id)
                {
                    self.alerts.insert(
                        0,
                        AlertView {
                            id,
                            kind: text("alert_kind").unwrap_or_default(),
                            message: text("message").unwrap_or_default(),
                            subject_kind: text("subject_kind"),
                            subject_id: data
                                .get("subject_id")
                                .and_then(|v| v.as_str()?.parse().ok()),
                            raised_at: event.at,
                            audience: text("audience").unwrap_or_else(|| "dispatcher".into()),
                            team_id: event.team_id,
                        },
                    );
                }
                Followup::Nothing
            }
            _ => Followup::Nothing,
        }
    }

    /// Open tickets in one column, optionally of one team, most urgent deadline first.
    pub fn column(&self, status: TicketStatus, team: Option<Uuid>) -> Vec<&TicketView> {
        let mut list: Vec<&TicketView> = self
            .tickets
            .values()
            .filter(|t| t.status == status && (team.is_none() || t.team_id == team))
            .collect();
        list.sort_by_key(|t| t.deadline_at);
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gasdesk_shared::ticket::TicketSource;
    use serde_json::json;
    use time::OffsetDateTime;

    fn ticket(id: u128, status: TicketStatus, deadline: i64) -> TicketView {
        TicketView {
            id: Uuid::from_u128(id),
            number: format!("BX-{id}"),
            status,
            customer_id: None,
            reporter: "张三".into(),
            phone: "13800000000".into(),
            address: "苏州市姑苏区人民路1号".into(),
            lon: None,
            lat: None,
            category: "leak".into(),
            content: "漏气".into(),
            source: TicketSource::Call,
            urgent: true,
            deadline_at: OffsetDateTime::from_unix_timestamp(deadline).unwrap(),
            appointment_from: None,
            appointment_to: None,
            team_id: Some(Uuid::from_u128(100)),
            team_name: Some("姑苏区维修班".into()),
            assignee_id: None,
            decision: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
            corrected_at: None,
            warnings: vec![],
        }
    }

    fn event(seq: i64, kind: &str, ticket: Option<u128>, data: serde_json::Value) -> LiveEvent {
        LiveEvent {
            seq,
            kind: kind.into(),
            at: OffsetDateTime::UNIX_EPOCH,
            ticket_id: ticket.map(Uuid::from_u128),
            team_id: None,
            data,
        }
    }

    #[test]
    fn only_the_latest_search_may_show_its_answer() {
        let mut seq = SearchSeq::default();
        let first = seq.start();
        let second = seq.start();
        assert!(!seq.is_current(first));
        assert!(seq.is_current(second));
    }

    #[test]
    fn highlight_wraps_both_ways_and_is_none_without_hits() {
        assert_eq!(move_highlight(None, 3, true), Some(0));
        assert_eq!(move_highlight(None, 3, false), Some(2));
        assert_eq!(move_highlight(Some(2), 3, true), Some(0));
        assert_eq!(move_highlight(Some(0), 3, false), Some(2));
        assert_eq!(move_highlight(Some(1), 0, true), None);
    }

    #[test]
    fn clock_counts_hours_minutes_seconds_either_side_of_the_deadline() {
        assert_eq!(clock(3909), "1:05:09");
        assert_eq!(clock(-61), "0:01:01");
        assert_eq!(clock(26 * 3600), "26:00:00");
        assert!(seconds_left(100, 160) < 0);
    }

    #[test]
    fn an_accept_moves_the_ticket_to_its_column_and_a_cancel_removes_it() {
        let mut board = Board::default();
        board.load(vec![
            ticket(1, TicketStatus::Assigned, 50),
            ticket(2, TicketStatus::Assigned, 10),
            ticket(3, TicketStatus::Completed, 10),
        ]);
        assert_eq!(board.tickets.len(), 2, "closed work is not on the board");
        let ids =
            |list: Vec<&TicketView>| list.iter().map(|t| t.number.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(board.column(TicketStatus::Assigned, None)),
            ["BX-2", "BX-1"]
        );
        let accept = event(7, "ticket.accept", Some(1), json!({"to": "accepted"}));
        assert_eq!(board.apply(&accept, 1.0), Followup::Nothing);
        assert_eq!(ids(board.column(TicketStatus::Accepted, None)), ["BX-1"]);
        assert_eq!(board.last_seq, Some(7));
        let cancel = event(8, "ticket.cancel", Some(2), json!({"to": "cancelled"}));
        board.apply(&cancel, 2.0);
        assert!(board.column(TicketStatus::Assigned, None).is_empty());
    }

    #[test]
    fn unknown_reassigned_and_corrected_tickets_are_fetched_and_repeats_ignored() {
        let mut board = Board::default();
        board.load(vec![ticket(1, TicketStatus::Assigned, 50)]);
        let created = event(3, "ticket.assign", Some(9), json!({"to": "assigned"}));
        assert_eq!(
            board.apply(&created, 0.0),
            Followup::FetchTicket(Uuid::from_u128(9))
        );
        let moved = event(4, "ticket.reassign", Some(1), json!({"to": "assigned"}));
        assert_eq!(
            board.apply(&moved, 0.0),
            Followup::FetchTicket(Uuid::from_u128(1))
        );
        let again = event(4, "ticket.accept", Some(1), json!({"to": "accepted"}));
        assert_eq!(board.apply(&again, 0.0), Followup::Nothing);
        let corrected = event(5, "ticket.edit", Some(1), json!({"to": "assigned"}));
        assert_eq!(
            board.apply(&corrected, 0.0),
            Followup::FetchTicket(Uuid::from_u128(1))
        );
        let reset = event(2, "reset", None, json!({}));
        assert_eq!(board.apply(&reset, 0.0), Followup::Reload);
    }

    #[test]
    fn delivery_keeps_the_furthest_state_and_team_filter_applies() {
        let mut board = Board::default();
        let mut other = ticket(2, TicketStatus::Assigned, 10);
        other.team_id = Some(Uuid::from_u128(200));
        board.load(vec![ticket(1, TicketStatus::Assigned, 50), other]);
        for (seq, state) in [(1, "sent"), (2, "received"), (3, "sent")] {
            board.apply(
                &event(seq, "push.delivery", Some(1), json!({"state": state})),
                0.0,
            );
        }
        assert_eq!(board.delivery[&Uuid::from_u128(1)], DeliveryState::Received);
        let team = Some(Uuid::from_u128(200));
        assert_eq!(board.column(TicketStatus::Assigned, team).len(), 1);
    }

    #[test]
    fn alerts_arrive_once_newest_first() {
        let mut board = Board::default();
        let id = Uuid::from_u128(5);
        let alert = |seq| {
            event(
                seq,
                "alert",
                None,
                json!({"alert_id": id, "alert_kind": "escalation",
                "message": "BX-1 超时未接单", "audience": "dispatcher"}),
            )
        };
        board.apply(&alert(1), 0.0);
        board.apply(&alert(2), 0.0);
        assert_eq!(board.alerts.len(), 1);
        assert_eq!(board.alerts[0].message, "BX-1 超时未接单");
    }
}
