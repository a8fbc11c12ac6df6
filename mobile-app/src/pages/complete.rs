//! The completion form (完工回单): repair items and materials from the offline catalogs (search
//! by name or code), quantities, photos, the customer's signature, remarks, and the fees and
//! workload score previewed with the shared rules. Submitting queues it in the outbox.

use crate::i18n::{Key, Lang, points, t, yuan};
use crate::platform;
use crate::store::AppState;
use crate::store::jobs::{Draft, search_items, search_materials};
use dioxus::prelude::*;
use gasdesk_shared::scoring::Computation;
use uuid::Uuid;

const PHOTO_INPUT: &str = "photo-input";
const SIGNATURE_PAD: &str = "signature-pad";
const RESULTS: usize = 8;

#[component]
pub fn FeePreview(lang: Lang, computation: Option<Computation>) -> Element {
    rsx! {
        div { class: "card preview", "data-testid": "fee-preview",
            h3 { {t(lang, Key::Preview)} }
            if let Some(c) = computation {
                dl { class: "facts",
                    dt { {t(lang, Key::OnsiteFee)} }
                    dd { "{yuan(c.onsite_fee_fen)}" }
                    dt { {t(lang, Key::MaterialFee)} }
                    dd { "data-testid": "material-fee", "{yuan(c.material_fee_fen)}" }
                    dt { {t(lang, Key::TotalFee)} }
                    dd { class: "total", "data-testid": "total-fee", "{yuan(c.total_fee_fen)}" }
                    dt { {t(lang, Key::Score)} }
                    dd { "data-testid": "score", "{points(c.total_centipoints)}" }
                }
            } else {
                p { class: "muted", "—" }
            }
        }
    }
}

#[component]
pub fn CompletionForm(ticket_id: Uuid) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut item_query = use_signal(String::new);
    let mut material_query = use_signal(String::new);
    let replica = state.field.replica.read();
    let Some(replica) = replica.as_ref() else {
        return rsx! {};
    };
    let number = replica
        .ticket(ticket_id)
        .map(|t| t.number)
        .unwrap_or_default();
    let draft: Draft = state
        .field
        .drafts
        .read()
        .get(&ticket_id)
        .cloned()
        .unwrap_or_default();
    let Some(reference) = replica.reference.as_ref() else {
        return rsx! { p { class: "card muted", {t(lang, Key::NoCatalog)} } };
    };
    let computation = draft.preview(reference, replica.user_id);
    let items = search_items(reference, &item_query(), RESULTS);
    let materials = search_materials(reference, &material_query(), RESULTS);
    let item_name = |code: &str| {
        reference
            .repair_items
            .iter()
            .find(|i| i.code == code)
            .map_or_else(|| code.to_string(), |i| i.name.clone())
    };
    let material_of = |code: &str| reference.materials.iter().find(|m| m.code == code);
    rsx! {
        section { class: "complete", "data-testid": "completion-form",
            div { class: "screen-head",
                button { r#type: "button", class: "back",
                    onclick: move |_| state.navigate(crate::store::Screen::Job(ticket_id)),
                    "‹ " {t(lang, Key::Back)}
                }
                h2 { class: "screen-title", {t(lang, Key::CompleteTitle)} " {number}" }
            }
            div { class: "card",
                h3 { {t(lang, Key::RepairItems)} }
                ul { class: "lines", "data-testid": "item-lines",
                    for line in draft.items.iter() {
                        li { key: "{line.code}", "data-code": "{line.code}",
                            span { class: "line-name", "{line.code} {item_name(&line.code)}" }
                            span { class: "stepper",
                                button { r#type: "button", class: "small", "aria-label": "-",
                                    onclick: {
                                        let code = line.code.clone();
                                        move |_| state.update_draft(ticket_id, |d| d.bump_item(&code, -1))
                                    },
                                    "−"
                                }
                                span { class: "qty", "{line.quantity}" }
                                button { r#type: "button", class: "small", "aria-label": "+",
                                    onclick: {
                                        let code = line.code.clone();
                                        move |_| state.update_draft(ticket_id, |d| d.bump_item(&code, 1))
                                    },
                                    "+"
                                }
                            }
                        }
                    }
                }
                input {
                    id: "item-search",
                    r#type: "search",
                    placeholder: t(lang, Key::SearchCatalog),
                    value: "{item_query}",
                    oninput: move |e| item_query.set(e.value()),
                }
                ul { class: "results",
                    if items.is_empty() {
                        li { class: "muted", {t(lang, Key::NoMatch)} }
                    }
                    for item in items {
                        li { key: "{item.code}",
                            button { r#type: "button", class: "result", "data-code": "{item.code}",
                                onclick: {
                                    let code = item.code.clone();
                                    move |_| state.update_draft(ticket_id, |d| d.add_item(&code))
                                },
                                span { class: "code", "{item.code}" }
                                " {item.name}"
                                if item.onsite_fee_fen > 0 {
                                    span { class: "muted", " · {t(lang, Key::OnsiteFee)} {yuan(item.onsite_fee_fen)}" }
                                }
                            }
                        }
                    }
                }
            }
            div { class: "card",
                h3 { {t(lang, Key::Materials)} }
                ul { class: "lines", "data-testid": "material-lines",
                    for (code, quantity) in draft.materials.iter() {
                        li { key: "{code}", "data-code": "{code}",
                            span { class: "line-name",
                                "{code} "
                                {material_of(code).map(|m| m.name.clone()).unwrap_or_default()}
                            }
                            input {
                                class: "qty-input",
                                r#type: "number",
                                inputmode: "decimal",
                                min: "0",
                                step: "any",
                                "aria-label": t(lang, Key::Quantity),
                                value: "{quantity}",
                                onchange: {
                                    let code = code.clone();
                                    move |e: FormEvent| {
                                        let q = e.value().trim().parse::<f64>().unwrap_or(f64::NAN);
                                        state.update_draft(ticket_id, |d| d.set_material(&code, q));
                                    }
                                },
                            }
                            span { class: "unit", {material_of(code).map(|m| m.unit.clone()).unwrap_or_default()} }
                            button { r#type: "button", class: "small", "aria-label": t(lang, Key::Remove),
                                onclick: {
                                    let code = code.clone();
                                    move |_| state.update_draft(ticket_id, |d| d.remove_material(&code))
                                },
                                "×"
                            }
                        }
                    }
                }
                input {
                    id: "material-search",
                    r#type: "search",
                    placeholder: t(lang, Key::SearchCatalog),
                    value: "{material_query}",
                    oninput: move |e| material_query.set(e.value()),
                }
                ul { class: "results",
                    if materials.is_empty() {
                        li { class: "muted", {t(lang, Key::NoMatch)} }
                    }
                    for m in materials {
                        li { key: "{m.code}",
                            button { r#type: "button", class: "result", "data-code": "{m.code}",
                                onclick: {
                                    let code = m.code.clone();
                                    move |_| state.update_draft(ticket_id, |d| d.add_material(&code))
                                },
                                span { class: "code", "{m.code}" }
                                " {m.name} "
                                span { class: "muted", {m.spec.clone().unwrap_or_default()} " {yuan(m.price_fen)}/{m.unit}" }
                            }
                        }
                    }
                }
            }
            div { class: "card",
                h3 { {t(lang, Key::Photos)} }
                div { class: "thumbs", "data-testid": "photos",
                    for p in draft.photos.iter() {
                        if let Some(src) = p.preview.as_ref() {
                            img { key: "{p.sha256}", class: "thumb", src: "{src}", alt: "" }
                        } else {
                            span { key: "{p.sha256}", class: "thumb placeholder", "📷" }
                        }
                    }
                }
                label { class: "button secondary file", r#for: PHOTO_INPUT, {t(lang, Key::TakePhoto)} }
                input {
                    id: PHOTO_INPUT,
                    class: "visually-hidden",
                    r#type: "file",
                    accept: "image/*",
                    capture: "environment",
                    onchange: move |_| {
                        spawn(state.add_photo(ticket_id, PHOTO_INPUT));
                    },
                }
            }
            div { class: "card",
                h3 { {t(lang, Key::Signature)} }
                if let Some(sig) = draft.signature.as_ref() {
                    p { class: "signed", "data-testid": "signature-saved",
                        "✓ " {t(lang, Key::SignatureSaved)}
                        if let Some(src) = sig.preview.as_ref() {
                            img { class: "signature-preview", src: "{src}", alt: "" }
                        }
                    }
                }
                canvas { id: SIGNATURE_PAD, class: "signature-pad", width: "600", height: "300" }
                div { class: "link-row",
                    button { r#type: "button", class: "secondary", id: "clear-signature",
                        onclick: move |_| {
                            platform::clear_signature(SIGNATURE_PAD);
                            state.update_draft(ticket_id, |d| d.signature = None);
                        },
                        {t(lang, Key::ClearSignature)}
                    }
                    button { r#type: "button", class: "secondary", id: "keep-signature",
                        onclick: move |_| {
                            spawn(state.keep_signature(ticket_id, SIGNATURE_PAD));
                        },
                        {t(lang, Key::SaveSignature)}
                    }
                }
            }
            div { class: "card",
                label { r#for: "remarks", {t(lang, Key::Remarks)} }
                textarea {
                    id: "remarks",
                    rows: "2",
                    value: "{draft.remarks}",
                    onchange: move |e| {
                        let text = e.value();
                        state.update_draft(ticket_id, |d| d.remarks = text);
                    },
                }
            }
            FeePreview { lang, computation }
            button {
                id: "submit-completion",
                r#type: "button",
                class: "primary big",
                onclick: move |_| {
                    spawn(state.complete(ticket_id));
                },
                {t(lang, Key::SubmitCompletion)}
            }
        }
    }
}
