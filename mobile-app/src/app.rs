//! The app shell: provides the store, re-checks a restored session, reads the field worker's
//! data from IndexedDB and runs the sync loop, and shows the sign-in page, the field app
//! (repairers, patrollers) or the home page under a header and the error banner; office roles
//! (dispatchers, leaders, managers, admins) get the dispatcher console (`crate::console`),
//! which only the console build has.

use crate::components::{ErrorBanner, LangToggle};
use crate::i18n::{Key, t};
use crate::pages::{FieldShell, HomePage, SignInPage};
use crate::platform;
use crate::store::{AppState, Screen, is_console_role, is_field_role, sync};
use dioxus::prelude::*;

#[component]
pub fn App() -> Element {
    let mut state = use_context_provider(AppState::restore);
    // Once per start: a stored session is shown at once and checked in the background; the
    // field data comes from IndexedDB (no network needed) and the sync loop starts.
    use_hook(move || {
        spawn(async move {
            state.recover_session().await;
            spawn(state.revalidate());
            state.load_field().await;
            state.refresh_uploads().await;
        });
        spawn(sync::run(state));
        platform::on_pop_state(move |path| {
            state.field.screen.set(Screen::parse(&path));
        });
    });

    // Each build carries what its people need: phones load the field build (`app.js`), office
    // desktops the console build (`console.js`, which boot.js loads for paths under
    // /console). A session in the other build's hands moves there: a full page load, the
    // session kept in storage.
    use_effect(move || {
        if let Some(path) = other_build(state.session.read().as_ref().map(|s| s.user.role)) {
            platform::open_page(path);
        }
    });

    let lang = (state.lang)();
    let role = state.session.read().as_ref().map(|s| s.user.role);
    if other_build(role).is_some() {
        return rsx! {
            div { class: "boot", p { {t(lang, Key::OpeningOtherBuild)} } }
        };
    }
    #[cfg(feature = "console")]
    if role.is_some_and(is_console_role) {
        return rsx! { crate::console::ConsoleApp {} };
    }
    let session = state.session.read();
    let error = state.error.read();
    rsx! {
        div { class: "shell",
            header { class: "topbar",
                h1 { {t(lang, Key::AppTitle)} }
                LangToggle { lang, on_toggle: move |_| state.toggle_lang() }
            }
            if let Some(err) = error.as_ref() {
                ErrorBanner {
                    lang,
                    message: err.message(lang),
                    on_dismiss: move |_| state.dismiss_error(),
                }
            }
            main { class: "content",
                match session.as_ref() {
                    Some(session) if is_field_role(session.user.role) => rsx! {
                        FieldShell { user: session.user.clone() }
                    },
                    Some(session) => rsx! {
                        HomePage {
                            lang,
                            user: session.user.clone(),
                            on_sign_out: move |_| {
                                spawn(state.sign_out());
                            },
                        }
                    },
                    None => rsx! {
                        SignInPage {
                            lang,
                            busy: (state.signing_in)(),
                            on_sign_in: move |credentials| {
                                spawn(state.sign_in(credentials));
                            },
                        }
                    },
                }
            }
        }
    }
}

/// Where the console build is served (boot.js loads `console.js` for these paths).
pub const CONSOLE_PATH: &str = "/console";

/// The page to move to when the signed-in role belongs to the other build, if it does.
fn other_build(role: Option<gasdesk_shared::Role>) -> Option<&'static str> {
    let console_build = cfg!(feature = "console");
    match role {
        Some(role) if is_console_role(role) && !console_build => Some(CONSOLE_PATH),
        Some(role) if is_field_role(role) && console_build => Some("/"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{App, CONSOLE_PATH, other_build};
    use dioxus::prelude::*;
    use gasdesk_shared::Role;

    #[test]
    fn a_session_moves_to_the_build_made_for_its_role() {
        let console_build = cfg!(feature = "console");
        for role in [
            Role::Admin,
            Role::TeamLeader,
            Role::Dispatcher,
            Role::Manager,
        ] {
            let expected = (!console_build).then_some(CONSOLE_PATH);
            assert_eq!(other_build(Some(role)), expected, "{role}");
        }
        for role in [Role::Repairer, Role::Patroller] {
            assert_eq!(
                other_build(Some(role)),
                console_build.then_some("/"),
                "{role}"
            );
        }
        assert_eq!(other_build(None), None, "signing in works in both builds");
    }

    #[test]
    fn first_visit_shows_header_and_sign_in_page() {
        let mut dom = VirtualDom::new(App);
        dom.rebuild_in_place();
        let html = dioxus_ssr::render(&dom);
        assert!(html.contains("燃气报修"), "{html}");
        assert!(html.contains(r#"id="lang-toggle""#), "{html}");
        assert!(html.contains(r#"id="username""#), "{html}");
        assert!(!html.contains("error-banner"), "{html}");
    }
}
