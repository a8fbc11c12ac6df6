//! Outage notices (停气通知): a planned or emergency interruption for streets and communities
//! in a time window; intake warns the agent when the caller lives there.

use super::model::list_input;
use super::refusal::Refusal;
use super::{RefusalNote, change, use_listing};
use crate::console::i18n::{Txt, tr};
use crate::console::store::Console;
use crate::console::when::{china_day_time, local_input};
use dioxus::prelude::*;
use gasdesk_shared::intake::{NewOutageNotice, OutageNoticeView};

#[component]
pub fn Outages() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let (notices, reload) = use_listing::<Vec<OutageNoticeView>>("/api/v1/outages");
    let mut reason = use_signal(String::new);
    let mut from = use_signal(String::new);
    let mut to = use_signal(String::new);
    let mut streets = use_signal(String::new);
    let mut communities = use_signal(String::new);
    let mut refusal = use_signal(|| None::<Refusal>);
    let add = move |e: FormEvent| {
        e.prevent_default();
        let (Some(starts_at), Some(ends_at)) = (local_input(&from.peek()), local_input(&to.peek()))
        else {
            return refusal.set(Some(Refusal::local(
                "starts_at / ends_at",
                Txt::GiveBothTimes,
            )));
        };
        let notice = NewOutageNotice {
            reason: reason.peek().trim().into(),
            starts_at,
            ends_at,
            geometry: None,
            streets: list_input(&streets.peek()),
            communities: list_input(&communities.peek()),
        };
        spawn(async move {
            match change::<OutageNoticeView>(console, "POST", "/api/v1/outages", Some(&notice))
                .await
            {
                Ok(_) => {
                    refusal.set(None);
                    reason.set(String::new());
                    reload.call(());
                }
                Err(r) => refusal.set(Some(r)),
            }
        });
    };
    rsx! {
        form { class: "admin-form", id: "new-outage", onsubmit: add, novalidate: true,
            div { class: "row",
                label { r#for: "outage-reason", {tr(lang, Txt::Reason)} input { id: "outage-reason", value: "{reason}", oninput: move |e| reason.set(e.value()) } }
                label { r#for: "outage-from", {tr(lang, Txt::ShiftFrom)} input { id: "outage-from", r#type: "datetime-local", value: "{from}", oninput: move |e| from.set(e.value()) } }
                label { r#for: "outage-to", {tr(lang, Txt::ShiftTo)} input { id: "outage-to", r#type: "datetime-local", value: "{to}", oninput: move |e| to.set(e.value()) } }
            }
            div { class: "row",
                label { r#for: "outage-streets", {tr(lang, Txt::Streets)} input { id: "outage-streets", value: "{streets}", oninput: move |e| streets.set(e.value()) } }
                label { r#for: "outage-communities", {tr(lang, Txt::Communities)} input { id: "outage-communities", value: "{communities}", oninput: move |e| communities.set(e.value()) } }
            }
            RefusalNote { refusal: refusal() }
            div { button { id: "outage-add", r#type: "submit", class: "primary", {tr(lang, Txt::Add)} } }
        }
        table { class: "grid", "data-testid": "outages",
            tbody {
                for o in notices().unwrap_or_default() {
                    tr { key: "{o.id}", "data-testid": "outage-row", td { "{o.reason}" } td { {o.streets.join("、")} } td { {o.communities.join("、")} }
                        td { class: "mono", {china_day_time(o.starts_at)} " – " {china_day_time(o.ends_at)} } }
                }
            }
        }
    }
}
