//! Catalogs: repair items (with workload points and on-site fee, the score rules' first
//! version) and materials (with unit and price). Leaders add entries and change one in the
//! form that opens under its row; an entry no longer used is retired (after a confirmation),
//! not deleted, since past records name it, and the phones stop offering it.

use super::catalog_model::{EntryEdit, MaterialEdit, RepairItemEdit};
use super::model::{MaterialForm, RepairItemForm};
use super::refusal::Refusal;
use super::{ConfirmButton, RefusalNote, change, use_listing};
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
    // The code of the entry whose edit form is open, one at a time.
    let mut editing = use_signal(|| None::<String>);
    let edit_button = move |code: String| {
        rsx! {
            td { button { r#type: "button", class: "secondary", "data-action": "edit-entry",
                onclick: move |_| editing.set(Some(code.clone())), {tr(lang, Txt::Edit)} } }
        }
    };
    let columns = if can_change { 7 } else { 6 };
    rsx! {
        h3 { {tr(lang, Txt::RepairItems)} }
        if can_change { NewItemForm { on_created: move |_| reload_items.call(()) } }
        table { class: "grid", "data-testid": "admin-items",
            thead { tr { th { {tr(lang, Txt::Code)} } th { {tr(lang, Txt::ItemName)} } th { {tr(lang, Txt::Category)} }
                th { {tr(lang, Txt::Points)} } th { {tr(lang, Txt::OnsiteFee)} } th { {tr(lang, Txt::Status)} }
                if can_change { th {} } } }
            tbody {
                for i in items().unwrap_or_default() {
                    tr { key: "{i.id}", "data-testid": "item-row", "data-code": "{i.code}",
                        class: if !i.active { "inactive" } else { "" },
                        td { class: "mono", "{i.code}" } td { "{i.name}" } td { {category_label(lang, &i.category)} }
                        td { "{i.workload_points}" } td { {yuan(i.onsite_fee_fen)} } {status(lang, i.active)}
                        if can_change { {edit_button(i.code.clone())} } }
                    if editing().as_deref() == Some(i.code.as_str()) {
                        tr { key: "{i.id}-edit", td { colspan: columns,
                            ItemEditor { item: i.clone(), on_changed: move |_| reload_items.call(()),
                                on_close: move |_| editing.set(None) } } }
                    }
                }
            }
        }
        h3 { {tr(lang, Txt::Materials)} }
        if can_change { NewMaterialForm { on_created: move |_| reload_materials.call(()) } }
        table { class: "grid", "data-testid": "admin-materials",
            thead { tr { th { {tr(lang, Txt::Code)} } th { {tr(lang, Txt::ItemName)} } th { {tr(lang, Txt::Spec)} }
                th { {tr(lang, Txt::Unit)} } th { {tr(lang, Txt::Price)} } th { {tr(lang, Txt::Status)} }
                if can_change { th {} } } }
            tbody {
                for m in materials().unwrap_or_default() {
                    tr { key: "{m.id}", "data-testid": "material-row", "data-code": "{m.code}",
                        class: if !m.active { "inactive" } else { "" },
                        td { class: "mono", "{m.code}" } td { "{m.name}" }
                        td { {m.spec.clone().unwrap_or_default()} } td { "{m.unit}" } td { {yuan(m.price_fen)} }
                        {status(lang, m.active)}
                        if can_change { {edit_button(m.code.clone())} } }
                    if editing().as_deref() == Some(m.code.as_str()) {
                        tr { key: "{m.id}-edit", td { colspan: columns,
                            MaterialEditor { material: m.clone(), on_changed: move |_| reload_materials.call(()),
                                on_close: move |_| editing.set(None) } } }
                    }
                }
            }
        }
    }
}

fn status(lang: crate::i18n::Lang, active: bool) -> Element {
    rsx! {
        td { "data-testid": "entry-status",
            if active { {tr(lang, Txt::InUse)} } else { {tr(lang, Txt::Retired)} } }
    }
}

/// Sends a change to the entry at `path`; the refusal, or what was done, shows in the form.
fn send_change<T: serde::Serialize + 'static>(
    console: Console,
    path: String,
    update: T,
    said: Txt,
    mut refusal: Signal<Option<Refusal>>,
    mut done: Signal<Option<Txt>>,
    on_changed: EventHandler<()>,
) {
    spawn(async move {
        match change::<serde_json::Value>(console, "PATCH", &path, Some(&update)).await {
            Ok(_) => {
                refusal.set(None);
                done.set(Some(said));
                on_changed.call(());
            }
            Err(r) => {
                done.set(None);
                refusal.set(Some(r));
            }
        }
    });
}

/// Retire (confirmed first) or bring back into use.
fn active_buttons(lang: crate::i18n::Lang, active: bool, set: Callback<bool>) -> Element {
    rsx! {
        if active {
            ConfirmButton { action: "retire", label: Txt::Retire, question: Txt::ConfirmRetire,
                on_confirm: move |_| set.call(false) }
        } else {
            button { r#type: "button", class: "secondary", "data-action": "reinstate",
                onclick: move |_| set.call(true), {tr(lang, Txt::Reinstate)} }
        }
    }
}

/// What an entry's edit form holds and does: the typed fields, the refusal or what was done,
/// saving, and retiring or reinstating. Called once at the top of an editor component.
struct EntryEditor<F: EntryEdit> {
    form: Signal<F>,
    save: Callback<FormEvent>,
    footer: EditorFooterProps,
}

fn use_entry_editor<F: EntryEdit>(
    initial: impl FnOnce() -> F,
    path: String,
    active: bool,
    save_id: &'static str,
    on_changed: EventHandler<()>,
    on_close: EventHandler<()>,
) -> EntryEditor<F> {
    let console = use_context::<Console>();
    let form = use_signal(initial);
    let mut refusal = use_signal(|| None::<Refusal>);
    let done = use_signal(|| None::<Txt>);
    let save_path = path.clone();
    let save = use_callback(move |e: FormEvent| {
        e.prevent_default();
        match form.peek().to_update() {
            Ok(update) => send_change(
                console,
                save_path.clone(),
                update,
                Txt::Saved,
                refusal,
                done,
                on_changed,
            ),
            Err(r) => refusal.set(Some(r)),
        }
    });
    let set_active = use_callback(move |active: bool| {
        let said = if active {
            Txt::Reinstated
        } else {
            Txt::Retired
        };
        send_change(
            console,
            path.clone(),
            F::set_active(active),
            said,
            refusal,
            done,
            on_changed,
        );
    });
    EntryEditor {
        form,
        save,
        footer: EditorFooterProps {
            save_id,
            refusal: refusal(),
            done: done(),
            active,
            set_active,
            on_close,
        },
    }
}

/// The refusal or what was done, then save, retire or reinstate, and close.
#[component]
fn EditorFooter(
    save_id: &'static str,
    refusal: Option<Refusal>,
    done: Option<Txt>,
    active: bool,
    set_active: Callback<bool>,
    on_close: EventHandler<()>,
) -> Element {
    let lang = use_context::<Console>().lang();
    rsx! {
        RefusalNote { refusal }
        if let Some(said) = done { p { class: "muted", role: "status", "data-testid": "entry-done", {tr(lang, said)} } }
        div { class: "row-buttons",
            button { id: save_id, r#type: "submit", class: "primary", {tr(lang, Txt::Save)} }
            {active_buttons(lang, active, set_active)}
            button { r#type: "button", class: "secondary", "data-action": "close-editor", onclick: move |_| on_close.call(()), {tr(lang, Txt::Close)} }
        }
    }
}

#[component]
fn ItemEditor(
    item: RepairItemView,
    on_changed: EventHandler<()>,
    on_close: EventHandler<()>,
) -> Element {
    let lang = use_context::<Console>().lang();
    let path = format!("/api/v1/catalog/repair-items/{}", item.code);
    let initial = RepairItemEdit::of(&item);
    let EntryEditor {
        mut form,
        save,
        footer,
    } = use_entry_editor(
        || initial,
        path,
        item.active,
        "item-save",
        on_changed,
        on_close,
    );
    let f = form();
    rsx! {
        form { class: "admin-form editor", id: "item-editor", "data-code": "{item.code}", onsubmit: save, novalidate: true,
            h3 { {tr(lang, Txt::EditRepairItem)} " " span { class: "mono", "{item.code}" } }
            div { class: "row",
                label { r#for: "edit-item-name", {tr(lang, Txt::ItemName)}
                    input { id: "edit-item-name", value: "{f.name}", oninput: move |e| form.write().name = e.value() } }
                label { r#for: "edit-item-category", {tr(lang, Txt::Category)}
                    select { id: "edit-item-category", onchange: move |e| form.write().category = e.value(),
                        for c in CATEGORIES { option { value: c.code, selected: f.category == c.code, {category_label(lang, c.code)} } }
                    }
                }
                label { r#for: "edit-item-points", {tr(lang, Txt::Points)}
                    input { id: "edit-item-points", inputmode: "decimal", value: "{f.points}", oninput: move |e| form.write().points = e.value() } }
                label { r#for: "edit-item-fee", {tr(lang, Txt::OnsiteFeeYuan)}
                    input { id: "edit-item-fee", inputmode: "decimal", value: "{f.fee_yuan}", oninput: move |e| form.write().fee_yuan = e.value() } }
            }
            EditorFooter { ..footer }
        }
    }
}

#[component]
fn MaterialEditor(
    material: MaterialView,
    on_changed: EventHandler<()>,
    on_close: EventHandler<()>,
) -> Element {
    let lang = use_context::<Console>().lang();
    let path = format!("/api/v1/catalog/materials/{}", material.code);
    let initial = MaterialEdit::of(&material);
    let EntryEditor {
        mut form,
        save,
        footer,
    } = use_entry_editor(
        || initial,
        path,
        material.active,
        "material-save",
        on_changed,
        on_close,
    );
    let f = form();
    rsx! {
        form { class: "admin-form editor", id: "material-editor", "data-code": "{material.code}", onsubmit: save, novalidate: true,
            h3 { {tr(lang, Txt::EditMaterial)} " " span { class: "mono", "{material.code}" } }
            div { class: "row",
                label { r#for: "edit-material-name", {tr(lang, Txt::ItemName)}
                    input { id: "edit-material-name", value: "{f.name}", oninput: move |e| form.write().name = e.value() } }
                label { r#for: "edit-material-spec", {tr(lang, Txt::Spec)}
                    input { id: "edit-material-spec", value: "{f.spec}", oninput: move |e| form.write().spec = e.value() } }
                label { r#for: "edit-material-unit", {tr(lang, Txt::Unit)}
                    input { id: "edit-material-unit", value: "{f.unit}", oninput: move |e| form.write().unit = e.value() } }
                label { r#for: "edit-material-price", {tr(lang, Txt::PriceYuan)}
                    input { id: "edit-material-price", inputmode: "decimal", value: "{f.price_yuan}", oninput: move |e| form.write().price_yuan = e.value() } }
            }
            EditorFooter { ..footer }
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
