//! The console's shared state: which screen is open, the live board, the teams, the clock that
//! drives SLA countdowns, and the actions that load and change them. Pages read [`Console`]
//! and call its actions; only this layer (and `live`) talks to `api`.

use super::api;
use super::model::{Board, Followup};
use super::net;
use crate::api::ApiError;
use crate::i18n::Lang;
use crate::store::{AppState, UiError};
use dioxus::prelude::*;
use gasdesk_shared::api::TeamView;
use gasdesk_shared::intake::{TicketView, TransitionRequest};
use gasdesk_shared::push::LiveEvent;
use gasdesk_shared::ticket::TicketStatus;
use uuid::Uuid;

/// The console's screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Intake,
    Board,
    Work,
    Map,
    Admin,
    Queries,
}

/// Whether the live stream is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    Connecting,
    Open,
    Reconnecting,
}

#[derive(Clone, Copy)]
pub struct Console {
    pub app: AppState,
    pub screen: Signal<Screen>,
    pub board: Signal<Board>,
    pub board_loaded: Signal<bool>,
    pub teams: Signal<Vec<TeamView>>,
    pub live: Signal<LiveStatus>,
    /// Wall clock in ms, ticking once a second, for countdowns.
    pub now_ms: Signal<f64>,
    /// A place clicked on the map `(lon, lat)`, for a patrol report.
    pub picked: Signal<Option<(f64, f64)>>,
}

impl Console {
    /// Call inside a component (signals need an owner).
    pub fn new(app: AppState, screen: Screen) -> Self {
        Console {
            app,
            screen: Signal::new(screen),
            board: Signal::new(Board::default()),
            board_loaded: Signal::new(false),
            teams: Signal::new(Vec::new()),
            live: Signal::new(LiveStatus::Connecting),
            now_ms: Signal::new(net::now_ms()),
            picked: Signal::new(None),
        }
    }

    pub fn lang(&self) -> Lang {
        (self.app.lang)()
    }

    pub fn token(&self) -> Option<String> {
        self.app.session.peek().as_ref().map(|s| s.token.clone())
    }

    /// Shows an error in the banner.
    pub fn fail(mut self, err: ApiError) {
        let ui = if err.is_unauthenticated() {
            UiError::SessionEnded
        } else {
            UiError::Api(err)
        };
        self.app.error.set(Some(ui));
    }

    pub fn team_name(&self, id: Option<Uuid>) -> Option<String> {
        let id = id?;
        self.teams
            .read()
            .iter()
            .find(|t| t.id == id)
            .map(|t| t.name.clone())
    }

    pub async fn load_teams(mut self) {
        let Some(token) = self.token() else { return };
        match api::teams(&token).await {
            Ok(teams) => self.teams.set(teams),
            Err(err) => self.fail(err),
        }
    }

    /// Loads every open ticket and the open alerts, and the push state of those waiting.
    pub async fn load_board(mut self) {
        let Some(token) = self.token() else { return };
        let mut open = Vec::new();
        for status in super::model::BOARD_COLUMNS {
            let filters = [
                ("status", status.as_str().to_string()),
                ("limit", api::BOARD_PAGE.to_string()),
                ("sort", "deadline_at".to_string()),
            ];
            match api::tickets(&token, &filters).await {
                Ok(page) => open.extend(page.items),
                Err(err) => return self.fail(err),
            }
        }
        let waiting: Vec<Uuid> = open
            .iter()
            .filter(|t| t.status == TicketStatus::Assigned)
            .map(|t| t.id)
            .take(100)
            .collect();
        self.board.write().load(open);
        self.board_loaded.set(true);
        match api::alerts(&token).await {
            Ok(alerts) => self.board.write().alerts = alerts,
            Err(err) => self.fail(err),
        }
        for id in waiting {
            match api::deliveries(&token, id).await {
                Ok(list) => {
                    let mut board = self.board.write();
                    for d in list {
                        board.note_delivery(id, d.state);
                    }
                }
                Err(err) => return self.fail(err),
            }
        }
    }

    pub async fn refresh_ticket(mut self, id: Uuid) {
        let Some(token) = self.token() else { return };
        match api::get_ticket(&token, id).await {
            Ok(ticket) => self.board.write().upsert(ticket),
            Err(err) => self.fail(err),
        }
    }

    /// Folds a live event into the board and fetches what it lacks.
    pub fn on_live(mut self, event: LiveEvent) {
        let now = net::now_ms();
        // Countdowns of a changed ticket start from now, not from the last clock tick.
        self.now_ms.set(now);
        let followup = self.board.write().apply(&event, now);
        match followup {
            Followup::Nothing => {}
            Followup::FetchTicket(id) => {
                spawn(self.refresh_ticket(id));
            }
            Followup::Reload => {
                spawn(self.load_board());
            }
        }
    }

    /// A new ticket the console made itself: on the board at once, the stream confirms later.
    pub fn created(mut self, ticket: TicketView) {
        self.now_ms.set(net::now_ms());
        self.board.write().upsert(ticket);
    }

    /// Reassigns or cancels; true when the server agreed.
    pub async fn transition(mut self, id: Uuid, request: TransitionRequest) -> bool {
        let Some(token) = self.token() else {
            return false;
        };
        match api::transition(&token, id, &request).await {
            Ok(ticket) => {
                self.board.write().upsert(ticket);
                true
            }
            Err(err) => {
                self.fail(err);
                false
            }
        }
    }
}
