//! The error body every API failure carries: a stable machine code, a human message and,
//! where one input is to blame, the offending field.

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes. Clients switch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON, or a query/path parameter cannot be parsed.
    MalformedRequest,
    /// The request parsed, but a value is not acceptable (see `field`).
    ValidationFailed,
    /// The body's content type is not the one this endpoint reads.
    UnsupportedMediaType,
    /// The body is larger than this endpoint accepts.
    PayloadTooLarge,
    /// No bearer token, or it is unknown, expired or revoked.
    Unauthenticated,
    /// Username or password is wrong.
    InvalidCredentials,
    /// Signed in, but the role may not do this.
    Forbidden,
    NotFound,
    MethodNotAllowed,
    /// The change collides with existing data (a duplicate username, card number, ...).
    Conflict,
    /// Too many failed attempts; retry later.
    RateLimited,
    /// Something failed on the server; details are in the server log only.
    Internal,
    /// The database cannot be reached.
    Unavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedRequest => "malformed_request",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every problem, where one request has many (e.g. each refused feature of a GeoJSON file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// `{"error": {"code", "message", "field"?}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_code_serialises_as_its_stable_string() {
        for code in [
            ErrorCode::MalformedRequest,
            ErrorCode::ValidationFailed,
            ErrorCode::PayloadTooLarge,
            ErrorCode::RateLimited,
            ErrorCode::Unavailable,
        ] {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::String(code.as_str().into()));
        }
    }

    #[test]
    fn field_is_omitted_when_absent() {
        let body = ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::NotFound,
                message: "no such user".into(),
                field: None,
                details: None,
            },
        };
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(
            json,
            r#"{"error":{"code":"not_found","message":"no such user"}}"#
        );
    }
}
