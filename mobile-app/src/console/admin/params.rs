//! Business parameters, each edited where it is listed: the value goes to the server as typed
//! (a whole number where the parameter is one; the basemap's datum chosen from the two there
//! are) and a refusal is shown on that row.

use super::model::{param_text, param_value};
use super::refusal::Refusal;
use super::{RefusalNote, change, use_listing};
use crate::console::i18n::{Txt, tr};
use crate::console::store::Console;
use dioxus::prelude::*;
use gasdesk_shared::Permission;
use gasdesk_shared::api::{BusinessParam, ParamUpdate};
use gasdesk_shared::datum::Datum;

#[component]
pub fn Params() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let can_change = super::allowed(console, Permission::ManageParams);
    let (params, reload) = use_listing::<Vec<BusinessParam>>("/api/v1/params");
    rsx! {
        table { class: "grid", "data-testid": "admin-params",
            thead { tr { th { {tr(lang, Txt::ParamKey)} } th { {tr(lang, Txt::Value)} } th { {tr(lang, Txt::ParamMeaning)} } } }
            tbody {
                for p in params().unwrap_or_default() {
                    ParamRow { key: "{p.key}", param: p.clone(), can_change, on_saved: move |_| reload.call(()) }
                }
            }
        }
    }
}

#[component]
fn ParamRow(param: BusinessParam, can_change: bool, on_saved: EventHandler<()>) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut typed = use_signal(|| param_text(&param.value));
    let mut refusal = use_signal(|| None::<Refusal>);
    let mut saved = use_signal(|| false);
    let key = param.key.clone();
    let current = param.value.clone();
    let save = move |e: FormEvent| {
        e.prevent_default();
        let update = ParamUpdate {
            value: param_value(&current, &typed.peek()),
        };
        let path = format!("/api/v1/params/{key}");
        spawn(async move {
            match change::<BusinessParam>(console, "PUT", &path, Some(&update)).await {
                Ok(p) => {
                    refusal.set(None);
                    typed.set(param_text(&p.value));
                    saved.set(true);
                    on_saved.call(());
                }
                Err(r) => {
                    saved.set(false);
                    refusal.set(Some(r));
                }
            }
        });
    };
    let wide = param.value.is_string();
    let datum = param.key == "map_tile_datum";
    rsx! {
        tr { "data-testid": "param-row", "data-key": "{param.key}",
            td { class: "mono", "{param.key}" }
            td {
                form { class: "inline", onsubmit: save, novalidate: true,
                    if datum {
                        select { class: "param-value wide", id: "param-{param.key}", "aria-label": "{param.key}",
                            disabled: !can_change, onchange: move |e| { saved.set(false); typed.set(e.value()) },
                            for d in Datum::ALL {
                                option { key: "{d.as_str()}", value: d.as_str(), selected: typed() == d.as_str(), {datum_label(lang, d)} }
                            }
                        }
                    } else {
                        input { class: if wide { "param-value wide" } else { "param-value" }, id: "param-{param.key}",
                            "aria-label": "{param.key}", disabled: !can_change, value: "{typed}",
                            oninput: move |e| { saved.set(false); typed.set(e.value()) } }
                    }
                    if can_change { button { r#type: "submit", class: "secondary", "data-action": "save-param", {tr(lang, Txt::Save)} } }
                    if saved() { span { class: "muted", role: "status", "data-testid": "param-saved", " ✓ " {tr(lang, Txt::Saved)} } }
                }
                RefusalNote { refusal: refusal() }
            }
            td { class: "muted", "{param.description}" }
        }
    }
}

/// A datum as a team leader knows it: by the maps drawn in it.
fn datum_label(lang: crate::i18n::Lang, datum: Datum) -> &'static str {
    tr(
        lang,
        match datum {
            Datum::Wgs84 => Txt::DatumWgs84,
            Datum::Gcj02 => Txt::DatumGcj02,
        },
    )
}
