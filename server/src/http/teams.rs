//! `/api/v1/teams`: teams and their members.

use super::extract::{ApiJson, ApiPath};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::teams;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gasdesk_shared::api::{NewTeam, TeamMember, TeamUpdate, TeamView};
use gasdesk_shared::{ErrorBody, Permission};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update, delete))
        .routes(routes!(add_member))
        .routes(routes!(remove_member))
}

/// All teams; a field worker gets only their own.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = Vec<TeamView>)))]
async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<TeamView>>> {
    teams::list(&state.db, &user).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])),
    request_body = NewTeam,
    responses((status = 201, body = TeamView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewTeam>,
) -> AppResult<(StatusCode, Json<TeamView>)> {
    user.require(Permission::ManageTeams)?;
    let team = teams::create(&state.db, user.actor(), new).await?;
    Ok((StatusCode::CREATED, Json(team)))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TeamView), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<TeamView>> {
    teams::get(&state.db, &user, id).await.map(Json)
}

/// Renames a team, changes its phone (blank removes it) or its leader (`no_leader` removes it).
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = TeamUpdate,
    responses((status = 200, body = TeamView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(change): ApiJson<TeamUpdate>,
) -> AppResult<Json<TeamView>> {
    user.require(Permission::ManageTeams)?;
    teams::update(&state.db, user.actor(), id, change)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/members", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = TeamMember,
    responses((status = 200, body = TeamView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn add_member(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(member): ApiJson<TeamMember>,
) -> AppResult<Json<TeamView>> {
    user.require(Permission::ManageTeams)?;
    teams::add_member(&state.db, user.actor(), id, member.user_id)
        .await
        .map(Json)
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{user_id}", tag = "teams",
    security(("bearer" = [])), params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 200, body = TeamView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn remove_member(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath((id, user_id)): ApiPath<(Uuid, Uuid)>,
) -> AppResult<Json<TeamView>> {
    user.require(Permission::ManageTeams)?;
    teams::remove_member(&state.db, user.actor(), id, user_id)
        .await
        .map(Json)
}

/// Deletes a team that holds nothing: no tickets or patrol checks (kept for the record), no
/// areas, routing rules or duty shifts. Its members leave it.
#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "teams", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    user.require(Permission::ManageTeams)?;
    teams::delete(&state.db, user.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
