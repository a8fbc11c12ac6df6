//! Field workers' last known positions on both engines: phones report them, office staff
//! list them for the console's map, field workers may not, and bad positions are refused.

use crate::on_both_engines;
use crate::support::{Engine, TestServer, expect_error};
use gasdesk_shared::Role;
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    office_staff_see_the_last_position_of_each_field_worker,
    a_patrol_track_moves_the_patroller_on_the_map,
);

async fn report(server: &TestServer, token: &str, lon: f64, lat: f64) -> reqwest::Response {
    server
        .request(Method::POST, "/api/v1/me/position", token)
        .json(&json!({"lon": lon, "lat": lat}))
        .send()
        .await
        .unwrap()
}

async fn office_staff_see_the_last_position_of_each_field_worker(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let repairer = server.user_token("wx901", Role::Repairer).await;
    let patroller = server.user_token("xx901", Role::Patroller).await;
    let dispatcher = server.user_token("hw901", Role::Dispatcher).await;
    let manager = server.user_token("jl901", Role::Manager).await;

    let list = |token: &str| {
        server
            .request(Method::GET, "/api/v1/positions", token)
            .send()
    };
    let empty: Value = list(&dispatcher).await.unwrap().json().await.unwrap();
    assert_eq!(empty, json!([]), "nobody has reported yet");

    assert_eq!(
        report(&server, &repairer, 120.60, 31.30).await.status(),
        204
    );
    assert_eq!(
        report(&server, &patroller, 120.70, 31.35).await.status(),
        204
    );
    // Only the last report counts.
    assert_eq!(
        report(&server, &repairer, 120.61, 31.31).await.status(),
        204
    );

    for token in [&dispatcher, &manager] {
        let response = list(token).await.unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        let rows = body.as_array().unwrap();
        assert_eq!(rows.len(), 2, "{body}");
        // Newest first: the repairer reported last.
        assert_eq!(rows[0]["role"], "repairer");
        assert_eq!(rows[0]["lon"], 120.61);
        assert_eq!(rows[0]["lat"], 31.31);
        assert_eq!(rows[1]["role"], "patroller");
        assert!(rows[0]["at"].as_str().unwrap().ends_with('Z'), "{body}");
        assert!(!rows[0]["name"].as_str().unwrap().is_empty());
    }

    // Field workers do not see where their colleagues are; nobody signed out does.
    expect_error(list(&repairer).await.unwrap(), 403, "forbidden").await;
    expect_error(list("not-a-token").await.unwrap(), 401, "unauthenticated").await;
    // A position outside the world is refused, and the last good one kept.
    expect_error(
        report(&server, &repairer, 200.0, 31.0).await,
        422,
        "validation_failed",
    )
    .await;
    let body: Value = list(&dispatcher).await.unwrap().json().await.unwrap();
    assert_eq!(body[0]["lon"], 120.61);
    server.stop().await;
}

async fn positions(server: &TestServer, token: &str) -> Value {
    let response = server
        .request(Method::GET, "/api/v1/positions", token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// A patroller's track (sent while the daily log is open) is where they were last seen; a
/// track that arrives late never moves them back past a newer report.
async fn a_patrol_track_moves_the_patroller_on_the_map(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let patroller = server.user_token("xx902", Role::Patroller).await;
    let dispatcher = server.user_token("hw902", Role::Dispatcher).await;
    let log: Value = server
        .request(Method::POST, "/api/v1/patrol-logs", &patroller)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let points = format!("/api/v1/patrol-logs/{}/points", log["id"].as_str().unwrap());
    let at = |seconds_ago: i64| {
        (time::OffsetDateTime::now_utc() - time::Duration::seconds(seconds_ago))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let upload = |track: Value| {
        server
            .request(Method::POST, &points, &patroller)
            .json(&json!({ "points": track }))
            .send()
    };
    let newest = |body: &Value| (body[0]["lon"].clone(), body[0]["lat"].clone());
    let response = upload(json!([
        {"lon": 120.61, "lat": 31.31, "at": at(120)},
        {"lon": 120.63, "lat": 31.33, "at": at(30)},
        {"lon": 120.62, "lat": 31.32, "at": at(60)},
    ]))
    .await
    .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let body = positions(&server, &dispatcher).await;
    assert_eq!(
        newest(&body),
        (json!(120.63), json!(31.33)),
        "the newest point: {body}"
    );

    // Reported from the phone just now, then a track from a minute ago arrives late.
    assert_eq!(
        report(&server, &patroller, 120.70, 31.40).await.status(),
        204
    );
    let response = upload(json!([{"lon": 120.64, "lat": 31.34, "at": at(50)}]))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = positions(&server, &dispatcher).await;
    assert_eq!(newest(&body), (json!(120.70), json!(31.40)), "kept: {body}");
    server.stop().await;
}
