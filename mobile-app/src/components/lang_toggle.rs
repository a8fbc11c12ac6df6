//! Switches between zh-CN and English; labelled with the language it switches to.

use crate::i18n::{Key, Lang, t};
use dioxus::prelude::*;

#[component]
pub fn LangToggle(lang: Lang, on_toggle: EventHandler<()>) -> Element {
    rsx! {
        button {
            id: "lang-toggle",
            r#type: "button",
            class: "lang-toggle",
            lang: lang.other().tag(),
            onclick: move |_| on_toggle.call(()),
            {t(lang, Key::SwitchLanguage)}
        }
    }
}
