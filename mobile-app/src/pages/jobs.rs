//! The repairer's job list: new jobs highlighted, in working order (see `store::jobs`).

use crate::fmt::short_time;
use crate::i18n::{Key, Lang, category_label, status_label, t};
use crate::store::jobs::JobRow;
use dioxus::prelude::*;
use uuid::Uuid;

#[component]
pub fn JobList(lang: Lang, rows: Vec<JobRow>, on_open: EventHandler<Uuid>) -> Element {
    rsx! {
        section { class: "jobs", "data-testid": "job-list",
            h2 { class: "screen-title", {t(lang, Key::MyJobs)} }
            if rows.is_empty() {
                p { class: "empty", {t(lang, Key::NoJobs)} }
            }
            ul { class: "job-list",
                for row in rows {
                    JobItem { key: "{row.ticket.id}", lang, row, on_open }
                }
            }
        }
    }
}

#[component]
fn JobItem(lang: Lang, row: JobRow, on_open: EventHandler<Uuid>) -> Element {
    let ticket = &row.ticket;
    let id = ticket.id;
    let mut class = String::from("job");
    for (on, name) in [
        (row.is_new, " new"),
        (ticket.urgent, " urgent"),
        (row.overdue, " overdue"),
        (!ticket.status.is_open(), " done"),
    ] {
        if on {
            class.push_str(name);
        }
    }
    rsx! {
        li {
            button {
                r#type: "button",
                class: "{class}",
                "data-testid": "job",
                "data-ticket": "{id}",
                "data-status": ticket.status.as_str(),
                onclick: move |_| on_open.call(id),
                div { class: "job-head",
                    if row.is_new {
                        span { class: "badge new", {t(lang, Key::NewJob)} }
                    }
                    if ticket.urgent {
                        span { class: "badge urgent", {t(lang, Key::Urgent)} }
                    }
                    if let Some(at) = row.corrected_at {
                        span { class: "badge corrected", "data-testid": "corrected",
                            {t(lang, Key::Corrected)} " {short_time(at)}" }
                    }
                    span { class: "job-number", "{ticket.number}" }
                    span { class: "job-status", {status_label(lang, ticket.status)} }
                }
                div { class: "job-address", "{ticket.address}" }
                div { class: "job-meta",
                    span { class: "job-category", {category_label(lang, &ticket.category)} }
                    span { class: if row.overdue { "job-deadline late" } else { "job-deadline" },
                        {t(lang, Key::Deadline)}
                        " {short_time(ticket.deadline_at)}"
                        if row.overdue {
                            " · "
                            {t(lang, Key::Overdue)}
                        }
                    }
                    if let Some(from) = ticket.appointment_from {
                        span { class: "job-appointment",
                            {t(lang, Key::Appointment)}
                            " {short_time(from)}"
                        }
                    }
                    if row.pending {
                        span { class: "badge pending", {t(lang, Key::NotSynced)} }
                    }
                }
            }
        }
    }
}
