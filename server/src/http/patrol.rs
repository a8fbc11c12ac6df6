//! `/api/v1/patrol-checks/{id}/result` and `/api/v1/patrol-logs`.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::patrol::{self, logs};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gasdesk_shared::ErrorBody;
use gasdesk_shared::followup::{
    CloseLog, PatrolLogView, PatrolResultRequest, PatrolResultView, TrackUpload,
};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_result))
        .routes(routes!(list_logs, start_log))
        .routes(routes!(get_log))
        .routes(routes!(add_points))
        .routes(routes!(close_log))
}

/// The assigned patroller's finding: no leak closes the check, a found leak becomes an
/// emergency repair ticket, a hazard closes it and alerts the dispatcher.
#[utoipa::path(post, path = "/api/v1/patrol-checks/{id}/result", tag = "patrol", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = PatrolResultRequest,
    responses((status = 200, body = PatrolResultView), (status = 403, body = ErrorBody),
              (status = 409, description = "already has a result / already converted", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn record_result(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<PatrolResultRequest>,
) -> AppResult<Json<PatrolResultView>> {
    let index = state.indexes.current();
    patrol::record_result(&state.db, &index, &user, id, request)
        .await
        .map(Json)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct LogQuery {
    patroller_id: Option<Uuid>,
    /// YYYY-MM-DD
    day: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/patrol-logs", tag = "patrol", security(("bearer" = [])),
    params(LogQuery), responses((status = 200, body = Vec<PatrolLogView>)))]
async fn list_logs(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> AppResult<Json<Vec<PatrolLogView>>> {
    logs::list(&state.db, &user, query.patroller_id, query.day.as_deref())
        .await
        .map(Json)
}

/// Open today's patrol log.
#[utoipa::path(post, path = "/api/v1/patrol-logs", tag = "patrol", security(("bearer" = [])),
    responses((status = 201, body = PatrolLogView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn start_log(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<(StatusCode, Json<PatrolLogView>)> {
    let log = logs::start(&state.db, &user).await?;
    Ok((StatusCode::CREATED, Json(log)))
}

#[utoipa::path(get, path = "/api/v1/patrol-logs/{id}", tag = "patrol", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = PatrolLogView), (status = 404, body = ErrorBody)))]
async fn get_log(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<PatrolLogView>> {
    logs::get(&state.db, &user, id).await.map(Json)
}

/// Append GPS points to an open log.
#[utoipa::path(post, path = "/api/v1/patrol-logs/{id}/points", tag = "patrol", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = TrackUpload,
    responses((status = 200, body = PatrolLogView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn add_points(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(upload): ApiJson<TrackUpload>,
) -> AppResult<Json<PatrolLogView>> {
    logs::add_points(&state.db, &user, id, upload)
        .await
        .map(Json)
}

/// Close a log with what was checked.
#[utoipa::path(post, path = "/api/v1/patrol-logs/{id}/close", tag = "patrol", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CloseLog,
    responses((status = 200, body = PatrolLogView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn close_log(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(close): ApiJson<CloseLog>,
) -> AppResult<Json<PatrolLogView>> {
    logs::close(&state.db, &user, id, close).await.map(Json)
}
