//! `/api/v1/params`: business parameters.

use super::extract::{ApiJson, ApiPath};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::params;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use gasdesk_shared::ErrorBody;
use gasdesk_shared::api::{BusinessParam, ParamUpdate};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(set))
}

#[utoipa::path(get, path = "/api/v1/params", tag = "params", security(("bearer" = [])),
    responses((status = 200, body = Vec<BusinessParam>)))]
async fn list(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> AppResult<Json<Vec<BusinessParam>>> {
    params::list(&state.db).await.map(Json)
}

#[utoipa::path(put, path = "/api/v1/params/{key}", tag = "params", security(("bearer" = [])),
    params(("key" = String, Path)), request_body = ParamUpdate,
    responses((status = 200, body = BusinessParam), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(key): ApiPath<String>,
    ApiJson(update): ApiJson<ParamUpdate>,
) -> AppResult<Json<BusinessParam>> {
    params::set(&state.db, &user, &key, update.value)
        .await
        .map(Json)
}
