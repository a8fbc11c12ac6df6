//! `/api/v1/consultations`, `/api/v1/events` and `/api/v1/knowledge`.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::auth::CurrentUser;
use crate::callcenter::{consultations, events, knowledge, slip};
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use gasdesk_shared::ErrorBody;
use gasdesk_shared::api::Page;
use gasdesk_shared::callcenter::{
    AnswerConsultation, ConsultationQuery, ConsultationView, DepartmentReply, EventQuery,
    EventReply, EventView, ForwardConsultation, KnowledgeEntry, KnowledgeHit, KnowledgeQuery,
    NewConsultation, NewEvent, NewKnowledgeEntry,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_consultations, create_consultation))
        .routes(routes!(get_consultation))
        .routes(routes!(answer_consultation))
        .routes(routes!(forward_consultation))
        .routes(routes!(reply_consultation))
        .routes(routes!(close_consultation))
        .routes(routes!(consultation_slip))
        .routes(routes!(search_events, create_event))
        .routes(routes!(get_event))
        .routes(routes!(reply_event))
        .routes(routes!(close_event))
        .routes(routes!(search_knowledge, create_knowledge))
        .routes(routes!(get_knowledge, update_knowledge, delete_knowledge))
}

/// Record a caller's question: answered on the call, forwarded to a department, or left open.
#[utoipa::path(post, path = "/api/v1/consultations", tag = "callcenter", security(("bearer" = [])),
    request_body = NewConsultation,
    responses((status = 201, body = ConsultationView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_consultation(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewConsultation>,
) -> AppResult<(StatusCode, Json<ConsultationView>)> {
    let c = consultations::create(&state.db, &user, new).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Search consultations; `status=forwarded` or `overdue=true` lists the replies to chase.
#[utoipa::path(get, path = "/api/v1/consultations", tag = "callcenter", security(("bearer" = [])),
    params(ConsultationQuery),
    responses((status = 200, body = Page<ConsultationView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search_consultations(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ConsultationQuery>,
) -> AppResult<Json<Page<ConsultationView>>> {
    consultations::search(&state.db, &user, query)
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/api/v1/consultations/{id}", tag = "callcenter", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ConsultationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_consultation(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<ConsultationView>> {
    consultations::get(&state.db, &user, id).await.map(Json)
}

/// Answer an open consultation.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/answer", tag = "callcenter", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = AnswerConsultation,
    responses((status = 200, body = ConsultationView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn answer_consultation(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AnswerConsultation>,
) -> AppResult<Json<ConsultationView>> {
    consultations::answer(&state.db, &user, id, body)
        .await
        .map(Json)
}

/// Forward an open consultation to a department, with the date its reply is due.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/forward", tag = "callcenter", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ForwardConsultation,
    responses((status = 200, body = ConsultationView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn forward_consultation(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ForwardConsultation>,
) -> AppResult<Json<ConsultationView>> {
    consultations::forward(&state.db, &user, id, body)
        .await
        .map(Json)
}

/// Record the department's reply to a forwarded consultation.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/reply", tag = "callcenter", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = DepartmentReply,
    responses((status = 200, body = ConsultationView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reply_consultation(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DepartmentReply>,
) -> AppResult<Json<ConsultationView>> {
    consultations::reply(&state.db, &user, id, body)
        .await
        .map(Json)
}

/// Close an answered or replied consultation.
#[utoipa::path(post, path = "/api/v1/consultations/{id}/close", tag = "callcenter", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ConsultationView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn close_consultation(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<ConsultationView>> {
    consultations::close(&state.db, &user, id).await.map(Json)
}

/// The printable slip for the department (HTML with print CSS, one A4 page).
#[utoipa::path(get, path = "/api/v1/consultations/{id}/slip", tag = "callcenter", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
async fn consultation_slip(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<impl IntoResponse> {
    let html = slip::slip(&state.db, &user, id).await?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html))
}

/// Record an event (emergency, complaint, praise, tip-off, suggestion).
#[utoipa::path(post, path = "/api/v1/events", tag = "callcenter", security(("bearer" = [])),
    request_body = NewEvent,
    responses((status = 201, body = EventView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_event(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewEvent>,
) -> AppResult<(StatusCode, Json<EventView>)> {
    let e = events::create(&state.db, &user, new).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// Search events; `awaiting_reply=true` lists those still owed a reply.
#[utoipa::path(get, path = "/api/v1/events", tag = "callcenter", security(("bearer" = [])),
    params(EventQuery),
    responses((status = 200, body = Page<EventView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search_events(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<EventQuery>,
) -> AppResult<Json<Page<EventView>>> {
    events::search(&state.db, &user, query).await.map(Json)
}

#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "callcenter", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = EventView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_event(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<EventView>> {
    events::get(&state.db, &user, id).await.map(Json)
}

/// Reply to an event (once; not after it is closed).
#[utoipa::path(post, path = "/api/v1/events/{id}/reply", tag = "callcenter", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = EventReply,
    responses((status = 200, body = EventView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reply_event(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<EventReply>,
) -> AppResult<Json<EventView>> {
    events::reply(&state.db, &user, id, body).await.map(Json)
}

/// Close an event (one that needs a reply must have it).
#[utoipa::path(post, path = "/api/v1/events/{id}/close", tag = "callcenter", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = EventView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn close_event(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<EventView>> {
    events::close(&state.db, &user, id).await.map(Json)
}

/// Search the knowledge base (ranked: keyword, then title, then content matches), or list
/// every entry newest first without `q`. Open to everyone signed in.
#[utoipa::path(get, path = "/api/v1/knowledge", tag = "knowledge", security(("bearer" = [])),
    params(KnowledgeQuery),
    responses((status = 200, body = Page<KnowledgeHit>), (status = 422, body = ErrorBody)))]
async fn search_knowledge(
    State(state): State<AppState>,
    _user: CurrentUser,
    ApiQuery(query): ApiQuery<KnowledgeQuery>,
) -> AppResult<Json<Page<KnowledgeHit>>> {
    knowledge::search(&state.db, query).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/knowledge", tag = "knowledge", security(("bearer" = [])),
    request_body = NewKnowledgeEntry,
    responses((status = 201, body = KnowledgeEntry), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_knowledge(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewKnowledgeEntry>,
) -> AppResult<(StatusCode, Json<KnowledgeEntry>)> {
    let entry = knowledge::create(&state.db, &user, new).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

#[utoipa::path(get, path = "/api/v1/knowledge/{id}", tag = "knowledge", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = KnowledgeEntry), (status = 404, body = ErrorBody)))]
async fn get_knowledge(
    State(state): State<AppState>,
    _user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<KnowledgeEntry>> {
    knowledge::get(&state.db, id).await.map(Json)
}

/// Replace an entry's titles, keywords and content.
#[utoipa::path(put, path = "/api/v1/knowledge/{id}", tag = "knowledge", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = NewKnowledgeEntry,
    responses((status = 200, body = KnowledgeEntry), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_knowledge(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(new): ApiJson<NewKnowledgeEntry>,
) -> AppResult<Json<KnowledgeEntry>> {
    knowledge::update(&state.db, &user, id, new).await.map(Json)
}

#[utoipa::path(delete, path = "/api/v1/knowledge/{id}", tag = "knowledge", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_knowledge(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    knowledge::delete(&state.db, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
