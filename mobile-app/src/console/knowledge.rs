//! The knowledge-base side panel of intake: searched while the caller talks.

use super::api;
use super::i18n::{Txt, tr};
use super::model::SearchSeq;
use super::net::sleep_ms;
use super::store::Console;
use dioxus::prelude::*;
use gasdesk_shared::callcenter::KnowledgeHit;

#[component]
pub fn KnowledgePanel() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut query = use_signal(String::new);
    let mut hits = use_signal(|| None::<Vec<KnowledgeHit>>);
    let mut seq = use_signal(SearchSeq::default);
    let on_input = move |e: FormEvent| {
        let text = e.value();
        query.set(text.clone());
        let mine = seq.write().start();
        spawn(async move {
            sleep_ms(super::intake::DEBOUNCE_MS * 3).await;
            if !seq.peek().is_current(mine) {
                return;
            }
            if text.trim().is_empty() {
                hits.set(None);
                return;
            }
            let Some(token) = console.token() else { return };
            let result = api::search_knowledge(&token, &text).await;
            if !seq.peek().is_current(mine) {
                return;
            }
            match result {
                Ok(page) => hits.set(Some(page.items)),
                Err(err) => console.fail(err),
            }
        });
    };
    rsx! {
        aside { class: "panel knowledge", "aria-label": tr(lang, Txt::Knowledge),
            h2 { {tr(lang, Txt::Knowledge)} }
            input { id: "kb-search", r#type: "search", placeholder: tr(lang, Txt::KnowledgeHint),
                value: "{query}", oninput: on_input }
            match hits() {
                None => rsx! {},
                Some(list) if list.is_empty() => rsx! { p { class: "muted", {tr(lang, Txt::NoKnowledge)} } },
                Some(list) => rsx! {
                    ul { class: "kb-hits",
                        for hit in list {
                            li { key: "{hit.id}", "data-testid": "kb-hit",
                                strong { "{hit.title}" }
                                if let Some(sub) = hit.subtitle.as_deref() { span { class: "muted", " · {sub}" } }
                                p { "{hit.snippet}" }
                            }
                        }
                    }
                },
            }
        }
    }
}
