//! The knowledge base as team leaders keep it: add an entry, edit one (the form fills with the
//! whole entry), delete one. Agents search it from intake's side panel.

use super::model::KnowledgeForm;
use super::refusal::Refusal;
use super::{ConfirmButton, RefusalNote, change, remove, use_listing};
use crate::console::i18n::{Txt, tr};
use crate::console::net;
use crate::console::store::Console;
use dioxus::prelude::*;
use gasdesk_shared::api::Page;
use gasdesk_shared::callcenter::{KnowledgeEntry, KnowledgeHit};
use uuid::Uuid;

#[component]
pub fn Knowledge() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let (entries, reload) = use_listing::<Page<KnowledgeHit>>("/api/v1/knowledge?limit=200");
    let mut form = use_signal(KnowledgeForm::default);
    let mut editing = use_signal(|| None::<Uuid>);
    let mut refusal = use_signal(|| None::<Refusal>);
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let entry = form.peek().to_entry();
        let editing_id = *editing.peek();
        spawn(async move {
            let answer = match editing_id {
                Some(id) => {
                    change::<KnowledgeEntry>(
                        console,
                        "PUT",
                        &format!("/api/v1/knowledge/{id}"),
                        Some(&entry),
                    )
                    .await
                }
                None => {
                    change::<KnowledgeEntry>(console, "POST", "/api/v1/knowledge", Some(&entry))
                        .await
                }
            };
            match answer {
                Ok(_) => {
                    refusal.set(None);
                    form.set(KnowledgeForm::default());
                    editing.set(None);
                    reload.call(());
                }
                Err(r) => refusal.set(Some(r)),
            }
        });
    };
    let edit = move |id: Uuid| {
        spawn(async move {
            let Some(token) = console.token() else { return };
            match net::get::<KnowledgeEntry>(&token, &format!("/api/v1/knowledge/{id}")).await {
                Ok(entry) => {
                    form.set(KnowledgeForm::of(&entry));
                    editing.set(Some(id));
                    refusal.set(None);
                    net::focus("kb-title");
                }
                Err(err) => console.fail(err),
            }
        });
    };
    let delete = move |id: Uuid| {
        spawn(async move {
            match remove(console, &format!("/api/v1/knowledge/{id}")).await {
                Ok(()) => {
                    if *editing.peek() == Some(id) {
                        editing.set(None);
                        form.set(KnowledgeForm::default());
                    }
                    refusal.set(None);
                    reload.call(());
                }
                Err(r) => refusal.set(Some(r)),
            }
        });
    };
    let f = form();
    rsx! {
        form { class: "admin-form", id: "kb-form", "data-editing": editing().is_some().to_string(), onsubmit: submit, novalidate: true,
            h3 { if editing().is_some() { {tr(lang, Txt::EditEntry)} } else { {tr(lang, Txt::NewEntry)} } }
            div { class: "row",
                label { r#for: "kb-title", {tr(lang, Txt::KbTitle)} input { id: "kb-title", value: "{f.title}", oninput: move |e| form.write().title = e.value() } }
                label { r#for: "kb-subtitle", {tr(lang, Txt::KbSubtitle)} input { id: "kb-subtitle", value: "{f.subtitle}", oninput: move |e| form.write().subtitle = e.value() } }
                label { r#for: "kb-keywords", {tr(lang, Txt::KbKeywords)} input { id: "kb-keywords", value: "{f.keywords}", oninput: move |e| form.write().keywords = e.value() } }
            }
            label { r#for: "kb-content", {tr(lang, Txt::KbContent)} textarea { id: "kb-content", rows: 3, value: "{f.content}", oninput: move |e| form.write().content = e.value() } }
            RefusalNote { refusal: refusal() }
            div { class: "row-buttons",
                button { id: "kb-save", r#type: "submit", class: "primary",
                    if editing().is_some() { {tr(lang, Txt::Save)} } else { {tr(lang, Txt::Add)} } }
                if editing().is_some() {
                    button { id: "kb-cancel-edit", r#type: "button", class: "secondary",
                        onclick: move |_| { editing.set(None); form.set(KnowledgeForm::default()); refusal.set(None); },
                        {tr(lang, Txt::CancelEdit)} }
                }
            }
        }
        table { class: "grid", "data-testid": "kb-entries",
            tbody {
                for k in entries().map(|p| p.items).unwrap_or_default() {
                    tr { key: "{k.id}", "data-testid": "kb-row", "data-title": "{k.title}",
                        td { "{k.title}" } td { {k.subtitle.clone().unwrap_or_default()} }
                        td { {k.keywords.join("、")} } td { "{k.snippet}" }
                        td { class: "row-buttons",
                            button { r#type: "button", class: "secondary", "data-action": "edit-entry", onclick: move |_| edit(k.id), {tr(lang, Txt::Edit)} }
                            ConfirmButton { action: "delete-entry", label: Txt::Delete, question: Txt::ConfirmDelete, on_confirm: move |_| delete(k.id) }
                        }
                    }
                }
            }
        }
    }
}
