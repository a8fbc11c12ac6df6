//! `/api/v1/auth`: sign in, sign out, who am I.

use super::extract::ApiJson;
use crate::auth::{self, CurrentUser};
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::{StatusCode, request::Parts};
use gasdesk_shared::ErrorBody;
use gasdesk_shared::api::{LoginRequest, LoginResponse, UserView};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

/// The client's address, for limiting failed sign-ins. Unknown when the server runs without
/// connection info (router tests), which then share one bucket.
pub struct ClientAddr(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

/// Sign in with username and password; returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "wrong username or password", body = ErrorBody),
        (status = 429, description = "too many failed attempts", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    ApiJson(request): ApiJson<LoginRequest>,
) -> AppResult<Json<LoginResponse>> {
    auth::login(
        &state.db,
        &state.limiter,
        state.config.session_ttl(),
        request,
        address,
    )
    .await
    .map(Json)
}

/// Sign out: the token stops working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(State(state): State<AppState>, user: CurrentUser) -> AppResult<StatusCode> {
    auth::logout(&state.db, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<UserView>> {
    crate::users::get(&state.db, &user, user.id).await.map(Json)
}
