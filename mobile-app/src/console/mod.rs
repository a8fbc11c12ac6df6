//! The dispatcher console: what call-center agents, team leaders, managers and admins see at
//! their desktop browsers (the field app is for phones). One shell with a screen per task:
//! intake, the live board, workbenches, the map, administration, queries.
//!
//! Layers as in the field app: `net`/`api` (HTTP) and `live` (the event stream) → `store`
//! (signals and actions) and `model` (pure logic) → the pages (render only).

pub mod admin;
mod api;
mod board;
mod forms;
mod geo;
pub mod i18n;
mod intake;
mod knowledge;
pub mod live;
mod map;
pub mod model;
pub mod net;
mod other_calls;
mod queries;
pub mod store;
mod ticket_edit;
mod tiles;
pub mod when;
mod work;

#[cfg(test)]
mod tests;

use crate::components::{ErrorBanner, LangToggle};
use crate::i18n::role_label;
use crate::store::AppState;
use dioxus::prelude::*;
use gasdesk_shared::{Permission, Role};
use i18n::{Txt, tr};
use store::{Console, Screen};

pub use crate::store::is_console_role;

/// The screens a role may open, in menu order.
pub fn screens_for(role: Role) -> Vec<Screen> {
    let mut list = Vec::new();
    if role.can(Permission::DispatchWork) {
        list.push(Screen::Intake);
    }
    list.push(Screen::Board);
    if role.can(Permission::DispatchWork) {
        list.push(Screen::Work);
    }
    list.push(Screen::Map);
    if role.can(Permission::ManageAreas) || role.can(Permission::ManageUsers) {
        list.push(Screen::Admin);
    }
    list.push(Screen::Queries);
    list
}

fn screen_label(screen: Screen) -> Txt {
    match screen {
        Screen::Intake => Txt::NavIntake,
        Screen::Board => Txt::NavBoard,
        Screen::Work => Txt::NavWork,
        Screen::Map => Txt::NavMap,
        Screen::Admin => Txt::NavAdmin,
        Screen::Queries => Txt::NavQueries,
    }
}

fn screen_id(screen: Screen) -> &'static str {
    match screen {
        Screen::Intake => "intake",
        Screen::Board => "board",
        Screen::Work => "work",
        Screen::Map => "map",
        Screen::Admin => "admin",
        Screen::Queries => "queries",
    }
}

/// The console shell; expects [`AppState`] in context with a signed-in session.
#[component]
pub fn ConsoleApp() -> Element {
    let app = use_context::<AppState>();
    let Some(user) = app.session.read().as_ref().map(|s| s.user.clone()) else {
        return rsx! {};
    };
    let screens = screens_for(user.role);
    let first = screens[0];
    let mut console = use_context_provider(|| Console::new(app, first));
    use_hook(move || {
        spawn(console.load_teams());
        spawn(console.load_board());
        live::start(console);
        // The SLA countdowns tick once a second.
        spawn(async move {
            loop {
                net::sleep_ms(1000).await;
                console.now_ms.set(net::now_ms());
            }
        });
    });
    let lang = console.lang();
    let screen = (console.screen)();
    let error = app.error.read();
    rsx! {
        div { class: "console",
            header { class: "console-bar",
                h1 { {tr(lang, Txt::ConsoleTitle)} }
                nav { class: "console-nav", "aria-label": "console",
                    for s in screens {
                        button {
                            r#type: "button",
                            id: "nav-{screen_id(s)}",
                            class: if s == screen { "nav active" } else { "nav" },
                            "aria-current": if s == screen { "page" } else { "false" },
                            onclick: move |_| console.screen.set(s),
                            {tr(lang, screen_label(s))}
                        }
                    }
                }
                span { class: "who",
                    span { "data-testid": "user-name", "{user.display_name}" }
                    " · "
                    span { "data-testid": "user-role", {role_label(lang, user.role)} }
                }
                LangToggle { lang, on_toggle: move |_| app.toggle_lang() }
                button { id: "sign-out", r#type: "button", class: "secondary",
                    onclick: move |_| { spawn(app.sign_out()); },
                    {tr(lang, Txt::SignOut)}
                }
            }
            if let Some(err) = error.as_ref() {
                ErrorBanner { lang, message: err.message(lang), on_dismiss: move |_| app.dismiss_error() }
            }
            main { class: "console-main", "data-screen": screen_id(screen),
                match screen {
                    Screen::Intake => rsx! { intake::IntakePage {} },
                    Screen::Board => rsx! { board::BoardPage {} },
                    Screen::Work => rsx! { work::WorkPage {} },
                    Screen::Map => rsx! { map::MapPage {} },
                    Screen::Admin => rsx! { admin::AdminPage {} },
                    Screen::Queries => rsx! { queries::QueriesPage {} },
                }
            }
        }
    }
}
