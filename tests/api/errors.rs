//! Every kind of bad request gets our error shape and a 4xx, never a 500; plus the operations
//! endpoints.

use crate::on_both_engines;
use crate::support::{Engine, TestServer, expect_error};
use gasdesk_shared::Role;
use reqwest::Method;
use serde_json::Value;

on_both_engines!(malformed_requests_get_clear_errors, operations_endpoints);

async fn malformed_requests_get_clear_errors(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let admin = server.user_token("admin", Role::Admin).await;
    let login = server.url("/api/v1/auth/login");
    let post = |body: &'static str| {
        server
            .client
            .post(&login)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    expect_error(
        post("{\"username\": ").await.unwrap(),
        400,
        "malformed_request",
    )
    .await;
    let body = expect_error(
        post(r#"{"username": 5, "password": "x"}"#).await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "username");
    let body = expect_error(
        post(r#"{"username": "a", "password": "x", "otp": 1}"#)
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "otp");
    expect_error(
        server
            .client
            .post(&login)
            .body(r#"{"username":"a","password":"b"}"#)
            .send()
            .await
            .unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    let huge = format!(
        r#"{{"username":"a","password":"{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    expect_error(
        server
            .client
            .post(&login)
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .unwrap(),
        413,
        "payload_too_large",
    )
    .await;
    let body = expect_error(
        server
            .request(Method::POST, "/api/v1/users", &admin)
            .json(&serde_json::json!({"username":"a.b","display_name":"A","password":"12345678","role":"boss"}))
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "role");
    assert!(body["error"]["message"].as_str().unwrap().contains("boss"));
    expect_error(
        server
            .request(Method::GET, "/api/v1/users/not-a-uuid", &admin)
            .send()
            .await
            .unwrap(),
        400,
        "malformed_request",
    )
    .await;
    expect_error(
        server
            .request(
                Method::GET,
                &format!("/api/v1/users/{}", uuid::Uuid::nil()),
                &admin,
            )
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    expect_error(
        server
            .client
            .get(server.url("/api/v1/no-such-thing"))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    expect_error(
        server
            .client
            .delete(server.url("/api/v1/auth/login"))
            .send()
            .await
            .unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
    server.stop().await;
}

async fn operations_endpoints(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let health: Value = server
        .client
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let expected = if engine == Engine::Sqlite {
        "sqlite"
    } else {
        "postgres"
    };
    assert_eq!(health["database"], expected);

    let openapi: Value = server
        .client
        .get(server.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = openapi["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/users/{id}",
        "/api/v1/customers/import",
        "/api/v1/params/{key}",
    ] {
        assert!(paths.contains_key(path), "OpenAPI lacks {path}");
    }
    assert!(openapi["components"]["schemas"].get("ErrorBody").is_some());

    server.login("nobody", "wrong-password").await;
    let metrics = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("gasdesk_http_requests_total"), "{metrics}");
    assert!(
        metrics.contains("route=\"/api/v1/auth/login\""),
        "{metrics}"
    );

    // Health reports an unreachable database as 503, not 500.
    server.db.close().await;
    expect_error(
        server
            .client
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap(),
        503,
        "unavailable",
    )
    .await;
    server.stop().await;
}
