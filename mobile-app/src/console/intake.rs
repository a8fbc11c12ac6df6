//! The intake screen, used while on the phone: find the customer as you type (keyboard only if
//! need be), see their account, arrears, outages and past tickets, then record the call as a
//! repair ticket, a patrol report, a consultation or an event. The knowledge base sits alongside.

use super::api;
use super::forms::{CallForms, Mode};
use super::i18n::{Txt, category_label, status_label, tr, yuan};
use super::knowledge::KnowledgePanel;
use super::model::{SearchSeq, move_highlight};
use super::net::sleep_ms;
use super::store::Console;
use crate::i18n::Lang;
use dioxus::prelude::*;
use gasdesk_shared::api::CustomerView;
use gasdesk_shared::intake::CustomerContext;

/// Quiet time after a keystroke before searching: short, since the answer must show within
/// 150 ms of the last key; stale answers are dropped by [`SearchSeq`] anyway.
pub const DEBOUNCE_MS: i32 = 60;

/// The customer the agent chose, with what intake shows about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    pub customer: CustomerView,
    pub context: Option<CustomerContext>,
}

#[component]
pub fn IntakePage() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut query = use_signal(String::new);
    let mut hits = use_signal(Vec::<CustomerView>::new);
    let mut highlight = use_signal(|| None::<usize>);
    let mut searching = use_signal(|| false);
    let mut searched = use_signal(|| false);
    // The text the shown hits answer: lets a test or a measurement see which search landed.
    let mut answered = use_signal(String::new);
    let mut seq = use_signal(SearchSeq::default);
    let mut chosen = use_signal(|| None::<Chosen>);
    let mut mode = use_signal(|| Mode::Repair);

    let on_input = move |e: FormEvent| {
        let text = e.value();
        query.set(text.clone());
        let mine = seq.write().start();
        spawn(async move {
            sleep_ms(DEBOUNCE_MS).await;
            if !seq.peek().is_current(mine) {
                return;
            }
            if api::customer_search(&text) == api::CustomerSearch::TooShort {
                hits.set(Vec::new());
                highlight.set(None);
                searched.set(false);
                return;
            }
            let Some(token) = console.token() else { return };
            searching.set(true);
            let result = api::search_customers(&token, &text).await;
            if !seq.peek().is_current(mine) {
                return; // a newer keystroke has its own search under way
            }
            searching.set(false);
            searched.set(true);
            match result {
                Ok(page) => {
                    highlight.set((!page.items.is_empty()).then_some(0));
                    hits.set(page.items);
                    answered.set(text);
                }
                Err(err) => console.fail(err),
            }
        });
    };

    let mut choose = move |customer: CustomerView| {
        hits.set(Vec::new());
        highlight.set(None);
        searched.set(false);
        query.set(customer.address.clone());
        chosen.set(Some(Chosen {
            customer: customer.clone(),
            context: None,
        }));
        spawn(async move {
            let Some(token) = console.token() else { return };
            match api::customer_context(&token, customer.id).await {
                Ok(context) => {
                    if chosen.peek().as_ref().map(|c| c.customer.id) == Some(customer.id) {
                        chosen.set(Some(Chosen {
                            customer,
                            context: Some(context),
                        }));
                    }
                }
                Err(err) => console.fail(err),
            }
        });
        // Straight on to the call's content (or description): the agent keeps typing.
        let target = match *mode.peek() {
            Mode::Repair => "content",
            Mode::Patrol => "check-description",
            Mode::Consult => "question",
            Mode::Event => "event-content",
        };
        super::net::focus(target);
    };

    let on_key = move |e: KeyboardEvent| {
        let len = hits.peek().len();
        match e.key() {
            Key::ArrowDown | Key::ArrowUp => {
                e.prevent_default();
                let down = e.key() == Key::ArrowDown;
                highlight.set(move_highlight(highlight(), len, down));
            }
            Key::Enter => {
                e.prevent_default();
                let pick = highlight().or((len > 0).then_some(0));
                if let Some(customer) = pick.and_then(|i| hits.peek().get(i).cloned()) {
                    choose(customer);
                }
            }
            Key::Escape => {
                query.set(String::new());
                hits.set(Vec::new());
                highlight.set(None);
                searched.set(false);
                seq.write().start();
            }
            _ => {}
        }
    };

    let hit_list = hits.read().clone();
    let expanded = if hit_list.is_empty() { "false" } else { "true" };
    let none_found = searched() && hit_list.is_empty() && !searching();
    let current = highlight();
    rsx! {
        div { class: "intake",
            section { class: "panel intake-search",
                h2 { {tr(lang, Txt::SearchCustomer)} }
                input {
                    id: "intake-search",
                    r#type: "search",
                    autocomplete: "off",
                    autofocus: true,
                    placeholder: tr(lang, Txt::SearchHint),
                    role: "combobox",
                    "aria-expanded": expanded,
                    "aria-controls": "customer-hits",
                    value: "{query}",
                    oninput: on_input,
                    onkeydown: on_key,
                }
                p { class: "hint", {tr(lang, Txt::KeysHint)} }
                if searching() {
                    p { class: "muted", "data-testid": "searching", {tr(lang, Txt::Searching)} }
                }
                if none_found {
                    p { class: "muted", "data-testid": "no-match", {tr(lang, Txt::NoMatch)} }
                }
                ul { id: "customer-hits", class: "hits", role: "listbox", "data-answered": "{answered}",
                    for (i, customer) in hit_list.into_iter().enumerate() {
                        CustomerHit {
                            key: "{customer.id}",
                            customer: customer.clone(),
                            active: current == Some(i),
                            on_choose: choose,
                        }
                    }
                }
                if let Some(chosen) = chosen() {
                    CustomerCard { lang, chosen }
                }
            }
            section { class: "panel intake-form",
                nav { class: "modes", role: "tablist",
                    for m in Mode::ALL {
                        button {
                            r#type: "button",
                            role: "tab",
                            id: "mode-{m.id()}",
                            class: if mode() == m { "tab active" } else { "tab" },
                            "aria-selected": if mode() == m { "true" } else { "false" },
                            onclick: move |_| mode.set(m),
                            {tr(lang, m.label())}
                        }
                    }
                }
                CallForms {
                    mode: mode(),
                    chosen,
                    on_next_call: move |_| {
                        chosen.set(None);
                        query.set(String::new());
                        hits.set(Vec::new());
                    },
                }
            }
            KnowledgePanel {}
        }
    }
}

#[component]
fn CustomerHit(
    customer: CustomerView,
    active: bool,
    on_choose: EventHandler<CustomerView>,
) -> Element {
    let arrears = customer.arrears_fen > 0;
    let chosen = customer.clone();
    rsx! {
        li {
            class: if active { "hit active" } else { "hit" },
            role: "option",
            "aria-selected": if active { "true" } else { "false" },
            "data-testid": "customer-hit",
            onmousedown: move |e| {
                e.prevent_default();
                on_choose.call(chosen.clone());
            },
            div { class: "hit-address", "{customer.address}" }
            div { class: "hit-meta",
                span { "{customer.name}" }
                span { class: "mono", "{customer.card_no}" }
                if let Some(phone) = customer.phones.first() {
                    span { class: "mono", "{phone}" }
                }
                if arrears {
                    span { class: "badge warn", "¥" }
                }
            }
        }
    }
}

#[component]
pub fn CustomerCard(lang: Lang, chosen: Chosen) -> Element {
    let c = &chosen.customer;
    let phones = c.phones.join("，");
    rsx! {
        article { class: "customer-card", "data-testid": "customer-card",
            h3 { "{c.name}" }
            dl { class: "facts",
                dt { {tr(lang, Txt::CardNo)} }
                dd { class: "mono", "{c.card_no}" }
                dt { {tr(lang, Txt::Phones)} }
                dd { class: "mono", "{phones}" }
                dt { {tr(lang, Txt::Address)} }
                dd { "{c.address}" }
                dt { {tr(lang, Txt::Arrears)} }
                dd {
                    if c.arrears_fen > 0 {
                        span { class: "warn-text", {yuan(c.arrears_fen)} }
                    } else {
                        {tr(lang, Txt::NoArrears)}
                    }
                }
            }
            if let Some(context) = chosen.context.as_ref() {
                if let Some(warning) = context.arrears_warning.as_deref() {
                    div { class: "warning", role: "alert", "data-testid": "arrears-warning", "{warning}" }
                }
                for outage in context.outages.iter() {
                    div { class: "warning outage", "data-testid": "outage-notice",
                        strong { {tr(lang, Txt::Outages)} "：" }
                        "{outage.reason}"
                    }
                }
                h4 { {tr(lang, Txt::PastTickets)} }
                if context.past_tickets.is_empty() {
                    p { class: "muted", {tr(lang, Txt::NoPastTickets)} }
                } else {
                    table { class: "grid", "data-testid": "past-tickets",
                        tbody {
                            for t in context.past_tickets.iter() {
                                tr { key: "{t.id}",
                                    td { class: "mono", "{t.number}" }
                                    td { {category_label(lang, &t.category)} }
                                    td { {status_label(lang, t.status)} }
                                    td { "{t.content}" }
                                }
                            }
                        }
                    }
                }
            } else {
                p { class: "muted", {tr(lang, Txt::Loading)} }
            }
        }
    }
}
