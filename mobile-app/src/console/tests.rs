//! Renders of the console without a browser: the shell per role, the customer card, the
//! routing box and the live board, as a user would see them.

use super::board::BoardPage;
use super::forms::RoutingBox;
use super::intake::{Chosen, CustomerCard};
use super::store::{Console, Screen};
use super::{ConsoleApp, is_console_role, screens_for};
use crate::i18n::Lang;
use crate::store::{AppState, Session};
use dioxus::prelude::*;
use gasdesk_shared::Role;
use gasdesk_shared::api::{CustomerView, UserView};
use gasdesk_shared::intake::{CustomerContext, OutageNoticeView, TicketView};
use gasdesk_shared::push::DeliveryState;
use gasdesk_shared::routing::{Resolution, RoutingBasis, TeamRef};
use gasdesk_shared::ticket::{TicketSource, TicketStatus};
use time::OffsetDateTime;
use uuid::Uuid;

const NOW: i64 = 1_800_000_000;

fn session(role: Role) -> Session {
    Session {
        token: "t".into(),
        expires_at: OffsetDateTime::from_unix_timestamp(NOW + 3600).unwrap(),
        user: UserView {
            id: Uuid::from_u128(1),
            username: "dispatcher".into(),
            display_name: "沈佳怡".into(),
            role,
            phone: None,
            active: true,
            team_ids: vec![],
        },
    }
}

fn render<P: Clone + 'static>(component: fn(P) -> Element, props: P) -> String {
    let mut dom = VirtualDom::new_with_props(component, props);
    dom.rebuild_in_place();
    dioxus_ssr::render(&dom)
}

fn console_html(role: Role, lang: Lang) -> String {
    render(
        |(role, lang)| {
            use_context_provider(|| {
                AppState::new(Some(session(role)), lang, crate::store::Screen::Home)
            });
            rsx! { ConsoleApp {} }
        },
        (role, lang),
    )
}

fn customer(arrears_fen: i64) -> CustomerView {
    CustomerView {
        id: Uuid::from_u128(7),
        card_no: "0800012".into(),
        name: "王建华".into(),
        phones: vec!["13912345678".into()],
        address: "苏州市姑苏区人民路88号3幢201室".into(),
        district: Some("姑苏区".into()),
        street: None,
        community: None,
        lon: Some(120.62),
        lat: Some(31.3),
        arrears_fen,
    }
}

pub(super) fn ticket(n: u128, status: TicketStatus, deadline: i64) -> TicketView {
    TicketView {
        id: Uuid::from_u128(n),
        number: format!("BX20261126-{n:04}"),
        status,
        customer_id: None,
        reporter: "王建华".into(),
        phone: "13912345678".into(),
        address: "苏州市姑苏区人民路88号".into(),
        lon: None,
        lat: None,
        category: "meter".into(),
        content: "表不走字".into(),
        source: TicketSource::Call,
        urgent: false,
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

#[test]
fn office_roles_get_the_console_and_field_roles_do_not() {
    for role in Role::ALL {
        assert_eq!(is_console_role(role), !role.is_field_worker(), "{role}");
    }
    assert_eq!(screens_for(Role::Dispatcher)[0], Screen::Intake);
    assert!(
        !screens_for(Role::Manager).contains(&Screen::Intake),
        "managers do not dispatch"
    );
    assert!(!screens_for(Role::Dispatcher).contains(&Screen::Admin));
    assert!(screens_for(Role::TeamLeader).contains(&Screen::Admin));
    assert!(screens_for(Role::Admin).contains(&Screen::Admin));
}

#[test]
fn a_dispatcher_lands_on_intake_with_the_search_box_in_chinese() {
    let html = console_html(Role::Dispatcher, Lang::Zh);
    for needle in [
        r#"id="nav-intake""#,
        r#"id="nav-board""#,
        r#"id="intake-search""#,
        r#"data-screen="intake""#,
        "接报",
        "实时看板",
        r#"<span data-testid="user-role">话务员</span>"#,
        r#"id="create-ticket""#,
        "保存并派单",
        r#"id="kb-search""#,
    ] {
        assert!(html.contains(needle), "missing {needle} in {html}");
    }
    assert!(!html.contains(r#"id="nav-admin""#), "{html}");
}

#[test]
fn a_manager_lands_on_the_board_and_english_is_available() {
    let html = console_html(Role::Manager, Lang::En);
    assert!(html.contains(r#"data-screen="board""#), "{html}");
    assert!(
        html.contains("Live board") && html.contains("Reconnecting"),
        "{html}"
    );
    assert!(!html.contains("nav-intake"), "{html}");
    assert!(!html.contains("实时看板"), "{html}");
}

fn card_html(chosen: Chosen) -> String {
    render(
        |chosen| rsx! { CustomerCard { lang: Lang::Zh, chosen } },
        chosen,
    )
}

#[test]
fn the_customer_card_warns_of_arrears_and_outages_and_lists_past_tickets() {
    let context = CustomerContext {
        customer: customer(12_345),
        past_tickets: vec![ticket(3, TicketStatus::Completed, NOW)],
        arrears_warning: Some("该户欠费123.45元，请提醒客户缴费".into()),
        outages: vec![OutageNoticeView {
            id: Uuid::from_u128(9),
            reason: "人民路管道改造".into(),
            starts_at: OffsetDateTime::UNIX_EPOCH,
            ends_at: OffsetDateTime::UNIX_EPOCH,
            geometry: None,
            streets: vec![],
            communities: vec![],
        }],
    };
    let html = card_html(Chosen {
        customer: customer(12_345),
        context: Some(context),
    });
    for needle in [
        r#"data-testid="arrears-warning""#,
        "该户欠费123.45元",
        "¥123.45",
        r#"data-testid="outage-notice""#,
        "人民路管道改造",
        "BX20261126-0003",
        "完工",
    ] {
        assert!(html.contains(needle), "missing {needle} in {html}");
    }
}

#[test]
fn a_customer_without_arrears_gets_no_warning() {
    let context = CustomerContext {
        customer: customer(0),
        past_tickets: vec![],
        arrears_warning: None,
        outages: vec![],
    };
    let html = card_html(Chosen {
        customer: customer(0),
        context: Some(context),
    });
    assert!(!html.contains("arrears-warning"), "{html}");
    assert!(
        html.contains("无欠费") && html.contains("无历史工单"),
        "{html}"
    );
}

#[test]
fn the_routing_box_shows_the_team_and_why_or_asks_for_a_choice() {
    let routed = Resolution {
        repair_team: Some(TeamRef {
            id: Uuid::from_u128(100),
            name: "姑苏区维修班".into(),
        }),
        repair_basis: RoutingBasis::ServiceArea {
            area_id: Uuid::from_u128(5),
            area_name: "姑苏区平江街道".into(),
            priority: 0,
        },
        patrol_team: None,
        patrol_basis: RoutingBasis::Unrouted {
            reason: "远".into(),
        },
        explanation: "地址位于服务区域“姑苏区平江街道”".into(),
    };
    let html = render(
        |r| rsx! { RoutingBox { lang: Lang::Zh, resolution: Some(r) } },
        routed.clone(),
    );
    assert!(
        html.contains("姑苏区维修班") && html.contains("姑苏区平江街道"),
        "{html}"
    );
    let unrouted = Resolution {
        repair_team: None,
        ..routed
    };
    let html = render(
        |r| rsx! { RoutingBox { lang: Lang::Zh, resolution: Some(r) } },
        unrouted,
    );
    assert!(html.contains("无法自动派单"), "{html}");
    assert!(!html.contains("suggested-team"), "{html}");
}

fn board_html(tickets: Vec<TicketView>, delivery: Vec<(u128, DeliveryState)>) -> String {
    render(
        |(tickets, delivery): (Vec<TicketView>, Vec<(u128, DeliveryState)>)| {
            let app = use_context_provider(|| {
                AppState::new(
                    Some(session(Role::Dispatcher)),
                    Lang::Zh,
                    crate::store::Screen::Home,
                )
            });
            use_context_provider(|| {
                let mut console = Console::new(app, Screen::Board);
                let mut board = console.board.write();
                board.load(tickets.clone());
                for (id, state) in &delivery {
                    board.note_delivery(Uuid::from_u128(*id), *state);
                }
                drop(board);
                console.now_ms.set(NOW as f64 * 1000.0);
                console
            });
            rsx! { BoardPage {} }
        },
        (tickets, delivery),
    )
}

#[test]
fn the_board_counts_down_marks_overdue_and_shows_push_state() {
    let html = board_html(
        vec![
            ticket(1, TicketStatus::Assigned, NOW + 3909),
            ticket(2, TicketStatus::Accepted, NOW - 61),
            ticket(3, TicketStatus::Completed, NOW),
        ],
        vec![(1, DeliveryState::Received)],
    );
    assert!(html.contains("剩余 1:05:09"), "{html}");
    assert!(html.contains("超时 0:01:01"), "{html}");
    assert!(html.contains(r#"class="ticket-card overdue""#), "{html}");
    assert_eq!(html.matches(r#"data-overdue="true""#).count(), 1, "{html}");
    assert!(html.contains("已送达"), "{html}");
    assert!(
        html.contains("未推送"),
        "the accepted one has no push known: {html}"
    );
    assert!(
        !html.contains("BX20261126-0003"),
        "completed work is off the board: {html}"
    );
    assert_eq!(html.matches(r#"data-testid="board-ticket""#).count(), 2);
    assert!(html.contains("暂无告警"), "{html}");
}
