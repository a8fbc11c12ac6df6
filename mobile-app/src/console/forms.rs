//! The right half of intake: what the call becomes. A repair ticket (with the routing
//! suggestion, its explanation and the override), a patrol report, a consultation or an event.

use super::api;
use super::i18n::{Txt, category_label, status_label, tr};
use super::intake::Chosen;
use super::other_calls::{ConsultForm, EventForm, PatrolForm};
use super::store::Console;
use super::when::local_input;
use crate::i18n::Lang;
use dioxus::prelude::*;
use gasdesk_shared::TeamKind;
use gasdesk_shared::intake::{NewTicket, TicketView};
use gasdesk_shared::routing::Resolution;
use gasdesk_shared::ticket::{CATEGORIES, TicketSource};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Repair,
    Patrol,
    Consult,
    Event,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Repair, Mode::Patrol, Mode::Consult, Mode::Event];

    pub fn id(self) -> &'static str {
        match self {
            Mode::Repair => "repair",
            Mode::Patrol => "patrol",
            Mode::Consult => "consult",
            Mode::Event => "event",
        }
    }

    pub fn label(self) -> Txt {
        match self {
            Mode::Repair => Txt::ModeRepair,
            Mode::Patrol => Txt::ModePatrol,
            Mode::Consult => Txt::ModeConsult,
            Mode::Event => Txt::ModeEvent,
        }
    }
}

/// Caller details every form starts from: the chosen customer's, editable.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Caller {
    pub customer: Option<Uuid>,
    pub name: String,
    pub phone: String,
    pub address: String,
    pub lon: String,
    pub lat: String,
}

fn caller_of(chosen: Option<&Chosen>) -> Caller {
    let Some(c) = chosen.map(|c| &c.customer) else {
        return Caller::default();
    };
    Caller {
        customer: Some(c.id),
        name: c.name.clone(),
        phone: c.phones.first().cloned().unwrap_or_default(),
        address: c.address.clone(),
        lon: c.lon.map(|v| format!("{v:.6}")).unwrap_or_default(),
        lat: c.lat.map(|v| format!("{v:.6}")).unwrap_or_default(),
    }
}

#[component]
pub fn CallForms(
    mode: Mode,
    chosen: Signal<Option<Chosen>>,
    on_next_call: EventHandler<()>,
) -> Element {
    let console = use_context::<Console>();
    let mut caller = use_signal(Caller::default);
    let mut resolution = use_signal(|| None::<Resolution>);
    // A new customer refills the caller and asks routing where the place goes; the context
    // arriving later for the same customer leaves the agent's edits alone.
    use_effect(move || {
        let fresh = caller_of(chosen.read().as_ref());
        if fresh.customer.is_some() && fresh.customer != caller.peek().customer {
            let (lon, lat) = chosen
                .peek()
                .as_ref()
                .map(|c| (c.customer.lon, c.customer.lat))
                .unwrap_or_default();
            let address = fresh.address.clone();
            caller.set(fresh);
            spawn(async move {
                let Some(token) = console.token() else { return };
                match api::resolve(&token, lon, lat, &address).await {
                    Ok(r) => resolution.set(Some(r)),
                    Err(err) => console.fail(err),
                }
            });
        } else if fresh.customer.is_none() && caller.peek().customer.is_some() {
            caller.set(Caller::default());
            resolution.set(None);
        }
    });
    let lang = console.lang();
    rsx! {
        CallerFields { lang, caller, resolution, with_address: mode != Mode::Consult }
        match mode {
            Mode::Repair => rsx! { RepairForm { caller, resolution, on_next_call } },
            Mode::Patrol => rsx! { PatrolForm { caller, on_next_call } },
            Mode::Consult => rsx! { ConsultForm { caller, on_next_call } },
            Mode::Event => rsx! { EventForm { caller, on_next_call } },
        }
    }
}

#[component]
fn CallerFields(
    lang: Lang,
    caller: Signal<Caller>,
    resolution: Signal<Option<Resolution>>,
    with_address: bool,
) -> Element {
    let console = use_context::<Console>();
    let c = caller();
    rsx! {
        div { class: "row",
            label { r#for: "reporter", {tr(lang, Txt::Reporter)}
                input { id: "reporter", value: "{c.name}",
                    oninput: move |e| caller.write().name = e.value() }
            }
            label { r#for: "caller-phone", {tr(lang, Txt::Phone)}
                input { id: "caller-phone", r#type: "tel", value: "{c.phone}",
                    oninput: move |e| caller.write().phone = e.value() }
            }
        }
        if with_address {
            label { r#for: "address", {tr(lang, Txt::Address)}
                input { id: "address", value: "{c.address}",
                    oninput: move |e| caller.write().address = e.value(),
                    // Without a customer, the typed address is what routing goes by.
                    onchange: move |e| {
                        if caller.peek().customer.is_some() { return; }
                        let address = e.value();
                        spawn(async move {
                            let Some(token) = console.token() else { return };
                            if address.trim().is_empty() { return; }
                            match api::resolve(&token, None, None, &address).await {
                                Ok(r) => resolution.set(Some(r)),
                                Err(err) => console.fail(err),
                            }
                        });
                    },
                }
            }
        }
    }
}

#[component]
fn RepairForm(
    caller: Signal<Caller>,
    resolution: Signal<Option<Resolution>>,
    on_next_call: EventHandler<()>,
) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut category = use_signal(|| CATEGORIES[0].code.to_string());
    let mut content = use_signal(String::new);
    // When the customer wants the visit (China time), if they said.
    let mut appointment_from = use_signal(String::new);
    let mut appointment_to = use_signal(String::new);
    let mut team = use_signal(|| None::<Uuid>);
    let mut reason = use_signal(String::new);
    let mut saving = use_signal(|| false);
    let mut created = use_signal(|| None::<TicketView>);

    if let Some(ticket) = created() {
        let team_name = ticket.team_name.clone().unwrap_or_default();
        let explanation = ticket
            .decision
            .as_ref()
            .map(|d| d.explanation.clone())
            .unwrap_or_default();
        return rsx! {
            div { class: "created", role: "status", "data-testid": "created-ticket",
                h3 { {tr(lang, Txt::Created)} " " span { class: "mono", "data-testid": "created-number", "{ticket.number}" } }
                p { {status_label(lang, ticket.status)} " · " "{team_name}" }
                p { class: "muted", "{explanation}" }
                for w in ticket.warnings.iter() {
                    p { class: "warning", "{w}" }
                }
                button { id: "next-call", r#type: "button", class: "primary",
                    autofocus: true,
                    onclick: move |_| {
                        created.set(None);
                        content.set(String::new());
                        appointment_from.set(String::new());
                        appointment_to.set(String::new());
                        team.set(None);
                        reason.set(String::new());
                        on_next_call.call(());
                    },
                    {tr(lang, Txt::NewCall)}
                }
            }
        };
    }

    let submit = move |e: FormEvent| {
        e.prevent_default();
        if saving() {
            return;
        }
        let c = caller();
        let new = NewTicket {
            customer_id: c.customer,
            reporter: c.name.trim().to_string(),
            phone: c.phone.trim().to_string(),
            address: Some(c.address.trim().to_string()).filter(|a| !a.is_empty()),
            lon: None,
            lat: None,
            category: category(),
            content: content().trim().to_string(),
            source: TicketSource::Call,
            deadline_at: None,
            appointment_from: local_input(&appointment_from()),
            appointment_to: local_input(&appointment_to()),
            team_id: team(),
            reason: team().map(|_| reason().trim().to_string()),
        };
        spawn(async move {
            let Some(token) = console.token() else { return };
            saving.set(true);
            let result = api::create_ticket(&token, &new).await;
            saving.set(false);
            match result {
                Ok(ticket) => {
                    console.created(ticket.clone());
                    created.set(Some(ticket));
                }
                Err(err) => console.fail(err),
            }
        });
    };

    let teams: Vec<(Uuid, String)> = console
        .teams
        .read()
        .iter()
        .filter(|t| t.kind != TeamKind::Patrol)
        .map(|t| (t.id, t.name.clone()))
        .collect();
    rsx! {
        form { class: "ticket-form", onsubmit: submit, novalidate: true,
            label { r#for: "category", {tr(lang, Txt::Category)}
                select { id: "category",
                    onchange: move |e| category.set(e.value()),
                    for c in CATEGORIES {
                        option { value: c.code, selected: category() == c.code,
                            {category_label(lang, c.code)}
                        }
                    }
                }
            }
            label { r#for: "content", {tr(lang, Txt::Content)}
                textarea { id: "content", rows: 3, value: "{content}",
                    oninput: move |e| content.set(e.value()),
                }
            }
            div { class: "row",
                label { r#for: "appointment-from", {tr(lang, Txt::AppointmentFrom)}
                    input { id: "appointment-from", r#type: "datetime-local", value: "{appointment_from}",
                        oninput: move |e| appointment_from.set(e.value()) } }
                label { r#for: "appointment-to", {tr(lang, Txt::AppointmentTo)}
                    input { id: "appointment-to", r#type: "datetime-local", value: "{appointment_to}",
                        oninput: move |e| appointment_to.set(e.value()) } }
            }
            RoutingBox { lang, resolution: resolution() }
            div { class: "row",
                label { r#for: "override-team", {tr(lang, Txt::Override)}
                    select { id: "override-team",
                        onchange: move |e| team.set(e.value().parse().ok()),
                        option { value: "", selected: team().is_none(), {tr(lang, Txt::KeepSuggestion)} }
                        for (id, name) in teams {
                            option { value: "{id}", selected: team() == Some(id), "{name}" }
                        }
                    }
                }
                if team().is_some() {
                    label { r#for: "override-reason", {tr(lang, Txt::OverrideReason)}
                        input { id: "override-reason", value: "{reason}",
                            oninput: move |e| reason.set(e.value()) }
                    }
                }
            }
            button { id: "create-ticket", r#type: "submit", class: "primary", disabled: saving(),
                if saving() { {tr(lang, Txt::Saving)} } else { {tr(lang, Txt::CreateTicket)} }
            }
        }
    }
}

#[component]
pub fn RoutingBox(lang: Lang, resolution: Option<Resolution>) -> Element {
    rsx! {
        div { class: "routing", "data-testid": "routing-suggestion",
            h4 { {tr(lang, Txt::Routing)} }
            match resolution {
                None => rsx! { p { class: "muted", {tr(lang, Txt::RoutingPending)} } },
                Some(r) => rsx! {
                    p { class: "routing-team",
                        match r.repair_team.as_ref() {
                            Some(team) => rsx! { strong { "data-testid": "suggested-team", "{team.name}" } },
                            None => rsx! { strong { class: "warn-text", {tr(lang, Txt::Unrouted)} } },
                        }
                    }
                    p { class: "explanation", "data-testid": "routing-explanation", "{r.explanation}" }
                },
            }
        }
    }
}
