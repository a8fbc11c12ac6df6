//! Sign-in, sign-out, expiry, revocation and the brake on password guessing.

use crate::on_both_engines;
use crate::support::{Engine, PASSWORD, TestServer, expect_error};
use gasdesk_server::auth::token_hash;
use gasdesk_server::on_db;
use gasdesk_shared::Role;
use reqwest::Method;
use serde_json::Value;

on_both_engines!(
    sign_in_returns_a_working_token,
    wrong_password_and_unknown_user_are_refused_alike,
    expired_token_is_refused,
    logout_revokes_the_token,
    missing_and_malformed_tokens_are_refused,
    repeated_failures_are_rate_limited,
    password_change_and_deactivation_end_sessions,
);

async fn sign_in_returns_a_working_token(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    server.add_user("shen.jiayi", Role::Dispatcher).await;
    // Usernames are not case-sensitive as typed.
    let response = server.login(" Shen.Jiayi ", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    assert!(token.starts_with("gd_"));
    assert_eq!(body["user"]["username"], "shen.jiayi");
    assert_eq!(body["user"]["role"], "dispatcher");
    assert!(body["user"].get("password_hash").is_none());
    assert!(body["expires_at"].as_str().unwrap().contains('T'));

    let me: Value = server
        .request(Method::GET, "/api/v1/auth/me", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "shen.jiayi");

    // Only the token's hash is stored.
    let stored: Vec<String> = on_db!(&server.db, pool => sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(pool)
        .await
        .unwrap());
    assert_eq!(stored, vec![token_hash(token)]);
    assert!(!stored.contains(&token.to_owned()));
    server.stop().await;
}

async fn wrong_password_and_unknown_user_are_refused_alike(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    server.add_user("lu.zhiqiang", Role::Repairer).await;
    let wrong = expect_error(
        server.login("lu.zhiqiang", "not-the-password").await,
        401,
        "invalid_credentials",
    )
    .await;
    let unknown = expect_error(
        server.login("nobody", PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        wrong, unknown,
        "the answer must not reveal which usernames exist"
    );
    server.stop().await;
}

async fn expired_token_is_refused(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let token = server.user_token("gu.jianguo", Role::TeamLeader).await;
    let past = gasdesk_server::db::now() - time::Duration::minutes(1);
    on_db!(&server.db, pool => sqlx::query("UPDATE sessions SET expires_at = $1")
        .bind(past)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
    let body = expect_error(
        server
            .request(Method::GET, "/api/v1/auth/me", &token)
            .send()
            .await
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{body}"
    );
    server.stop().await;
}

async fn logout_revokes_the_token(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let token = server.user_token("zhou.guoping", Role::Manager).await;
    let other = {
        let r = server.login("zhou.guoping", PASSWORD).await;
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let response = server
        .request(Method::POST, "/api/v1/auth/logout", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let body = expect_error(
        server
            .request(Method::GET, "/api/v1/auth/me", &token)
            .send()
            .await
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("signed out"),
        "{body}"
    );
    // Signing out on one device leaves the user's other sessions alone.
    let response = server
        .request(Method::GET, "/api/v1/auth/me", &other)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Logging out twice is refused: the token is no longer valid.
    expect_error(
        server
            .request(Method::POST, "/api/v1/auth/logout", &token)
            .send()
            .await
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    server.stop().await;
}

async fn missing_and_malformed_tokens_are_refused(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let url = server.url("/api/v1/auth/me");
    expect_error(
        server.client.get(&url).send().await.unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    expect_error(
        server
            .client
            .get(&url)
            .header("Authorization", "Basic YWRtaW46YWRtaW4=")
            .send()
            .await
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    expect_error(
        server
            .client
            .get(&url)
            .bearer_auth("gd_forged")
            .send()
            .await
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    server.stop().await;
}

async fn repeated_failures_are_rate_limited(engine: Engine) {
    let Some(server) =
        TestServer::start_with(engine, |c| c.login_max_failures_per_account = 3).await
    else {
        return;
    };
    server.add_user("qian.weidong", Role::Patroller).await;
    for _ in 0..3 {
        expect_error(
            server.login("qian.weidong", "guess-guess").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    // Even the right password waits until the window has passed.
    let response = server.login("qian.weidong", PASSWORD).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0 && retry_after <= 15 * 60);
    expect_error(response, 429, "rate_limited").await;
    // Other accounts are not locked out by it.
    server.add_user("other.user", Role::Patroller).await;
    assert_eq!(server.login("other.user", PASSWORD).await.status(), 200);
    server.stop().await;
}

async fn password_change_and_deactivation_end_sessions(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let admin = server.user_token("admin", Role::Admin).await;
    let user_token = server.user_token("wx001", Role::Repairer).await;
    let me: Value = server
        .request(Method::GET, "/api/v1/auth/me", &user_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = me["id"].as_str().unwrap();

    let response = server
        .request(Method::PATCH, &format!("/api/v1/users/{id}"), &admin)
        .json(&serde_json::json!({ "password": "a-new-password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    expect_error(
        server
            .request(Method::GET, "/api/v1/auth/me", &user_token)
            .send()
            .await
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    expect_error(
        server.login("wx001", PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    let response = server.login("wx001", "a-new-password").await;
    let new_token = response.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let response = server
        .request(Method::PATCH, &format!("/api/v1/users/{id}"), &admin)
        .json(&serde_json::json!({ "active": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    expect_error(
        server
            .request(Method::GET, "/api/v1/auth/me", &new_token)
            .send()
            .await
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    expect_error(
        server.login("wx001", "a-new-password").await,
        403,
        "forbidden",
    )
    .await;
    server.stop().await;
}
