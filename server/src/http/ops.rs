//! Operations endpoints: health, Prometheus metrics, the OpenAPI document.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde_json::json;
use std::sync::{Arc, OnceLock};

static METRICS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide metrics recorder once (several servers may run in one test process).
pub fn install_metrics() {
    METRICS.get_or_init(|| match PrometheusBuilder::new().install_recorder() {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::warn!(error = %e, "metrics recorder not installed");
            None
        }
    });
}

pub fn router(openapi: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let openapi = openapi.clone();
                async move { Json(openapi.as_ref().clone()) }
            }),
        )
}

async fn healthz(State(state): State<AppState>) -> AppResult<Json<serde_json::Value>> {
    match state.db.ping().await {
        Ok(()) => Ok(Json(json!({
            "status": "ok",
            "database": format!("{:?}", state.db.engine()).to_lowercase(),
        }))),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            Err(AppError::Unavailable)
        }
    }
}

async fn metrics_text() -> impl IntoResponse {
    let body = METRICS
        .get()
        .and_then(|h| h.as_ref())
        .map(|h| h.render())
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
