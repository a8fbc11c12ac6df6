//! One job: the customer and the place (tap to call, open in the phone's map app), warnings
//! (arrears, outages), the customer's past repairs, and the next step buttons.

use crate::fmt::short_time;
use crate::i18n::{Key, Lang, category_label, status_label, t, yuan};
use dioxus::prelude::*;
use gasdesk_shared::intake::TicketView;
use gasdesk_shared::sync::FieldCustomer;
use gasdesk_shared::ticket::TicketAction;
use time::OffsetDateTime;

pub fn action_label(lang: Lang, action: TicketAction) -> &'static str {
    let key = match action {
        TicketAction::Accept => Key::Accept,
        TicketAction::Depart => Key::Depart,
        TicketAction::Arrive => Key::Arrive,
        _ => Key::Complete,
    };
    t(lang, key)
}

/// A `geo:` link (Android opens the map app of the phone's choice) for a WGS84 point.
pub fn geo_link(lon: f64, lat: f64, label: &str) -> String {
    let label = crate::api::percent_encode(label);
    format!("geo:{lat:.6},{lon:.6}?q={lat:.6},{lon:.6}({label})")
}

/// Amap's web link, which converts from WGS84 itself and opens the app when installed.
pub fn amap_link(lon: f64, lat: f64, label: &str) -> String {
    let label = crate::api::percent_encode(label);
    format!(
        "https://uri.amap.com/marker?position={lon:.6},{lat:.6}&name={label}&coordinate=wgs84&callnative=1"
    )
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepEntry {
    pub action: TicketAction,
    pub at: OffsetDateTime,
    pub pending: bool,
}

#[component]
pub fn JobDetail(
    lang: Lang,
    ticket: TicketView,
    customer: Option<FieldCustomer>,
    actions: Vec<TicketAction>,
    steps: Vec<StepEntry>,
    notice: Option<Key>,
    on_step: EventHandler<TicketAction>,
    on_back: EventHandler<()>,
) -> Element {
    let place = (ticket.lon.zip(ticket.lat)).map(|(lon, lat)| {
        (
            geo_link(lon, lat, &ticket.address),
            amap_link(lon, lat, &ticket.address),
        )
    });
    let arrears = customer.as_ref().map_or(0, |c| c.arrears_fen);
    rsx! {
        section { class: "job-detail", "data-testid": "job-detail", "data-status": ticket.status.as_str(),
            div { class: "screen-head",
                button { r#type: "button", class: "back", onclick: move |_| on_back.call(()), "‹ " {t(lang, Key::Back)} }
                h2 { class: "screen-title", "{ticket.number}" }
            }
            if let Some(key) = notice {
                p { class: "notice", role: "status", "data-testid": "notice", {t(lang, key)} }
            }
            div { class: "card",
                p { class: "status-line",
                    if ticket.urgent {
                        span { class: "badge urgent", {t(lang, Key::Urgent)} }
                    }
                    if let Some(at) = ticket.corrected_at.filter(|_| ticket.status.is_open()) {
                        span { class: "badge corrected", "data-testid": "corrected",
                            {t(lang, Key::Corrected)} " {short_time(at)}" }
                    }
                    span { "data-testid": "job-status", {status_label(lang, ticket.status)} }
                }
                dl { class: "facts",
                    dt { {t(lang, Key::Content)} }
                    dd { {category_label(lang, &ticket.category)} " · {ticket.content}" }
                    dt { {t(lang, Key::Address)} }
                    dd { "data-testid": "job-address", "{ticket.address}" }
                    dt { {t(lang, Key::Reporter)} }
                    dd { "{ticket.reporter} " a { class: "call", href: "tel:{ticket.phone}", "☎ {ticket.phone}" } }
                    dt { {t(lang, Key::Deadline)} }
                    dd { "{short_time(ticket.deadline_at)}" }
                    if let Some(from) = ticket.appointment_from {
                        dt { {t(lang, Key::Appointment)} }
                        dd { "{short_time(from)}" }
                    }
                }
                if let Some((geo, amap)) = place {
                    div { class: "link-row",
                        a { class: "button secondary", href: "{geo}", "data-testid": "open-map", {t(lang, Key::OpenMap)} }
                        a { class: "button secondary", href: "{amap}", target: "_blank", rel: "noopener", "高德" }
                    }
                }
            }
            if arrears > 0 || !ticket.warnings.is_empty() {
                div { class: "card warning", role: "note", "data-testid": "job-warnings",
                    h3 { {t(lang, Key::Warnings)} }
                    ul {
                        if arrears > 0 {
                            li { {t(lang, Key::Arrears)} " {yuan(arrears)}" }
                        }
                        for w in ticket.warnings.iter() {
                            li { "{w}" }
                        }
                    }
                }
            }
            if let Some(c) = customer.as_ref() {
                div { class: "card",
                    h3 { {t(lang, Key::Customer)} }
                    dl { class: "facts",
                        dt { {t(lang, Key::Customer)} }
                        dd { "{c.name}" }
                        dt { {t(lang, Key::CardNo)} }
                        dd { "{c.card_no}" }
                        dt { {t(lang, Key::PhoneLabel)} }
                        dd {
                            for phone in c.phones.iter() {
                                a { class: "call", href: "tel:{phone}", "☎ {phone} " }
                            }
                        }
                    }
                    h3 { {t(lang, Key::PastRepairs)} }
                    if c.past_repairs.iter().all(|r| r.ticket_id == ticket.id) {
                        p { class: "muted", {t(lang, Key::NoPastRepairs)} }
                    }
                    ul { class: "past-repairs",
                        for r in c.past_repairs.iter().filter(|r| r.ticket_id != ticket.id) {
                            li { key: "{r.ticket_id}",
                                "{short_time(r.reported_at)} · {r.number} · "
                                {category_label(lang, &r.category)}
                                " · "
                                {status_label(lang, r.status)}
                            }
                        }
                    }
                }
            }
            if !steps.is_empty() {
                div { class: "card",
                    h3 { {t(lang, Key::Steps)} }
                    ol { class: "steps", "data-testid": "steps",
                        for s in steps.iter() {
                            li {
                                {action_label(lang, s.action)}
                                " {short_time(s.at)}"
                                if s.pending {
                                    span { class: "badge pending", {t(lang, Key::NotSynced)} }
                                }
                            }
                        }
                    }
                }
            }
            div { class: "actions",
                for action in actions {
                    button {
                        key: "{action.as_str()}",
                        r#type: "button",
                        class: if action == TicketAction::Complete { "primary big" } else { "primary big step" },
                        "data-action": action.as_str(),
                        onclick: move |_| on_step.call(action),
                        {action_label(lang, action)}
                    }
                }
            }
        }
    }
}
