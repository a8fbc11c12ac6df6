//! The banner every error reaches the user through.

use crate::i18n::{Key, Lang, t};
use dioxus::prelude::*;

#[component]
pub fn ErrorBanner(lang: Lang, message: String, on_dismiss: EventHandler<()>) -> Element {
    rsx! {
        div { class: "error-banner", role: "alert", "data-testid": "error-banner",
            span { class: "error-text", "{message}" }
            button {
                r#type: "button",
                class: "error-dismiss",
                "aria-label": t(lang, Key::Dismiss),
                onclick: move |_| on_dismiss.call(()),
                "×"
            }
        }
    }
}
