//! `/api/v1/sync`: device registration, push, pull, and the dispatcher's flagged changes.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::sync::{self, pull};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gasdesk_shared::ErrorBody;
use gasdesk_shared::sync::{
    DeviceRegistration, DeviceView, FlaggedMutation, PullQuery, PullResponse, PushRequest,
    PushResponse, ResolveFlag,
};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register_device, my_devices))
        .routes(routes!(force_resync))
        .routes(routes!(push))
        .routes(routes!(pull_changes))
        .routes(routes!(list_flagged))
        .routes(routes!(resolve_flagged))
}

/// Registers the calling worker's phone (idempotent; renames it when already registered).
#[utoipa::path(post, path = "/api/v1/sync/devices", tag = "sync", security(("bearer" = [])),
    request_body = DeviceRegistration,
    responses((status = 200, body = DeviceView), (status = 403, body = ErrorBody),
              (status = 409, description = "the id belongs to another user's device", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn register_device(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(request): ApiJson<DeviceRegistration>,
) -> AppResult<Json<DeviceView>> {
    sync::register(&state.db, &user, request).await.map(Json)
}

#[utoipa::path(get, path = "/api/v1/sync/devices", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = Vec<DeviceView>), (status = 403, body = ErrorBody)))]
async fn my_devices(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<DeviceView>>> {
    sync::my_devices(&state.db, &user).await.map(Json)
}

/// Makes the device start over with a full snapshot at its next pull (team leaders, admins).
#[utoipa::path(post, path = "/api/v1/sync/devices/{id}/resync", tag = "sync", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn force_resync(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    sync::force_resync(&state.db, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Applies the device's mutations exactly once, in order; answers each (applied or flagged).
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync", security(("bearer" = [])),
    request_body = PushRequest,
    responses((status = 200, body = PushResponse),
              (status = 403, description = "another user's device", body = ErrorBody),
              (status = 404, description = "device not registered", body = ErrorBody),
              (status = 409, description = "a sequence number reused by a different mutation", body = ErrorBody),
              (status = 422, description = "malformed batch, or a sequence gap (details.expected_seq)", body = ErrorBody)))]
async fn push(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(request): ApiJson<PushRequest>,
) -> AppResult<Json<PushResponse>> {
    sync::push(&state, &user, request).await.map(Json)
}

/// The device's scope from its cursor: a snapshot first, then changes and removals.
#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync", security(("bearer" = [])),
    params(PullQuery),
    responses((status = 200, body = PullResponse), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn pull_changes(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> AppResult<Json<PullResponse>> {
    pull::pull(&state, &user, query).await.map(Json)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct FlaggedQuery {
    /// Include the ones already resolved.
    #[serde(default)]
    all: bool,
}

/// Field changes kept but not applied, awaiting a dispatcher's decision.
#[utoipa::path(get, path = "/api/v1/sync/flagged", tag = "sync", security(("bearer" = [])),
    params(FlaggedQuery),
    responses((status = 200, body = Vec<FlaggedMutation>), (status = 403, body = ErrorBody)))]
async fn list_flagged(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<FlaggedQuery>,
) -> AppResult<Json<Vec<FlaggedMutation>>> {
    sync::flagged(&state.db, &user, query.all).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/sync/flagged/{id}/resolve", tag = "sync", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ResolveFlag,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "already resolved", body = ErrorBody)))]
async fn resolve_flagged(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ResolveFlag>,
) -> AppResult<StatusCode> {
    sync::resolve(&state.db, &user, id, request).await?;
    Ok(StatusCode::NO_CONTENT)
}
