//! Teams and members: create a repair, emergency-repair or patrol team; rename it, change its
//! phone or leader; add staff to a team and take them off it; delete a team never used (the
//! server names what keeps one that was).

use super::model::{TeamEdit, TeamForm, candidates, leader_candidates};
use super::refusal::Refusal;
use super::{ConfirmButton, RefusalNote, change, remove, use_listing};
use crate::console::i18n::{Txt, tr};
use crate::console::store::Console;
use crate::i18n::{Lang, role_label};
use dioxus::prelude::*;
use gasdesk_shared::api::{NewTeam, TeamMember, TeamUpdate, TeamView, UserView};
use gasdesk_shared::{Permission, TeamKind};
use uuid::Uuid;

pub fn kind_label(lang: Lang, kind: TeamKind) -> &'static str {
    match lang {
        Lang::Zh => kind.label_zh(),
        Lang::En => match kind {
            TeamKind::Repair => "Repair",
            TeamKind::EmergencyRepair => "Emergency repair",
            TeamKind::Patrol => "Patrol",
        },
    }
}

#[component]
pub fn Teams() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let can_change = super::allowed(console, Permission::ManageTeams);
    let (teams, reload) = use_listing::<Vec<TeamView>>("/api/v1/teams");
    let (users, reload_users) = use_listing::<Vec<UserView>>("/api/v1/users");
    let mut open = use_signal(|| None::<Uuid>);
    // Intake and the board read the console's own team list: keep it current too.
    let changed = move |_| {
        reload.call(());
        reload_users.call(());
        spawn(console.load_teams());
    };
    let list = teams().unwrap_or_default();
    let staff = users().unwrap_or_default();
    let table_staff = staff.clone();
    let chosen = open().and_then(|id| list.iter().find(|t| t.id == id).cloned());
    rsx! {
        if can_change { NewTeamForm { on_created: changed } }
        table { class: "grid", "data-testid": "admin-teams",
            thead { tr { th { {tr(lang, Txt::Team)} } th { {tr(lang, Txt::TeamKindLabel)} } th { {tr(lang, Txt::Phone)} }
                th { {tr(lang, Txt::TeamLeader)} } th { {tr(lang, Txt::Members)} } th {} } }
            tbody {
                for t in list.clone() {
                    tr { key: "{t.id}", "data-testid": "team-row", "data-team": "{t.name}",
                        td { "{t.name}" } td { {kind_label(lang, t.kind)} }
                        td { class: "mono", {t.phone.clone().unwrap_or_default()} }
                        td { "data-testid": "team-leader",
                            {t.leader_id.and_then(|id| table_staff.iter().find(|u| u.id == id)).map(|u| u.display_name.clone()).unwrap_or_default()} }
                        td { "data-testid": "member-count", "{t.member_ids.len()}" }
                        td { button { r#type: "button", class: "secondary", "data-action": "members",
                            onclick: move |_| open.set(Some(t.id)), {tr(lang, Txt::Members)} } }
                    }
                }
            }
        }
        if let Some(team) = chosen {
            MembersPanel { key: "{team.id}", team, staff, can_change, on_changed: changed, on_close: move |_| open.set(None) }
        }
    }
}

#[component]
fn NewTeamForm(on_created: EventHandler<()>) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut form = use_signal(TeamForm::default);
    let mut refusal = use_signal(|| None::<Refusal>);
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let f = form.peek().clone();
        let new = NewTeam {
            name: f.name.trim().to_string(),
            kind: f.kind,
            phone: Some(f.phone.trim().to_string()).filter(|p| !p.is_empty()),
            leader_id: None,
        };
        spawn(async move {
            match change::<TeamView>(console, "POST", "/api/v1/teams", Some(&new)).await {
                Ok(_) => {
                    refusal.set(None);
                    form.set(TeamForm::default());
                    on_created.call(());
                }
                Err(r) => refusal.set(Some(r)),
            }
        });
    };
    let f = form();
    rsx! {
        form { class: "admin-form", id: "new-team", onsubmit: submit, novalidate: true,
            h3 { {tr(lang, Txt::NewTeam)} }
            div { class: "row",
                label { r#for: "team-name", {tr(lang, Txt::Team)}
                    input { id: "team-name", value: "{f.name}", oninput: move |e| form.write().name = e.value() } }
                label { r#for: "team-kind", {tr(lang, Txt::TeamKindLabel)}
                    select { id: "team-kind", onchange: move |e| { if let Ok(k) = e.value().parse() { form.write().kind = k } },
                        for k in TeamKind::ALL { option { value: k.as_str(), selected: k == f.kind, {kind_label(lang, k)} } }
                    }
                }
                label { r#for: "team-phone", {tr(lang, Txt::Phone)}
                    input { id: "team-phone", r#type: "tel", value: "{f.phone}", oninput: move |e| form.write().phone = e.value() } }
            }
            RefusalNote { refusal: refusal() }
            div { button { id: "team-create", r#type: "submit", class: "primary", {tr(lang, Txt::CreateTeam)} } }
        }
    }
}

#[component]
fn MembersPanel(
    team: TeamView,
    staff: Vec<UserView>,
    can_change: bool,
    on_changed: EventHandler<()>,
    on_close: EventHandler<()>,
) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut adding = use_signal(String::new);
    let mut refusal = use_signal(|| None::<Refusal>);
    let id = team.id;
    let answered = move |result: Result<TeamView, Refusal>| match result {
        Ok(_) => {
            refusal.set(None);
            on_changed.call(());
        }
        Err(r) => refusal.set(Some(r)),
    };
    let add = move |e: FormEvent| {
        e.prevent_default();
        let Ok(user_id) = adding.peek().parse::<Uuid>() else {
            return refusal.set(Some(Refusal::local("user_id", Txt::ChooseMember)));
        };
        spawn(async move {
            let path = format!("/api/v1/teams/{id}/members");
            let mut answered = answered;
            answered(change(console, "POST", &path, Some(&TeamMember { user_id })).await);
            adding.set(String::new());
        });
    };
    let members: Vec<UserView> = staff
        .iter()
        .filter(|u| team.member_ids.contains(&u.id))
        .cloned()
        .collect();
    let others = candidates(&staff, &team);
    rsx! {
        section { class: "admin-form editor", id: "team-members", "data-team": "{team.name}",
            if can_change {
                TeamEditor { key: "{team.id}", team: team.clone(), staff: staff.clone(), on_changed }
            }
            h3 { "{team.name} · " {tr(lang, Txt::Members)} }
            table { class: "grid", "data-testid": "team-members",
                tbody {
                    for u in members {
                        tr { key: "{u.id}", "data-testid": "member-row", "data-username": "{u.username}",
                            td { "{u.display_name}" } td { class: "mono", "{u.username}" } td { {role_label(lang, u.role)} }
                            if can_change {
                                td { ConfirmButton { action: "remove-member", label: Txt::RemoveMember, question: Txt::ConfirmRemoveMember,
                                    on_confirm: move |_| {
                                        let path = format!("/api/v1/teams/{id}/members/{}", u.id);
                                        spawn(async move {
                                            let mut answered = answered;
                                            answered(change(console, "DELETE", &path, None::<&()>).await);
                                        });
                                    } } }
                            }
                        }
                    }
                }
            }
            if can_change {
                form { class: "row", onsubmit: add, novalidate: true,
                    label { r#for: "member-add-user", {tr(lang, Txt::AddMember)}
                        select { id: "member-add-user", onchange: move |e| adding.set(e.value()),
                            option { value: "", selected: adding().is_empty(), "—" }
                            for u in others { option { key: "{u.id}", value: "{u.id}", "{u.display_name}（{u.username}）" } }
                        }
                    }
                    div { button { id: "member-add", r#type: "submit", class: "primary", {tr(lang, Txt::Add)} } }
                }
            }
            RefusalNote { refusal: refusal() }
            div { class: "row",
                button { r#type: "button", class: "secondary", id: "team-members-close", onclick: move |_| on_close.call(()), {tr(lang, Txt::Close)} }
                if can_change {
                    ConfirmButton { action: "delete-team", label: Txt::DeleteTeam, question: Txt::ConfirmDeleteTeam,
                        on_confirm: move |_| {
                            spawn(async move {
                                match remove(console, &format!("/api/v1/teams/{id}")).await {
                                    Ok(()) => {
                                        on_close.call(());
                                        on_changed.call(());
                                    }
                                    Err(r) => refusal.set(Some(r)),
                                }
                            });
                        } }
                }
            }
        }
    }
}

/// Rename the team, change its phone or its leader.
#[component]
fn TeamEditor(team: TeamView, staff: Vec<UserView>, on_changed: EventHandler<()>) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut form = use_signal(|| TeamEdit::of(&team));
    let mut refusal = use_signal(|| None::<Refusal>);
    let mut saved = use_signal(|| false);
    let id = team.id;
    let save = move |e: FormEvent| {
        e.prevent_default();
        let update = match form.peek().to_update() {
            Ok(update) => update,
            Err(r) => return refusal.set(Some(r)),
        };
        spawn(async move {
            let path = format!("/api/v1/teams/{id}");
            match change::<TeamView>(console, "PATCH", &path, Some::<&TeamUpdate>(&update)).await {
                Ok(_) => {
                    refusal.set(None);
                    saved.set(true);
                    on_changed.call(());
                }
                Err(r) => {
                    saved.set(false);
                    refusal.set(Some(r));
                }
            }
        });
    };
    let f = form();
    let leaders = leader_candidates(&staff);
    rsx! {
        form { id: "team-editor", onsubmit: save, novalidate: true,
            h3 { {tr(lang, Txt::EditTeam)} }
            div { class: "row",
                label { r#for: "edit-team-name", {tr(lang, Txt::Team)}
                    input { id: "edit-team-name", value: "{f.name}", oninput: move |e| form.write().name = e.value() } }
                label { r#for: "edit-team-phone", {tr(lang, Txt::Phone)}
                    input { id: "edit-team-phone", r#type: "tel", value: "{f.phone}", oninput: move |e| form.write().phone = e.value() } }
                label { r#for: "edit-team-leader", {tr(lang, Txt::TeamLeader)}
                    select { id: "edit-team-leader", onchange: move |e| form.write().leader = e.value(),
                        option { value: "", selected: f.leader.is_empty(), {tr(lang, Txt::NoLeader)} }
                        for u in leaders {
                            option { key: "{u.id}", value: "{u.id}", selected: f.leader == u.id.to_string(),
                                "{u.display_name}（{u.username}）" }
                        }
                    }
                }
            }
            div { button { id: "team-save", r#type: "submit", class: "primary", {tr(lang, Txt::Save)} } }
        }
        RefusalNote { refusal: refusal() }
        if saved() { p { class: "muted", role: "status", "data-testid": "team-saved", {tr(lang, Txt::Saved)} } }
    }
}
