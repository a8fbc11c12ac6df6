//! `/api/v1/routing`, `/api/v1/areas`, `/api/v1/pipelines`, `/api/v1/rosters`,
//! `/api/v1/patrol-checks`, `/api/v1/alerts`, `/api/v1/me/position` and `/api/v1/positions`.

use super::extract::{ApiJson, ApiPath, ApiQuery, read_body};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::routing::{checks, decide, geo_data, roster};
use crate::state::AppState;
use axum::Json;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use gasdesk_shared::routing::{
    AlertView, AssignOverride, DutyShift, GeoImportOptions, GeoImportReport, NewDutyShift,
    NewPatrolCheck, NewRoutingRule, PatrolCheckView, PositionReport, Resolution, ResolveQuery,
    RoutingRule, StaffPosition,
};
use gasdesk_shared::{ErrorBody, Permission};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router(max_import_bytes: usize) -> OpenApiRouter<AppState> {
    let imports = OpenApiRouter::new()
        .routes(routes!(import_areas))
        .routes(routes!(import_pipelines))
        .layer(DefaultBodyLimit::max(max_import_bytes));
    OpenApiRouter::new()
        .routes(routes!(resolve))
        .routes(routes!(export_areas))
        .routes(routes!(export_pipelines))
        .routes(routes!(list_shifts, add_shift))
        .routes(routes!(remove_shift))
        .routes(routes!(list_rules, add_rule))
        .routes(routes!(remove_rule))
        .routes(routes!(list_checks, report_check))
        .routes(routes!(get_check))
        .routes(routes!(assign_check))
        .routes(routes!(alerts))
        .routes(routes!(report_position))
        .routes(routes!(positions))
        .merge(imports)
}

/// What intake would do with a place: the repair team, the patrol team, and why.
#[utoipa::path(get, path = "/api/v1/routing/resolve", tag = "routing", security(("bearer" = [])),
    params(ResolveQuery),
    responses((status = 200, body = Resolution), (status = 422, body = ErrorBody)))]
async fn resolve(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ResolveQuery>,
) -> AppResult<Json<Resolution>> {
    user.require(Permission::DispatchWork)?;
    let index = state.indexes.current();
    decide::resolve(&state.db, &index, state.config.pipeline_search_m, query)
        .await
        .map(Json)
}

/// The body of a GeoJSON upload (`application/geo+json` or `application/json`).
async fn geojson_body(state: &AppState, request: Request) -> AppResult<axum::body::Bytes> {
    let ok = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| matches!(m.trim(), "application/geo+json" | "application/json"));
    if !ok {
        return Err(AppError::UnsupportedMediaType(
            "send GeoJSON with `Content-Type: application/geo+json`".into(),
        ));
    }
    read_body(request, state).await
}

/// Replace all service areas with a GeoJSON FeatureCollection (the whole file or nothing).
#[utoipa::path(post, path = "/api/v1/areas/import", tag = "areas", security(("bearer" = [])),
    params(GeoImportOptions), request_body(content = String, content_type = "application/geo+json"),
    responses((status = 200, body = GeoImportReport), (status = 403, body = ErrorBody),
              (status = 422, description = "refused; every problem in error.details", body = ErrorBody)))]
async fn import_areas(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(options): ApiQuery<GeoImportOptions>,
    request: Request,
) -> AppResult<Json<GeoImportReport>> {
    user.require(Permission::ManageAreas)?;
    let body = geojson_body(&state, request).await?;
    geo_data::import_areas(
        &state.db,
        &state.indexes,
        user.actor(),
        &body,
        options.repair,
    )
    .await
    .map(Json)
}

/// Replace the pipeline network with a GeoJSON FeatureCollection (the whole file or nothing).
#[utoipa::path(post, path = "/api/v1/pipelines/import", tag = "areas", security(("bearer" = [])),
    request_body(content = String, content_type = "application/geo+json"),
    responses((status = 200, body = GeoImportReport), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn import_pipelines(
    State(state): State<AppState>,
    user: CurrentUser,
    request: Request,
) -> AppResult<Json<GeoImportReport>> {
    user.require(Permission::ManageAreas)?;
    let body = geojson_body(&state, request).await?;
    geo_data::import_pipelines(&state.db, &state.indexes, user.actor(), &body)
        .await
        .map(Json)
}

/// All service areas as a GeoJSON FeatureCollection (opens in QGIS).
#[utoipa::path(get, path = "/api/v1/areas", tag = "areas", security(("bearer" = [])),
    responses((status = 200, description = "GeoJSON FeatureCollection")))]
async fn export_areas(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<impl axum::response::IntoResponse> {
    user.require(Permission::ViewAllTeams)?;
    let doc = geo_data::export_areas(&state.db).await?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], Json(doc)))
}

/// All pipeline segments as a GeoJSON FeatureCollection.
#[utoipa::path(get, path = "/api/v1/pipelines", tag = "areas", security(("bearer" = [])),
    responses((status = 200, description = "GeoJSON FeatureCollection")))]
async fn export_pipelines(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<impl axum::response::IntoResponse> {
    user.require(Permission::ViewAllTeams)?;
    let doc = geo_data::export_pipelines(&state.db).await?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], Json(doc)))
}

#[utoipa::path(get, path = "/api/v1/rosters", tag = "routing", security(("bearer" = [])),
    responses((status = 200, body = Vec<DutyShift>)))]
async fn list_shifts(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<DutyShift>>> {
    roster::shifts(&state.db, &user).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/rosters", tag = "routing", security(("bearer" = [])),
    request_body = NewDutyShift,
    responses((status = 201, body = DutyShift), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_shift(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewDutyShift>,
) -> AppResult<(StatusCode, Json<DutyShift>)> {
    let shift = roster::add_shift(&state.db, &user, new).await?;
    Ok((StatusCode::CREATED, Json(shift)))
}

#[utoipa::path(delete, path = "/api/v1/rosters/{id}", tag = "routing", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove_shift(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    roster::remove_shift(&state.db, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/routing/rules", tag = "routing", security(("bearer" = [])),
    responses((status = 200, body = Vec<RoutingRule>)))]
async fn list_rules(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<RoutingRule>>> {
    user.require(Permission::DispatchWork)?;
    roster::rules(&state.db).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/routing/rules", tag = "routing", security(("bearer" = [])),
    request_body = NewRoutingRule,
    responses((status = 201, body = RoutingRule), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_rule(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewRoutingRule>,
) -> AppResult<(StatusCode, Json<RoutingRule>)> {
    let rule = roster::add_rule(&state.db, &user, new).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

#[utoipa::path(delete, path = "/api/v1/routing/rules/{id}", tag = "routing", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove_rule(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    roster::remove_rule(&state.db, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Leak checks: dispatchers see all, field workers their own and their team's.
#[utoipa::path(get, path = "/api/v1/patrol-checks", tag = "patrol", security(("bearer" = [])),
    responses((status = 200, body = Vec<PatrolCheckView>)))]
async fn list_checks(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<PatrolCheckView>>> {
    checks::list(&state.db, &user).await.map(Json)
}

/// Report an outdoor leak: routed to the nearest pipeline's patrol team and its on-duty
/// patroller with the fewest open checks; with nobody to send, the dispatcher is alerted.
#[utoipa::path(post, path = "/api/v1/patrol-checks", tag = "patrol", security(("bearer" = [])),
    request_body = NewPatrolCheck,
    responses((status = 201, body = PatrolCheckView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn report_check(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewPatrolCheck>,
) -> AppResult<(StatusCode, Json<PatrolCheckView>)> {
    let index = state.indexes.current();
    let check = checks::report(
        &state.db,
        &index,
        state.config.pipeline_search_m,
        &user,
        new,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(check)))
}

#[utoipa::path(get, path = "/api/v1/patrol-checks/{id}", tag = "patrol", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PatrolCheckView), (status = 404, body = ErrorBody)))]
async fn get_check(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<PatrolCheckView>> {
    checks::get(&state.db, &user, id).await.map(Json)
}

/// Override the routing of a leak check (audited).
#[utoipa::path(post, path = "/api/v1/patrol-checks/{id}/assign", tag = "patrol", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = AssignOverride,
    responses((status = 200, body = PatrolCheckView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn assign_check(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(choice): ApiJson<AssignOverride>,
) -> AppResult<Json<PatrolCheckView>> {
    checks::assign(&state.db, &user, id, choice).await.map(Json)
}

/// Open alerts for the dispatchers.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "routing", security(("bearer" = [])),
    responses((status = 200, body = Vec<AlertView>), (status = 403, body = ErrorBody)))]
async fn alerts(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<AlertView>>> {
    checks::alerts(&state.db, &user).await.map(Json)
}

/// The field app reports its user's position (kept as the last known one).
#[utoipa::path(post, path = "/api/v1/me/position", tag = "routing", security(("bearer" = [])),
    request_body = PositionReport, responses((status = 204), (status = 403, body = ErrorBody)))]
async fn report_position(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(report): ApiJson<PositionReport>,
) -> AppResult<StatusCode> {
    roster::report_position(&state.db, &user, report).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Field workers' last known positions, newest first (for the console's map).
#[utoipa::path(get, path = "/api/v1/positions", tag = "routing", security(("bearer" = [])),
    responses((status = 200, body = Vec<StaffPosition>), (status = 403, body = ErrorBody)))]
async fn positions(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<StaffPosition>>> {
    roster::positions(&state.db, &user).await.map(Json)
}
