//! The sign-in screen: username, password and the sign-in button.

use crate::i18n::{Key, Lang, t};
use crate::store::Credentials;
use dioxus::prelude::*;

#[component]
pub fn SignInPage(lang: Lang, busy: bool, on_sign_in: EventHandler<Credentials>) -> Element {
    let mut username = use_signal(String::new);
    let mut password = use_signal(String::new);
    let submit = move |event: FormEvent| {
        event.prevent_default();
        on_sign_in.call(Credentials {
            username: username(),
            password: password(),
        });
    };
    rsx! {
        section { class: "card sign-in",
            h2 { {t(lang, Key::SignInTitle)} }
            form { onsubmit: submit, novalidate: true,
                label { r#for: "username", {t(lang, Key::Username)} }
                input {
                    id: "username",
                    name: "username",
                    r#type: "text",
                    autocomplete: "username",
                    autocapitalize: "none",
                    spellcheck: "false",
                    required: true,
                    value: "{username}",
                    oninput: move |e| username.set(e.value()),
                }
                label { r#for: "password", {t(lang, Key::Password)} }
                input {
                    id: "password",
                    name: "password",
                    r#type: "password",
                    autocomplete: "current-password",
                    required: true,
                    value: "{password}",
                    oninput: move |e| password.set(e.value()),
                }
                button {
                    id: "sign-in",
                    r#type: "submit",
                    class: "primary",
                    disabled: busy,
                    "aria-busy": if busy { "true" } else { "false" },
                    if busy {
                        {t(lang, Key::SigningIn)}
                    } else {
                        {t(lang, Key::SignIn)}
                    }
                }
            }
        }
    }
}
