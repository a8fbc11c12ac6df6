//! Catalogs: repair items (with workload points and on-site fee, the score rules' first
//! version) and materials (with unit and price). The server adds to them; it has no edit, so a
//! wrong entry is corrected through the score rule table (points, fee) or a new code.

use super::model::{MaterialForm, RepairItemForm};
use super::refusal::Refusal;
use super::{RefusalNote, change, use_listing};
use crate::console::i18n::{Txt, category_label, tr, yuan};
use crate::console::store::Console;
use dioxus::prelude::*;
use gasdesk_shared::Permission;
use gasdesk_shared::api::{MaterialView, RepairItemView};
use gasdesk_shared::ticket::CATEGORIES;

#[component]
pub fn Catalogs() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let can_change = super::allowed(console, Permission::ManageCatalogs);
    let (items, reload_items) = use_listing::<Vec<RepairItemView>>("/api/v1/catalog/repair-items");
    let (materials, reload_materials) =
        use_listing::<Vec<MaterialView>>("/api/v1/catalog/materials");
    rsx! {
        h3 { {tr(lang, Txt::RepairItems)} }
        if can_change { NewItemForm { on_created: move |_| reload_items.call(()) } }
        table { class: "grid", "data-testid": "admin-items",
            thead { tr { th { {tr(lang, Txt::Code)} } th { {tr(lang, Txt::ItemName)} } th { {tr(lang, Txt::Category)} }
                th { {tr(lang, Txt::Points)} } th { {tr(lang, Txt::OnsiteFee)} } } }
            tbody {
                for i in items().unwrap_or_default() {
                    tr { key: "{i.id}", "data-testid": "item-row", "data-code": "{i.code}",
                        td { class: "mono", "{i.code}" } td { "{i.name}" } td { {category_label(lang, &i.category)} }
                        td { "{i.workload_points}" } td { {yuan(i.onsite_fee_fen)} } }
                }
            }
        }
        h3 { {tr(lang, Txt::Materials)} }
        if can_change { NewMaterialForm { on_created: move |_| reload_materials.call(()) } }
        table { class: "grid", "data-testid": "admin-materials",
            thead { tr { th { {tr(lang, Txt::Code)} } th { {tr(lang, Txt::ItemName)} } th { {tr(lang, Txt::Spec)} }
                th { {tr(lang, Txt::Unit)} } th { {tr(lang, Txt::Price)} } } }
            tbody {
                for m in materials().unwrap_or_default() {
                    tr { key: "{m.id}", "data-testid": "material-row", "data-code": "{m.code}",
                        td { class: "mono", "{m.code}" } td { "{m.name}" }
                        td { {m.spec.clone().unwrap_or_default()} } td { "{m.unit}" } td { {yuan(m.price_fen)} } }
                }
            }
        }
    }
}

#[component]
fn NewItemForm(on_created: EventHandler<()>) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut form = use_signal(|| RepairItemForm {
        category: CATEGORIES[0].code.to_string(),
        ..Default::default()
    });
    let mut refusal = use_signal(|| None::<Refusal>);
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let new = match form.peek().to_new() {
            Ok(new) => new,
            Err(r) => return refusal.set(Some(r)),
        };
        spawn(async move {
            match change::<RepairItemView>(
                console,
                "POST",
                "/api/v1/catalog/repair-items",
                Some(&new),
            )
            .await
            {
                Ok(_) => {
                    refusal.set(None);
                    let category = form.peek().category.clone();
                    form.set(RepairItemForm {
                        category,
                        ..Default::default()
                    });
                    on_created.call(());
                }
                Err(r) => refusal.set(Some(r)),
            }
        });
    };
    let f = form();
    rsx! {
        form { class: "admin-form", id: "new-item", onsubmit: submit, novalidate: true,
            div { class: "row",
                label { r#for: "item-code", {tr(lang, Txt::Code)}
                    input { id: "item-code", value: "{f.code}", oninput: move |e| form.write().code = e.value() } }
                label { r#for: "item-name", {tr(lang, Txt::ItemName)}
                    input { id: "item-name", value: "{f.name}", oninput: move |e| form.write().name = e.value() } }
                label { r#for: "item-category", {tr(lang, Txt::Category)}
                    select { id: "item-category", onchange: move |e| form.write().category = e.value(),
                        for c in CATEGORIES { option { value: c.code, selected: f.category == c.code, {category_label(lang, c.code)} } }
                    }
                }
                label { r#for: "item-points", {tr(lang, Txt::Points)}
                    input { id: "item-points", inputmode: "decimal", value: "{f.points}", oninput: move |e| form.write().points = e.value() } }
                label { r#for: "item-fee", {tr(lang, Txt::OnsiteFeeYuan)}
                    input { id: "item-fee", inputmode: "decimal", value: "{f.fee_yuan}", oninput: move |e| form.write().fee_yuan = e.value() } }
            }
            RefusalNote { refusal: refusal() }
            div { button { id: "item-add", r#type: "submit", class: "primary", {tr(lang, Txt::AddRepairItem)} } }
        }
    }
}

#[component]
fn NewMaterialForm(on_created: EventHandler<()>) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut form = use_signal(MaterialForm::default);
    let mut refusal = use_signal(|| None::<Refusal>);
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let new = match form.peek().to_new() {
            Ok(new) => new,
            Err(r) => return refusal.set(Some(r)),
        };
        spawn(async move {
            match change::<MaterialView>(console, "POST", "/api/v1/catalog/materials", Some(&new))
                .await
            {
                Ok(_) => {
                    refusal.set(None);
                    form.set(MaterialForm::default());
                    on_created.call(());
                }
                Err(r) => refusal.set(Some(r)),
            }
        });
    };
    let f = form();
    rsx! {
        form { class: "admin-form", id: "new-material", onsubmit: submit, novalidate: true,
            div { class: "row",
                label { r#for: "material-code", {tr(lang, Txt::Code)}
                    input { id: "material-code", value: "{f.code}", oninput: move |e| form.write().code = e.value() } }
                label { r#for: "material-name", {tr(lang, Txt::ItemName)}
                    input { id: "material-name", value: "{f.name}", oninput: move |e| form.write().name = e.value() } }
                label { r#for: "material-spec", {tr(lang, Txt::Spec)}
                    input { id: "material-spec", value: "{f.spec}", oninput: move |e| form.write().spec = e.value() } }
                label { r#for: "material-unit", {tr(lang, Txt::Unit)}
                    input { id: "material-unit", value: "{f.unit}", oninput: move |e| form.write().unit = e.value() } }
                label { r#for: "material-price", {tr(lang, Txt::PriceYuan)}
                    input { id: "material-price", inputmode: "decimal", value: "{f.price_yuan}", oninput: move |e| form.write().price_yuan = e.value() } }
            }
            RefusalNote { refusal: refusal() }
            div { button { id: "material-add", r#type: "submit", class: "primary", {tr(lang, Txt::AddMaterial)} } }
        }
    }
}
