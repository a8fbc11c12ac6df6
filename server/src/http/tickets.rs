//! `/api/v1/tickets`, `/api/v1/records`, `/api/v1/score-rules`, `/api/v1/outages` and the
//! intake view of a customer.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tickets::{self, edit, outages, print, records, rules, search, transitions};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use gasdesk_shared::api::Page;
use gasdesk_shared::intake::{
    CompletionRequest, CustomerContext, NewOutageNotice, NewTicket, OutageNoticeView, RecordQuery,
    RecordView, TicketEdit, TicketEventView, TicketQuery, TicketView, TransitionRequest,
};
use gasdesk_shared::scoring::{ItemRule, ScoreRules};
use gasdesk_shared::{ErrorBody, Permission};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(categories))
        .routes(routes!(search_tickets, create_ticket))
        .routes(routes!(print_tickets))
        .routes(routes!(get_ticket, edit_ticket))
        .routes(routes!(transition))
        .routes(routes!(events))
        .routes(routes!(complete))
        .routes(routes!(record))
        .routes(routes!(search_records))
        .routes(routes!(current_rules, publish_rules))
        .routes(routes!(rules_version))
        .routes(routes!(list_outages, create_outage))
        .routes(routes!(outage_customers))
        .routes(routes!(customer_context))
}

#[derive(Serialize, utoipa::ToSchema)]
struct CategoryView {
    code: &'static str,
    label_zh: &'static str,
    deadline_hours: u32,
    urgent: bool,
}

/// Ticket content categories with their default deadlines.
#[utoipa::path(get, path = "/api/v1/tickets/categories", tag = "tickets", security(("bearer" = [])),
    responses((status = 200, body = Vec<CategoryView>)))]
async fn categories(_user: CurrentUser) -> Json<Vec<CategoryView>> {
    Json(
        gasdesk_shared::ticket::CATEGORIES
            .iter()
            .map(|c| CategoryView {
                code: c.code,
                label_zh: c.label_zh,
                deadline_hours: c.deadline_hours,
                urgent: c.urgent,
            })
            .collect(),
    )
}

/// Record a repair call and route it (the answer carries intake warnings: arrears, outages).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    request_body = NewTicket,
    responses((status = 201, body = TicketView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_ticket(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewTicket>,
) -> AppResult<(StatusCode, Json<TicketView>)> {
    let index = state.indexes.current();
    let ticket = tickets::create(&state.db, &index, &user, new).await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// Search tickets by any of their fields; field workers search their own teams' only.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    params(TicketQuery),
    responses((status = 200, body = Page<TicketView>), (status = 422, body = ErrorBody)))]
async fn search_tickets(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<TicketQuery>,
) -> AppResult<Json<Page<TicketView>>> {
    search::search(&state.db, &user, query).await.map(Json)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct PrintQuery {
    /// Ticket ids, comma-separated.
    ids: String,
}

/// Printable work orders (HTML with print CSS), one page per ticket.
#[utoipa::path(get, path = "/api/v1/tickets/print", tag = "tickets", security(("bearer" = [])),
    params(PrintQuery), responses((status = 200, content_type = "text/html", body = String)))]
async fn print_tickets(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<PrintQuery>,
) -> AppResult<impl IntoResponse> {
    let ids = query
        .ids
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            Uuid::parse_str(s.trim())
                .map_err(|_| AppError::validation("ids", format!("`{s}` is not a ticket id")))
        })
        .collect::<AppResult<Vec<_>>>()?;
    let html = print::work_orders(&state.db, &user, &ids).await?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html))
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = TicketView), (status = 404, body = ErrorBody)))]
async fn get_ticket(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<TicketView>> {
    tickets::get(&state.db, &user, id).await.map(Json)
}

/// Correct a ticket still being worked on: caller, phone, address and location, content,
/// deadline, appointment. The worker who accepted it is told on the phone.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = TicketEdit,
    responses((status = 200, body = TicketView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn edit_ticket(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(change): ApiJson<TicketEdit>,
) -> AppResult<Json<TicketView>> {
    edit::edit(&state.db, &user, id, change).await.map(Json)
}

/// Move a ticket: assign, reassign, accept, depart, arrive, follow_up, close, cancel.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/transitions", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = TransitionRequest,
    responses((status = 200, body = TicketView), (status = 403, body = ErrorBody),
              (status = 409, description = "not allowed from the ticket's state", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn transition(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<TransitionRequest>,
) -> AppResult<Json<TicketView>> {
    transitions::apply(&state.db, &user, id, request)
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}/events", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = Vec<TicketEventView>)))]
async fn events(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<TicketEventView>>> {
    transitions::history(&state.db, &user, id).await.map(Json)
}

/// Complete a ticket with its repair record; scores and fees are computed and kept.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/complete", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CompletionRequest,
    responses((status = 201, body = RecordView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn complete(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<CompletionRequest>,
) -> AppResult<(StatusCode, Json<RecordView>)> {
    let record = records::complete(&state.db, &user, id, request).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}/record", tag = "tickets", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = RecordView), (status = 404, body = ErrorBody)))]
async fn record(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<RecordView>> {
    records::of_ticket(&state.db, &user, id).await.map(Json)
}

/// Search repair records by ticket number, repair item, material, repairer or team.
#[utoipa::path(get, path = "/api/v1/records", tag = "tickets", security(("bearer" = [])),
    params(RecordQuery), responses((status = 200, body = Page<RecordView>), (status = 403, body = ErrorBody)))]
async fn search_records(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<RecordQuery>,
) -> AppResult<Json<Page<RecordView>>> {
    records::search(&state.db, &user, query).await.map(Json)
}

/// The score rule table in force.
#[utoipa::path(get, path = "/api/v1/score-rules", tag = "tickets", security(("bearer" = [])),
    responses((status = 200, body = ScoreRules)))]
async fn current_rules(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> AppResult<Json<ScoreRules>> {
    rules::current(&state.db).await.map(Json)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PublishRules {
    items: Vec<ItemRule>,
}

/// Publish a new version of the score rule table (old records keep their numbers).
#[utoipa::path(put, path = "/api/v1/score-rules", tag = "tickets", security(("bearer" = [])),
    request_body = PublishRules,
    responses((status = 200, body = ScoreRules), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn publish_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<PublishRules>,
) -> AppResult<Json<ScoreRules>> {
    rules::publish(&state.db, &user, body.items).await.map(Json)
}

#[utoipa::path(get, path = "/api/v1/score-rules/{version}", tag = "tickets", security(("bearer" = [])),
    params(("version" = i64, Path)), responses((status = 200, body = ScoreRules), (status = 404, body = ErrorBody)))]
async fn rules_version(
    State(state): State<AppState>,
    _user: CurrentUser,
    ApiPath(version): ApiPath<i64>,
) -> AppResult<Json<ScoreRules>> {
    rules::version(&state.db, version).await.map(Json)
}

/// Outage notices not yet over.
#[utoipa::path(get, path = "/api/v1/outages", tag = "outages", security(("bearer" = [])),
    responses((status = 200, body = Vec<OutageNoticeView>)))]
async fn list_outages(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> AppResult<Json<Vec<OutageNoticeView>>> {
    outages::list(&state.db).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/outages", tag = "outages", security(("bearer" = [])),
    request_body = NewOutageNotice,
    responses((status = 201, body = OutageNoticeView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_outage(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewOutageNotice>,
) -> AppResult<(StatusCode, Json<OutageNoticeView>)> {
    let notice = outages::create(&state.db, &user, new).await?;
    Ok((StatusCode::CREATED, Json(notice)))
}

/// The customers an outage affects, as CSV for the call-out list.
#[utoipa::path(get, path = "/api/v1/outages/{id}/customers.csv", tag = "outages", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, content_type = "text/csv", body = String)))]
async fn outage_customers(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<impl IntoResponse> {
    let csv = outages::affected_customers_csv(&state.db, &user, id).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv))
}

/// What intake shows on choosing a customer: the account, past tickets, arrears, outages.
#[utoipa::path(get, path = "/api/v1/customers/{id}/context", tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = CustomerContext), (status = 404, body = ErrorBody)))]
async fn customer_context(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<CustomerContext>> {
    user.require(Permission::ViewCustomers)?;
    tickets::customer_context(&state.db, &user, id)
        .await
        .map(Json)
}
