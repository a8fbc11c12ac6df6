//! What the app remembers: the signed-in session (kept in localStorage under `gasdesk.session`),
//! the display language, whether a sign-in is under way, the error shown in the banner, and the
//! field worker's data (`field`, in IndexedDB) with the sync loop (`sync`) that keeps it in step
//! with the server. Pages read [`AppState`] and call its actions; only this layer talks to `api`.

mod field;
pub mod jobs;
mod local;
mod push;
pub mod sync;
#[cfg(test)]
pub mod testdata;
#[cfg(test)]
mod tests_field;

pub use field::{
    FieldState, OpenLog, Screen, is_console_role, is_field_role, load_replica, persist,
};

use crate::api::{self, ApiError};
use crate::i18n::{Key, Lang, t};
use dioxus::prelude::*;
use gasdesk_shared::ErrorCode;
use gasdesk_shared::api::{LoginRequest, LoginResponse};

/// A signed-in session exactly as the server issued it: token, expiry and the user.
pub type Session = LoginResponse;

/// localStorage keys.
pub const SESSION_KEY: &str = "gasdesk.session";
pub const LANG_KEY: &str = "gasdesk.lang";

/// An error for the banner. Kept unrendered so it follows a language switch.
#[derive(Debug, Clone, PartialEq)]
pub enum UiError {
    Api(ApiError),
    MissingCredentials,
    SessionEnded,
    /// The server refused the token while work waits to be sent: sign in again, it is kept.
    SessionExpiredKeep,
    Storage,
    /// IndexedDB refused a write: the change is not safely on the phone.
    NotSaved,
    /// The shared state machine refused a change (with its reason).
    Refused(String),
    NoItems,
    BadQuantity,
    Photo,
    NoSignature,
    NoFinding,
    BadReading,
}

impl UiError {
    pub fn message(&self, lang: Lang) -> String {
        let key = match self {
            UiError::MissingCredentials => Key::ErrMissingCredentials,
            UiError::SessionEnded => Key::ErrSessionExpired,
            UiError::SessionExpiredKeep => Key::SessionExpiredKeep,
            UiError::Storage => Key::ErrStorage,
            UiError::NotSaved => Key::ErrNotSaved,
            UiError::Refused(reason) => {
                return format!("{}：{reason}", t(lang, Key::ErrRefused));
            }
            UiError::NoItems => Key::ErrNoItems,
            UiError::BadQuantity => Key::ErrBadQuantity,
            UiError::Photo => Key::ErrPhoto,
            UiError::NoSignature => Key::ErrNoSignature,
            UiError::NoFinding => Key::ErrNoFinding,
            UiError::BadReading => Key::ErrBadReading,
            UiError::Api(ApiError::Network(_)) => Key::ErrNetwork,
            UiError::Api(ApiError::Decode(_)) => Key::ErrServer,
            // Codes the app knows get its own wording in the chosen language (clients switch on
            // codes, never on messages); for the rest the server's message is the best there is.
            UiError::Api(ApiError::Server { code, message, .. }) => match code {
                Some(ErrorCode::InvalidCredentials) => Key::ErrInvalidCredentials,
                Some(ErrorCode::RateLimited) => Key::ErrRateLimited,
                Some(ErrorCode::Unauthenticated) => Key::ErrSessionExpired,
                Some(_) if !message.trim().is_empty() => return message.clone(),
                _ => Key::ErrServer,
            },
        };
        t(lang, key).to_string()
    }
}

/// Username and password as typed on the sign-in page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// The app's state, shared through context. Signals are `Copy`, so this is too.
#[derive(Clone, Copy)]
pub struct AppState {
    pub session: Signal<Option<Session>>,
    pub lang: Signal<Lang>,
    pub signing_in: Signal<bool>,
    pub error: Signal<Option<UiError>>,
    /// Sign-out asked while changes wait to be sent: the warning is showing.
    pub confirm_sign_out: Signal<bool>,
    pub field: FieldState,
}

impl AppState {
    /// Reads what the last visit left in localStorage. Call inside a component (signals need
    /// an owner), e.g. `use_context_provider(AppState::restore)`.
    ///
    /// A session past its expiry is kept: a field worker offline keeps working, and the server
    /// says when it is over (then the work stays on the phone until they sign in again).
    pub fn restore() -> Self {
        let session = local::load::<Session>(SESSION_KEY);
        let lang = local::load::<Lang>(LANG_KEY).unwrap_or_default();
        local::set_document_lang(lang);
        let screen = Screen::parse(&crate::platform::current_path());
        Self::new(session, lang, screen)
    }

    pub fn new(session: Option<Session>, lang: Lang, screen: Screen) -> Self {
        AppState {
            session: Signal::new(session),
            lang: Signal::new(lang),
            signing_in: Signal::new(false),
            error: Signal::new(None),
            confirm_sign_out: Signal::new(false),
            field: FieldState::new(screen),
        }
    }

    pub fn toggle_lang(mut self) {
        let lang = self.lang.peek().other();
        self.lang.set(lang);
        local::set_document_lang(lang);
        if local::save(LANG_KEY, &lang).is_err() {
            self.error.set(Some(UiError::Storage));
        }
    }

    pub fn dismiss_error(mut self) {
        self.error.set(None);
    }

    pub async fn sign_in(mut self, credentials: Credentials) {
        if *self.signing_in.peek() {
            return;
        }
        let username = credentials.username.trim().to_string();
        if username.is_empty() || credentials.password.is_empty() {
            self.error.set(Some(UiError::MissingCredentials));
            return;
        }
        self.signing_in.set(true);
        self.error.set(None);
        let request = LoginRequest {
            username,
            password: credentials.password,
        };
        let result = api::login(&request).await;
        self.signing_in.set(false);
        match result {
            Ok(session) => {
                if local::save(SESSION_KEY, &session).is_err() {
                    self.error.set(Some(UiError::Storage));
                }
                let durable = store_session(Some(&session));
                self.session.set(Some(session));
                if durable.await.is_err() {
                    self.error.set(Some(UiError::Storage));
                }
                self.load_field().await;
            }
            Err(err) => self.error.set(Some(UiError::Api(err))),
        }
    }

    /// Changes not yet sent (or attachments not yet uploaded) by the signed-in worker.
    pub fn unsynced(&self) -> usize {
        let pending = self
            .field
            .replica
            .peek()
            .as_ref()
            .map_or(0, |r| r.pending());
        pending + *self.field.uploads.peek()
    }

    /// The sign-out button: with unsynced work, warn first (the work is kept either way).
    pub fn ask_sign_out(mut self) {
        if self.unsynced() > 0 {
            self.confirm_sign_out.set(true);
        } else {
            spawn(self.sign_out());
        }
    }

    pub fn cancel_sign_out(mut self) {
        self.confirm_sign_out.set(false);
    }

    /// localStorage is written lazily by the browser and can be lost when the phone kills it;
    /// the copy in IndexedDB is on disk once stored. At start, when localStorage has no
    /// session, the IndexedDB copy is used.
    pub async fn recover_session(mut self) {
        if self.session.peek().is_some() {
            return;
        }
        let Ok(Some(json)) = crate::platform::kv_get(SESSION_KEY).await else {
            return;
        };
        let Ok(session) = serde_json::from_str::<Session>(&json) else {
            return;
        };
        // Signed in meanwhile (or out and in): what is current wins.
        if self.session.peek().is_none() {
            local::save(SESSION_KEY, &session).unwrap_or(());
            self.session.set(Some(session));
        }
    }

    /// The server no longer accepts the session: back to sign-in, the field data kept.
    pub fn session_ended(mut self) {
        self.forget_session();
        self.error.set(Some(UiError::SessionExpiredKeep));
    }

    /// Ends the session on the server and forgets it here. The local copy goes even when the
    /// server cannot be told, since the person asked to be signed out of this device.
    pub async fn sign_out(mut self) {
        let Some(token) = self.session.peek().as_ref().map(|s| s.token.clone()) else {
            return;
        };
        self.forget_session();
        match api::logout(&token).await {
            Ok(()) => {}
            // Already ended on the server: nothing left to do.
            Err(err) if err.is_unauthenticated() => {}
            Err(err) => self.error.set(Some(UiError::Api(err))),
        }
    }

    /// Checks a restored session with the server when online. A refusal signs the user out;
    /// no answer (offline, server down) keeps the session, so the field app works offline.
    pub async fn revalidate(mut self) {
        let Some(token) = self.session.peek().as_ref().map(|s| s.token.clone()) else {
            return;
        };
        if !local::is_online() {
            return;
        }
        let result = api::me(&token).await;
        // The user may have signed out (or in as someone else) while we waited.
        let still_current = self.session.peek().as_ref().map(|s| s.token.as_str()) == Some(&token);
        if !still_current {
            return;
        }
        match result {
            Ok(user) => {
                let mut session = self.session.peek().clone();
                if let Some(session) = session.as_mut() {
                    session.user = user;
                    if local::save(SESSION_KEY, &*session).is_err() {
                        self.error.set(Some(UiError::Storage));
                    }
                }
                self.session.set(session);
            }
            Err(err) if err.is_unauthenticated() => {
                let keep = self.unsynced() > 0;
                self.forget_session();
                self.error.set(Some(if keep {
                    UiError::SessionExpiredKeep
                } else {
                    UiError::SessionEnded
                }));
            }
            Err(ApiError::Network(_)) => {}
            Err(err) => self.error.set(Some(UiError::Api(err))),
        }
    }

    fn forget_session(&mut self) {
        local::remove(SESSION_KEY);
        let forgotten = store_session(None);
        let mut error = self.error;
        spawn(async move {
            if forgotten.await.is_err() {
                error.set(Some(UiError::Storage));
            }
        });
        self.session.set(None);
        self.confirm_sign_out.set(false);
        self.unload_field();
    }
}

/// Writes (or removes) the durable copy of the session in IndexedDB.
fn store_session(
    session: Option<&Session>,
) -> impl std::future::Future<Output = Result<(), crate::platform::PlatformError>> + use<> {
    let json = session.and_then(|s| serde_json::to_string(s).ok());
    crate::platform::kv_save(vec![(SESSION_KEY.to_string(), json)], vec![])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_error(code: Option<ErrorCode>, message: &str) -> UiError {
        UiError::Api(ApiError::Server {
            status: 401,
            code,
            message: message.into(),
        })
    }

    #[test]
    fn known_codes_get_the_apps_wording_whatever_the_server_says() {
        let err = server_error(
            Some(ErrorCode::InvalidCredentials),
            "wrong username or password",
        );
        assert_eq!(err.message(Lang::Zh), "用户名或密码错误");
        assert_eq!(err.message(Lang::En), "Wrong username or password");
        let limited = server_error(Some(ErrorCode::RateLimited), "slow down");
        assert_eq!(limited.message(Lang::Zh), "尝试次数过多，请稍后再试");
    }

    #[test]
    fn other_codes_show_the_servers_message() {
        let err = server_error(Some(ErrorCode::Forbidden), "无权操作");
        assert_eq!(err.message(Lang::Zh), "无权操作");
        assert_eq!(err.message(Lang::En), "无权操作");
    }

    #[test]
    fn unreadable_errors_get_a_generic_message() {
        let err = server_error(None, "HTTP 502");
        assert_eq!(err.message(Lang::Zh), t(Lang::Zh, Key::ErrServer));
        let offline = UiError::Api(ApiError::Network("down".into()));
        assert_eq!(offline.message(Lang::Zh), t(Lang::Zh, Key::ErrNetwork));
    }
}
