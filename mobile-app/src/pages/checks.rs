//! The patroller's leak checks: the list, and one check with its place, the nearest pipeline,
//! navigation, and the result form (finding, gas reading, photos, remarks, GPS position).

use super::job::{amap_link, geo_link};
use crate::fmt::{distance, short_time};
use crate::i18n::{Key, Lang, t};
use crate::platform::{self, BlobMeta};
use crate::store::{AppState, UiError};
use dioxus::prelude::*;
use gasdesk_shared::followup::{PatrolFinding, PatrolResultRequest};
use gasdesk_shared::routing::{PatrolCheckView, RoutingBasis};
use gasdesk_shared::sync::{Change, Replica};
use uuid::Uuid;

const CHECK_PHOTO_INPUT: &str = "check-photo-input";

/// The finding recorded on this phone for a check, if any (sent or waiting).
pub fn recorded_finding(replica: &Replica, check_id: Uuid) -> Option<(PatrolFinding, bool)> {
    let sent = replica.acked.iter().map(|m| (m, false));
    let queued = replica.outbox.iter().map(|m| (m, true));
    sent.chain(queued).find_map(|(m, pending)| match &m.change {
        Change::PatrolResult {
            check_id: c,
            result,
        } if *c == check_id => Some((result.finding, pending)),
        _ => None,
    })
}

pub fn finding_label(lang: Lang, finding: PatrolFinding) -> &'static str {
    t(
        lang,
        match finding {
            PatrolFinding::NoLeak => Key::NoLeak,
            PatrolFinding::LeakFound => Key::LeakFound,
            PatrolFinding::Hazard => Key::Hazard,
        },
    )
}

/// "Nearest pipeline: 12 m, 姑苏区巡线区域", when routing found one.
pub fn pipeline_text(check: &PatrolCheckView) -> Option<(f64, String)> {
    match &check.decision.basis {
        RoutingBasis::NearestPipeline {
            distance_m,
            patrol_area_name,
            ..
        } => Some((*distance_m, patrol_area_name.clone())),
        _ => None,
    }
}

/// Why a check the phone shows is not the signed-in patroller's to record: the server takes a
/// result only from the patroller it is assigned to, and hands any other to the dispatcher.
pub fn assignment_warning(check: &PatrolCheckView, me: Uuid) -> Option<Key> {
    match check.assigned_to {
        Some(id) if id == me => None,
        Some(_) => Some(Key::CheckAssignedToOther),
        None => Some(Key::CheckNotAssigned),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow {
    pub check: PatrolCheckView,
    pub recorded: Option<(PatrolFinding, bool)>,
    /// Assigned to the signed-in patroller (others of the team's checks are shown too).
    pub mine: bool,
}

#[component]
pub fn CheckList(lang: Lang, rows: Vec<CheckRow>, on_open: EventHandler<Uuid>) -> Element {
    rsx! {
        section { class: "checks", "data-testid": "check-list",
            h2 { class: "screen-title", {t(lang, Key::LeakChecks)} }
            if rows.is_empty() {
                p { class: "empty", {t(lang, Key::NoChecks)} }
            }
            ul { class: "job-list",
                for row in rows {
                    li { key: "{row.check.id}",
                        button {
                            r#type: "button",
                            class: if row.recorded.is_none() { "job new" } else { "job done" },
                            "data-testid": "check",
                            "data-check": "{row.check.id}",
                            onclick: {
                                let id = row.check.id;
                                move |_| on_open.call(id)
                            },
                            div { class: "job-head",
                                span { class: "job-number", "{short_time(row.check.reported_at)}" }
                                if !row.mine {
                                    span { class: "badge pending", "data-testid": "not-mine", {t(lang, Key::NotMine)} }
                                }
                                if let Some((finding, pending)) = row.recorded {
                                    span { class: "job-status", {finding_label(lang, finding)} }
                                    if pending {
                                        span { class: "badge pending", {t(lang, Key::NotSynced)} }
                                    }
                                }
                            }
                            div { class: "job-address", "{row.check.description}" }
                            if let Some((m, area)) = pipeline_text(&row.check) {
                                div { class: "job-meta", {t(lang, Key::NearestPipeline)} " {distance(m)} · {area}" }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[component]
pub fn CheckDetail(check_id: Uuid) -> Element {
    let mut state = use_context::<AppState>();
    let lang = (state.lang)();
    let mut finding = use_signal(|| None::<PatrolFinding>);
    let mut reading = use_signal(String::new);
    let mut remarks = use_signal(String::new);
    let mut position = use_signal(|| None::<(f64, f64)>);
    let mut photos = use_signal(Vec::<BlobMeta>::new);
    let mut busy = use_signal(|| false);
    // Ask for the position as soon as the check opens: the patroller is standing there.
    use_hook(move || {
        spawn(async move {
            position.set(platform::current_position().await);
        })
    });
    let replica = state.field.replica.read();
    let Some(replica) = replica.as_ref() else {
        return rsx! {};
    };
    let Some(check) = replica.checks.get(&check_id).map(|c| c.check.clone()) else {
        return rsx! { p { class: "card muted", {t(lang, Key::NoChecks)} } };
    };
    let recorded = recorded_finding(replica, check_id);
    let warning = state
        .session
        .peek()
        .as_ref()
        .and_then(|s| assignment_warning(&check, s.user.id));
    let label = check.description.clone();
    let submit = move |_| {
        let Some(found) = finding() else {
            state.error.set(Some(UiError::NoFinding));
            return;
        };
        let text = reading().trim().to_string();
        let gas_reading = if text.is_empty() {
            None
        } else {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
                _ => {
                    state.error.set(Some(UiError::BadReading));
                    return;
                }
            }
        };
        let note = remarks().trim().to_string();
        let at = position();
        let result = PatrolResultRequest {
            finding: found,
            gas_reading,
            remarks: (!note.is_empty()).then_some(note),
            lon: at.map(|p| p.0),
            lat: at.map(|p| p.1),
            device_at: Some(platform::now()),
        };
        busy.set(true);
        let shots = photos();
        spawn(async move {
            if state.patrol_result(check_id, result, shots).await {
                state.field.notice.set(Some(Key::ResultQueued));
            }
            busy.set(false);
        });
    };
    rsx! {
        section { class: "job-detail", "data-testid": "check-detail",
            div { class: "screen-head",
                button { r#type: "button", class: "back",
                    onclick: move |_| state.navigate(crate::store::Screen::Home),
                    "‹ " {t(lang, Key::Back)}
                }
                h2 { class: "screen-title", {t(lang, Key::LeakChecks)} }
            }
            div { class: "card",
                dl { class: "facts",
                    dt { {t(lang, Key::Description)} }
                    dd { "{check.description}" }
                    dt { {t(lang, Key::Reported)} }
                    dd { "{short_time(check.reported_at)}" }
                    if let Some(phone) = check.phone.as_ref() {
                        dt { {t(lang, Key::Reporter)} }
                        dd {
                            {check.caller.clone().unwrap_or_default()}
                            " "
                            a { class: "call", href: "tel:{phone}", "☎ {phone}" }
                        }
                    }
                    if let Some((m, area)) = pipeline_text(&check) {
                        dt { {t(lang, Key::NearestPipeline)} }
                        dd { "data-testid": "nearest-pipeline", "{distance(m)} · {area}" }
                    }
                }
                p { class: "muted", "{check.decision.explanation}" }
                div { class: "link-row",
                    a { class: "button secondary", href: geo_link(check.lon, check.lat, &label), {t(lang, Key::Navigate)} }
                    a { class: "button secondary", href: amap_link(check.lon, check.lat, &label), target: "_blank", rel: "noopener", "高德" }
                }
            }
            if let Some(key) = warning.filter(|_| recorded.is_none()) {
                p { class: "card warning", role: "alert", "data-testid": "check-not-mine", {t(lang, key)} }
            }
            if let Some((found, pending)) = recorded {
                p { class: "notice", role: "status", "data-testid": "check-recorded",
                    {t(lang, Key::ResultQueued)} ": " {finding_label(lang, found)}
                    if pending {
                        " · "
                        {t(lang, Key::NotSynced)}
                    }
                }
            } else {
                div { class: "card",
                    h3 { {t(lang, Key::Finding)} }
                    div { class: "choice",
                        for f in [PatrolFinding::NoLeak, PatrolFinding::LeakFound, PatrolFinding::Hazard] {
                            button {
                                key: "{f.as_str()}",
                                r#type: "button",
                                class: if finding() == Some(f) { "choice-button chosen" } else { "choice-button" },
                                "data-finding": f.as_str(),
                                "aria-pressed": if finding() == Some(f) { "true" } else { "false" },
                                onclick: move |_| finding.set(Some(f)),
                                {finding_label(lang, f)}
                            }
                        }
                    }
                    label { r#for: "gas-reading", {t(lang, Key::GasReading)} }
                    input {
                        id: "gas-reading",
                        r#type: "number",
                        inputmode: "decimal",
                        step: "any",
                        min: "0",
                        value: "{reading}",
                        oninput: move |e| reading.set(e.value()),
                    }
                    label { r#for: "check-remarks", {t(lang, Key::Remarks)} }
                    textarea {
                        id: "check-remarks",
                        rows: "2",
                        value: "{remarks}",
                        oninput: move |e| remarks.set(e.value()),
                    }
                    p { class: "position", "data-testid": "position",
                        {t(lang, Key::MyPosition)} ": "
                        match position() {
                            Some((lon, lat)) => rsx! { "{lon:.5}, {lat:.5}" },
                            None => rsx! { {t(lang, Key::NoPosition)} },
                        }
                        button { r#type: "button", class: "small secondary",
                            onclick: move |_| {
                                spawn(async move { position.set(platform::current_position().await); });
                            },
                            {t(lang, Key::Locate)}
                        }
                    }
                    h3 { {t(lang, Key::Photos)} }
                    div { class: "thumbs",
                        for p in photos.read().iter() {
                            if let Some(src) = p.preview.as_ref() {
                                img { key: "{p.sha256}", class: "thumb", src: "{src}", alt: "" }
                            }
                        }
                    }
                    label { class: "button secondary file", r#for: CHECK_PHOTO_INPUT, {t(lang, Key::TakePhoto)} }
                    input {
                        id: CHECK_PHOTO_INPUT,
                        class: "visually-hidden",
                        r#type: "file",
                        accept: "image/*",
                        capture: "environment",
                        onchange: move |_| {
                            spawn(async move {
                                match platform::capture_photo(CHECK_PHOTO_INPUT, None, Some(check_id)).await {
                                    Ok(Some(p)) => photos.write().push(p),
                                    Ok(None) => {}
                                    Err(_) => state.error.set(Some(UiError::Photo)),
                                }
                            });
                        },
                    }
                    button {
                        id: "submit-result",
                        r#type: "button",
                        class: "primary big",
                        disabled: busy(),
                        onclick: submit,
                        {t(lang, Key::SubmitResult)}
                    }
                }
            }
        }
    }
}
