//! Duty rosters of patrol teams: who is on duty when (a leak check goes to whoever is), added
//! from the team's members and deleted when plans change.

use super::refusal::Refusal;
use super::{ConfirmButton, RefusalNote, change, remove, use_listing};
use crate::console::i18n::{Txt, tr};
use crate::console::store::Console;
use crate::console::when::{china_day_time, local_input};
use dioxus::prelude::*;
use gasdesk_shared::TeamKind;
use gasdesk_shared::api::UserView;
use gasdesk_shared::routing::{DutyShift, NewDutyShift};
use uuid::Uuid;

#[component]
pub fn Rosters() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let (shifts, reload) = use_listing::<Vec<DutyShift>>("/api/v1/rosters");
    let (users, _) = use_listing::<Vec<UserView>>("/api/v1/users");
    let mut team = use_signal(String::new);
    let mut user = use_signal(String::new);
    let mut from = use_signal(String::new);
    let mut to = use_signal(String::new);
    let mut refusal = use_signal(|| None::<Refusal>);
    let staff = users().unwrap_or_default();
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
            staff
                .iter()
                .filter(|u| t.member_ids.contains(&u.id))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let name = |id: Uuid| {
        staff
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.display_name.clone())
            .unwrap_or_default()
    };
    let add = move |e: FormEvent| {
        e.prevent_default();
        let (Ok(team_id), Ok(user_id)) = (team.peek().parse(), user.peek().parse()) else {
            return refusal.set(Some(Refusal::local(
                "team_id / user_id",
                Txt::ChooseTeamAndMember,
            )));
        };
        let (Some(starts_at), Some(ends_at)) = (local_input(&from.peek()), local_input(&to.peek()))
        else {
            return refusal.set(Some(Refusal::local(
                "starts_at / ends_at",
                Txt::GiveBothTimes,
            )));
        };
        let shift = NewDutyShift {
            team_id,
            user_id,
            starts_at,
            ends_at,
        };
        spawn(async move {
            match change::<DutyShift>(console, "POST", "/api/v1/rosters", Some(&shift)).await {
                Ok(_) => {
                    refusal.set(None);
                    reload.call(());
                }
                Err(r) => refusal.set(Some(r)),
            }
        });
    };
    let delete = move |id: Uuid| {
        spawn(async move {
            match remove(console, &format!("/api/v1/rosters/{id}")).await {
                Ok(()) => {
                    refusal.set(None);
                    reload.call(());
                }
                Err(r) => refusal.set(Some(r)),
            }
        });
    };
    rsx! {
        form { class: "admin-form", id: "new-shift", onsubmit: add, novalidate: true,
            div { class: "row",
                label { r#for: "shift-team", {tr(lang, Txt::Team)}
                    select { id: "shift-team", onchange: move |e| { team.set(e.value()); user.set(String::new()) },
                        option { value: "", {tr(lang, Txt::ChooseTeam)} }
                        for t in teams.iter() { option { key: "{t.id}", value: "{t.id}", selected: team() == t.id.to_string(), "{t.name}" } }
                    }
                }
                label { r#for: "shift-user", {tr(lang, Txt::Name)}
                    select { id: "shift-user", onchange: move |e| user.set(e.value()),
                        option { value: "", "—" }
                        for u in members { option { key: "{u.id}", value: "{u.id}", selected: user() == u.id.to_string(), "{u.display_name}" } }
                    }
                }
                label { r#for: "shift-from", {tr(lang, Txt::ShiftFrom)}
                    input { id: "shift-from", r#type: "datetime-local", value: "{from}", oninput: move |e| from.set(e.value()) } }
                label { r#for: "shift-to", {tr(lang, Txt::ShiftTo)}
                    input { id: "shift-to", r#type: "datetime-local", value: "{to}", oninput: move |e| to.set(e.value()) } }
            }
            RefusalNote { refusal: refusal() }
            div { button { id: "shift-add", r#type: "submit", class: "primary", {tr(lang, Txt::Add)} } }
        }
        table { class: "grid", "data-testid": "rosters",
            thead { tr { th { {tr(lang, Txt::Team)} } th { {tr(lang, Txt::Name)} } th { {tr(lang, Txt::ShiftFrom)} } th { {tr(lang, Txt::ShiftTo)} } th {} } }
            tbody {
                for s in shifts().unwrap_or_default() {
                    tr { key: "{s.id}", "data-testid": "shift-row",
                        td { {console.team_name(Some(s.team_id)).unwrap_or_default()} }
                        td { {name(s.user_id)} }
                        td { class: "mono", {china_day_time(s.starts_at)} }
                        td { class: "mono", {china_day_time(s.ends_at)} }
                        td { ConfirmButton { action: "delete-shift", label: Txt::Delete, question: Txt::ConfirmDelete,
                            on_confirm: move |_| delete(s.id) } }
                    }
                }
            }
        }
    }
}
