//! The app shell: provides the store, re-checks a restored session, reads the field worker's
//! data from IndexedDB and runs the sync loop, and shows the sign-in page, the field app
//! (repairers, patrollers) or the home page under a header and the error banner; office roles
//! (dispatchers, leaders, managers, admins) get the dispatcher console (`crate::console`).

use crate::components::{ErrorBanner, LangToggle};
use crate::i18n::{Key, t};
use crate::pages::{FieldShell, HomePage, SignInPage};
use crate::platform;
use crate::store::{AppState, Screen, is_field_role, sync};
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

    let lang = (state.lang)();
    // Office roles work at a desktop: the dispatcher console replaces the phone layout.
    let office = state
        .session
        .read()
        .as_ref()
        .is_some_and(|s| crate::console::is_console_role(s.user.role));
    if office {
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

#[cfg(test)]
mod tests {
    use super::App;
    use dioxus::prelude::*;

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
