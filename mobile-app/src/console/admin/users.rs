//! Users and roles: create a staff account, and for one chosen account change its name, phone
//! or role, reset its password, deactivate or reactivate it. Admins only change; team leaders
//! and managers see the list.

use super::model::UserForm;
use super::refusal::Refusal;
use super::{ConfirmButton, RefusalNote, change, use_listing};
use crate::console::i18n::{Txt, tr};
use crate::console::store::Console;
use crate::i18n::role_label;
use dioxus::prelude::*;
use gasdesk_shared::api::{UserUpdate, UserView};
use gasdesk_shared::{Permission, Role};
use uuid::Uuid;

#[component]
pub fn Users() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let can_change = super::allowed(console, Permission::ManageUsers);
    let (users, reload) = use_listing::<Vec<UserView>>("/api/v1/users");
    let mut editing = use_signal(|| None::<Uuid>);
    let list = users().unwrap_or_default();
    let chosen = editing().and_then(|id| list.iter().find(|u| u.id == id).cloned());
    rsx! {
        if can_change { NewUserForm { on_created: move |_| reload.call(()) } }
        table { class: "grid", "data-testid": "admin-users",
            thead { tr {
                th { {tr(lang, Txt::Username)} } th { {tr(lang, Txt::Name)} } th { {tr(lang, Txt::Role)} }
                th { {tr(lang, Txt::Phone)} } th { {tr(lang, Txt::Active)} } if can_change { th {} }
            } }
            tbody {
                for u in list {
                    tr { key: "{u.id}", "data-testid": "user-row", "data-username": "{u.username}",
                        class: if !u.active { "inactive" } else { "" },
                        td { class: "mono", "{u.username}" } td { "{u.display_name}" }
                        td { "data-testid": "user-role-cell", {role_label(lang, u.role)} }
                        td { class: "mono", {u.phone.clone().unwrap_or_default()} }
                        td { "data-testid": "user-active", if u.active { {tr(lang, Txt::Yes)} } else { {tr(lang, Txt::No)} } }
                        if can_change {
                            td { button { r#type: "button", class: "secondary", "data-action": "edit-user",
                                onclick: move |_| editing.set(Some(u.id)), {tr(lang, Txt::Edit)} } }
                        }
                    }
                }
            }
        }
        if let Some(user) = chosen {
            UserEditor { key: "{user.id}", user, on_changed: move |_| reload.call(()), on_close: move |_| editing.set(None) }
        }
    }
}

fn role_select(
    lang: crate::i18n::Lang,
    id: &'static str,
    current: Role,
    mut set: impl FnMut(Role) + 'static,
) -> Element {
    rsx! {
        select { id, onchange: move |e| { if let Ok(r) = e.value().parse::<Role>() { set(r) } },
            for r in Role::ALL {
                option { value: r.as_str(), selected: r == current, {role_label(lang, r)} }
            }
        }
    }
}

#[component]
fn NewUserForm(on_created: EventHandler<()>) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut form = use_signal(UserForm::default);
    let mut refusal = use_signal(|| None::<Refusal>);
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let new = form.peek().to_new();
        spawn(async move {
            match change::<UserView>(console, "POST", "/api/v1/users", Some(&new)).await {
                Ok(_) => {
                    refusal.set(None);
                    form.set(UserForm::default());
                    on_created.call(());
                }
                Err(r) => refusal.set(Some(r)),
            }
        });
    };
    let f = form();
    rsx! {
        form { class: "admin-form", id: "new-user", onsubmit: submit, novalidate: true,
            h3 { {tr(lang, Txt::NewUser)} }
            div { class: "row",
                label { r#for: "user-username", {tr(lang, Txt::Username)}
                    input { id: "user-username", autocomplete: "off", value: "{f.username}", oninput: move |e| form.write().username = e.value() } }
                label { r#for: "user-name", {tr(lang, Txt::Name)}
                    input { id: "user-name", value: "{f.display_name}", oninput: move |e| form.write().display_name = e.value() } }
                label { r#for: "user-role", {tr(lang, Txt::Role)}
                    {role_select(lang, "user-role", f.role, move |r| form.write().role = r)} }
                label { r#for: "user-password", {tr(lang, Txt::Password)}
                    input { id: "user-password", r#type: "password", autocomplete: "new-password", value: "{f.password}", oninput: move |e| form.write().password = e.value() } }
                label { r#for: "user-phone", {tr(lang, Txt::Phone)}
                    input { id: "user-phone", r#type: "tel", value: "{f.phone}", oninput: move |e| form.write().phone = e.value() } }
            }
            RefusalNote { refusal: refusal() }
            div { button { id: "user-create", r#type: "submit", class: "primary", {tr(lang, Txt::CreateUser)} } }
        }
    }
}

/// One account's changes; each button sends only what it is about.
#[component]
fn UserEditor(user: UserView, on_changed: EventHandler<()>, on_close: EventHandler<()>) -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut name = use_signal(|| user.display_name.clone());
    let mut phone = use_signal(|| user.phone.clone().unwrap_or_default());
    let mut role = use_signal(|| user.role);
    let mut password = use_signal(String::new);
    let mut refusal = use_signal(|| None::<Refusal>);
    let mut done = use_signal(|| None::<Txt>);
    let id = user.id;
    let send = move |update: UserUpdate, said: Txt| {
        spawn(async move {
            let path = format!("/api/v1/users/{id}");
            match change::<UserView>(console, "PATCH", &path, Some(&update)).await {
                Ok(_) => {
                    refusal.set(None);
                    done.set(Some(said));
                    password.set(String::new());
                    on_changed.call(());
                }
                Err(r) => {
                    done.set(None);
                    refusal.set(Some(r));
                }
            }
        });
    };
    let save = move |e: FormEvent| {
        e.prevent_default();
        let update = UserUpdate {
            display_name: Some(name()),
            phone: Some(phone()),
            role: Some(role()),
            ..Default::default()
        };
        send(update, Txt::Saved);
    };
    rsx! {
        form { class: "admin-form editor", id: "user-editor", "data-username": "{user.username}", onsubmit: save, novalidate: true,
            h3 { {tr(lang, Txt::EditUser)} " " span { class: "mono", "{user.username}" } }
            div { class: "row",
                label { r#for: "edit-user-name", {tr(lang, Txt::Name)}
                    input { id: "edit-user-name", value: "{name}", oninput: move |e| name.set(e.value()) } }
                label { r#for: "edit-user-phone", {tr(lang, Txt::Phone)}
                    input { id: "edit-user-phone", r#type: "tel", value: "{phone}", oninput: move |e| phone.set(e.value()) } }
                label { r#for: "edit-user-role", {tr(lang, Txt::Role)}
                    {role_select(lang, "edit-user-role", role(), move |r| role.set(r))} }
            }
            div { class: "row-buttons",
                button { id: "user-save", r#type: "submit", class: "primary", {tr(lang, Txt::Save)} }
                button { r#type: "button", class: "secondary", id: "user-editor-close", onclick: move |_| on_close.call(()), {tr(lang, Txt::Close)} }
            }
            div { class: "row",
                label { r#for: "edit-user-password", {tr(lang, Txt::NewPassword)}
                    input { id: "edit-user-password", r#type: "password", autocomplete: "new-password", value: "{password}", oninput: move |e| password.set(e.value()) } }
                div { button { id: "user-reset-password", r#type: "button", class: "secondary",
                    onclick: move |_| send(UserUpdate { password: Some(password()), ..Default::default() }, Txt::PasswordReset),
                    {tr(lang, Txt::ResetPassword)} } }
            }
            div { class: "row-buttons",
                if user.active {
                    ConfirmButton { action: "deactivate", label: Txt::Deactivate, question: Txt::ConfirmDeactivate,
                        on_confirm: move |_| send(UserUpdate { active: Some(false), ..Default::default() }, Txt::Deactivated) }
                } else {
                    button { r#type: "button", class: "secondary", "data-action": "reactivate",
                        onclick: move |_| send(UserUpdate { active: Some(true), ..Default::default() }, Txt::Reactivated),
                        {tr(lang, Txt::Reactivate)} }
                }
            }
            RefusalNote { refusal: refusal() }
            if let Some(said) = done() { p { class: "muted", role: "status", "data-testid": "user-done", {tr(lang, said)} } }
        }
    }
}
