//! `/api/v1/customers`: lookup for intake, single upserts and the billing system's CSV import.

use super::extract::{ApiJson, ApiPath, ApiQuery, read_body};
use crate::auth::CurrentUser;
use crate::customers::{self, import::import_csv};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header;
use gasdesk_shared::api::{CustomerQuery, CustomerView, ImportReport, NewCustomer, Page};
use gasdesk_shared::{ErrorBody, Permission};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router(max_import_bytes: usize) -> OpenApiRouter<AppState> {
    let import = OpenApiRouter::new()
        .routes(routes!(import))
        .layer(DefaultBodyLimit::max(max_import_bytes));
    OpenApiRouter::new()
        .routes(routes!(search, upsert))
        .routes(routes!(get))
        .merge(import)
}

/// Find customers by part of the address or name (`q`), card number or phone number.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", security(("bearer" = [])),
    params(CustomerQuery),
    responses((status = 200, body = Page<CustomerView>), (status = 403, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<CustomerQuery>,
) -> AppResult<Json<Page<CustomerView>>> {
    customers::search(&state.db, &state.customer_index, &user, query)
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CustomerView), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<CustomerView>> {
    customers::get(&state.db, &user, id).await.map(Json)
}

/// Create a customer, or update the one with the same card number.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", security(("bearer" = [])),
    request_body = NewCustomer,
    responses((status = 200, body = CustomerView), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn upsert(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewCustomer>,
) -> AppResult<Json<CustomerView>> {
    user.require(Permission::ManageCustomers)?;
    customers::upsert(&state.db, Some(&state.customer_index), user.actor(), new)
        .await
        .map(Json)
}

/// Import the billing system's export: CSV (UTF-8) with a header row, English or Chinese column
/// names. Good rows are stored; bad ones are reported with their line numbers.
#[utoipa::path(post, path = "/api/v1/customers/import", tag = "customers",
    security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    user: CurrentUser,
    request: Request,
) -> AppResult<Json<ImportReport>> {
    user.require(Permission::ManageCustomers)?;
    let is_csv = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/csv"));
    if !is_csv {
        return Err(AppError::UnsupportedMediaType(
            "send the export as `Content-Type: text/csv`".into(),
        ));
    }
    let body = read_body(request, &state).await?;
    import_csv(
        &state.db,
        Some(&state.customer_index),
        user.actor(),
        body.as_ref(),
        |_| {},
    )
    .await
    .map(Json)
}
