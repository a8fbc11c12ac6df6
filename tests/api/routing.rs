//! Routing on both engines: the demo city's areas and pipelines, leak checks to the on-duty
//! patroller with the fewest open checks, alerts when nobody can go, GeoJSON import refusals
//! and repairs, round trips, address rules and audited overrides.

use crate::on_both_engines;
use crate::support::{Engine, PASSWORD, TestServer, expect_error};
use gasdesk_shared::Role;
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    demo_city_resolves_points_to_their_districts,
    leak_goes_to_the_on_duty_patroller_with_fewest_open_checks,
    nobody_on_duty_or_no_pipeline_alerts_the_dispatcher,
    broken_geojson_is_refused_whole_and_repair_is_reported,
    areas_round_trip_through_export_and_address_rules_apply,
    the_demo_areas_export_imports_back_without_repair_and_unchanged,
);

async fn get_json(server: &TestServer, path: &str, token: &str) -> Value {
    let response = server
        .request(Method::GET, path, token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

async fn post_json(server: &TestServer, path: &str, token: &str, body: Value) -> reqwest::Response {
    server
        .request(Method::POST, path, token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn import(
    server: &TestServer,
    what: &str,
    token: &str,
    doc: &Value,
    repair: bool,
) -> reqwest::Response {
    server
        .request(
            Method::POST,
            &format!("/api/v1/{what}/import?repair={repair}"),
            token,
        )
        .header("content-type", "application/geo+json")
        .body(doc.to_string())
        .send()
        .await
        .unwrap()
}

async fn demo_city_resolves_points_to_their_districts(engine: Engine) {
    let Some(server) = TestServer::start_demo(engine, 50).await else {
        return;
    };
    let login: Value = server
        .login("dispatcher", "gasdesk2026")
        .await
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap();
    // Well-known places: 观前街, 昆山, 常熟, 张家港, 太仓, 吴江 (松陵).
    for (lon, lat, district) in [
        (120.6255, 31.3110, "姑苏区"),
        (120.9800, 31.3850, "昆山市"),
        (120.7400, 31.6600, "常熟市"),
        (120.5550, 31.8750, "张家港市"),
        (121.1300, 31.4600, "太仓市"),
        (120.6450, 31.1600, "吴江区"),
    ] {
        let r = get_json(
            &server,
            &format!("/api/v1/routing/resolve?lon={lon}&lat={lat}"),
            token,
        )
        .await;
        assert_eq!(r["repair_basis"]["kind"], "service_area", "{district}: {r}");
        let area = r["repair_basis"]["area_name"].as_str().unwrap();
        assert!(area.starts_with(district), "{district}: {r}");
        assert_eq!(r["repair_team"]["name"], format!("{district}维修班"), "{r}");
        assert!(r["explanation"].as_str().unwrap().contains(area), "{r}");
    }
    // The East China Sea is nobody's.
    let r = get_json(&server, "/api/v1/routing/resolve?lon=122.3&lat=31.0", token).await;
    assert_eq!(r["repair_basis"]["kind"], "unrouted");
    assert!(r["repair_team"].is_null());
    assert_eq!(r["patrol_basis"]["kind"], "unrouted");
    let body = expect_error(
        server
            .request(Method::GET, "/api/v1/routing/resolve?lon=120.6", token)
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "lat");
    let repairer: Value = server
        .login("repairer", "gasdesk2026")
        .await
        .json()
        .await
        .unwrap();
    expect_error(
        server
            .request(
                Method::GET,
                "/api/v1/routing/resolve?lon=120.6&lat=31.3",
                repairer["token"].as_str().unwrap(),
            )
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    // The exported network opens as GeoJSON with every demo segment.
    let pipelines = get_json(&server, "/api/v1/pipelines", token).await;
    let count = gasdesk_server::db::areas::count_pipeline_segments(&server.db)
        .await
        .unwrap();
    assert_eq!(
        pipelines["features"].as_array().unwrap().len() as i64,
        count
    );
    server.stop().await;
}

/// A patrol team of three with one east-west pipeline along latitude 31.30 in 姑苏.
async fn patrol_setup(server: &TestServer) -> (String, String, Vec<(String, String)>) {
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    let team: Value = post_json(
        server,
        "/api/v1/teams",
        &leader,
        json!({"name": "姑苏区巡线班", "kind": "patrol"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let team_id = team["id"].as_str().unwrap().to_owned();
    let mut patrollers = Vec::new();
    for name in ["xx001", "xx002", "xx003"] {
        let id = server.add_user(name, Role::Patroller).await;
        let response = post_json(
            server,
            &format!("/api/v1/teams/{team_id}/members"),
            &leader,
            json!({"user_id": id}),
        )
        .await;
        assert_eq!(response.status(), 200);
        let login: Value = server.login(name, PASSWORD).await.json().await.unwrap();
        patrollers.push((id.to_string(), login["token"].as_str().unwrap().to_owned()));
    }
    let network = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"patrol_area": "姑苏区巡线区域", "team": "姑苏区巡线班", "pressure_class": "中压", "diameter_mm": 160, "material": "PE"},
         "geometry": {"type": "LineString", "coordinates": [[120.60, 31.30], [120.62, 31.30], [120.64, 31.30]]}}
    ]});
    let response = import(server, "pipelines", &leader, &network, false).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    (leader, dispatcher, patrollers)
}

async fn report_leak(server: &TestServer, dispatcher: &str, lon: f64, lat: f64) -> Value {
    let response = post_json(
        server,
        "/api/v1/patrol-checks",
        dispatcher,
        json!({"lon": lon, "lat": lat, "caller": "王先生", "phone": "13812345678", "description": "路边闻到燃气味"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn leak_goes_to_the_on_duty_patroller_with_fewest_open_checks(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let (leader, dispatcher, patrollers) = patrol_setup(&server).await;
    let team_id = get_json(&server, "/api/v1/teams", &leader).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = time::OffsetDateTime::now_utc();
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    // xx001 and xx002 are on duty now; xx003's shift is over.
    for (i, (id, _)) in patrollers.iter().enumerate() {
        let (start, end) = if i < 2 {
            (
                now - time::Duration::hours(1),
                now + time::Duration::hours(7),
            )
        } else {
            (
                now - time::Duration::hours(9),
                now - time::Duration::hours(1),
            )
        };
        let response = post_json(&server, "/api/v1/rosters", &leader, json!({"team_id": team_id, "user_id": id, "starts_at": fmt(start), "ends_at": fmt(end)})).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }
    // xx002 stands nearer the leaks than xx001; xx003 nearest of all but off duty.
    for (i, (lon, lat)) in [(120.70, 31.35), (120.621, 31.301), (120.6205, 31.3003)]
        .into_iter()
        .enumerate()
    {
        let response = post_json(
            &server,
            "/api/v1/me/position",
            &patrollers[i].1,
            json!({"lon": lon, "lat": lat}),
        )
        .await;
        assert_eq!(response.status(), 204);
    }
    let first = report_leak(&server, &dispatcher, 120.62, 31.3005).await;
    assert_eq!(
        first["assigned_to"],
        patrollers[1].0.as_str(),
        "tie on open checks → nearer: {first}"
    );
    let basis = &first["decision"]["basis"];
    assert_eq!(basis["kind"], "nearest_pipeline");
    let distance = basis["distance_m"].as_f64().unwrap();
    assert!(
        (50.0..60.0).contains(&distance),
        "0.0005° of latitude is about 55 m: {distance}"
    );
    assert!(
        first["decision"]["explanation"]
            .as_str()
            .unwrap()
            .contains("xx002"),
        "{first}"
    );

    let second = report_leak(&server, &dispatcher, 120.63, 31.2998).await;
    assert_eq!(
        second["assigned_to"],
        patrollers[0].0.as_str(),
        "fewest open checks: {second}"
    );
    let third = report_leak(&server, &dispatcher, 120.61, 31.3001).await;
    assert_eq!(
        third["assigned_to"],
        patrollers[1].0.as_str(),
        "tie again → nearer: {third}"
    );

    // Field workers see only their own checks; the dispatcher sees all.
    assert_eq!(
        get_json(&server, "/api/v1/patrol-checks", &dispatcher)
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let mine = get_json(&server, "/api/v1/patrol-checks", &patrollers[0].1).await;
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .all(|c| c["team_id"] == team_id.as_str())
    );

    // A dispatcher overrides; the override is explained and audited.
    let id = first["id"].as_str().unwrap();
    expect_error(
        post_json(
            &server,
            &format!("/api/v1/patrol-checks/{id}/assign"),
            &patrollers[0].1,
            json!({"user_id": patrollers[0].0, "reason": "我去"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let overridden: Value = post_json(
        &server,
        &format!("/api/v1/patrol-checks/{id}/assign"),
        &dispatcher,
        json!({"user_id": patrollers[0].0, "reason": "熟悉该路段"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(overridden["assigned_to"], patrollers[0].0.as_str());
    assert_eq!(overridden["decision"]["basis"]["kind"], "chosen_by");
    assert!(
        overridden["decision"]["explanation"]
            .as_str()
            .unwrap()
            .contains("熟悉该路段")
    );
    let filter = gasdesk_server::db::audit::AuditFilter {
        entity: Some("patrol_check"),
        entity_id: Some(id),
        limit: 10,
        offset: 0,
    };
    let (rows, _) = gasdesk_server::db::audit::list(&server.db, &filter)
        .await
        .unwrap();
    assert!(
        rows.iter()
            .any(|r| r.action == "patrol_check.assign" && r.details.0["reason"] == "熟悉该路段")
    );
    server.stop().await;
}

async fn nobody_on_duty_or_no_pipeline_alerts_the_dispatcher(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let (_leader, dispatcher, patrollers) = patrol_setup(&server).await;
    let check = report_leak(&server, &dispatcher, 120.62, 31.3005).await;
    assert!(check["assigned_to"].is_null(), "{check}");
    assert!(check["team_id"].is_string());
    assert!(
        check["decision"]["explanation"]
            .as_str()
            .unwrap()
            .contains("无人值班"),
        "{check}"
    );
    let far = report_leak(&server, &dispatcher, 120.62, 31.35).await;
    assert!(far["team_id"].is_null());
    assert_eq!(far["decision"]["basis"]["kind"], "unrouted");
    let alerts = get_json(&server, "/api/v1/alerts", &dispatcher).await;
    let kinds: Vec<&str> = alerts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["unrouted_leak", "nobody_on_duty"],
        "newest first: {alerts}"
    );
    assert_eq!(alerts[1]["subject_id"], check["id"]);
    expect_error(
        server
            .request(Method::GET, "/api/v1/alerts", &patrollers[0].1)
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    server.stop().await;
}

fn square(x0: f64, y0: f64, size: f64) -> Value {
    json!([[
        [x0, y0],
        [x0 + size, y0],
        [x0 + size, y0 + size],
        [x0, y0 + size],
        [x0, y0]
    ]])
}

async fn broken_geojson_is_refused_whole_and_repair_is_reported(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    post_json(
        &server,
        "/api/v1/teams",
        &leader,
        json!({"name": "姑苏区维修班", "kind": "repair"}),
    )
    .await;
    let good = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "双塔街道", "team": "姑苏区维修班"}, "geometry": {"type": "Polygon", "coordinates": square(120.60, 31.28, 0.02)}}
    ]});
    assert_eq!(
        import(&server, "areas", &leader, &good, false)
            .await
            .status(),
        200
    );
    let bowtie = json!([[
        [120.6, 31.3],
        [120.62, 31.32],
        [120.62, 31.3],
        [120.6, 31.32],
        [120.6, 31.3]
    ]]);
    let broken = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "平江街道", "team": "姑苏区维修班"}, "geometry": {"type": "Polygon", "coordinates": square(120.62, 31.30, 0.02)}},
        {"type": "Feature", "properties": {"name": "金阊街道", "team": "不存在的班组"}, "geometry": {"type": "Polygon", "coordinates": square(120.58, 31.30, 0.02)}},
        {"type": "Feature", "properties": {"name": "沧浪街道", "team": "姑苏区维修班"}, "geometry": {"type": "Polygon", "coordinates": bowtie}},
    ]});
    let body = expect_error(
        import(&server, "areas", &leader, &broken, false).await,
        422,
        "validation_failed",
    )
    .await;
    let details = body["error"]["details"].as_array().unwrap();
    assert_eq!(details.len(), 2, "{body}");
    assert_eq!(
        (
            details[0]["feature"].as_u64(),
            details[1]["feature"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert!(
        details[0]["reason"]
            .as_str()
            .unwrap()
            .contains("unknown team")
    );
    assert!(
        details[1]["reason"]
            .as_str()
            .unwrap()
            .contains("self-intersection")
    );
    assert_eq!(body["error"]["field"], "features[1]");
    // Nothing of it was applied: the old area still routes, the new ones do not.
    let areas = get_json(&server, "/api/v1/areas", &leader).await;
    assert_eq!(areas["features"].as_array().unwrap().len(), 1);
    let r = get_json(
        &server,
        "/api/v1/routing/resolve?lon=120.61&lat=31.29",
        &dispatcher,
    )
    .await;
    assert_eq!(r["repair_basis"]["area_name"], "双塔街道");
    let r = get_json(
        &server,
        "/api/v1/routing/resolve?lon=120.63&lat=31.31",
        &dispatcher,
    )
    .await;
    assert_eq!(r["repair_basis"]["kind"], "unrouted");
    // Repair fixes the bowtie (and says so) but never invents a team.
    let body = expect_error(
        import(&server, "areas", &leader, &broken, true).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["details"].as_array().unwrap().len(), 1);
    let mut fixed = broken.clone();
    fixed["features"][1]["properties"]["team"] = json!("姑苏区维修班");
    let report: Value = import(&server, "areas", &leader, &fixed, true)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["imported"], 3);
    assert_eq!(report["repairs"][0]["feature"], 2, "{report}");
    let r = get_json(
        &server,
        "/api/v1/routing/resolve?lon=120.63&lat=31.31",
        &dispatcher,
    )
    .await;
    assert_eq!(
        r["repair_basis"]["area_name"], "平江街道",
        "the new indexes are in use: {r}"
    );
    expect_error(
        import(&server, "areas", &dispatcher, &good, false).await,
        403,
        "forbidden",
    )
    .await;
    let response = server
        .request(Method::POST, "/api/v1/areas/import", &leader)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    expect_error(response, 415, "unsupported_media_type").await;
    server.stop().await;
}

async fn areas_round_trip_through_export_and_address_rules_apply(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    let team: Value = post_json(
        &server,
        "/api/v1/teams",
        &leader,
        json!({"name": "吴中区维修班", "kind": "repair"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let with_hole = json!([
        [
            [120.60, 31.20],
            [120.70, 31.20],
            [120.70, 31.30],
            [120.60, 31.30],
            [120.60, 31.20]
        ],
        [
            [120.64, 31.24],
            [120.64, 31.26],
            [120.66, 31.26],
            [120.66, 31.24],
            [120.64, 31.24]
        ]
    ]);
    let doc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "长桥街道", "team": "吴中区维修班", "priority": 2, "district": "吴中区"}, "geometry": {"type": "Polygon", "coordinates": with_hole}}
    ]});
    assert_eq!(
        import(&server, "areas", &leader, &doc, false)
            .await
            .status(),
        200
    );
    let exported = get_json(&server, "/api/v1/areas", &leader).await;
    assert_eq!(
        import(&server, "areas", &leader, &exported, false)
            .await
            .status(),
        200
    );
    let again = get_json(&server, "/api/v1/areas", &leader).await;
    assert_eq!(
        exported, again,
        "export → import → export is stable, ids included"
    );
    // The hole is not served.
    let r = get_json(
        &server,
        "/api/v1/routing/resolve?lon=120.65&lat=31.25",
        &dispatcher,
    )
    .await;
    assert_eq!(r["repair_basis"]["kind"], "unrouted", "{r}");
    // Without a location, an address rule decides.
    let rule = post_json(
        &server,
        "/api/v1/routing/rules",
        &leader,
        json!({"field": "street", "pattern": "长桥街道", "team_id": team["id"]}),
    )
    .await;
    assert_eq!(rule.status(), 201);
    let r = get_json(&server, "/api/v1/routing/resolve?address=%E8%8B%8F%E5%B7%9E%E5%B8%82%E5%90%B4%E4%B8%AD%E5%8C%BA%E9%95%BF%E6%A1%A5%E8%A1%97%E9%81%93%E8%8B%B1%E6%98%A5%E8%B7%AF8%E5%8F%B7", &dispatcher).await;
    assert_eq!(r["repair_basis"]["kind"], "rule", "{r}");
    assert_eq!(r["repair_team"]["name"], "吴中区维修班");
    let r = get_json(
        &server,
        "/api/v1/routing/resolve?address=%E6%9F%90%E5%9C%B0",
        &dispatcher,
    )
    .await;
    assert_eq!(r["repair_basis"]["kind"], "unrouted");
    server.stop().await;
}

/// Twice the signed area of a GeoJSON ring (positive when counter-clockwise).
fn signed_area(ring: &Value) -> f64 {
    let points: Vec<(f64, f64)> = ring
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    points
        .windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum()
}

async fn the_demo_areas_export_imports_back_without_repair_and_unchanged(engine: Engine) {
    let Some(server) = TestServer::start_demo(engine, 10).await else {
        return;
    };
    let login: Value = server
        .login("leader", "gasdesk2026")
        .await
        .json()
        .await
        .unwrap();
    let leader = login["token"].as_str().unwrap();
    // An area stored wound the wrong way round (as the demo loader once wrote them), exterior
    // clockwise and its hole counter-clockwise.
    let demo = get_json(&server, "/api/v1/areas", leader).await;
    let team_id: uuid::Uuid = demo["features"][0]["properties"]["team_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let mut tx = server.db.begin().await.unwrap();
    gasdesk_server::db::areas::insert_service_area(
        &mut tx,
        &gasdesk_server::db::areas::ServiceAreaRow {
            id: uuid::Uuid::now_v7(),
            name: "东海岛（测试）".into(),
            team_id,
            priority: 0,
            district: None,
            street: None,
            geometry: sqlx::types::Json(json!({"type": "Polygon", "coordinates": [
                [[121.90, 31.90], [121.90, 31.95], [121.95, 31.95], [121.95, 31.90], [121.90, 31.90]],
                [[121.91, 31.91], [121.92, 31.91], [121.92, 31.92], [121.91, 31.92], [121.91, 31.91]]
            ]})),
            created_at: now,
            updated_at: now,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let exported = get_json(&server, "/api/v1/areas", leader).await;
    let features = exported["features"].as_array().unwrap();
    assert!(
        features.len() >= 6,
        "the demo city's areas and the one added"
    );
    // RFC 7946: exterior rings counter-clockwise, holes clockwise.
    for feature in features {
        let geometry = &feature["geometry"];
        let polygons = match geometry["type"].as_str() {
            Some("Polygon") => vec![geometry["coordinates"].clone()],
            Some("MultiPolygon") => geometry["coordinates"].as_array().unwrap().clone(),
            other => panic!("{other:?}"),
        };
        for polygon in polygons {
            for (i, ring) in polygon.as_array().unwrap().iter().enumerate() {
                let area = signed_area(ring);
                assert!(
                    if i == 0 { area > 0.0 } else { area < 0.0 },
                    "{}: ring {i} has signed area {area}",
                    feature["properties"]["name"]
                );
            }
        }
    }
    let response = import(&server, "areas", leader, &exported, false).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["imported"], features.len(), "{report}");
    assert_eq!(report["repairs"], json!([]), "nothing to repair: {report}");
    let again = get_json(&server, "/api/v1/areas", leader).await;
    assert_eq!(exported, again, "the import changed nothing");
    server.stop().await;
}
