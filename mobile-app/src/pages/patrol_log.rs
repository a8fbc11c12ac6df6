//! The patroller's daily log: start it, the track is recorded while it is open, close it with
//! what was checked.

use crate::fmt::short_time;
use crate::i18n::{Key, Lang, t};
use crate::store::OpenLog;
use dioxus::prelude::*;

#[component]
pub fn PatrolLogPage(
    lang: Lang,
    log: Option<OpenLog>,
    on_start: EventHandler<()>,
    on_close: EventHandler<(String, Option<String>)>,
) -> Element {
    let mut checked = use_signal(String::new);
    let mut remarks = use_signal(String::new);
    rsx! {
        section { class: "card patrol-log", "data-testid": "patrol-log",
            h2 { class: "screen-title", {t(lang, Key::PatrolLog)} }
            match log {
                None => rsx! {
                    button { id: "start-log", r#type: "button", class: "primary big",
                        onclick: move |_| on_start.call(()),
                        {t(lang, Key::StartLog)}
                    }
                },
                Some(log) => rsx! {
                    p { class: "notice", role: "status", {t(lang, Key::LogOpen)} " · {short_time(log.started_at)}" }
                    p { {t(lang, Key::TrackPoints)} ": " span { "data-testid": "track-points", "{log.points}" } }
                    label { r#for: "log-checked", {t(lang, Key::Checked)} }
                    input { id: "log-checked", r#type: "text", value: "{checked}",
                        oninput: move |e| checked.set(e.value()) }
                    label { r#for: "log-remarks", {t(lang, Key::Remarks)} }
                    textarea { id: "log-remarks", rows: "2", value: "{remarks}",
                        oninput: move |e| remarks.set(e.value()) }
                    button { id: "close-log", r#type: "button", class: "primary big",
                        onclick: move |_| {
                            let note = remarks().trim().to_string();
                            on_close.call((checked().trim().to_string(), (!note.is_empty()).then_some(note)));
                        },
                        {t(lang, Key::CloseLog)}
                    }
                },
            }
        }
    }
}
