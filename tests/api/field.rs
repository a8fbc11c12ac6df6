//! Patrol work on both engines: the assigned patroller's result on a leak check (a found leak
//! becomes an emergency repair ticket, once), and daily patrol logs with their tracks.

use crate::on_both_engines;
use crate::support::{Engine, PASSWORD, TestServer, expect_error, ok_json, send};
use gasdesk_shared::Role;
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    a_found_leak_becomes_one_emergency_ticket,
    patrol_logs_keep_the_track
);

/// A patrol team with two on-duty patrollers (the first nearer the leaks), one pipeline, and
/// an emergency-repair team.
async fn patrol(server: &TestServer) -> (String, Vec<(String, String)>) {
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    let team = ok_json(
        send(
            server,
            Method::POST,
            "/api/v1/teams",
            &leader,
            json!({"name": "姑苏区巡线班", "kind": "patrol"}),
        )
        .await,
        201,
    )
    .await;
    ok_json(
        send(
            server,
            Method::POST,
            "/api/v1/teams",
            &leader,
            json!({"name": "市区抢修一班", "kind": "emergency_repair"}),
        )
        .await,
        201,
    )
    .await;
    let team_id = team["id"].as_str().unwrap().to_owned();
    let now = time::OffsetDateTime::now_utc();
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let mut patrollers = Vec::new();
    for (name, lon) in [("xx001", 120.6201), ("xx002", 120.70)] {
        let id = server.add_user(name, Role::Patroller).await;
        ok_json(
            send(
                server,
                Method::POST,
                &format!("/api/v1/teams/{team_id}/members"),
                &leader,
                json!({"user_id": id}),
            )
            .await,
            200,
        )
        .await;
        ok_json(send(server, Method::POST, "/api/v1/rosters", &leader, json!({"team_id": team_id, "user_id": id,
            "starts_at": fmt(now - time::Duration::hours(1)), "ends_at": fmt(now + time::Duration::hours(8))})).await, 201).await;
        let token = server
            .login(name, PASSWORD)
            .await
            .json::<Value>()
            .await
            .unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            send(
                server,
                Method::POST,
                "/api/v1/me/position",
                &token,
                json!({"lon": lon, "lat": 31.3})
            )
            .await
            .status(),
            204
        );
        patrollers.push((id.to_string(), token));
    }
    let network = json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"patrol_area": "姑苏区巡线区域", "team": "姑苏区巡线班", "pressure_class": "medium"},
        "geometry": {"type": "LineString", "coordinates": [[120.60, 31.30], [120.64, 31.30]]}}]});
    let response = server
        .request(Method::POST, "/api/v1/pipelines/import", &leader)
        .header("content-type", "application/geo+json")
        .body(network.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    (dispatcher, patrollers)
}

async fn leak(server: &TestServer, dispatcher: &str) -> String {
    let check = ok_json(send(server, Method::POST, "/api/v1/patrol-checks", dispatcher,
        json!({"lon": 120.62, "lat": 31.3004, "phone": "13812345678", "description": "人行道闻到燃气味"})).await, 201).await;
    check["id"].as_str().unwrap().to_owned()
}

async fn a_found_leak_becomes_one_emergency_ticket(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let (dispatcher, patrollers) = patrol(&server).await;
    let (me, other) = (&patrollers[0].1, &patrollers[1].1);
    let id = leak(&server, &dispatcher).await;
    let path = format!("/api/v1/patrol-checks/{id}/result");
    expect_error(
        send(
            &server,
            Method::POST,
            &path,
            other,
            json!({"finding": "no_leak"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let body = expect_error(
        send(
            &server,
            Method::POST,
            &path,
            me,
            json!({"finding": "leak_found"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "gas_reading");
    let body = expect_error(
        send(
            &server,
            Method::POST,
            &path,
            me,
            json!({"finding": "leak_found", "gas_reading": 12.5, "lat": 91.0, "lon": 120.0}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "lat");
    let result = ok_json(send(&server, Method::POST, &path, me, json!({"finding": "leak_found", "gas_reading": 12.5, "remarks": "阀门井内", "lon": 120.6201, "lat": 31.3003})).await, 200).await;
    assert_eq!(result["status"], "closed");
    let ticket_id = result["repair_ticket_id"].as_str().unwrap();
    let ticket = ok_json(
        send(
            &server,
            Method::GET,
            &format!("/api/v1/tickets/{ticket_id}"),
            &dispatcher,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (
            ticket["category"].as_str(),
            ticket["source"].as_str(),
            ticket["urgent"].as_bool()
        ),
        (Some("leak"), Some("patrol"), Some(true))
    );
    assert_eq!(ticket["team_name"], "市区抢修一班");
    assert_eq!(ticket["decision"]["basis"]["kind"], "emergency");
    assert!(ticket["content"].as_str().unwrap().contains("12.5% LEL"));
    // A second conversion is refused and writes nothing.
    let body = expect_error(
        send(
            &server,
            Method::POST,
            &path,
            me,
            json!({"finding": "leak_found", "gas_reading": 20.0}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already converted"),
        "{body}"
    );
    assert_eq!(
        gasdesk_server::db::tickets::count(&server.db)
            .await
            .unwrap(),
        1
    );

    let quiet = leak(&server, &dispatcher).await;
    let result = ok_json(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/patrol-checks/{quiet}/result"),
            me,
            json!({"finding": "no_leak", "gas_reading": 0.0}),
        )
        .await,
        200,
    )
    .await;
    assert!(result["repair_ticket_id"].is_null());
    expect_error(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/patrol-checks/{quiet}/result"),
            me,
            json!({"finding": "hazard"}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    let hazard = leak(&server, &dispatcher).await;
    ok_json(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/patrol-checks/{hazard}/result"),
            me,
            json!({"finding": "hazard", "remarks": "施工挖掘靠近管线"}),
        )
        .await,
        200,
    )
    .await;
    let alerts = ok_json(
        send(
            &server,
            Method::GET,
            "/api/v1/alerts",
            &dispatcher,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    assert!(
        alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "patrol_hazard"
                && a["message"].as_str().unwrap().contains("施工挖掘")),
        "{alerts}"
    );
    assert_eq!(
        gasdesk_server::db::tickets::count(&server.db)
            .await
            .unwrap(),
        1
    );
    server.stop().await;
}

async fn patrol_logs_keep_the_track(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let (dispatcher, patrollers) = patrol(&server).await;
    let (me, other) = (&patrollers[0].1, &patrollers[1].1);
    expect_error(
        send(
            &server,
            Method::POST,
            "/api/v1/patrol-logs",
            &dispatcher,
            json!(null),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let log = ok_json(
        send(
            &server,
            Method::POST,
            "/api/v1/patrol-logs",
            me,
            json!(null),
        )
        .await,
        201,
    )
    .await;
    expect_error(
        send(
            &server,
            Method::POST,
            "/api/v1/patrol-logs",
            me,
            json!(null),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    let id = log["id"].as_str().unwrap();
    let now = time::OffsetDateTime::now_utc();
    let at = |s: i64| {
        (now + time::Duration::seconds(s))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let points = |lat2: f64| {
        json!({"points": [
        {"lon": 120.60, "lat": 31.30, "at": at(0)}, {"lon": 120.61, "lat": lat2, "at": at(60)}, {"lon": 120.62, "lat": 31.30, "at": at(120)}]})
    };
    let path = format!("/api/v1/patrol-logs/{id}/points");
    expect_error(
        send(&server, Method::POST, &path, other, points(31.30)).await,
        403,
        "forbidden",
    )
    .await;
    let body = expect_error(
        send(&server, Method::POST, &path, me, points(100.0)).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "points[1].lat");
    let view = ok_json(
        send(&server, Method::POST, &path, me, points(31.30)).await,
        200,
    )
    .await;
    assert_eq!(view["points"], 3);
    let length = view["length_m"].as_f64().unwrap();
    assert!(
        (1850.0..1950.0).contains(&length),
        "0.02° of longitude at 31.3° is about 1.9 km: {length}"
    );
    assert_eq!(view["track"]["type"], "LineString");
    let close = format!("/api/v1/patrol-logs/{id}/close");
    let body = expect_error(
        send(&server, Method::POST, &close, me, json!({"checked": " "})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "checked");
    let closed = ok_json(
        send(
            &server,
            Method::POST,
            &close,
            me,
            json!({"checked": "中压管线、阀门井 3 座"}),
        )
        .await,
        200,
    )
    .await;
    assert!(closed["ended_at"].is_string());
    expect_error(
        send(&server, Method::POST, &path, me, points(31.30)).await,
        409,
        "conflict",
    )
    .await;
    let listed = ok_json(
        send(
            &server,
            Method::GET,
            &format!("/api/v1/patrol-logs?day={}", log["day"].as_str().unwrap()),
            &dispatcher,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // A patroller sees only their own logs.
    assert_eq!(
        ok_json(
            send(
                &server,
                Method::GET,
                "/api/v1/patrol-logs",
                other,
                json!(null)
            )
            .await,
            200
        )
        .await,
        json!([])
    );
    server.stop().await;
}
