//! `/api/v1/catalog`: repair items and materials.

use super::extract::{ApiJson, ApiPath};
use crate::auth::CurrentUser;
use crate::catalog;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gasdesk_shared::api::{
    MaterialUpdate, MaterialView, NewMaterial, NewRepairItem, RepairItemUpdate, RepairItemView,
};
use gasdesk_shared::{ErrorBody, Permission};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(repair_items, add_repair_item))
        .routes(routes!(materials, add_material))
        .routes(routes!(update_repair_item))
        .routes(routes!(update_material))
}

#[utoipa::path(get, path = "/api/v1/catalog/repair-items", tag = "catalog",
    security(("bearer" = [])), responses((status = 200, body = Vec<RepairItemView>)))]
async fn repair_items(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> AppResult<Json<Vec<RepairItemView>>> {
    catalog::repair_items(&state.db).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/catalog/repair-items", tag = "catalog",
    security(("bearer" = [])), request_body = NewRepairItem,
    responses((status = 201, body = RepairItemView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_repair_item(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewRepairItem>,
) -> AppResult<(StatusCode, Json<RepairItemView>)> {
    user.require(Permission::ManageCatalogs)?;
    let item = catalog::add_repair_item(&state.db, user.actor(), new).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

#[utoipa::path(get, path = "/api/v1/catalog/materials", tag = "catalog",
    security(("bearer" = [])), responses((status = 200, body = Vec<MaterialView>)))]
async fn materials(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> AppResult<Json<Vec<MaterialView>>> {
    catalog::materials(&state.db).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/catalog/materials", tag = "catalog",
    security(("bearer" = [])), request_body = NewMaterial,
    responses((status = 201, body = MaterialView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_material(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewMaterial>,
) -> AppResult<(StatusCode, Json<MaterialView>)> {
    user.require(Permission::ManageCatalogs)?;
    let material = catalog::add_material(&state.db, user.actor(), new).await?;
    Ok((StatusCode::CREATED, Json(material)))
}

#[utoipa::path(patch, path = "/api/v1/catalog/repair-items/{code}", tag = "catalog",
    security(("bearer" = [])), params(("code" = String, Path)), request_body = RepairItemUpdate,
    responses((status = 200, body = RepairItemView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_repair_item(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(change): ApiJson<RepairItemUpdate>,
) -> AppResult<Json<RepairItemView>> {
    user.require(Permission::ManageCatalogs)?;
    catalog::update_repair_item(&state.db, user.actor(), &code, change)
        .await
        .map(Json)
}

#[utoipa::path(patch, path = "/api/v1/catalog/materials/{code}", tag = "catalog",
    security(("bearer" = [])), params(("code" = String, Path)), request_body = MaterialUpdate,
    responses((status = 200, body = MaterialView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_material(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(change): ApiJson<MaterialUpdate>,
) -> AppResult<Json<MaterialView>> {
    user.require(Permission::ManageCatalogs)?;
    catalog::update_material(&state.db, user.actor(), &code, change)
        .await
        .map(Json)
}
