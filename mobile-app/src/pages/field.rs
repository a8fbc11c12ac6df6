//! The field app's frame for repairers and patrollers: the sync status bar, who is signed in,
//! and the current screen, connected to the store.

use super::checks::{CheckDetail, CheckList, CheckRow, recorded_finding};
use super::complete::CompletionForm;
use super::job::{JobDetail, StepEntry};
use super::jobs::JobList;
use super::patrol_log::PatrolLogPage;
use super::sync_details::SyncDetails;
use crate::components::{SyncBar, SyncStatus};
use crate::i18n::{Key, Lang, role_label, t, tn};
use crate::platform;
use crate::store::jobs::{job_rows, next_actions, step_log};
use crate::store::{AppState, Screen};
use dioxus::prelude::*;
use gasdesk_shared::Role;
use gasdesk_shared::api::UserView;
use gasdesk_shared::ticket::TicketAction;

#[component]
pub fn UserStrip(
    lang: Lang,
    user: UserView,
    confirm: Option<usize>,
    on_sign_out: EventHandler<()>,
    on_confirm: EventHandler<()>,
    on_cancel: EventHandler<()>,
) -> Element {
    rsx! {
        div { class: "user-strip",
            span { class: "user-name", "data-testid": "user-name", "{user.display_name}" }
            span { class: "user-role", "data-testid": "user-role", {role_label(lang, user.role)} }
            button { id: "sign-out", r#type: "button", class: "small secondary",
                onclick: move |_| on_sign_out.call(()),
                {t(lang, Key::SignOut)}
            }
        }
        if let Some(n) = confirm {
            div { class: "card warning confirm", role: "alertdialog", "data-testid": "confirm-sign-out",
                p { {tn(lang, Key::SignOutPendingN, n)} }
                div { class: "link-row",
                    button { id: "confirm-sign-out", r#type: "button", class: "primary", onclick: move |_| on_confirm.call(()), {t(lang, Key::SignOutAnyway)} }
                    button { r#type: "button", class: "secondary", onclick: move |_| on_cancel.call(()), {t(lang, Key::Cancel)} }
                }
            }
        }
    }
}

#[component]
pub fn FieldShell(user: UserView) -> Element {
    let state = use_context::<AppState>();
    let lang = (state.lang)();
    let screen = (state.field.screen)();
    let notice = (state.field.notice)();
    let replica = state.field.replica.read();
    let status = SyncStatus {
        online: (state.field.online)(),
        syncing: (state.field.syncing)(),
        pending: replica.as_ref().map_or(0, |r| r.pending()),
        uploads: (state.field.uploads)(),
        last_sync: replica.as_ref().and_then(|r| r.last_sync_at),
        last_error: replica.as_ref().and_then(|r| r.last_error.clone()),
        flags: replica.as_ref().map_or(0, |r| r.flags.len()),
    };
    let confirm = (state.confirm_sign_out)().then(|| state.unsynced());
    let body = match replica.as_ref() {
        None => {
            rsx! { p { class: "card muted", "data-testid": "loading", {t(lang, Key::Loading)} } }
        }
        Some(r) => match screen {
            Screen::Home if user.role == Role::Patroller => {
                let mut rows: Vec<CheckRow> = r
                    .checks
                    .values()
                    .map(|c| CheckRow {
                        recorded: recorded_finding(r, c.check.id),
                        mine: c.check.assigned_to == Some(user.id),
                        check: c.check.clone(),
                    })
                    .collect();
                // Open ones first, the patroller's own before the rest of the team's.
                rows.sort_by(|a, b| {
                    a.recorded
                        .is_some()
                        .cmp(&b.recorded.is_some())
                        .then(b.mine.cmp(&a.mine))
                        .then(a.check.reported_at.cmp(&b.check.reported_at))
                });
                let log_open = state.field.patrol_log.read().is_some();
                rsx! {
                    button { id: "open-log", r#type: "button", class: "secondary wide",
                        onclick: move |_| state.navigate(Screen::PatrolLog),
                        {t(lang, Key::PatrolLog)}
                        if log_open { " · " {t(lang, Key::LogOpen)} }
                    }
                    CheckList { lang, rows, on_open: move |id| state.navigate(Screen::Check(id)) }
                }
            }
            Screen::Home => rsx! {
                JobList {
                    lang,
                    rows: job_rows(r, platform::now()),
                    on_open: move |id| state.navigate(Screen::Job(id)),
                }
            },
            Screen::Job(id) => match r.ticket(id) {
                None => rsx! { p { class: "card muted", {t(lang, Key::NoJobs)} } },
                Some(ticket) => {
                    let customer = r.tickets.get(&id).and_then(|t| t.customer.clone());
                    let steps = step_log(r, id)
                        .into_iter()
                        .map(|(action, at, pending)| StepEntry {
                            action,
                            at,
                            pending,
                        })
                        .collect();
                    rsx! {
                        JobDetail {
                            lang,
                            actions: next_actions(ticket.status, user.role),
                            ticket,
                            customer,
                            steps,
                            notice,
                            on_step: move |action| {
                                if action == TicketAction::Complete {
                                    state.navigate(Screen::Complete(id));
                                } else {
                                    spawn(state.step(id, action));
                                }
                            },
                            on_back: move |_| state.navigate(Screen::Home),
                        }
                    }
                }
            },
            Screen::Complete(id) => rsx! { CompletionForm { ticket_id: id } },
            Screen::Check(id) => rsx! { CheckDetail { key: "{id}", check_id: id } },
            Screen::PatrolLog => rsx! {
                button { r#type: "button", class: "back", onclick: move |_| state.navigate(Screen::Home), "‹ " {t(lang, Key::Back)} }
                PatrolLogPage {
                    lang,
                    log: state.field.patrol_log.read().clone(),
                    on_start: move |_| { spawn(state.start_patrol_log()); },
                    on_close: move |(checked, remarks)| { spawn(state.close_patrol_log(checked, remarks)); },
                }
            },
            Screen::Sync => rsx! {
                SyncDetails {
                    lang,
                    pending: r.pending(),
                    last_error: r.last_error.clone(),
                    flags: r.flags.clone(),
                    on_sync_now: move |_| state.sync_now(),
                    on_dismiss: move |i| state.dismiss_flag(i),
                    on_back: move |_| state.navigate(Screen::Home),
                }
            },
        },
    };
    rsx! {
        div { class: "field",
            SyncBar { lang, status, on_open: move |_| state.navigate(Screen::Sync) }
            UserStrip {
                lang,
                user: user.clone(),
                confirm,
                on_sign_out: move |_| state.ask_sign_out(),
                on_confirm: move |_| { spawn(state.sign_out()); },
                on_cancel: move |_| state.cancel_sign_out(),
            }
            {body}
        }
    }
}
