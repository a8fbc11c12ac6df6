//! Extractors that turn every malformed request into our error shape: a JSON body that is not
//! JSON (400), a value of the wrong type or an unknown enum value (422 naming the field), a
//! wrong content type (415), a body over the limit (413), an unparsable path or query (400).

use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use serde::de::DeserializeOwned;

/// `axum::Json`, with our errors and the offending field's path.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(AppError::UnsupportedMediaType(
                "expected a JSON body with `Content-Type: application/json`".into(),
            ));
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Reads the whole body within the route's limit.
pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge(
                "the request body is larger than this endpoint accepts".into(),
            )
        } else {
            AppError::Malformed {
                message: format!("cannot read the request body: {}", rejection.body_text()),
                field: None,
            }
        }
    })
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = strip_position(&inner.to_string());
        match inner.classify() {
            // The path already ends with an unknown field's name.
            serde_json::error::Category::Data => {
                let field = path;
                AppError::Validation(gasdesk_shared::validate::invalid(
                    if field == "." { "body" } else { &field },
                    message,
                ))
            }
            _ => AppError::Malformed {
                message: format!("the body is not valid JSON: {message}"),
                field: None,
            },
        }
    })
}

/// serde_json appends " at line 1 column 20"; a client needs the field, not the column.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// `axum::extract::Query`, with our errors.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|err| AppError::Malformed {
                message: format!("invalid query string: {err}"),
                field: None,
            })
    }
}

/// `axum::extract::Path`, with our errors.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|rejection| AppError::Malformed {
                message: rejection.body_text(),
                field: None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gasdesk_shared::api::NewUser;

    #[test]
    fn syntax_errors_are_malformed() {
        let err = parse_json::<NewUser>(b"{\"username\": ").unwrap_err();
        assert!(matches!(err, AppError::Malformed { .. }));
    }

    #[test]
    fn unknown_enum_values_name_the_field() {
        let body = br#"{"username":"a.b","display_name":"A","password":"12345678","role":"boss"}"#;
        match parse_json::<NewUser>(body).unwrap_err() {
            AppError::Validation(invalid) => {
                assert_eq!(invalid.field, "role");
                assert!(invalid.message.contains("boss"), "{}", invalid.message);
                assert!(!invalid.message.contains("line 1"), "{}", invalid.message);
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_fields_are_named() {
        let body = br#"{"username":"a.b","display_name":"A","password":"12345678","role":"admin","rol":1}"#;
        match parse_json::<NewUser>(body).unwrap_err() {
            AppError::Validation(invalid) => assert_eq!(invalid.field, "rol"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn missing_fields_are_validation_errors() {
        let err = parse_json::<NewUser>(br#"{"username":"a.b"}"#).unwrap_err();
        assert!(matches!(err, AppError::Validation(_)), "{err:?}");
    }
}
