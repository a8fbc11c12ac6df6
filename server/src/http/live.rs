//! `/api/v1/live`: the console's live event stream (Server-Sent Events) and the single-use
//! stream tickets browsers open it with.

use super::extract::ApiQuery;
use crate::auth::session::authenticate_session;
use crate::auth::{CurrentUser, new_token, token_hash};
use crate::db::{self, live as store};
use crate::error::{AppError, AppResult};
use crate::live::stream::LiveStream;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use gasdesk_shared::ErrorBody;
use gasdesk_shared::push::StreamTicket;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use utoipa_axum::{router::OpenApiRouter, routes};

/// How long a stream ticket may wait to be used.
const TICKET_TTL_SECS: u32 = 60;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(stream_ticket))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct LiveQuery {
    /// A stream ticket from `POST /api/v1/live/tickets` (browsers; others send the bearer header).
    ticket: Option<String>,
    /// Resume after this event id (what `Last-Event-ID` carries; the header wins).
    last_event_id: Option<i64>,
}

/// Live events as Server-Sent Events: `ticket.<action>`, `push.delivery`, `alert`,
/// `check.created`, `check.assigned`, and `reset` when the stream cannot resume. Each event's
/// `id` is its sequence number; reconnect with `Last-Event-ID` to miss nothing.
#[utoipa::path(get, path = "/api/v1/live", tag = "live", security(("bearer" = [])),
    params(LiveQuery),
    responses((status = 200, content_type = "text/event-stream", description = "event stream"),
              (status = 401, body = ErrorBody)))]
async fn live(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<LiveQuery>,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let user = if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, token)| {
                scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()
            })
            .map(|(_, token)| token.trim())
            .ok_or(AppError::Unauthenticated(
                "the Authorization header must be `Bearer <token>`",
            ))?;
        crate::auth::session::authenticate(&state.db, token).await?
    } else if let Some(ticket) = query.ticket.as_deref() {
        let session = store::redeem_stream_ticket(&state.db, &token_hash(ticket.trim()), db::now())
            .await?
            .ok_or(AppError::Unauthenticated(
                "the stream ticket is unknown, used or expired; get a new one",
            ))?;
        authenticate_session(&state.db, session).await?
    } else {
        return Err(AppError::Unauthenticated(
            "sign in first: send `Authorization: Bearer` or a stream `ticket`",
        ));
    };
    let resume = match headers.get("last-event-id") {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .ok_or_else(|| {
                    AppError::validation("Last-Event-ID", "must be an event id (a number)")
                })?,
        ),
        None => query.last_event_id,
    };
    let stream = LiveStream::open(state.db.clone(), &state.hub, user, resume).await?;
    let events = futures_util::stream::unfold(stream, |mut stream| async move {
        stream.next().await.map(|event| (Ok(event), stream))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// A single-use ticket, valid for a minute, for opening the stream from a browser's
/// `EventSource` (which cannot send headers) without putting the session token in a URL.
#[utoipa::path(post, path = "/api/v1/live/tickets", tag = "live", security(("bearer" = [])),
    responses((status = 200, body = StreamTicket), (status = 401, body = ErrorBody)))]
async fn stream_ticket(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<StreamTicket>> {
    let ticket = new_token();
    let expires_at = db::now() + time::Duration::seconds(TICKET_TTL_SECS.into());
    store::insert_stream_ticket(
        &state.db,
        &token_hash(&ticket),
        user.session_hash(),
        expires_at,
    )
    .await?;
    Ok(Json(StreamTicket {
        ticket,
        expires_in: TICKET_TTL_SECS,
    }))
}
