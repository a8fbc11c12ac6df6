//! Workbenches: the queues an agent works through between calls. Follow-up calls (take a
//! locked batch, call, record, release), consultations and events awaiting replies, patrol
//! checks awaiting results, and field changes flagged by sync awaiting a decision.

use super::api;
use super::i18n::{Txt, tr};
use super::store::Console;
use crate::api::ApiError;
use crate::i18n::Lang;
use dioxus::prelude::*;
use gasdesk_shared::callcenter::{ConsultationView, EventView};
use gasdesk_shared::followup::{FollowupBatch, FollowupResult, FollowupView, Satisfaction};
use gasdesk_shared::routing::PatrolCheckView;
use gasdesk_shared::sync::FlaggedMutation;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bench {
    Followups,
    Consultations,
    Events,
    Checks,
    Conflicts,
}

impl Bench {
    pub const ALL: [Bench; 5] = [
        Bench::Followups,
        Bench::Consultations,
        Bench::Events,
        Bench::Checks,
        Bench::Conflicts,
    ];

    fn id(self) -> &'static str {
        match self {
            Bench::Followups => "followups",
            Bench::Consultations => "consultations",
            Bench::Events => "events",
            Bench::Checks => "checks",
            Bench::Conflicts => "conflicts",
        }
    }

    fn label(self) -> Txt {
        match self {
            Bench::Followups => Txt::WorkFollowups,
            Bench::Consultations => Txt::WorkConsultations,
            Bench::Events => Txt::WorkEvents,
            Bench::Checks => Txt::WorkChecks,
            Bench::Conflicts => Txt::WorkConflicts,
        }
    }
}

#[component]
pub fn WorkPage() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut bench = use_signal(|| Bench::Followups);
    rsx! {
        div { class: "work",
            nav { class: "modes", role: "tablist",
                for b in Bench::ALL {
                    button { r#type: "button", role: "tab", id: "bench-{b.id()}",
                        class: if bench() == b { "tab active" } else { "tab" },
                        "aria-selected": if bench() == b { "true" } else { "false" },
                        onclick: move |_| bench.set(b),
                        {tr(lang, b.label())}
                    }
                }
            }
            section { class: "panel", "data-bench": bench().id(),
                match bench() {
                    Bench::Followups => rsx! { FollowupBench {} },
                    Bench::Consultations => rsx! { ConsultationBench {} },
                    Bench::Events => rsx! { EventBench {} },
                    Bench::Checks => rsx! { CheckBench {} },
                    Bench::Conflicts => rsx! { ConflictBench {} },
                }
            }
        }
    }
}

/// Fetches a bench's list with a session token.
type Loader<T> =
    fn(String) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<T>, ApiError>>>>;

/// Loads a list once when the bench opens, and again on `reload`.
fn use_list<T: 'static + Clone>(load: Loader<T>) -> (Signal<Option<Vec<T>>>, Callback<()>) {
    let console = use_context::<Console>();
    let mut list = use_signal(|| None::<Vec<T>>);
    let reload = use_callback(move |_: ()| {
        spawn(async move {
            let Some(token) = console.token() else { return };
            match load(token).await {
                Ok(items) => list.set(Some(items)),
                Err(err) => console.fail(err),
            }
        });
    });
    use_hook(move || reload.call(()));
    (list, reload)
}

#[component]
fn FollowupBench() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let (pending, reload) =
        use_list::<FollowupView>(|t| Box::pin(async move { api::pending_followups(&t).await }));
    let mut batch = use_signal(|| None::<FollowupBatch>);
    let mut size = use_signal(|| "10".to_string());
    let mut none_free = use_signal(|| false);
    let mut done = use_signal(Vec::<Uuid>::new);
    let take = move |_| {
        let n = size().trim().parse().unwrap_or(0);
        spawn(async move {
            let Some(token) = console.token() else { return };
            none_free.set(false);
            match api::take_followups(&token, n).await {
                Ok(b) => batch.set(Some(b)),
                Err(ApiError::Server { status: 404, .. }) => none_free.set(true),
                Err(err) => console.fail(err),
            }
            reload.call(());
        });
    };
    let release = move |id: Uuid| {
        spawn(async move {
            let Some(token) = console.token() else { return };
            match api::release_followups(&token, id).await {
                Ok(()) => batch.set(None),
                Err(err) => console.fail(err),
            }
            reload.call(());
        });
    };
    let waiting = pending().map(|l| l.len()).unwrap_or(0);
    rsx! {
        div { class: "toolbar",
            span { "data-testid": "followups-waiting", {tr(lang, Txt::Waiting)} "：{waiting}" }
            label { r#for: "followup-size", {tr(lang, Txt::BatchSize)}
                input { id: "followup-size", r#type: "number", min: "1", max: "50", value: "{size}",
                    oninput: move |e| size.set(e.value()) }
            }
            button { id: "take-batch", r#type: "button", class: "primary", disabled: batch().is_some(),
                onclick: take, {tr(lang, Txt::TakeBatch)} }
        }
        if none_free() {
            p { class: "warning", role: "alert", "data-testid": "followup-none", {tr(lang, Txt::NothingToTake)} }
        }
        if let Some(b) = batch() {
            h3 { {tr(lang, Txt::MyBatch)} " · " {tr(lang, Txt::LockedUntil)} " "
                span { class: "mono", {super::i18n::china_hhmm(b.expires_at)} }
            }
            table { class: "grid", "data-testid": "my-batch",
                tbody {
                    for item in b.items.iter() {
                        FollowupRow { key: "{item.id}", lang, item: item.clone(), done: done().contains(&item.id),
                            on_done: move |id| done.write().push(id) }
                    }
                }
            }
            button { id: "release-batch", r#type: "button", class: "secondary",
                onclick: move |_| release(b.id), {tr(lang, Txt::ReleaseBatch)} }
        }
    }
}

#[component]
fn FollowupRow(lang: Lang, item: FollowupView, done: bool, on_done: EventHandler<Uuid>) -> Element {
    let console = use_context::<Console>();
    let mut satisfaction = use_signal(|| Satisfaction::Satisfied);
    let mut remarks = use_signal(String::new);
    let id = item.id;
    let record = move |_| {
        let result = FollowupResult {
            satisfaction: satisfaction(),
            remarks: Some(remarks().trim().to_string()).filter(|r| !r.is_empty()),
            heard: None,
        };
        spawn(async move {
            let Some(token) = console.token() else { return };
            match api::record_followup(&token, id, &result).await {
                Ok(_) => on_done.call(id),
                Err(err) => console.fail(err),
            }
        });
    };
    let choices = [
        Satisfaction::Satisfied,
        Satisfaction::BasicallySatisfied,
        Satisfaction::Dissatisfied,
    ];
    rsx! {
        tr { "data-testid": "followup-item",
            td { class: "mono", "{item.ticket_number}" }
            td { "{item.reporter}" }
            td { class: "mono", a { href: "tel:{item.phone}", "{item.phone}" } }
            td { "{item.address}" }
            if done {
                td { colspan: 3, {tr(lang, Txt::Done)} }
            } else {
                td {
                    select { "aria-label": tr(lang, Txt::Satisfaction),
                        onchange: move |e| {
                            if let Some(s) = choices.into_iter().find(|s| s.as_str() == e.value()) { satisfaction.set(s) }
                        },
                        for s in choices { option { value: s.as_str(), {s.label_zh()} } }
                    }
                }
                td { input { "aria-label": tr(lang, Txt::Remarks), value: "{remarks}", oninput: move |e| remarks.set(e.value()) } }
                td { button { r#type: "button", class: "secondary", onclick: record, {tr(lang, Txt::Record)} } }
            }
        }
    }
}

/// A one-line form: text and a button, for replies and decisions.
#[component]
fn ReplyCell(label: Txt, button: Txt, on_send: EventHandler<String>) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut text = use_signal(String::new);
    rsx! {
        td { input { "aria-label": tr(lang, label), placeholder: tr(lang, label), value: "{text}", oninput: move |e| text.set(e.value()) } }
        td { button { r#type: "button", class: "secondary",
            onclick: move |_| { let t = text(); if !t.trim().is_empty() { on_send.call(t) } },
            {tr(lang, button)} } }
    }
}

#[component]
fn ConsultationBench() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let (list, reload) = use_list::<ConsultationView>(|t| {
        Box::pin(async move { api::forwarded_consultations(&t).await.map(|p| p.items) })
    });
    let items = list().unwrap_or_default();
    rsx! {
        if items.is_empty() { p { class: "muted", {tr(lang, Txt::Nothing)} } }
        table { class: "grid", tbody {
            for c in items {
                tr { key: "{c.id}", "data-testid": "consultation-item",
                    td { "{c.caller}" } td { class: "mono", "{c.phone}" } td { "{c.question}" }
                    td { {c.department.clone().unwrap_or_default()} }
                    td { class: if c.overdue { "warn-text" } else { "" }, {c.status.label_zh()} }
                    ReplyCell { label: Txt::Reply, button: Txt::SendReply, on_send: move |reply: String| {
                        spawn(async move {
                            let Some(token) = console.token() else { return };
                            match api::reply_consultation(&token, c.id, &reply).await {
                                Ok(()) => reload.call(()),
                                Err(err) => console.fail(err),
                            }
                        });
                    } }
                }
            }
        } }
    }
}

#[component]
fn EventBench() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let (list, reload) = use_list::<EventView>(|t| {
        Box::pin(async move { api::events_awaiting_reply(&t).await.map(|p| p.items) })
    });
    let items = list().unwrap_or_default();
    rsx! {
        if items.is_empty() { p { class: "muted", {tr(lang, Txt::Nothing)} } }
        table { class: "grid", tbody {
            for ev in items {
                tr { key: "{ev.id}", "data-testid": "event-item",
                    td { {ev.kind.label_zh()} } td { "{ev.content}" }
                    td { {ev.reporter.clone().unwrap_or_default()} } td { class: "mono", {ev.phone.clone().unwrap_or_default()} }
                    ReplyCell { label: Txt::Reply, button: Txt::SendReply, on_send: move |reply: String| {
                        spawn(async move {
                            let Some(token) = console.token() else { return };
                            match api::reply_event(&token, ev.id, &reply).await {
                                Ok(()) => reload.call(()),
                                Err(err) => console.fail(err),
                            }
                        });
                    } }
                }
            }
        } }
    }
}

#[component]
fn CheckBench() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let (list, _) = use_list::<PatrolCheckView>(|t| {
        Box::pin(async move {
            api::checks(&t)
                .await
                .map(|l| l.into_iter().filter(|c| c.status == "open").collect())
        })
    });
    let items = list().unwrap_or_default();
    rsx! {
        if items.is_empty() { p { class: "muted", {tr(lang, Txt::Nothing)} } }
        table { class: "grid", tbody {
            for c in items {
                tr { key: "{c.id}", "data-testid": "check-item",
                    td { "{c.description}" }
                    td { class: "mono", "{c.lon:.5}, {c.lat:.5}" }
                    td { {console.team_name(c.team_id).unwrap_or_default()} }
                    td { "{c.decision.explanation}" }
                }
            }
        } }
    }
}

#[component]
fn ConflictBench() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let (list, reload) =
        use_list::<FlaggedMutation>(|t| Box::pin(async move { api::flagged(&t).await }));
    let items = list().unwrap_or_default();
    rsx! {
        if items.is_empty() { p { class: "muted", {tr(lang, Txt::Nothing)} } }
        table { class: "grid", tbody {
            for f in items {
                tr { key: "{f.id}", "data-testid": "conflict-item",
                    td { "{f.user_name}" } td { class: "mono", "{f.kind}" } td { "{f.reason}" }
                    ReplyCell { label: Txt::Resolution, button: Txt::Resolve, on_send: move |text: String| {
                        spawn(async move {
                            let Some(token) = console.token() else { return };
                            match api::resolve_flagged(&token, f.id, &text).await {
                                Ok(()) => reload.call(()),
                                Err(err) => console.fail(err),
                            }
                        });
                    } }
                }
            }
        } }
    }
}
