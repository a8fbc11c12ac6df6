//! The signed-in home screen: who is signed in, in which role, and the way out.

use crate::i18n::{Key, Lang, role_label, t};
use dioxus::prelude::*;
use gasdesk_shared::api::UserView;

#[component]
pub fn HomePage(lang: Lang, user: UserView, on_sign_out: EventHandler<()>) -> Element {
    rsx! {
        section { class: "card home",
            p { class: "greeting", {t(lang, Key::Hello)} }
            h2 { class: "user-name", "data-testid": "user-name", "{user.display_name}" }
            dl { class: "facts",
                dt { {t(lang, Key::RoleLabel)} }
                dd { "data-testid": "user-role", {role_label(lang, user.role)} }
                if let Some(phone) = user.phone.as_deref() {
                    dt { {t(lang, Key::PhoneLabel)} }
                    dd { a { href: "tel:{phone}", "{phone}" } }
                }
            }
            button {
                id: "sign-out",
                r#type: "button",
                class: "secondary",
                onclick: move |_| on_sign_out.call(()),
                {t(lang, Key::SignOut)}
            }
        }
    }
}
