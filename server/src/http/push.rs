//! `/api/v1/push`: the VAPID key, phones' subscriptions, the service worker's receipts, and
//! each ticket's delivery record.

use super::extract::{ApiJson, ApiPath};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::push;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use gasdesk_shared::ErrorBody;
use gasdesk_shared::push::{
    DeliveryView, ReceiptRequest, SubscribeRequest, SubscriptionView, UnsubscribeRequest,
    VapidPublicKey,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(vapid_public_key))
        .routes(routes!(subscribe, my_subscriptions, unsubscribe))
        .routes(routes!(receipt))
        .routes(routes!(deliveries))
}

/// The key a browser passes to `pushManager.subscribe` as `applicationServerKey`.
#[utoipa::path(get, path = "/api/v1/push/vapid-public-key", tag = "push",
    responses((status = 200, body = VapidPublicKey)))]
async fn vapid_public_key(State(state): State<AppState>) -> AppResult<Json<VapidPublicKey>> {
    let vapid = state.push.vapid().await?;
    Ok(Json(VapidPublicKey {
        public_key: vapid.public_key.clone(),
    }))
}

/// Registers this phone's push subscription (the browser's `PushSubscription.toJSON()`).
#[utoipa::path(post, path = "/api/v1/push/subscriptions", tag = "push", security(("bearer" = [])),
    request_body = SubscribeRequest,
    responses((status = 201, body = SubscriptionView), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
async fn subscribe(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(request): ApiJson<SubscribeRequest>,
) -> AppResult<(StatusCode, Json<SubscriptionView>)> {
    let view = state.push.subscribe(&user, request).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/api/v1/push/subscriptions", tag = "push", security(("bearer" = [])),
    responses((status = 200, body = Vec<SubscriptionView>)))]
async fn my_subscriptions(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<SubscriptionView>>> {
    push::subscriptions(&state.db, &user).await.map(Json)
}

/// Removes one of the caller's subscriptions (sign-out, or the browser dropped it).
#[utoipa::path(delete, path = "/api/v1/push/subscriptions", tag = "push", security(("bearer" = [])),
    request_body = UnsubscribeRequest,
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn unsubscribe(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(request): ApiJson<UnsubscribeRequest>,
) -> AppResult<StatusCode> {
    push::unsubscribe(&state.db, &user, &request.endpoint).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The service worker reports that a message arrived; authorised by the receipt code that
/// came inside the encrypted message (a service worker may run with the app closed).
#[utoipa::path(post, path = "/api/v1/push/receipts", tag = "push",
    request_body = ReceiptRequest,
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn receipt(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ReceiptRequest>,
) -> AppResult<StatusCode> {
    push::receipt(&state.db, request).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every push about a ticket and where each stands (queued, sent, received, accepted…).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/deliveries", tag = "push", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<DeliveryView>), (status = 404, body = ErrorBody)))]
async fn deliveries(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<DeliveryView>>> {
    push::deliveries(&state.db, &user, id).await.map(Json)
}
