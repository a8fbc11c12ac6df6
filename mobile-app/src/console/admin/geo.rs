//! Service areas and pipelines: a GeoJSON import with its validation report; after an import,
//! a preview of what the map now holds.

use super::super::i18n::{Txt, tr};
use super::super::map::{MapPreview, map_data};
use super::super::net::{self, Body};
use super::super::store::{Console, Screen};
use crate::api::ApiError;
use dioxus::prelude::*;
use gasdesk_shared::ErrorBody;
use gasdesk_shared::datum::Datum;
use gasdesk_shared::routing::{FeatureIssue, GeoImportReport};
use serde_json::Value;
use std::rc::Rc;

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

#[component]
pub fn GeoImport() -> Element {
    let mut console = use_context::<Console>();
    let lang = console.lang();
    let mut pipelines = use_signal(|| false);
    let mut repair = use_signal(|| false);
    let mut file = use_signal(|| None::<(String, String)>);
    let mut outcome = use_signal(|| None::<ImportOutcome>);
    let mut busy = use_signal(|| false);
    let mut preview = use_signal(|| None::<Rc<super::super::map::MapData>>);
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
            preview.set(None);
            let body = Body::Text {
                content_type: "application/geo+json",
                text,
            };
            let answer = net::send_raw(&token, "POST", &path, Some(body)).await;
            busy.set(false);
            match answer.and_then(|(status, text)| import_outcome(status, &text)) {
                Ok(o) => {
                    let done = matches!(o, ImportOutcome::Done(_));
                    outcome.set(Some(o));
                    if done {
                        let loaded = async {
                            let areas: Value = net::get(&token, "/api/v1/areas").await?;
                            let pipes: Value = net::get(&token, "/api/v1/pipelines").await?;
                            Ok::<_, ApiError>((areas, pipes))
                        };
                        match loaded.await {
                            Ok((areas, pipes)) => {
                                preview.set(map_data(&areas, &pipes, Datum::Wgs84).map(Rc::new))
                            }
                            Err(err) => console.fail(err),
                        }
                    }
                }
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
                    if let Some(data) = preview() {
                        h4 { {tr(lang, Txt::ImportPreview)} }
                        MapPreview { data, pipes_imported: pipelines() }
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
