//! `/api/v1/audit`: the audit trail, newest first.

use super::extract::ApiQuery;
use crate::auth::CurrentUser;
use crate::db::audit::{self, AuditFilter};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use gasdesk_shared::api::{AuditEntry, AuditQuery, DEFAULT_PAGE, MAX_PAGE, Page};
use gasdesk_shared::{ErrorBody, Permission};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> AppResult<Json<Page<AuditEntry>>> {
    user.require(Permission::ViewAudit)?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::validation(
            "limit",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    let offset = query.offset.unwrap_or(0);
    let filter = AuditFilter {
        entity: query.entity.as_deref(),
        entity_id: query.entity_id.as_deref(),
        limit: i64::from(limit),
        offset: i64::from(offset),
    };
    let (rows, total) = audit::list(&state.db, &filter).await?;
    Ok(Json(Page {
        capped: false,
        items: rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor_id: r.actor_id,
                actor_name: r.actor_name,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                details: r.details.0,
            })
            .collect(),
        total: total.max(0) as u64,
        limit,
        offset,
    }))
}
