//! Fixtures for the native tests: a repairer's session, jobs, catalogs and rules as a pull
//! would bring them.

use super::Session;
use gasdesk_shared::Role;
use gasdesk_shared::api::{MaterialView, RepairItemView, UserView};
use gasdesk_shared::intake::TicketView;
use gasdesk_shared::routing::{PatrolCheckView, RoutingBasis, RoutingDecisionView};
use gasdesk_shared::scoring::{ItemRule, ScoreRules};
use gasdesk_shared::sync::{FieldCustomer, FieldTicket, PastRepair, ReferenceData, Replica};
use gasdesk_shared::ticket::{TicketSource, TicketStatus};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190a4e0_0000_7000_8000_000000000000 + n)
}

pub const REPAIRER: u128 = 1;
pub const DEVICE: u128 = 2;

pub fn user(role: Role) -> UserView {
    UserView {
        id: id(REPAIRER),
        username: "repairer".into(),
        display_name: "陆志强".into(),
        role,
        phone: None,
        active: true,
        team_ids: vec![],
    }
}

pub fn session(role: Role) -> Session {
    Session {
        token: "token".into(),
        expires_at: datetime!(2020-01-01 00:00 UTC),
        user: user(role),
    }
}

pub fn ticket(n: u128, status: TicketStatus, urgent: bool, deadline: OffsetDateTime) -> TicketView {
    TicketView {
        id: id(100 + n),
        number: format!("BX20261126-{n:04}"),
        status,
        customer_id: Some(id(500)),
        reporter: "张伟".into(),
        phone: "13812345678".into(),
        address: format!("苏州市姑苏区人民路{n}号"),
        lon: Some(120.62),
        lat: Some(31.29),
        category: "灶具".into(),
        content: "灶具打不着火".into(),
        source: TicketSource::Call,
        urgent,
        deadline_at: deadline,
        appointment_from: None,
        appointment_to: None,
        team_id: None,
        team_name: None,
        assignee_id: None,
        decision: None,
        created_at: datetime!(2026-11-26 00:00 UTC),
        updated_at: datetime!(2026-11-26 00:00 UTC),
        corrected_at: None,
        warnings: vec!["该户欠费 150.00 元".into()],
    }
}

pub fn field_ticket(ticket: TicketView) -> FieldTicket {
    FieldTicket {
        ticket,
        version: 3,
        customer: Some(FieldCustomer {
            id: id(500),
            name: "张伟".into(),
            card_no: "0800001".into(),
            phones: vec!["13812345678".into()],
            address: "苏州市姑苏区人民路1023号".into(),
            arrears_fen: 15000,
            past_repairs: vec![PastRepair {
                ticket_id: id(900),
                number: "BX20260301-0007".into(),
                reported_at: datetime!(2026-03-01 02:00 UTC),
                category: "燃气表".into(),
                status: TicketStatus::Closed,
            }],
        }),
    }
}

pub fn reference() -> ReferenceData {
    let item = |n: u128, code: &str, name: &str, points: f64, fee: i64| RepairItemView {
        id: id(200 + n),
        code: code.into(),
        name: name.into(),
        category: "灶具".into(),
        workload_points: points,
        onsite_fee_fen: fee,
        active: true,
    };
    let material = |n: u128, code: &str, name: &str, unit: &str, price: i64| MaterialView {
        id: id(300 + n),
        code: code.into(),
        name: name.into(),
        spec: Some("Φ9.5".into()),
        unit: unit.into(),
        price_fen: price,
        active: true,
    };
    ReferenceData {
        version: "ref-1".into(),
        repair_items: vec![
            item(1, "WX001", "灶具不点火", 1.0, 2000),
            item(2, "WX006", "燃气表故障", 2.0, 0),
            item(3, "WX013", "更换调压阀", 4.0, 5000),
        ],
        materials: vec![
            material(1, "CL001", "燃气胶管", "根", 1500),
            material(2, "CL003", "球阀", "只", 3500),
            material(3, "CL004", "管卡", "个", 120),
        ],
        rules: ScoreRules {
            version: 7,
            items: vec![
                ItemRule {
                    item_code: "WX001".into(),
                    points: 1.0,
                    onsite_fee_fen: 2000,
                },
                ItemRule {
                    item_code: "WX006".into(),
                    points: 2.0,
                    onsite_fee_fen: 0,
                },
                ItemRule {
                    item_code: "WX013".into(),
                    points: 4.0,
                    onsite_fee_fen: 5000,
                },
            ],
        },
        knowledge: vec![],
    }
}

/// A repairer's replica after a pull: the given jobs and the catalogs.
pub fn replica(tickets: Vec<TicketView>) -> Replica {
    let mut r = Replica::new(id(DEVICE), id(REPAIRER));
    for t in tickets {
        r.tickets.insert(t.id, field_ticket(t));
    }
    r.reference = Some(reference());
    r.pull_pending = false;
    r
}

/// An open leak check near 干将路, assigned to `patroller` (or to nobody yet).
pub fn check(n: u128, patroller: Option<Uuid>) -> PatrolCheckView {
    PatrolCheckView {
        id: id(200 + n),
        lon: 120.6215,
        lat: 31.3010,
        caller: Some("路人".into()),
        phone: Some("13900001111".into()),
        description: format!("干将路{n}号门口有燃气味"),
        status: "assigned".into(),
        team_id: Some(id(50)),
        assigned_to: patroller,
        decision: RoutingDecisionView {
            id: id(300 + n),
            team_id: Some(id(50)),
            user_id: patroller,
            basis: RoutingBasis::NearestPipeline {
                segment_id: id(60),
                distance_m: 12.0,
                patrol_area_id: id(61),
                patrol_area_name: "姑苏区巡线区域".into(),
            },
            explanation: "最近的管线 12 米".into(),
            decided_at: datetime!(2026-11-26 02:00 UTC),
        },
        reported_at: datetime!(2026-11-26 02:00 UTC),
    }
}
