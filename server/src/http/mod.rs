//! The HTTP API under `/api/v1`, operations endpoints and the app's static files. Each
//! resource module exports its own `router()`; they are merged here, and the OpenAPI document
//! is collected from the same annotations the routes are registered with.

mod app;
mod attachments;
mod audit;
mod auth;
mod callcenter;
mod catalog;
mod customers;
pub mod extract;
mod followups;
mod live;
mod ops;
mod params;
mod patrol;
mod push;
mod routing;
mod sync;
mod teams;
mod tickets;
mod users;

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Instant;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "gasdesk API", description = "Repair calls and field dispatch for a city gas utility"),
    modifiers(&BearerAuth),
    components(schemas(gasdesk_shared::ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole application: API, operations endpoints, the app's files.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(users::router())
        .merge(teams::router())
        .merge(customers::router(state.config.max_import_bytes))
        .merge(catalog::router())
        .merge(params::router())
        .merge(audit::router())
        .merge(routing::router(state.config.max_import_bytes))
        .merge(tickets::router())
        .merge(callcenter::router())
        .merge(patrol::router())
        .merge(followups::router())
        .merge(attachments::router())
        .merge(sync::router())
        .merge(push::router())
        .merge(live::router())
        .split_for_parts();
    let openapi = std::sync::Arc::new(openapi);
    Router::new()
        .merge(api)
        .merge(ops::router(openapi))
        .fallback(app::serve_file)
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn(track_metrics))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    ops::install_metrics();
    let background = state.start_background();
    let hub = state.hub.clone();
    let shutdown = async move {
        shutdown.await;
        hub.close();
    };
    let app = router(state);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    drop(background);
    served
}

async fn track_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "other".to_owned());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("gasdesk_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("gasdesk_http_request_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    //! Router-level checks without a socket (`oneshot`), on an in-memory database.
    use super::*;
    use crate::{Config, Db};
    use axum::body::Body;
    use axum::http::{Request as HttpRequest, StatusCode};
    use tower::ServiceExt;

    async fn app() -> Router {
        let db = Db::open("sqlite::memory:").await.unwrap();
        router(AppState::new(db, Config::default()))
    }

    async fn body_json(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn unknown_api_paths_get_a_json_404_and_app_paths_do_not() {
        let app = app().await;
        let response = app
            .clone()
            .oneshot(
                HttpRequest::get("/api/v1/nothing")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(body_json(response).await["error"]["code"], "not_found");
        // Outside /api a missing file is not an API error (the app may be unbuilt here).
        let response = app
            .oneshot(
                HttpRequest::get("/missing.png")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn protected_routes_need_a_token() {
        let response = app()
            .await
            .oneshot(
                HttpRequest::get("/api/v1/users")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            body_json(response).await["error"]["code"],
            "unauthenticated"
        );
    }
}
