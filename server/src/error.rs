//! One error type for the whole server. Domain functions return it; as an HTTP response it
//! becomes `{"error": {"code", "message", "field"?}}` with the matching status. Database and
//! internal failures are logged with their detail and answered with a generic message, so no
//! SQL or stack detail ever reaches a client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gasdesk_shared::validate::Invalid;
use gasdesk_shared::{ErrorBody, ErrorCode, ErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Malformed {
        message: String,
        field: Option<String>,
    },
    #[error("{0}")]
    Validation(#[from] Invalid),
    /// Refused input with many problems, each listed in `details`.
    #[error("{message}")]
    Rejected {
        message: String,
        field: Option<String>,
        details: serde_json::Value,
    },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{message}")]
    Conflict {
        message: String,
        field: Option<String>,
    },
    /// A conflict the client resolves with what `details` says (e.g. the offset to resume from).
    #[error("{message}")]
    ConflictWithDetails {
        message: String,
        field: Option<String>,
        details: serde_json::Value,
    },
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the database is not reachable")]
    Unavailable,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> AppError {
        AppError::Validation(gasdesk_shared::validate::invalid(field, message))
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> AppError {
        AppError::Conflict {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn not_found(what: impl Into<String>) -> AppError {
        AppError::NotFound(what.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Malformed { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation(_) | AppError::Rejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unauthenticated(_) | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } | AppError::ConflictWithDetails { .. } => {
                StatusCode::CONFLICT
            }
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Malformed { .. } => ErrorCode::MalformedRequest,
            AppError::Validation(_) | AppError::Rejected { .. } => ErrorCode::ValidationFailed,
            AppError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            AppError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::InvalidCredentials => ErrorCode::InvalidCredentials,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            AppError::Conflict { .. } | AppError::ConflictWithDetails { .. } => ErrorCode::Conflict,
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::Unavailable => ErrorCode::Unavailable,
            AppError::Database(_) | AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let details = match self {
            AppError::Rejected { details, .. } | AppError::ConflictWithDetails { details, .. } => {
                Some(details.clone())
            }
            _ => None,
        };
        let (message, field) = match self {
            AppError::Rejected { message, field, .. }
            | AppError::ConflictWithDetails { message, field, .. } => {
                (message.clone(), field.clone())
            }
            AppError::Malformed { message, field } | AppError::Conflict { message, field } => {
                (message.clone(), field.clone())
            }
            AppError::Validation(invalid) => (invalid.message.clone(), Some(invalid.field.clone())),
            AppError::Database(_) | AppError::Internal(_) => (
                "an internal error occurred; it has been logged".to_owned(),
                None,
            ),
            other => (other.to_string(), None),
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                field,
                details,
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = (status, axum::Json(self.body())).into_response();
        if let AppError::RateLimited { retry_after_secs } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            // The body was refused unread, so the connection cannot carry another request:
            // say so, or a client that reuses it sees its next request fail.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_never_reaches_the_body() {
        let err = AppError::Internal("SELECT * FROM users exploded".into());
        let body = serde_json::to_string(&err.body()).unwrap();
        assert!(!body.contains("SELECT"));
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_conflict_can_say_how_to_resolve_it() {
        let err = AppError::ConflictWithDetails {
            message: "resume at 10".into(),
            field: Some("offset".into()),
            details: serde_json::json!({ "expected_offset": 10 }),
        };
        assert_eq!(err.status(), StatusCode::CONFLICT);
        let body = err.body();
        assert_eq!(body.error.code, ErrorCode::Conflict);
        assert_eq!(body.error.details.unwrap()["expected_offset"], 10);
    }

    #[test]
    fn validation_names_its_field() {
        let err = AppError::validation("phone", "is not a phone number");
        let body = err.body();
        assert_eq!(body.error.field.as_deref(), Some("phone"));
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
