//! `/api/v1/attachments`: declaring photos and signatures, uploading them in resumable chunks,
//! fetching them; and `/api/v1/tickets/{id}/attachments`.

use super::extract::{ApiJson, ApiPath, ApiQuery, read_body};
use crate::attachments;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gasdesk_shared::ErrorBody;
use gasdesk_shared::attachments::{
    AttachmentStatus, MAX_CHUNK_BYTES, NewAttachment, TicketAttachments,
};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    // A chunk may be as large as the chunk limit whatever the server-wide body limit is, and
    // not a byte more.
    let chunks = OpenApiRouter::new()
        .routes(routes!(put_chunk))
        .layer(DefaultBodyLimit::max(MAX_CHUNK_BYTES as usize));
    OpenApiRouter::new()
        .routes(routes!(declare))
        .routes(routes!(status))
        .routes(routes!(content))
        .routes(routes!(ticket_attachments))
        .merge(chunks)
}

/// Declare a photo or signature before uploading it, optionally linking it to a ticket or
/// patrol check. Declaring the same content again answers its current status.
#[utoipa::path(post, path = "/api/v1/attachments", tag = "attachments", security(("bearer" = [])),
    request_body = NewAttachment,
    responses((status = 201, description = "declared", body = AttachmentStatus),
              (status = 200, description = "already declared: its current status", body = AttachmentStatus),
              (status = 403, body = ErrorBody),
              (status = 409, description = "declared before with another size, type or kind", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn declare(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(new): ApiJson<NewAttachment>,
) -> AppResult<(StatusCode, Json<AttachmentStatus>)> {
    let (created, status) = attachments::declare(&state.db, &user, new).await?;
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, Json(status)))
}

/// How many bytes the server has confirmed: resume the upload from `received`.
#[utoipa::path(get, path = "/api/v1/attachments/{sha256}/status", tag = "attachments",
    security(("bearer" = [])), params(("sha256" = String, Path)),
    responses((status = 200, body = AttachmentStatus), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn status(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(sha256): ApiPath<String>,
) -> AppResult<Json<AttachmentStatus>> {
    attachments::status_of(&state.db, &user, &sha256)
        .await
        .map(Json)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ChunkQuery {
    /// Where the chunk starts in the content: the `received` count of the status.
    offset: u64,
}

/// Upload the chunk starting at `offset` (at most 1 MiB). Appended only at the confirmed count;
/// an identical repeat of confirmed bytes is acknowledged. The last byte completes the
/// attachment if the content matches its SHA-256, and otherwise discards it.
#[utoipa::path(put, path = "/api/v1/attachments/{sha256}/chunks", tag = "attachments",
    security(("bearer" = [])), params(("sha256" = String, Path), ChunkQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = AttachmentStatus), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 409, description = "not at the confirmed offset; `details.expected_offset` says where to resume", body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, description = "past the declared size, or the content does not match its SHA-256", body = ErrorBody)))]
async fn put_chunk(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(sha256): ApiPath<String>,
    ApiQuery(query): ApiQuery<ChunkQuery>,
    request: Request,
) -> AppResult<Json<AttachmentStatus>> {
    let is_octets = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/octet-stream"));
    if !is_octets {
        return Err(AppError::UnsupportedMediaType(
            "send the chunk's bytes with `Content-Type: application/octet-stream`".into(),
        ));
    }
    let bytes = read_body(request, &state).await.map_err(|e| match e {
        AppError::PayloadTooLarge(_) => attachments::chunk_too_large(None),
        other => other,
    })?;
    attachments::put_chunk(&state.db, &user, &sha256, query.offset, &bytes)
        .await
        .map(Json)
}

/// The content of a complete attachment, with its image type.
#[utoipa::path(get, path = "/api/v1/attachments/{sha256}", tag = "attachments",
    security(("bearer" = [])), params(("sha256" = String, Path)),
    responses((status = 200, description = "the image", content(("image/jpeg"), ("image/png"), ("image/webp"))),
              (status = 404, body = ErrorBody),
              (status = 409, description = "not all bytes have arrived yet", body = ErrorBody)))]
async fn content(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(sha256): ApiPath<String>,
) -> AppResult<Response> {
    let (mime, bytes) = attachments::content(&state.db, &user, &sha256).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&mime) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    // Content-addressed, so a copy never goes stale; private because it is the customer's.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("\"{sha256}\"")) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// A ticket's photos and signatures with their upload status; `pending` counts those whose
/// bytes have not all arrived.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments", tag = "attachments",
    security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = TicketAttachments), (status = 404, body = ErrorBody)))]
async fn ticket_attachments(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<TicketAttachments>> {
    attachments::for_ticket(&state.db, &user, id)
        .await
        .map(Json)
}
