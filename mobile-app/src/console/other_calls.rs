//! The calls intake records without a repair ticket: a patrol report (an outdoor leak, placed
//! from the customer's address or a point picked on the map), a consultation and an event.

use super::api;
use super::forms::Caller;
use super::i18n::{Txt, tr};
use super::store::Console;
use crate::i18n::Lang;
use dioxus::prelude::*;
use gasdesk_shared::callcenter::{EventKind, NewConsultation, NewEvent};
use gasdesk_shared::routing::{NewPatrolCheck, PatrolCheckView};

#[component]
pub fn PatrolForm(caller: Signal<Caller>, on_next_call: EventHandler<()>) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut description = use_signal(String::new);
    let mut done = use_signal(|| None::<PatrolCheckView>);
    let mut saving = use_signal(|| false);
    if let Some(check) = done() {
        return rsx! {
            div { class: "created", role: "status", "data-testid": "check-reported",
                h3 { {tr(lang, Txt::CheckReported)} }
                p { "data-testid": "check-explanation", "{check.decision.explanation}" }
                button { id: "next-call", r#type: "button", class: "primary",
                    onclick: move |_| { done.set(None); description.set(String::new()); on_next_call.call(()); },
                    {tr(lang, Txt::NewCall)}
                }
            }
        };
    }
    let c = caller();
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let c = caller();
        let (Ok(lon), Ok(lat)) = (c.lon.trim().parse::<f64>(), c.lat.trim().parse::<f64>()) else {
            console.fail(crate::api::ApiError::Server {
                status: 422,
                code: None,
                message: tr(console.lang(), Txt::PickOnMap).into(),
            });
            return;
        };
        let new = NewPatrolCheck {
            lon,
            lat,
            caller: Some(c.name.trim().to_string()).filter(|s| !s.is_empty()),
            phone: Some(c.phone.trim().to_string()).filter(|s| !s.is_empty()),
            description: description().trim().to_string(),
        };
        spawn(async move {
            let Some(token) = console.token() else { return };
            saving.set(true);
            let result = api::report_check(&token, &new).await;
            saving.set(false);
            match result {
                Ok(check) => done.set(Some(check)),
                Err(err) => console.fail(err),
            }
        });
    };
    rsx! {
        form { class: "patrol-form", onsubmit: submit, novalidate: true,
            fieldset { class: "row",
                legend { {tr(lang, Txt::Location)} }
                label { r#for: "check-lon", "经度 lon"
                    input { id: "check-lon", inputmode: "decimal", value: "{c.lon}",
                        oninput: move |e| caller.write().lon = e.value() }
                }
                label { r#for: "check-lat", "纬度 lat"
                    input { id: "check-lat", inputmode: "decimal", value: "{c.lat}",
                        oninput: move |e| caller.write().lat = e.value() }
                }
            }
            if let Some((lon, lat)) = (console.picked)() {
                button { id: "use-map-point", r#type: "button", class: "secondary",
                    onclick: move |_| {
                        let mut c = caller.write();
                        c.lon = format!("{lon:.6}");
                        c.lat = format!("{lat:.6}");
                    },
                    {tr(lang, Txt::UseMapPoint)} " ({lon:.5}, {lat:.5})"
                }
            }
            label { r#for: "check-description", {tr(lang, Txt::Description)}
                textarea { id: "check-description", rows: 3, value: "{description}",
                    oninput: move |e| description.set(e.value()) }
            }
            button { id: "report-check", r#type: "submit", class: "primary", disabled: saving(),
                {tr(lang, Txt::ReportCheck)}
            }
        }
    }
}

#[component]
pub fn ConsultForm(caller: Signal<Caller>, on_next_call: EventHandler<()>) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut question = use_signal(String::new);
    let mut answer = use_signal(String::new);
    let mut saved = use_signal(|| false);
    if saved() {
        return rsx! { Saved { lang, on_next: move |_| { saved.set(false); question.set(String::new()); answer.set(String::new()); on_next_call.call(()); } } };
    }
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let c = caller();
        let new = NewConsultation {
            caller: c.name.trim().to_string(),
            phone: c.phone.trim().to_string(),
            customer_id: c.customer,
            question: question().trim().to_string(),
            answer: Some(answer().trim().to_string()).filter(|a| !a.is_empty()),
            forward: None,
        };
        spawn(async move {
            let Some(token) = console.token() else { return };
            match api::create_consultation(&token, &new).await {
                Ok(_) => saved.set(true),
                Err(err) => console.fail(err),
            }
        });
    };
    rsx! {
        form { class: "consult-form", onsubmit: submit, novalidate: true,
            label { r#for: "question", {tr(lang, Txt::Question)}
                textarea { id: "question", rows: 3, value: "{question}", oninput: move |e| question.set(e.value()) }
            }
            label { r#for: "answer", {tr(lang, Txt::Answer)}
                textarea { id: "answer", rows: 3, value: "{answer}", oninput: move |e| answer.set(e.value()) }
            }
            button { id: "save-consultation", r#type: "submit", class: "primary", {tr(lang, Txt::SaveConsultation)} }
        }
    }
}

#[component]
pub fn EventForm(caller: Signal<Caller>, on_next_call: EventHandler<()>) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut kind = use_signal(|| EventKind::Complaint);
    let mut content = use_signal(String::new);
    let mut needs_reply = use_signal(|| true);
    let mut saved = use_signal(|| false);
    if saved() {
        return rsx! { Saved { lang, on_next: move |_| { saved.set(false); content.set(String::new()); on_next_call.call(()); } } };
    }
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let c = caller();
        let new = NewEvent {
            kind: kind(),
            content: content().trim().to_string(),
            reporter: Some(c.name.trim().to_string()).filter(|s| !s.is_empty()),
            phone: Some(c.phone.trim().to_string()).filter(|s| !s.is_empty()),
            ticket_id: None,
            needs_reply: needs_reply(),
        };
        spawn(async move {
            let Some(token) = console.token() else { return };
            match api::create_event(&token, &new).await {
                Ok(_) => saved.set(true),
                Err(err) => console.fail(err),
            }
        });
    };
    rsx! {
        form { class: "event-form", onsubmit: submit, novalidate: true,
            label { r#for: "event-kind", {tr(lang, Txt::EventKindLabel)}
                select { id: "event-kind",
                    onchange: move |e| {
                        if let Some(k) = EventKind::ALL.into_iter().find(|k| k.as_str() == e.value()) {
                            kind.set(k);
                        }
                    },
                    for k in EventKind::ALL {
                        option { value: k.as_str(), selected: kind() == k, {k.label_zh()} }
                    }
                }
            }
            label { r#for: "event-content", {tr(lang, Txt::Content)}
                textarea { id: "event-content", rows: 3, value: "{content}", oninput: move |e| content.set(e.value()) }
            }
            label { class: "check",
                input { r#type: "checkbox", checked: needs_reply(), onchange: move |e| needs_reply.set(e.checked()) }
                {tr(lang, Txt::NeedsReply)}
            }
            button { id: "save-event", r#type: "submit", class: "primary", {tr(lang, Txt::SaveEvent)} }
        }
    }
}

#[component]
fn Saved(lang: Lang, on_next: EventHandler<()>) -> Element {
    rsx! {
        div { class: "created", role: "status", "data-testid": "saved",
            h3 { {tr(lang, Txt::Saved)} }
            button { id: "next-call", r#type: "button", class: "primary", onclick: move |_| on_next.call(()),
                {tr(lang, Txt::NewCall)}
            }
        }
    }
}
