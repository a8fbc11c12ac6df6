//! Administration for team leaders and admins: service areas and pipelines (GeoJSON import
//! with the validation report, then shown on the map), users and roles, teams and members,
//! business parameters.

use super::i18n::{Txt, tr};
use super::net::{self, Body};
use super::store::{Console, Screen};
use crate::api::ApiError;
use crate::i18n::{Lang, role_label};
use dioxus::prelude::*;
use gasdesk_shared::ErrorBody;
use gasdesk_shared::api::{BusinessParam, MaterialView, RepairItemView, TeamView, UserView};
use gasdesk_shared::routing::{FeatureIssue, GeoImportReport};

/// What an import answered: done (with repairs made), or refused with every problem.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    Done(GeoImportReport),
    Refused {
        message: String,
        problems: Vec<FeatureIssue>,
    },
}

/// Reads the answer to a GeoJSON import; a refusal's `details` lists each problem.
pub fn import_outcome(status: u16, body: &str) -> Result<ImportOutcome, ApiError> {
    if (200..300).contains(&status) {
        return crate::api::decode(status, body).map(ImportOutcome::Done);
    }
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody { error }) if status == 422 => Ok(ImportOutcome::Refused {
            problems: error
                .details
                .and_then(|d| serde_json::from_value(d).ok())
                .unwrap_or_default(),
            message: error.message,
        }),
        _ => {
            crate::api::decode::<serde_json::Value>(status, body).map(|_| ImportOutcome::Refused {
                message: format!("HTTP {status}"),
                problems: vec![],
            })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Geo,
    Users,
    Teams,
    Rosters,
    Catalogs,
    Params,
    Knowledge,
    Outages,
}

#[component]
pub fn AdminPage() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut tab = use_signal(|| Tab::Geo);
    let tabs = [
        (Tab::Geo, "geo", Txt::AdminGeo),
        (Tab::Users, "users", Txt::AdminUsers),
        (Tab::Teams, "teams", Txt::AdminTeams),
        (Tab::Rosters, "rosters", Txt::AdminRosters),
        (Tab::Catalogs, "catalogs", Txt::AdminCatalogs),
        (Tab::Params, "params", Txt::AdminParams),
        (Tab::Knowledge, "knowledge", Txt::AdminKnowledge),
        (Tab::Outages, "outages", Txt::AdminOutages),
    ];
    rsx! {
        div { class: "admin",
            nav { class: "modes", role: "tablist",
                for (t, id, label) in tabs {
                    button { r#type: "button", role: "tab", id: "admin-{id}",
                        class: if tab() == t { "tab active" } else { "tab" },
                        onclick: move |_| tab.set(t), {tr(lang, label)} }
                }
            }
            section { class: "panel",
                match tab() {
                    Tab::Geo => rsx! { GeoImport {} },
                    Tab::Users => rsx! { Users {} },
                    Tab::Teams => rsx! { Teams {} },
                    Tab::Params => rsx! { Params {} },
                    Tab::Catalogs => rsx! { Catalogs {} },
                    Tab::Rosters => rsx! { super::admin_more::Rosters {} },
                    Tab::Knowledge => rsx! { super::admin_more::Knowledge {} },
                    Tab::Outages => rsx! { super::admin_more::Outages {} },
                }
            }
        }
    }
}

#[component]
fn GeoImport() -> Element {
    let mut console = use_context::<Console>();
    let lang = console.lang();
    let mut pipelines = use_signal(|| false);
    let mut repair = use_signal(|| false);
    let mut file = use_signal(|| None::<(String, String)>);
    let mut outcome = use_signal(|| None::<ImportOutcome>);
    let mut busy = use_signal(|| false);
    let choose = move |e: FormEvent| {
        let files = e.files();
        spawn(async move {
            if let Some(f) = files.into_iter().next() {
                match f.read_string().await {
                    Ok(text) => file.set(Some((f.name(), text))),
                    Err(err) => console.fail(ApiError::Decode(err.to_string())),
                }
            }
        });
    };
    let import = move |_| {
        let Some((_, text)) = file() else {
            return outcome.set(Some(ImportOutcome::Refused {
                message: tr(lang, Txt::ChooseFile).into(),
                problems: vec![],
            }));
        };
        let path = if pipelines() {
            "/api/v1/pipelines/import".to_string()
        } else {
            format!("/api/v1/areas/import?repair={}", repair())
        };
        spawn(async move {
            let Some(token) = console.token() else { return };
            busy.set(true);
            outcome.set(None);
            let body = Body::Text {
                content_type: "application/geo+json",
                text,
            };
            let answer = net::send_raw(&token, "POST", &path, Some(body)).await;
            busy.set(false);
            match answer.and_then(|(status, text)| import_outcome(status, &text)) {
                Ok(o) => outcome.set(Some(o)),
                Err(err) => console.fail(err),
            }
        });
    };
    rsx! {
        div { class: "geo-import",
            fieldset { class: "row",
                legend { {tr(lang, Txt::ImportWhat)} }
                label { class: "check",
                    input { r#type: "radio", name: "geo-kind", id: "geo-areas", checked: !pipelines(), onchange: move |_| pipelines.set(false) }
                    {tr(lang, Txt::ServiceAreas)}
                }
                label { class: "check",
                    input { r#type: "radio", name: "geo-kind", id: "geo-pipelines", checked: pipelines(), onchange: move |_| pipelines.set(true) }
                    {tr(lang, Txt::Pipelines)}
                }
            }
            label { r#for: "geojson-file", {tr(lang, Txt::GeoFile)}
                input { id: "geojson-file", r#type: "file", accept: ".geojson,.json,application/geo+json,application/json", onchange: choose }
            }
            if !pipelines() {
                label { class: "check",
                    input { id: "geo-repair", r#type: "checkbox", checked: repair(), onchange: move |e| repair.set(e.checked()) }
                    {tr(lang, Txt::RepairRings)}
                }
            }
            div {
                button { id: "geo-import", r#type: "button", class: "primary", disabled: busy() || file().is_none(), onclick: import,
                    {tr(lang, Txt::Import)}
                    if let Some((name, _)) = file() { " {name}" }
                }
            }
            match outcome() {
                None => rsx! {},
                Some(ImportOutcome::Done(report)) => rsx! {
                    div { class: "created", role: "status", "data-testid": "import-done",
                        p { {tr(lang, Txt::Imported)} "：" strong { "{report.imported}" } }
                        for r in report.repairs.iter() {
                            p { class: "muted", "data-testid": "import-repair", {tr(lang, Txt::Repaired)} " #{r.feature}: {r.reason}" }
                        }
                        button { r#type: "button", class: "secondary", id: "show-on-map",
                            onclick: move |_| console.screen.set(Screen::Map), {tr(lang, Txt::ShowOnMap)} }
                    }
                },
                Some(ImportOutcome::Refused { message, problems }) => rsx! {
                    div { class: "warning", role: "alert", "data-testid": "import-refused",
                        p { {tr(lang, Txt::Refused)} }
                        p { class: "muted", "{message}" }
                    }
                    if !problems.is_empty() {
                        table { class: "grid", "data-testid": "import-problems",
                            thead { tr { th { {tr(lang, Txt::Feature)} } th { {tr(lang, Txt::Problem)} } } }
                            tbody {
                                for p in problems {
                                    tr { "data-testid": "import-problem", td { class: "mono", "#{p.feature}" } td { "{p.reason}" } }
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}

/// Loads a list for an admin tab once.
fn use_loaded<T: serde::de::DeserializeOwned + Clone + 'static>(
    path: &'static str,
) -> Signal<Option<Vec<T>>> {
    let console = use_context::<Console>();
    let mut list = use_signal(|| None::<Vec<T>>);
    use_hook(move || {
        spawn(async move {
            let Some(token) = console.token() else { return };
            match net::get::<Vec<T>>(&token, path).await {
                Ok(items) => list.set(Some(items)),
                Err(err) => console.fail(err),
            }
        });
    });
    list
}

#[component]
fn Users() -> Element {
    let lang: Lang = use_context::<Console>().lang();
    let users = use_loaded::<UserView>("/api/v1/users");
    rsx! {
        table { class: "grid", "data-testid": "admin-users",
            tbody {
                for u in users().unwrap_or_default() {
                    tr { key: "{u.id}", td { class: "mono", "{u.username}" } td { "{u.display_name}" }
                        td { {role_label(lang, u.role)} } td { class: "mono", {u.phone.clone().unwrap_or_default()} }
                        td { if u.active { "✓" } else { "✗" } } }
                }
            }
        }
    }
}

#[component]
fn Teams() -> Element {
    let teams = use_loaded::<TeamView>("/api/v1/teams");
    rsx! {
        table { class: "grid", "data-testid": "admin-teams",
            tbody {
                for t in teams().unwrap_or_default() {
                    tr { key: "{t.id}", td { "{t.name}" } td { class: "mono", "{t.kind.as_str()}" }
                        td { class: "mono", {t.phone.clone().unwrap_or_default()} } td { "{t.member_ids.len()}" } }
                }
            }
        }
    }
}

/// Repair items (with workload points and on-site fee, the score/fee rules' inputs) and materials.
#[component]
fn Catalogs() -> Element {
    let lang = use_context::<Console>().lang();
    let items = use_loaded::<RepairItemView>("/api/v1/catalog/repair-items");
    let materials = use_loaded::<MaterialView>("/api/v1/catalog/materials");
    rsx! {
        h3 { {tr(lang, Txt::RepairItems)} }
        table { class: "grid", "data-testid": "admin-items",
            tbody {
                for i in items().unwrap_or_default() {
                    tr { key: "{i.id}", td { class: "mono", "{i.code}" } td { "{i.name}" } td { "{i.category}" }
                        td { "{i.workload_points}" } td { {super::i18n::yuan(i.onsite_fee_fen)} } }
                }
            }
        }
        h3 { {tr(lang, Txt::Materials)} }
        table { class: "grid", "data-testid": "admin-materials",
            tbody {
                for m in materials().unwrap_or_default() {
                    tr { key: "{m.id}", td { class: "mono", "{m.code}" } td { "{m.name}" }
                        td { {m.spec.clone().unwrap_or_default()} } td { "{m.unit}" } td { {super::i18n::yuan(m.price_fen)} } }
                }
            }
        }
    }
}

#[component]
fn Params() -> Element {
    let params = use_loaded::<BusinessParam>("/api/v1/params");
    rsx! {
        table { class: "grid", "data-testid": "admin-params",
            tbody {
                for p in params().unwrap_or_default() {
                    tr { key: "{p.key}", td { class: "mono", "{p.key}" } td { class: "mono", "{p.value}" } td { "{p.description}" } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_lists_every_problem_and_a_success_its_repairs() {
        let body = r#"{"error":{"code":"validation_failed","message":"the file was refused","field":"features[1]",
            "details":[{"feature":1,"reason":"exterior ring has a self-intersection"},{"feature":3,"reason":"no team"}]}}"#;
        let ImportOutcome::Refused { problems, message } = import_outcome(422, body).unwrap()
        else {
            panic!("not refused");
        };
        assert_eq!(message, "the file was refused");
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[1].reason, "no team");
        let done = import_outcome(
            200,
            r#"{"imported":3,"repairs":[{"feature":0,"reason":"reoriented"}]}"#,
        )
        .unwrap();
        assert!(matches!(done, ImportOutcome::Done(r) if r.imported == 3 && r.repairs.len() == 1));
        assert!(import_outcome(403, r#"{"error":{"code":"forbidden","message":"no"}}"#).is_err());
    }
}
