//! The live board: open tickets in status columns, filtered by team, each with its SLA
//! countdown (overdue in red), its push delivery state and the correct, reassign and cancel
//! actions; escalation alerts alongside. Kept current by the live stream (see `live`).

use super::i18n::{Txt, category_label, delivery_label, status_label, tr};
use super::model::{BOARD_COLUMNS, clock, seconds_left};
use super::store::{Console, LiveStatus};
use super::ticket_edit::EditDialog;
use crate::i18n::Lang;
use dioxus::prelude::*;
use gasdesk_shared::TeamKind;
use gasdesk_shared::intake::{TicketView, TransitionRequest};
use gasdesk_shared::push::DeliveryState;
use gasdesk_shared::ticket::TicketAction;
use uuid::Uuid;

/// A reassign or cancel being filled in.
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    ticket: Uuid,
    number: String,
    action: TicketAction,
    /// A ticket nobody has yet (unrouted) is assigned, not reassigned.
    unassigned: bool,
}

#[component]
pub fn BoardPage() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut team_filter = use_signal(|| None::<Uuid>);
    let mut only_overdue = use_signal(|| false);
    let mut pending = use_signal(|| None::<Pending>);
    let mut editing = use_signal(|| None::<TicketView>);
    let now = (console.now_ms)() / 1000.0;
    let board = console.board.read();
    let teams = console.teams.read().clone();
    let live = (console.live)();
    let filter = team_filter();
    rsx! {
        div { class: "board-page",
            div { class: "toolbar",
                label { r#for: "board-team", {tr(lang, Txt::Team)}
                    select { id: "board-team",
                        onchange: move |e| team_filter.set(e.value().parse().ok()),
                        option { value: "", {tr(lang, Txt::AllTeams)} }
                        for t in teams.iter().filter(|t| t.kind != TeamKind::Patrol) {
                            option { key: "{t.id}", value: "{t.id}", selected: filter == Some(t.id), "{t.name}" }
                        }
                    }
                }
                label { class: "check",
                    input { id: "only-overdue", r#type: "checkbox", checked: only_overdue(),
                        onchange: move |e| only_overdue.set(e.checked()) }
                    {tr(lang, Txt::OnlyOverdue)}
                }
                span {
                    class: if live == LiveStatus::Open { "live on" } else { "live off" },
                    "data-testid": "live-state",
                    "data-state": if live == LiveStatus::Open { "open" } else { "down" },
                    if live == LiveStatus::Open { {tr(lang, Txt::LiveOn)} } else { {tr(lang, Txt::LiveOff)} }
                }
                button { r#type: "button", class: "secondary", onclick: move |_| { spawn(console.load_board()); },
                    {tr(lang, Txt::Refresh)}
                }
            }
            if let Some(p) = pending() {
                ActionDialog { lang, pending: p, on_done: move |_| pending.set(None) }
            }
            if let Some(t) = editing() {
                EditDialog { key: "{t.id}", lang, ticket: t, on_done: move |_| editing.set(None) }
            }
            div { class: "board-body",
                div { class: "board", "data-testid": "board",
                    for status in BOARD_COLUMNS {
                        {
                            let list: Vec<TicketView> = board
                                .column(status, filter)
                                .into_iter()
                                .filter(|t| !only_overdue() || seconds_left(t.deadline_at.unix_timestamp(), now as i64) < 0)
                                .cloned()
                                .collect();
                            rsx! {
                                section { class: "board-col", key: "{status.as_str()}", "data-status": status.as_str(),
                                    h3 { {status_label(lang, status)} span { class: "count", "{list.len()}" } }
                                    for t in list {
                                        TicketCard {
                                            key: "{t.id}",
                                            lang,
                                            delivery: board.delivery.get(&t.id).copied(),
                                            now: now as i64,
                                            ticket: t.clone(),
                                            on_action: move |(ticket, number, action, unassigned)| pending.set(Some(Pending { ticket, number, action, unassigned })),
                                            on_edit: move |t| editing.set(Some(t)),
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                aside { class: "panel alerts", "data-testid": "alerts",
                    h3 { {tr(lang, Txt::Alerts)} }
                    if board.alerts.is_empty() {
                        p { class: "muted", {tr(lang, Txt::NoAlerts)} }
                    }
                    for a in board.alerts.iter() {
                        div { key: "{a.id}", class: if a.audience == "leader" { "alert leader" } else { "alert" }, "data-testid": "alert",
                            "{a.message}"
                        }
                    }
                }
            }
        }
    }
}

#[component]
fn TicketCard(
    lang: Lang,
    ticket: TicketView,
    delivery: Option<DeliveryState>,
    now: i64,
    on_action: EventHandler<(Uuid, String, TicketAction, bool)>,
    on_edit: EventHandler<TicketView>,
) -> Element {
    let left = seconds_left(ticket.deadline_at.unix_timestamp(), now);
    let overdue = left < 0;
    let (id, number) = (ticket.id, ticket.number.clone());
    let unassigned = ticket.status == gasdesk_shared::ticket::TicketStatus::New;
    let number2 = number.clone();
    let whole = ticket.clone();
    rsx! {
        article {
            class: if overdue { "ticket-card overdue" } else if ticket.urgent { "ticket-card urgent" } else { "ticket-card" },
            "data-testid": "board-ticket",
            "data-number": "{ticket.number}",
            "data-status": ticket.status.as_str(),
            header {
                span { class: "mono", "{ticket.number}" }
                span { class: "sla", "data-testid": "sla", "data-overdue": if overdue { "true" } else { "false" },
                    if overdue { {tr(lang, Txt::Overdue)} } else { {tr(lang, Txt::TimeLeft)} }
                    " {clock(left)}"
                }
            }
            p { class: "addr", "{ticket.address}" }
            p { class: "meta",
                span { {category_label(lang, &ticket.category)} }
                " · "
                span { "data-testid": "ticket-team", {ticket.team_name.clone().unwrap_or_default()} }
            }
            footer {
                span { class: "delivery", "data-testid": "delivery",
                    "data-state": delivery.map(|d| d.as_str()).unwrap_or("none"),
                    {tr(lang, Txt::Delivery)} "："
                    match delivery {
                        Some(d) => rsx! { {delivery_label(lang, d)} },
                        None => rsx! { {tr(lang, Txt::NoDelivery)} },
                    }
                }
                span { class: "actions",
                    button { r#type: "button", class: "link", "data-action": "edit",
                        onclick: move |_| on_edit.call(whole.clone()),
                        {tr(lang, Txt::Edit)}
                    }
                    button { r#type: "button", class: "link", "data-action": "reassign",
                        onclick: move |_| on_action.call((id, number.clone(), TicketAction::Reassign, unassigned)),
                        {tr(lang, Txt::Reassign)}
                    }
                    button { r#type: "button", class: "link danger", "data-action": "cancel",
                        onclick: move |_| on_action.call((id, number2.clone(), TicketAction::Cancel, unassigned)),
                        {tr(lang, Txt::CancelTicket)}
                    }
                }
            }
        }
    }
}

#[component]
fn ActionDialog(lang: Lang, pending: Pending, on_done: EventHandler<()>) -> Element {
    let console = use_context::<Console>();
    let mut team = use_signal(|| None::<Uuid>);
    let mut reason = use_signal(String::new);
    let mut problem = use_signal(|| None::<Txt>);
    let reassign = pending.action == TicketAction::Reassign;
    let title = if reassign {
        Txt::Reassign
    } else {
        Txt::CancelTicket
    };
    let teams = console.teams.read().clone();
    let action = match pending.action {
        TicketAction::Reassign if pending.unassigned => TicketAction::Assign,
        other => other,
    };
    let ticket = pending.ticket;
    let submit = move |e: FormEvent| {
        e.prevent_default();
        if reason().trim().is_empty() {
            return problem.set(Some(Txt::ReasonRequired));
        }
        if reassign && team().is_none() {
            return problem.set(Some(Txt::ChooseTeam));
        }
        let request = TransitionRequest {
            action,
            team_id: team(),
            user_id: None,
            reason: Some(reason().trim().to_string()),
            device_at: None,
        };
        spawn(async move {
            if console.transition(ticket, request).await {
                on_done.call(());
            }
        });
    };
    rsx! {
        form { class: "dialog", role: "dialog", "aria-modal": "true", "data-testid": "action-dialog", onsubmit: submit, novalidate: true,
            h3 { {tr(lang, title)} " " span { class: "mono", "{pending.number}" } }
            if reassign {
                label { r#for: "reassign-team", {tr(lang, Txt::Team)}
                    select { id: "reassign-team", onchange: move |e| team.set(e.value().parse().ok()),
                        option { value: "", {tr(lang, Txt::ChooseTeam)} }
                        for t in teams.iter().filter(|t| t.kind != TeamKind::Patrol) {
                            option { key: "{t.id}", value: "{t.id}", "{t.name}" }
                        }
                    }
                }
            }
            label { r#for: "action-reason", {tr(lang, Txt::Reason)}
                input { id: "action-reason", autofocus: true, value: "{reason}", oninput: move |e| reason.set(e.value()) }
            }
            if let Some(p) = problem() {
                p { class: "warn-text", role: "alert", {tr(lang, p)} }
            }
            div { class: "row",
                button { id: "action-confirm", r#type: "submit", class: "primary", {tr(lang, Txt::Confirm)} }
                button { r#type: "button", class: "secondary", onclick: move |_| on_done.call(()), {tr(lang, Txt::Close)} }
            }
        }
    }
}
