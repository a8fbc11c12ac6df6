//! An admin form's answer from the server: the value, or the refusal shown next to the form
//! (the server's message and the field it names, or the console's own words).

use crate::console::i18n::{Txt, tr};
use crate::i18n::Lang;
use gasdesk_shared::ErrorBody;
use serde::de::DeserializeOwned;

/// Why an admin form was not accepted, shown next to it: the server's message and the field
/// it names, or a problem found before sending (`status` 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub status: u16,
    pub said: Said,
    pub field: Option<String>,
}

/// Who said what is wrong: the server (its words) or the console (a text in either language).
#[derive(Debug, Clone, PartialEq)]
pub enum Said {
    Server(String),
    Console(Txt),
}

impl Refusal {
    /// No answer, or none that says more: the console's own words.
    pub fn console(problem: Txt) -> Refusal {
        Refusal {
            status: 0,
            said: Said::Console(problem),
            field: None,
        }
    }

    /// A problem found in the browser, before anything was sent.
    pub fn local(field: impl Into<String>, problem: Txt) -> Refusal {
        Refusal {
            status: 0,
            said: Said::Console(problem),
            field: Some(field.into()),
        }
    }

    fn server(status: u16, message: String, field: Option<String>) -> Refusal {
        Refusal {
            status,
            said: Said::Server(message),
            field,
        }
    }

    /// `field: message`, as the note next to the form says it.
    pub fn text(&self, lang: Lang) -> String {
        let message = match &self.said {
            Said::Server(m) => m.clone(),
            Said::Console(t) => tr(lang, *t).to_string(),
        };
        match &self.field {
            Some(field) => format!("{field}: {message}"),
            None => message,
        }
    }
}

/// The refusal in an error answer: the API's error body, else the bare status.
pub fn refusal(status: u16, body: &str) -> Refusal {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody { error }) => Refusal::server(status, error.message, error.field),
        Err(_) => Refusal::server(status, format!("HTTP {status}"), None),
    }
}

/// Reads an answer with a body: the value on success, else the refusal.
pub fn read_answer<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, Refusal> {
    if !(200..300).contains(&status) {
        return Err(refusal(status, body));
    }
    serde_json::from_str(body).map_err(|e| Refusal::server(status, e.to_string(), None))
}

/// Reads an answer without a body (204).
pub fn read_empty(status: u16, body: &str) -> Result<(), Refusal> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(refusal(status, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gasdesk_shared::api::UserView;

    #[test]
    fn a_refusal_keeps_the_servers_message_and_field() {
        let body = r#"{"error":{"code":"conflict","message":"the username `wx001` is taken","field":"username"}}"#;
        let r = read_answer::<UserView>(409, body).unwrap_err();
        assert_eq!(r.status, 409);
        assert_eq!(r.text(Lang::Zh), "username: the username `wx001` is taken");
        let proxy = read_empty(502, "<html>bad gateway</html>").unwrap_err();
        assert_eq!(proxy.text(Lang::En), "HTTP 502");
        assert_eq!(read_empty(204, ""), Ok(()));
        assert!(
            read_answer::<UserView>(200, "{}").is_err(),
            "an unreadable success"
        );
        let local = Refusal::local("price_fen", Txt::NotYuan);
        assert_ne!(local.text(Lang::Zh), local.text(Lang::En));
        assert!(local.text(Lang::En).starts_with("price_fen: "));
    }
}
