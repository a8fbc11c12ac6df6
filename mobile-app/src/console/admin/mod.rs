//! Administration for team leaders and admins, one tab per thing they keep: service areas and
//! pipelines, users and roles, teams and members, duty rosters, catalogs, the score rule table,
//! business parameters, the knowledge base and outage notices.
//!
//! Every form shows the server's refusal next to itself and keeps what was typed; a success
//! reloads the list. Destructive actions ask first.

mod catalog_model;
mod catalogs;
mod geo;
mod knowledge;
pub mod model;
mod outages;
mod params;
pub(crate) mod refusal;
mod rosters;
mod rule_table;
mod rules;
mod teams;
mod users;

use super::i18n::{Txt, tr};
use super::net::{self, Body};
use super::store::Console;
use crate::api::ApiError;
use dioxus::prelude::*;
use refusal::{Refusal, read_answer, read_empty};
use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Geo,
    Users,
    Teams,
    Rosters,
    Catalogs,
    Rules,
    Params,
    Knowledge,
    Outages,
}

const TABS: [(Tab, &str, Txt); 9] = [
    (Tab::Geo, "geo", Txt::AdminGeo),
    (Tab::Users, "users", Txt::AdminUsers),
    (Tab::Teams, "teams", Txt::AdminTeams),
    (Tab::Rosters, "rosters", Txt::AdminRosters),
    (Tab::Catalogs, "catalogs", Txt::AdminCatalogs),
    (Tab::Rules, "rules", Txt::AdminRules),
    (Tab::Params, "params", Txt::AdminParams),
    (Tab::Knowledge, "knowledge", Txt::AdminKnowledge),
    (Tab::Outages, "outages", Txt::AdminOutages),
];

#[component]
pub fn AdminPage() -> Element {
    let console = use_context::<Console>();
    let lang = console.lang();
    let mut tab = use_signal(|| Tab::Geo);
    rsx! {
        div { class: "admin",
            nav { class: "modes", role: "tablist",
                for (t, id, label) in TABS {
                    button { r#type: "button", role: "tab", id: "admin-{id}",
                        class: if tab() == t { "tab active" } else { "tab" },
                        "aria-selected": if tab() == t { "true" } else { "false" },
                        onclick: move |_| tab.set(t), {tr(lang, label)} }
                }
            }
            section { class: "panel",
                match tab() {
                    Tab::Geo => rsx! { geo::GeoImport {} },
                    Tab::Users => rsx! { users::Users {} },
                    Tab::Teams => rsx! { teams::Teams {} },
                    Tab::Rosters => rsx! { rosters::Rosters {} },
                    Tab::Catalogs => rsx! { catalogs::Catalogs {} },
                    Tab::Rules => rsx! { rules::ScoreRulesTab {} },
                    Tab::Params => rsx! { params::Params {} },
                    Tab::Knowledge => rsx! { knowledge::Knowledge {} },
                    Tab::Outages => rsx! { outages::Outages {} },
                }
            }
        }
    }
}

/// Loads what a tab lists when it opens, and again on the returned callback (after a change).
/// A failed load goes to the banner: there is no form to show it next to.
fn use_listing<T: DeserializeOwned + Clone + 'static>(
    path: &'static str,
) -> (Signal<Option<T>>, Callback<()>) {
    let console = use_context::<Console>();
    let mut value = use_signal(|| None::<T>);
    let reload = use_callback(move |_: ()| {
        spawn(async move {
            let Some(token) = console.token() else { return };
            match net::get::<T>(&token, path).await {
                Ok(v) => value.set(Some(v)),
                Err(err) => console.fail(err),
            }
        });
    });
    use_hook(move || reload.call(()));
    (value, reload)
}

async fn exchange(
    console: Console,
    method: &'static str,
    path: &str,
    body: Option<&impl Serialize>,
) -> Result<(u16, String), Refusal> {
    let Some(token) = console.token() else {
        return Err(Refusal::console(Txt::NoAnswer));
    };
    let body = match body.map(Body::json).transpose() {
        Ok(body) => body,
        Err(_) => return Err(Refusal::console(Txt::NoAnswer)),
    };
    let (status, text) = net::send_raw(&token, method, path, body)
        .await
        .map_err(|_| Refusal::console(Txt::NoAnswer))?;
    if status == 401 {
        // The session is over: the banner sends the user to sign in again.
        console.fail(ApiError::Server {
            status,
            code: None,
            message: String::new(),
        });
    }
    Ok((status, text))
}

/// An admin change whose answer has a body; a refusal comes back for the form to show.
pub(crate) async fn change<T: DeserializeOwned>(
    console: Console,
    method: &'static str,
    path: &str,
    body: Option<&impl Serialize>,
) -> Result<T, Refusal> {
    let (status, text) = exchange(console, method, path, body).await?;
    read_answer(status, &text)
}

/// An admin change answered with 204 (a delete).
async fn remove(console: Console, path: &str) -> Result<(), Refusal> {
    let (status, text) = exchange(console, "DELETE", path, None::<&()>).await?;
    read_empty(status, &text)
}

/// The server's (or the console's) reason next to the form it refused.
#[component]
pub(crate) fn RefusalNote(refusal: Option<Refusal>) -> Element {
    let lang = use_context::<Console>().lang();
    match refusal {
        None => rsx! {},
        Some(r) => rsx! {
            p { class: "refusal", role: "alert", "data-testid": "refusal", "data-status": "{r.status}",
                {tr(lang, Txt::NotAccepted)} "：" {r.text(lang)}
            }
        },
    }
}

/// A button for something that cannot be undone lightly: the first click asks, the second does.
#[component]
fn ConfirmButton(
    action: &'static str,
    label: Txt,
    question: Txt,
    on_confirm: EventHandler<()>,
) -> Element {
    let lang = use_context::<Console>().lang();
    let mut asking = use_signal(|| false);
    if !asking() {
        return rsx! {
            button { r#type: "button", class: "secondary danger", "data-action": action,
                onclick: move |_| asking.set(true), {tr(lang, label)} }
        };
    }
    rsx! {
        span { class: "confirm", role: "group", "data-testid": "confirm",
            span { class: "warn-text", {tr(lang, question)} }
            button { r#type: "button", class: "primary danger", "data-action": "confirm",
                onclick: move |_| { asking.set(false); on_confirm.call(()); }, {tr(lang, Txt::Confirm)} }
            button { r#type: "button", class: "secondary", "data-action": "keep",
                onclick: move |_| asking.set(false), {tr(lang, Txt::Keep)} }
        }
    }
}

/// Whether the signed-in user's role may do this (the server checks again).
fn allowed(console: Console, permission: gasdesk_shared::Permission) -> bool {
    console
        .app
        .session
        .read()
        .as_ref()
        .is_some_and(|s| s.user.role.can(permission))
}

#[cfg(test)]
mod tests {
    use super::refusal::Refusal;
    use super::*;
    use crate::i18n::Lang;
    use crate::store::{AppState, Session};
    use gasdesk_shared::Role;
    use gasdesk_shared::api::UserView;
    use time::OffsetDateTime;
    use uuid::Uuid;

    fn with_console(role: Role, lang: Lang) {
        let session = Session {
            token: "t".into(),
            expires_at: OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap(),
            user: UserView {
                id: Uuid::from_u128(1),
                username: "admin".into(),
                display_name: "管理员".into(),
                role,
                phone: None,
                active: true,
                team_ids: vec![],
            },
        };
        let app =
            use_context_provider(|| AppState::new(Some(session), lang, crate::store::Screen::Home));
        use_context_provider(|| Console::new(app, crate::console::store::Screen::Admin));
    }

    fn render<P: Clone + 'static>(component: fn(P) -> Element, props: P) -> String {
        let mut dom = VirtualDom::new_with_props(component, props);
        dom.rebuild_in_place();
        dioxus_ssr::render(&dom)
    }

    #[test]
    fn every_admin_tab_is_offered_in_either_language() {
        let page = |lang| {
            render(
                |lang| {
                    with_console(Role::Admin, lang);
                    rsx! { AdminPage {} }
                },
                lang,
            )
        };
        let zh = page(Lang::Zh);
        let en = page(Lang::En);
        for (_, id, label) in TABS {
            assert!(zh.contains(&format!(r#"id="admin-{id}""#)), "{id} in {zh}");
            assert!(zh.contains(tr(Lang::Zh, label)) && en.contains(tr(Lang::En, label)));
        }
        assert!(zh.contains("分值规则") && !en.contains("分值规则"), "{en}");
    }

    #[test]
    fn a_refusal_is_shown_in_the_servers_words_and_the_consoles_language() {
        let html = |(lang, refusal): (Lang, Option<Refusal>)| {
            render(
                |(lang, refusal): (Lang, Option<Refusal>)| {
                    with_console(Role::Admin, lang);
                    rsx! { RefusalNote { refusal } }
                },
                (lang, refusal),
            )
        };
        let server = refusal::read_empty(
            422,
            r#"{"error":{"code":"validation_failed","message":"must be between 0 and 100","field":"value"}}"#,
        )
        .unwrap_err();
        let zh = html((Lang::Zh, Some(server.clone())));
        assert!(
            zh.contains("未被接受：value: must be between 0 and 100"),
            "{zh}"
        );
        assert!(zh.contains(r#"data-status="422""#) && zh.contains(r#"role="alert""#));
        let en = html((Lang::En, Some(Refusal::local("price_fen", Txt::NotYuan))));
        assert!(
            en.contains("Not accepted：price_fen: Enter an amount"),
            "{en}"
        );
        assert_eq!(html((Lang::Zh, None)), "");
    }

    #[test]
    fn a_destructive_button_only_asks_at_first() {
        let html = render(
            |_: ()| {
                with_console(Role::Admin, Lang::Zh);
                rsx! { ConfirmButton { action: "deactivate", label: Txt::Deactivate, question: Txt::ConfirmDeactivate, on_confirm: |_| {} } }
            },
            (),
        );
        assert!(
            html.contains(r#"data-action="deactivate""#) && html.contains("停用"),
            "{html}"
        );
        assert!(!html.contains(r#"data-action="confirm""#), "{html}");
    }
}
