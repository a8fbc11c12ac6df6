//! `/api/v1/users`: staff accounts (admins change them; leaders and managers read them).

use super::extract::{ApiJson, ApiPath};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::users;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gasdesk_shared::api::{NewUser, UserUpdate, UserView};
use gasdesk_shared::{ErrorBody, Permission};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Vec<UserView>), (status = 403, body = ErrorBody)))]
async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<UserView>>> {
    users::list(&state.db, &user).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    request_body = NewUser,
    responses((status = 201, body = UserView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewUser>,
) -> AppResult<(StatusCode, Json<UserView>)> {
    user.require(Permission::ManageUsers)?;
    let created = users::create(&state.db, user.actor(), new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<UserView>> {
    users::get(&state.db, &user, id).await.map(Json)
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UserUpdate,
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(change): ApiJson<UserUpdate>,
) -> AppResult<Json<UserView>> {
    users::update(&state.db, &user, id, change).await.map(Json)
}
