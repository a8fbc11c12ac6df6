//! Queries and print: the ticket search with all its filters and batch printing of the chosen
//! work orders, and the repair-record search.

use super::i18n::{Txt, category_label, status_label, tr, yuan};
use super::net::{self, with_query};
use super::store::Console;
use dioxus::prelude::*;
use gasdesk_shared::api::Page;
use gasdesk_shared::intake::{RecordView, TicketView};
use gasdesk_shared::ticket::{CATEGORIES, TicketStatus};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The ticket filters as typed; empty ones are left out of the query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketFilters {
    pub number: String,
    pub contact: String,
    pub phone: String,
    pub address: String,
    pub content: String,
    pub category: String,
    pub status: String,
    pub team_id: String,
    pub source: String,
    /// `YYYY-MM-DD`, China time.
    pub reported_from: String,
    pub reported_to: String,
}

impl TicketFilters {
    /// The query string for `GET /api/v1/tickets`.
    pub fn path(&self) -> String {
        let day = |d: &str, end: bool| {
            if d.trim().is_empty() {
                String::new()
            } else {
                format!(
                    "{}T{}+08:00",
                    d.trim(),
                    if end { "23:59:59" } else { "00:00:00" }
                )
            }
        };
        with_query(
            "/api/v1/tickets",
            &[
                ("number", self.number.clone()),
                ("contact", self.contact.clone()),
                ("phone", self.phone.clone()),
                ("address", self.address.clone()),
                ("content", self.content.clone()),
                ("category", self.category.clone()),
                ("status", self.status.clone()),
                ("team_id", self.team_id.clone()),
                ("source", self.source.clone()),
                ("reported_from", day(&self.reported_from, false)),
                ("reported_to", day(&self.reported_to, true)),
                ("limit", "200".into()),
            ],
        )
    }
}

/// The print view's address for the chosen tickets.
pub fn print_path(ids: &BTreeSet<Uuid>) -> String {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    format!("/api/v1/tickets/print?ids={}", ids.join(","))
}

#[component]
pub fn QueriesPage() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut records = use_signal(|| false);
    rsx! {
        div { class: "queries",
            nav { class: "modes", role: "tablist",
                button { r#type: "button", role: "tab", id: "query-tickets", class: if !records() { "tab active" } else { "tab" },
                    onclick: move |_| records.set(false), {tr(lang, Txt::TicketSearch)} }
                button { r#type: "button", role: "tab", id: "query-records", class: if records() { "tab active" } else { "tab" },
                    onclick: move |_| records.set(true), {tr(lang, Txt::RecordSearch)} }
            }
            if records() { RecordSearch {} } else { TicketSearch {} }
        }
    }
}

#[component]
fn TicketSearch() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut f = use_signal(TicketFilters::default);
    let mut found = use_signal(|| None::<Page<TicketView>>);
    let mut chosen = use_signal(BTreeSet::<Uuid>::new);
    let search = move |e: FormEvent| {
        e.prevent_default();
        let path = f.peek().path();
        spawn(async move {
            let Some(token) = console.token() else { return };
            match net::get::<Page<TicketView>>(&token, &path).await {
                Ok(page) => {
                    chosen.set(BTreeSet::new());
                    found.set(Some(page));
                }
                Err(err) => console.fail(err),
            }
        });
    };
    let print = move |_| {
        let path = print_path(&chosen.peek());
        spawn(async move {
            let Some(token) = console.token() else { return };
            let result = match net::send_raw(&token, "GET", &path, None).await {
                Ok((200, html)) => net::open_html(&html),
                Ok((status, body)) => {
                    crate::api::decode::<serde_json::Value>(status, &body).map(|_| ())
                }
                Err(err) => Err(err),
            };
            if let Err(err) = result {
                console.fail(err);
            }
        });
    };
    let teams = console.teams.read().clone();
    let text = |label: Txt,
                id: &'static str,
                get: fn(&TicketFilters) -> String,
                set: fn(&mut TicketFilters, String)| {
        rsx! {
            label { r#for: id, {tr(lang, label)}
                input { id, value: get(&f.read()), oninput: move |e| set(&mut f.write(), e.value()) }
            }
        }
    };
    rsx! {
        form { class: "filters", onsubmit: search, novalidate: true,
            div { class: "filter-grid",
                {text(Txt::Number, "q-number", |f| f.number.clone(), |f, v| f.number = v)}
                {text(Txt::Contact, "q-contact", |f| f.contact.clone(), |f, v| f.contact = v)}
                {text(Txt::Phone, "q-phone", |f| f.phone.clone(), |f, v| f.phone = v)}
                {text(Txt::Address, "q-address", |f| f.address.clone(), |f, v| f.address = v)}
                {text(Txt::Content, "q-content", |f| f.content.clone(), |f, v| f.content = v)}
                label { r#for: "q-category", {tr(lang, Txt::Category)}
                    select { id: "q-category", onchange: move |e| f.write().category = e.value(),
                        option { value: "", {tr(lang, Txt::Any)} }
                        for c in CATEGORIES { option { value: c.code, {category_label(lang, c.code)} } }
                    }
                }
                label { r#for: "q-status", {tr(lang, Txt::Status)}
                    select { id: "q-status", onchange: move |e| f.write().status = e.value(),
                        option { value: "", {tr(lang, Txt::Any)} }
                        for s in TicketStatus::ALL { option { value: s.as_str(), {status_label(lang, s)} } }
                    }
                }
                label { r#for: "q-team", {tr(lang, Txt::Team)}
                    select { id: "q-team", onchange: move |e| f.write().team_id = e.value(),
                        option { value: "", {tr(lang, Txt::Any)} }
                        for t in teams { option { key: "{t.id}", value: "{t.id}", "{t.name}" } }
                    }
                }
                label { r#for: "q-source", {tr(lang, Txt::Source)}
                    select { id: "q-source", onchange: move |e| f.write().source = e.value(),
                        option { value: "", {tr(lang, Txt::Any)} }
                        option { value: "call", "电话 call" }
                        option { value: "patrol", "巡线 patrol" }
                        option { value: "web", "网上 web" }
                    }
                }
                label { r#for: "q-from", {tr(lang, Txt::ReportedFrom)}
                    input { id: "q-from", r#type: "date", oninput: move |e| f.write().reported_from = e.value() }
                }
                label { r#for: "q-to", {tr(lang, Txt::ReportedTo)}
                    input { id: "q-to", r#type: "date", oninput: move |e| f.write().reported_to = e.value() }
                }
            }
            div { class: "row-buttons",
                button { id: "q-search", r#type: "submit", class: "primary", {tr(lang, Txt::Search)} }
                button { id: "q-print", r#type: "button", class: "secondary", disabled: chosen.read().is_empty(), onclick: print,
                    {tr(lang, Txt::PrintSelected)} " ({chosen.read().len()})" }
            }
        }
        if let Some(page) = found() {
            p { class: "muted", "data-testid": "q-total", {tr(lang, Txt::Found)} " {page.total}" }
            table { class: "grid", "data-testid": "q-results",
                thead { tr {
                    th { input { r#type: "checkbox", "aria-label": tr(lang, Txt::SelectAll),
                        checked: !page.items.is_empty() && chosen.read().len() == page.items.len(),
                        onchange: {
                            let ids: Vec<Uuid> = page.items.iter().map(|t| t.id).collect();
                            move |e: FormEvent| chosen.set(if e.checked() { ids.iter().copied().collect() } else { BTreeSet::new() })
                        } } }
                    th { {tr(lang, Txt::Number)} } th { {tr(lang, Txt::Status)} } th { {tr(lang, Txt::Category)} }
                    th { {tr(lang, Txt::Contact)} } th { {tr(lang, Txt::Address)} } th { {tr(lang, Txt::Team)} }
                } }
                tbody {
                    for t in page.items.iter() {
                        {
                            let id = t.id;
                            rsx! {
                                tr { key: "{t.id}", "data-testid": "q-row",
                                    td { input { r#type: "checkbox", checked: chosen.read().contains(&id),
                                        onchange: move |e| { if e.checked() { chosen.write().insert(id); } else { chosen.write().remove(&id); } } } }
                                    td { class: "mono", "{t.number}" } td { {status_label(lang, t.status)} }
                                    td { {category_label(lang, &t.category)} } td { "{t.reporter}" } td { "{t.address}" }
                                    td { {t.team_name.clone().unwrap_or_default()} }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[component]
fn RecordSearch() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut number = use_signal(String::new);
    let mut item = use_signal(String::new);
    let mut material = use_signal(String::new);
    let mut team = use_signal(String::new);
    let mut found = use_signal(|| None::<Page<RecordView>>);
    let search = move |e: FormEvent| {
        e.prevent_default();
        let path = with_query(
            "/api/v1/records",
            &[
                ("number", number()),
                ("item", item()),
                ("material", material()),
                ("team_id", team()),
                ("limit", "200".into()),
            ],
        );
        spawn(async move {
            let Some(token) = console.token() else { return };
            match net::get::<Page<RecordView>>(&token, &path).await {
                Ok(page) => found.set(Some(page)),
                Err(err) => console.fail(err),
            }
        });
    };
    let teams = console.teams.read().clone();
    rsx! {
        form { class: "filters", onsubmit: search, novalidate: true,
            div { class: "filter-grid",
                label { r#for: "r-number", {tr(lang, Txt::Number)} input { id: "r-number", value: "{number}", oninput: move |e| number.set(e.value()) } }
                label { r#for: "r-item", {tr(lang, Txt::ItemCode)} input { id: "r-item", value: "{item}", oninput: move |e| item.set(e.value()) } }
                label { r#for: "r-material", {tr(lang, Txt::MaterialCode)} input { id: "r-material", value: "{material}", oninput: move |e| material.set(e.value()) } }
                label { r#for: "r-team", {tr(lang, Txt::Team)}
                    select { id: "r-team", onchange: move |e| team.set(e.value()),
                        option { value: "", {tr(lang, Txt::Any)} }
                        for t in teams { option { key: "{t.id}", value: "{t.id}", "{t.name}" } }
                    }
                }
            }
            button { id: "r-search", r#type: "submit", class: "primary", {tr(lang, Txt::Search)} }
        }
        if let Some(page) = found() {
            p { class: "muted", {tr(lang, Txt::Found)} " {page.total}" }
            table { class: "grid", "data-testid": "r-results",
                thead { tr { th { {tr(lang, Txt::Number)} } th { {tr(lang, Txt::CompletedAt)} } th { {tr(lang, Txt::Repairers)} }
                    th { {tr(lang, Txt::Points)} } th { {tr(lang, Txt::Fee)} } } }
                tbody {
                    for r in page.items.iter() {
                        tr { key: "{r.id}", "data-testid": "r-row",
                            td { class: "mono", "{r.ticket_number}" }
                            td { {super::i18n::china_hhmm(r.completed_at)} }
                            td { {r.repairers.iter().map(|x| x.name.clone()).collect::<Vec<_>>().join("、")} }
                            td { {format!("{:.2}", r.total_centipoints as f64 / 100.0)} }
                            td { {yuan(r.total_fee_fen)} }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_given_filters_reach_the_query_and_days_are_china_time() {
        let f = TicketFilters {
            address: "人民路".into(),
            status: "assigned".into(),
            reported_from: "2026-11-01".into(),
            reported_to: "2026-11-26".into(),
            ..Default::default()
        };
        assert_eq!(
            f.path(),
            "/api/v1/tickets?address=%E4%BA%BA%E6%B0%91%E8%B7%AF&status=assigned\
             &reported_from=2026-11-01T00%3A00%3A00%2B08%3A00\
             &reported_to=2026-11-26T23%3A59%3A59%2B08%3A00&limit=200"
        );
        let ids: BTreeSet<Uuid> = [Uuid::from_u128(2), Uuid::from_u128(1)].into();
        assert_eq!(
            print_path(&ids),
            "/api/v1/tickets/print?ids=00000000-0000-0000-0000-000000000001,00000000-0000-0000-0000-000000000002"
        );
    }
}
