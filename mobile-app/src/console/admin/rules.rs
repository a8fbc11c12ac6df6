//! The score rule table (维修分值规则表): the version in force, any earlier version to look at
//! or start from, and a new version published from the edited rows (points and on-site fee per
//! repair item). Records keep the version they were computed with.

use super::refusal::Refusal;
use super::rule_table::{RuleRow, row_for_item, rule_rows, rules_from_rows};
use super::{RefusalNote, change, use_listing};
use crate::console::i18n::{Txt, tr};
use crate::console::net;
use crate::console::store::Console;
use dioxus::prelude::*;
use gasdesk_shared::Permission;
use gasdesk_shared::api::RepairItemView;
use gasdesk_shared::scoring::{ItemRule, ScoreRules};

#[derive(serde::Serialize)]
struct PublishRules {
    items: Vec<ItemRule>,
}

#[component]
pub fn ScoreRulesTab() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let can_change = super::allowed(console, Permission::ManageCatalogs);
    let (current, reload) = use_listing::<ScoreRules>("/api/v1/score-rules");
    let (items, _) = use_listing::<Vec<RepairItemView>>("/api/v1/catalog/repair-items");
    // The rows being edited and the version they came from.
    let mut rows = use_signal(Vec::<RuleRow>::new);
    let mut shown = use_signal(|| None::<i64>);
    let mut refusal = use_signal(|| None::<Refusal>);
    let mut published = use_signal(|| None::<i64>);
    let mut adding = use_signal(String::new);
    use_effect(move || {
        if let (Some(rules), Some(items)) = (current(), items())
            && shown.peek().is_none()
        {
            rows.set(rule_rows(&rules, &items));
            shown.set(Some(rules.version));
        }
    });
    let load_version = move |version: i64| {
        spawn(async move {
            let Some(token) = console.token() else { return };
            let path = format!("/api/v1/score-rules/{version}");
            match net::get::<ScoreRules>(&token, &path).await {
                Ok(rules) => {
                    rows.set(rule_rows(&rules, &items.peek().clone().unwrap_or_default()));
                    shown.set(Some(rules.version));
                    refusal.set(None);
                }
                Err(err) => console.fail(err),
            }
        });
    };
    let publish = move |e: FormEvent| {
        e.prevent_default();
        let table = match rules_from_rows(&rows.peek()) {
            Ok(table) => table,
            Err(r) => return refusal.set(Some(r)),
        };
        spawn(async move {
            let body = PublishRules { items: table };
            match change::<ScoreRules>(console, "PUT", "/api/v1/score-rules", Some(&body)).await {
                Ok(rules) => {
                    refusal.set(None);
                    published.set(Some(rules.version));
                    shown.set(Some(rules.version));
                    reload.call(());
                }
                Err(r) => refusal.set(Some(r)),
            }
        });
    };
    let Some(in_force) = current() else {
        return rsx! { p { class: "muted", {tr(lang, Txt::Loading)} } };
    };
    let catalog = items().unwrap_or_default();
    let missing: Vec<RepairItemView> = catalog
        .iter()
        .filter(|i| i.active && !rows.read().iter().any(|r| r.item_code == i.code))
        .cloned()
        .collect();
    let addable = missing.clone();
    let list = rows();
    rsx! {
        div { class: "row",
            p { "data-testid": "rules-version", {tr(lang, Txt::VersionInForce)} " " strong { "v{in_force.version}" } }
            label { r#for: "rules-version-pick", {tr(lang, Txt::ShowVersion)}
                select { id: "rules-version-pick", onchange: move |e| { if let Ok(v) = e.value().parse() { load_version(v) } },
                    for v in (1..=in_force.version).rev() {
                        option { value: "{v}", selected: shown() == Some(v), "v{v}" }
                    }
                }
            }
        }
        if shown().is_some_and(|v| v != in_force.version) {
            p { class: "warning", "data-testid": "rules-older", {tr(lang, Txt::OlderVersionShown)} }
        }
        form { class: "admin-form", id: "rules-form", onsubmit: publish, novalidate: true,
            table { class: "grid", "data-testid": "rules-table",
                thead { tr { th { {tr(lang, Txt::Code)} } th { {tr(lang, Txt::ItemName)} } th { {tr(lang, Txt::Points)} } th { {tr(lang, Txt::OnsiteFeeYuan)} } th {} } }
                tbody {
                    for (i, row) in list.into_iter().enumerate() {
                        tr { key: "{row.item_code}", "data-testid": "rule-row", "data-code": "{row.item_code}",
                            td { class: "mono", "{row.item_code}" } td { "{row.name}" }
                            td { input { class: "rule-points", "aria-label": tr(lang, Txt::Points), inputmode: "decimal", disabled: !can_change,
                                value: "{row.points}", oninput: move |e| rows.write()[i].points = e.value() } }
                            td { input { class: "rule-fee", "aria-label": tr(lang, Txt::OnsiteFeeYuan), inputmode: "decimal", disabled: !can_change,
                                value: "{row.fee_yuan}", oninput: move |e| rows.write()[i].fee_yuan = e.value() } }
                            td { if can_change {
                                button { r#type: "button", class: "secondary", "data-action": "drop-rule",
                                    onclick: move |_| { rows.write().remove(i); }, {tr(lang, Txt::Remove)} }
                            } }
                        }
                    }
                }
            }
            if can_change {
                if !missing.is_empty() {
                    div { class: "row",
                        label { r#for: "rules-add-item", {tr(lang, Txt::AddRepairItem)}
                            select { id: "rules-add-item", onchange: move |e| adding.set(e.value()),
                                option { value: "", selected: adding().is_empty(), "—" }
                                for m in missing.iter() { option { key: "{m.code}", value: "{m.code}", "{m.code} {m.name}" } }
                            }
                        }
                        div { button { r#type: "button", class: "secondary", id: "rules-add",
                            onclick: move |_| {
                                let code = adding();
                                if let Some(item) = addable.iter().find(|m| m.code == code) {
                                    rows.write().push(row_for_item(item));
                                    adding.set(String::new());
                                }
                            },
                            {tr(lang, Txt::Add)} } }
                    }
                }
                RefusalNote { refusal: refusal() }
                if let Some(v) = published() {
                    p { class: "muted", role: "status", "data-testid": "rules-published", {tr(lang, Txt::Published)} " v{v}" }
                }
                div { button { id: "rules-publish", r#type: "submit", class: "primary", {tr(lang, Txt::PublishVersion)} } }
            }
        }
    }
}
