//! What the sync status bar opens: pending changes, the last error, and each change the server
//! kept but flagged, with why, until the worker dismisses it.

use crate::i18n::{Key, Lang, t, tn};
use dioxus::prelude::*;
use gasdesk_shared::sync::FlagNotice;

#[component]
pub fn SyncDetails(
    lang: Lang,
    pending: usize,
    last_error: Option<String>,
    flags: Vec<FlagNotice>,
    on_sync_now: EventHandler<()>,
    on_dismiss: EventHandler<usize>,
    on_back: EventHandler<()>,
) -> Element {
    rsx! {
        section { class: "sync-details", "data-testid": "sync-details",
            div { class: "screen-head",
                button { r#type: "button", class: "back", onclick: move |_| on_back.call(()), "‹ " {t(lang, Key::Back)} }
                h2 { class: "screen-title", {t(lang, Key::SyncNow)} }
            }
            div { class: "card",
                p { if pending > 0 { {tn(lang, Key::PendingN, pending)} } else { {t(lang, Key::AllSynced)} } }
                if let Some(err) = last_error {
                    p { class: "sync-error", "{err}" }
                }
                button { id: "sync-now", r#type: "button", class: "primary", onclick: move |_| on_sync_now.call(()), {t(lang, Key::SyncNow)} }
            }
            if !flags.is_empty() {
                div { class: "card warning", "data-testid": "flags",
                    h3 { {t(lang, Key::FlaggedTitle)} }
                    ul {
                        for (i, flag) in flags.iter().enumerate() {
                            li { key: "{flag.mutation_id}", class: "flag",
                                p { class: "flag-kind", "#{flag.seq} · {flag.kind} · {flag.code}" }
                                p { class: "flag-reason", "{flag.reason}" }
                                button { r#type: "button", class: "small secondary", onclick: move |_| on_dismiss.call(i), {t(lang, Key::Dismiss)} }
                            }
                        }
                    }
                }
            }
        }
    }
}
