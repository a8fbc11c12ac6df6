//! `/api/v1/followups`: the daily sample, agents' batches and call results.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::followups;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gasdesk_shared::followup::{
    FollowupBatch, FollowupResult, FollowupView, SampleQuery, SamplingReport, TakeBatch,
};
use gasdesk_shared::{ErrorBody, Permission};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pending))
        .routes(routes!(sample))
        .routes(routes!(take_batch))
        .routes(routes!(release))
        .routes(routes!(record))
}

/// Follow-up calls waiting to be made.
#[utoipa::path(get, path = "/api/v1/followups", tag = "followups", security(("bearer" = [])),
    responses((status = 200, body = Vec<FollowupView>), (status = 403, body = ErrorBody)))]
async fn pending(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<FollowupView>>> {
    followups::pending(&state.db, &user).await.map(Json)
}

/// Sample a day's completed tickets now (the daily job does this at 01:05 for yesterday);
/// a day is sampled once, whoever asks.
#[utoipa::path(post, path = "/api/v1/followups/sample", tag = "followups", security(("bearer" = [])),
    params(SampleQuery),
    responses((status = 200, body = SamplingReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn sample(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<SampleQuery>,
) -> AppResult<Json<SamplingReport>> {
    user.require(Permission::ManageParams)?;
    match query.day {
        Some(day) => followups::sample_day(&state.db, followups::parse_day("day", &day)?).await,
        None => followups::run_daily(&state.db, crate::db::now()).await,
    }
    .map(Json)
}

/// Lock a batch of calls for the calling agent.
#[utoipa::path(post, path = "/api/v1/followups/batches", tag = "followups", security(("bearer" = [])),
    request_body = TakeBatch,
    responses((status = 201, body = FollowupBatch), (status = 404, description = "nothing waiting", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn take_batch(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(take): ApiJson<TakeBatch>,
) -> AppResult<(StatusCode, Json<FollowupBatch>)> {
    let batch = followups::take_batch(&state.db, &user, take.size).await?;
    Ok((StatusCode::CREATED, Json(batch)))
}

/// Give back what is left of a batch.
#[utoipa::path(post, path = "/api/v1/followups/batches/{id}/release", tag = "followups", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn release(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    followups::release(&state.db, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record one call of the caller's batch.
#[utoipa::path(post, path = "/api/v1/followups/{id}/result", tag = "followups", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = FollowupResult,
    responses((status = 200, body = FollowupView),
              (status = 409, description = "locked by someone else, lock expired, or already recorded", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn record(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(result): ApiJson<FollowupResult>,
) -> AppResult<Json<FollowupView>> {
    followups::record(&state.db, &user, id, result)
        .await
        .map(Json)
}
