//! More administration: duty rosters of patrol teams, the knowledge base and outage notices,
//! each a list with a form to add to it.

use super::i18n::{Txt, china_hhmm, tr};
use super::net::{self, Body};
use super::store::Console;
use dioxus::prelude::*;
use gasdesk_shared::TeamKind;
use gasdesk_shared::api::{Page, UserView};
use gasdesk_shared::callcenter::{KnowledgeHit, NewKnowledgeEntry};
use gasdesk_shared::intake::{NewOutageNotice, OutageNoticeView};
use gasdesk_shared::routing::{DutyShift, NewDutyShift};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
use uuid::Uuid;

/// A `datetime-local` input's value (China time) as an instant.
pub fn local_input(value: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let at = PrimitiveDateTime::parse(value.trim(), &format).ok()?;
    Some(at.assume_offset(UtcOffset::from_hms(8, 0, 0).ok()?))
}

/// Splits a list typed with commas or Chinese enumeration marks.
pub fn list_input(value: &str) -> Vec<String> {
    value
        .split([',', '，', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn invalid(field: &str) -> crate::api::ApiError {
    crate::api::ApiError::Server {
        status: 422,
        code: None,
        message: field.into(),
    }
}

#[component]
pub fn Rosters() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut shifts = use_signal(Vec::<DutyShift>::new);
    let mut users = use_signal(Vec::<UserView>::new);
    let mut team = use_signal(String::new);
    let mut user = use_signal(String::new);
    let mut from = use_signal(String::new);
    let mut to = use_signal(String::new);
    let reload = move || {
        spawn(async move {
            let Some(token) = console.token() else { return };
            match net::get::<Vec<DutyShift>>(&token, "/api/v1/rosters").await {
                Ok(list) => shifts.set(list),
                Err(err) => console.fail(err),
            }
        });
    };
    use_hook(move || {
        reload();
        spawn(async move {
            let Some(token) = console.token() else { return };
            match net::get::<Vec<UserView>>(&token, "/api/v1/users").await {
                Ok(list) => users.set(list),
                Err(err) => console.fail(err),
            }
        });
    });
    let teams: Vec<_> = console
        .teams
        .read()
        .iter()
        .filter(|t| t.kind == TeamKind::Patrol)
        .cloned()
        .collect();
    let members: Vec<UserView> = teams
        .iter()
        .find(|t| t.id.to_string() == team())
        .map(|t| {
            users
                .read()
                .iter()
                .filter(|u| t.member_ids.contains(&u.id))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let name = move |id: Uuid| {
        users
            .read()
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.display_name.clone())
            .unwrap_or_default()
    };
    let add = move |e: FormEvent| {
        e.prevent_default();
        let (Ok(team_id), Ok(user_id)) = (team().parse(), user().parse()) else {
            return console.fail(invalid(tr(lang, Txt::ChooseTeam)));
        };
        let (Some(starts_at), Some(ends_at)) = (local_input(&from()), local_input(&to())) else {
            return console.fail(invalid("starts_at / ends_at"));
        };
        let shift = NewDutyShift {
            team_id,
            user_id,
            starts_at,
            ends_at,
        };
        spawn(async move {
            let Some(token) = console.token() else { return };
            let body = match Body::json(&shift) {
                Ok(body) => body,
                Err(err) => return console.fail(err),
            };
            match net::post::<DutyShift>(&token, "/api/v1/rosters", body).await {
                Ok(_) => reload(),
                Err(err) => console.fail(err),
            }
        });
    };
    rsx! {
        form { class: "row", onsubmit: add, novalidate: true,
            label { r#for: "shift-team", {tr(lang, Txt::Team)}
                select { id: "shift-team", onchange: move |e| team.set(e.value()),
                    option { value: "", {tr(lang, Txt::ChooseTeam)} }
                    for t in teams.iter() { option { key: "{t.id}", value: "{t.id}", "{t.name}" } }
                }
            }
            label { r#for: "shift-user", {tr(lang, Txt::Name)}
                select { id: "shift-user", onchange: move |e| user.set(e.value()),
                    option { value: "", "—" }
                    for u in members { option { key: "{u.id}", value: "{u.id}", "{u.display_name}" } }
                }
            }
            label { r#for: "shift-from", {tr(lang, Txt::ShiftFrom)}
                input { id: "shift-from", r#type: "datetime-local", oninput: move |e| from.set(e.value()) } }
            label { r#for: "shift-to", {tr(lang, Txt::ReportedTo)}
                input { id: "shift-to", r#type: "datetime-local", oninput: move |e| to.set(e.value()) } }
            div { button { id: "shift-add", r#type: "submit", class: "primary", {tr(lang, Txt::Add)} } }
        }
        table { class: "grid", "data-testid": "rosters",
            tbody {
                for s in shifts() {
                    tr { key: "{s.id}",
                        td { {console.team_name(Some(s.team_id)).unwrap_or_default()} }
                        td { {name(s.user_id)} }
                        td { class: "mono", {format!("{} {}", s.starts_at.to_offset(UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC)).date(), china_hhmm(s.starts_at))} }
                        td { class: "mono", {format!("{} {}", s.ends_at.to_offset(UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC)).date(), china_hhmm(s.ends_at))} }
                    }
                }
            }
        }
    }
}

#[component]
pub fn Knowledge() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut entries = use_signal(Vec::<KnowledgeHit>::new);
    let mut title = use_signal(String::new);
    let mut subtitle = use_signal(String::new);
    let mut keywords = use_signal(String::new);
    let mut content = use_signal(String::new);
    let reload = move || {
        spawn(async move {
            let Some(token) = console.token() else { return };
            match net::get::<Page<KnowledgeHit>>(&token, "/api/v1/knowledge?limit=200").await {
                Ok(page) => entries.set(page.items),
                Err(err) => console.fail(err),
            }
        });
    };
    use_hook(reload);
    let add = move |e: FormEvent| {
        e.prevent_default();
        let entry = NewKnowledgeEntry {
            title: title().trim().into(),
            subtitle: Some(subtitle().trim().to_string()).filter(|s| !s.is_empty()),
            keywords: list_input(&keywords()),
            content: content().trim().into(),
        };
        spawn(async move {
            let Some(token) = console.token() else { return };
            let body = match Body::json(&entry) {
                Ok(body) => body,
                Err(err) => return console.fail(err),
            };
            match net::post::<serde_json::Value>(&token, "/api/v1/knowledge", body).await {
                Ok(_) => {
                    title.set(String::new());
                    content.set(String::new());
                    reload();
                }
                Err(err) => console.fail(err),
            }
        });
    };
    rsx! {
        form { onsubmit: add, novalidate: true,
            div { class: "row",
                label { r#for: "kb-title", {tr(lang, Txt::KbTitle)} input { id: "kb-title", value: "{title}", oninput: move |e| title.set(e.value()) } }
                label { r#for: "kb-subtitle", {tr(lang, Txt::KbSubtitle)} input { id: "kb-subtitle", value: "{subtitle}", oninput: move |e| subtitle.set(e.value()) } }
                label { r#for: "kb-keywords", {tr(lang, Txt::KbKeywords)} input { id: "kb-keywords", value: "{keywords}", oninput: move |e| keywords.set(e.value()) } }
            }
            label { r#for: "kb-content", {tr(lang, Txt::Content)} textarea { id: "kb-content", rows: 3, value: "{content}", oninput: move |e| content.set(e.value()) } }
            div { button { id: "kb-add", r#type: "submit", class: "primary", {tr(lang, Txt::Add)} } }
        }
        table { class: "grid", "data-testid": "kb-entries",
            tbody {
                for k in entries() {
                    tr { key: "{k.id}", td { "{k.title}" } td { {k.subtitle.clone().unwrap_or_default()} }
                        td { {k.keywords.join("、")} } td { "{k.snippet}" } }
                }
            }
        }
    }
}

#[component]
pub fn Outages() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut notices = use_signal(Vec::<OutageNoticeView>::new);
    let mut reason = use_signal(String::new);
    let mut from = use_signal(String::new);
    let mut to = use_signal(String::new);
    let mut streets = use_signal(String::new);
    let mut communities = use_signal(String::new);
    let reload = move || {
        spawn(async move {
            let Some(token) = console.token() else { return };
            match net::get::<Vec<OutageNoticeView>>(&token, "/api/v1/outages").await {
                Ok(list) => notices.set(list),
                Err(err) => console.fail(err),
            }
        });
    };
    use_hook(reload);
    let add = move |e: FormEvent| {
        e.prevent_default();
        let (Some(starts_at), Some(ends_at)) = (local_input(&from()), local_input(&to())) else {
            return console.fail(invalid("starts_at / ends_at"));
        };
        let notice = NewOutageNotice {
            reason: reason().trim().into(),
            starts_at,
            ends_at,
            geometry: None,
            streets: list_input(&streets()),
            communities: list_input(&communities()),
        };
        spawn(async move {
            let Some(token) = console.token() else { return };
            let body = match Body::json(&notice) {
                Ok(body) => body,
                Err(err) => return console.fail(err),
            };
            match net::post::<OutageNoticeView>(&token, "/api/v1/outages", body).await {
                Ok(_) => reload(),
                Err(err) => console.fail(err),
            }
        });
    };
    rsx! {
        form { onsubmit: add, novalidate: true,
            div { class: "row",
                label { r#for: "outage-reason", {tr(lang, Txt::Reason)} input { id: "outage-reason", value: "{reason}", oninput: move |e| reason.set(e.value()) } }
                label { r#for: "outage-from", {tr(lang, Txt::ShiftFrom)} input { id: "outage-from", r#type: "datetime-local", oninput: move |e| from.set(e.value()) } }
                label { r#for: "outage-to", {tr(lang, Txt::ReportedTo)} input { id: "outage-to", r#type: "datetime-local", oninput: move |e| to.set(e.value()) } }
            }
            div { class: "row",
                label { r#for: "outage-streets", {tr(lang, Txt::Streets)} input { id: "outage-streets", value: "{streets}", oninput: move |e| streets.set(e.value()) } }
                label { r#for: "outage-communities", {tr(lang, Txt::Communities)} input { id: "outage-communities", value: "{communities}", oninput: move |e| communities.set(e.value()) } }
            }
            div { button { id: "outage-add", r#type: "submit", class: "primary", {tr(lang, Txt::Add)} } }
        }
        table { class: "grid", "data-testid": "outages",
            tbody {
                for o in notices() {
                    tr { key: "{o.id}", td { "{o.reason}" } td { {o.streets.join("、")} } td { {o.communities.join("、")} }
                        td { class: "mono", {china_hhmm(o.starts_at)} " – " {china_hhmm(o.ends_at)} } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_inputs_read_as_china_time_and_lists() {
        let at = local_input("2026-11-26T09:30").unwrap();
        assert_eq!(at, time::macros::datetime!(2026-11-26 01:30 UTC));
        assert_eq!(local_input("tomorrow"), None);
        assert_eq!(
            list_input("人民路， 干将路、, 十全街"),
            ["人民路", "干将路", "十全街"]
        );
    }
}
