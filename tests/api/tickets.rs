//! Repair intake and records on both engines, walked the way an agent and a repairer work,
//! with the refusals: wrong state, wrong role, unknown material, negative quantity, an outage
//! window that ends before it starts, each clear and leaving nothing half-written.

use crate::on_both_engines;
use crate::support::{Engine, PASSWORD, TestServer, expect_error, ok_json, send};
use gasdesk_shared::Role;
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    agent_takes_a_call_and_the_repairer_completes_it,
    transitions_and_records_are_refused_clearly,
    a_rule_change_leaves_old_records_as_they_were,
    searches_and_printing,
    outages_show_at_intake_and_export_their_customers,
);

pub(crate) struct Desk {
    pub(crate) leader: String,
    pub(crate) dispatcher: String,
    pub(crate) repairer: String,
    pub(crate) repairer_id: String,
    pub(crate) other_repairer: String,
    pub(crate) team_id: String,
    pub(crate) customer_id: String,
}

/// A repair team serving 双塔街道 (a square around 120.62, 31.29), a repairer in it and one in
/// another team, the catalog, and a customer on that street owing 150 yuan.
pub(crate) async fn desk(server: &TestServer) -> Desk {
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    let admin = server.user_token("admin", Role::Admin).await;
    let team = ok_json(
        send(
            server,
            Method::POST,
            "/api/v1/teams",
            &leader,
            json!({"name": "姑苏区维修班", "kind": "repair"}),
        )
        .await,
        201,
    )
    .await;
    let other = ok_json(
        send(
            server,
            Method::POST,
            "/api/v1/teams",
            &leader,
            json!({"name": "吴中区维修班", "kind": "repair"}),
        )
        .await,
        201,
    )
    .await;
    let team_id = team["id"].as_str().unwrap().to_owned();
    let mut tokens = Vec::new();
    for (name, team) in [
        ("wx001", &team_id),
        ("wx002", &other["id"].as_str().unwrap().to_owned()),
    ] {
        let id = server.add_user(name, Role::Repairer).await;
        ok_json(
            send(
                server,
                Method::POST,
                &format!("/api/v1/teams/{team}/members"),
                &leader,
                json!({"user_id": id}),
            )
            .await,
            200,
        )
        .await;
        let login: Value = server.login(name, PASSWORD).await.json().await.unwrap();
        tokens.push((id.to_string(), login["token"].as_str().unwrap().to_owned()));
    }
    let areas = json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"name": "姑苏区双塔街道", "team": "姑苏区维修班"},
        "geometry": {"type": "Polygon", "coordinates": [[[120.61, 31.28], [120.63, 31.28], [120.63, 31.30], [120.61, 31.30], [120.61, 31.28]]]}}]});
    let response = server
        .request(Method::POST, "/api/v1/areas/import", &leader)
        .header("content-type", "application/geo+json")
        .body(areas.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    for (code, name, category, points, fee) in [
        ("WX001", "灶具不点火", "灶具", 1.0, 2000),
        ("WX006", "燃气表故障", "燃气表", 2.0, 0),
    ] {
        ok_json(send(server, Method::POST, "/api/v1/catalog/repair-items", &leader,
            json!({"code": code, "name": name, "category": category, "workload_points": points, "onsite_fee_fen": fee})).await, 201).await;
    }
    for (code, name, unit, price) in [
        ("CL001", "燃气胶管", "根", 1500),
        ("CL003", "球阀", "只", 3500),
    ] {
        ok_json(
            send(
                server,
                Method::POST,
                "/api/v1/catalog/materials",
                &leader,
                json!({"code": code, "name": name, "unit": unit, "price_fen": price}),
            )
            .await,
            201,
        )
        .await;
    }
    let customer = ok_json(send(server, Method::POST, "/api/v1/customers", &admin, json!({
        "card_no": "0800001", "name": "张伟", "phones": ["13812345678"], "address": "苏州市姑苏区人民路1023号3幢502室",
        "district": "姑苏区", "street": "双塔街道", "community": "滚绣坊社区", "lon": 120.62, "lat": 31.29, "arrears_fen": 15000
    })).await, 200).await;
    Desk {
        leader,
        dispatcher,
        repairer: tokens[0].1.clone(),
        repairer_id: tokens[0].0.clone(),
        other_repairer: tokens[1].1.clone(),
        team_id,
        customer_id: customer["id"].as_str().unwrap().to_owned(),
    }
}

pub(crate) async fn new_ticket(server: &TestServer, desk: &Desk, content: &str) -> Value {
    ok_json(
        send(
            server,
            Method::POST,
            "/api/v1/tickets",
            &desk.dispatcher,
            json!({
                "customer_id": desk.customer_id, "reporter": "张伟", "phone": "138-1234-5678",
                "category": "stove", "content": content,
            }),
        )
        .await,
        201,
    )
    .await
}

async fn step(server: &TestServer, token: &str, id: &str, action: &str) -> reqwest::Response {
    send(
        server,
        Method::POST,
        &format!("/api/v1/tickets/{id}/transitions"),
        token,
        json!({"action": action}),
    )
    .await
}

async fn walk_to_site(server: &TestServer, desk: &Desk, id: &str) {
    for action in ["accept", "depart", "arrive"] {
        ok_json(step(server, &desk.repairer, id, action).await, 200).await;
    }
}

async fn agent_takes_a_call_and_the_repairer_completes_it(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let found = ok_json(
        send(
            &server,
            Method::GET,
            "/api/v1/customers?q=%E4%BA%BA%E6%B0%91%E8%B7%AF1023",
            &desk.dispatcher,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(found["items"][0]["id"], desk.customer_id.as_str());
    let context = ok_json(
        send(
            &server,
            Method::GET,
            &format!("/api/v1/customers/{}/context", desk.customer_id),
            &desk.dispatcher,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    assert!(
        context["arrears_warning"]
            .as_str()
            .unwrap()
            .contains("欠费 ¥150.00"),
        "{context}"
    );

    let ticket = new_ticket(&server, &desk, "灶具打不着火").await;
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap())
        .date();
    let prefix = format!(
        "BX{:04}{:02}{:02}-",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    assert_eq!(ticket["number"], format!("{prefix}0001"));
    assert_eq!(ticket["status"], "assigned");
    assert_eq!(ticket["team_id"], desk.team_id.as_str());
    assert_eq!(
        ticket["address"], "苏州市姑苏区人民路1023号3幢502室",
        "taken from the customer"
    );
    assert_eq!(ticket["phone"], "13812345678");
    assert_eq!(ticket["decision"]["basis"]["kind"], "service_area");
    assert!(
        ticket["warnings"][0].as_str().unwrap().contains("欠费"),
        "{ticket}"
    );
    let second = new_ticket(&server, &desk, "热水器").await;
    assert_eq!(second["number"], format!("{prefix}0002"));

    let id = ticket["id"].as_str().unwrap();
    let accepted = ok_json(
        send(&server, Method::POST, &format!("/api/v1/tickets/{id}/transitions"), &desk.repairer,
            json!({"action": "accept", "device_at": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap()})).await,
        200,
    )
    .await;
    assert_eq!(accepted["assignee_id"], desk.repairer_id.as_str());
    ok_json(step(&server, &desk.repairer, id, "depart").await, 200).await;
    ok_json(step(&server, &desk.repairer, id, "arrive").await, 200).await;
    let record = ok_json(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/tickets/{id}/complete"),
            &desk.repairer,
            json!({
                "items": [{"code": "WX001", "quantity": 1}, {"code": "WX006", "quantity": 1}],
                "materials": [{"code": "CL001", "quantity": 2}],
                "remarks": "更换胶管，点火正常",
            }),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(record["total_centipoints"], 300);
    assert_eq!(record["repairers"][0]["centipoints"], 300);
    assert_eq!(
        record["fees"],
        json!([{"label": "上门费", "amount_fen": 2000}, {"label": "材料费", "amount_fen": 3000}])
    );
    assert_eq!(record["total_fee_fen"], 5000);
    assert_eq!(record["rule_version"], 1);
    for action in ["follow_up", "close"] {
        ok_json(step(&server, &desk.dispatcher, id, action).await, 200).await;
    }
    let events = ok_json(
        send(
            &server,
            Method::GET,
            &format!("/api/v1/tickets/{id}/events"),
            &desk.dispatcher,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            "accept",
            "depart",
            "arrive",
            "complete",
            "follow_up",
            "close"
        ]
    );
    assert!(events[1]["device_at"].is_string());
    // The other team's repairer cannot even see it.
    expect_error(
        send(
            &server,
            Method::GET,
            &format!("/api/v1/tickets/{id}"),
            &desk.other_repairer,
            json!(null),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    server.stop().await;
}

async fn transitions_and_records_are_refused_clearly(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let ticket = new_ticket(&server, &desk, "燃气表不走").await;
    let id = ticket["id"].as_str().unwrap();
    let body = expect_error(
        step(&server, &desk.dispatcher, id, "accept").await,
        403,
        "forbidden",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("dispatcher")
    );
    expect_error(
        step(&server, &desk.repairer, id, "cancel").await,
        403,
        "forbidden",
    )
    .await;
    let body = expect_error(
        step(&server, &desk.repairer, id, "arrive").await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(body["error"]["field"], "status");
    walk_to_site(&server, &desk, id).await;

    let complete_path = format!("/api/v1/tickets/{id}/complete");
    let complete = |body: Value| send(&server, Method::POST, &complete_path, &desk.repairer, body);
    let body = expect_error(complete(json!({"items": [{"code": "WX001", "quantity": 1}], "materials": [{"code": "CL999", "quantity": 1}]})).await, 422, "validation_failed").await;
    assert_eq!(body["error"]["field"], "materials[0].code");
    let body = expect_error(complete(json!({"items": [{"code": "WX001", "quantity": 1}], "materials": [{"code": "CL001", "quantity": -2}]})).await, 422, "validation_failed").await;
    assert_eq!(body["error"]["field"], "materials[0].quantity");
    let body = expect_error(
        complete(json!({"items": [{"code": "WX001", "quantity": -1}]})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "items[0].quantity");
    let body = expect_error(
        complete(json!({"items": []})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "items");
    // Nothing half-written: still on site, no record.
    let now = ok_json(
        send(
            &server,
            Method::GET,
            &format!("/api/v1/tickets/{id}"),
            &desk.dispatcher,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(now["status"], "on_site");
    expect_error(
        send(
            &server,
            Method::GET,
            &format!("/api/v1/tickets/{id}/record"),
            &desk.dispatcher,
            json!(null),
        )
        .await,
        404,
        "not_found",
    )
    .await;

    ok_json(
        complete(json!({"items": [{"code": "WX006", "quantity": 1}]})).await,
        201,
    )
    .await;
    expect_error(
        complete(json!({"items": [{"code": "WX006", "quantity": 1}]})).await,
        409,
        "conflict",
    )
    .await;
    let body = expect_error(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/tickets/{id}/transitions"),
            &desk.dispatcher,
            json!({"action": "cancel", "reason": "客户取消"}),
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
            .contains("completed"),
        "{body}"
    );

    // Intake refusals.
    let body = expect_error(send(&server, Method::POST, "/api/v1/tickets", &desk.dispatcher, json!({"reporter": "李", "phone": "13900001111", "address": "某地", "category": "fire", "content": "x"})).await, 422, "validation_failed").await;
    assert_eq!(body["error"]["field"], "category");
    let body = expect_error(send(&server, Method::POST, "/api/v1/tickets", &desk.dispatcher, json!({
        "reporter": "李", "phone": "13900001111", "address": "某地", "category": "meter", "content": "x",
        "appointment_from": "2030-01-02T10:00:00+08:00", "appointment_to": "2030-01-02T09:00:00+08:00"})).await, 422, "validation_failed").await;
    assert_eq!(body["error"]["field"], "appointment_to");
    expect_error(send(&server, Method::POST, "/api/v1/tickets", &desk.repairer, json!({"reporter": "李", "phone": "13900001111", "address": "某地", "category": "meter", "content": "x"})).await, 403, "forbidden").await;
    // Reassigning needs a reason; then the other team has it and the first does not.
    let other = new_ticket(&server, &desk, "漏气味").await;
    let oid = other["id"].as_str().unwrap();
    let teams = ok_json(
        send(
            &server,
            Method::GET,
            "/api/v1/teams",
            &desk.leader,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    let wuzhong = teams
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "吴中区维修班")
        .unwrap()["id"]
        .clone();
    expect_error(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/tickets/{oid}/transitions"),
            &desk.dispatcher,
            json!({"action": "reassign", "team_id": wuzhong}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let moved = ok_json(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/tickets/{oid}/transitions"),
            &desk.dispatcher,
            json!({"action": "reassign", "team_id": wuzhong, "reason": "辖区调整"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(moved["decision"]["basis"]["kind"], "chosen_by");
    expect_error(
        step(&server, &desk.repairer, oid, "accept").await,
        404,
        "not_found",
    )
    .await;
    ok_json(
        step(&server, &desk.other_repairer, oid, "accept").await,
        200,
    )
    .await;
    server.stop().await;
}

async fn a_rule_change_leaves_old_records_as_they_were(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let first = new_ticket(&server, &desk, "一").await;
    let second = new_ticket(&server, &desk, "二").await;
    let complete = |id: String| {
        let server = &server;
        let token = desk.repairer.clone();
        async move {
            ok_json(
                send(
                    server,
                    Method::POST,
                    &format!("/api/v1/tickets/{id}/complete"),
                    &token,
                    json!({"items": [{"code": "WX001", "quantity": 1}]}),
                )
                .await,
                201,
            )
            .await
        }
    };
    let a = first["id"].as_str().unwrap().to_owned();
    walk_to_site(&server, &desk, &a).await;
    let old = complete(a.clone()).await;
    assert_eq!(
        (
            old["total_centipoints"].as_i64(),
            old["rule_version"].as_i64()
        ),
        (Some(100), Some(1))
    );
    expect_error(
        send(
            &server,
            Method::PUT,
            "/api/v1/score-rules",
            &desk.dispatcher,
            json!({"items": []}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let body = expect_error(
        send(
            &server,
            Method::PUT,
            "/api/v1/score-rules",
            &desk.leader,
            json!({"items": [{"item_code": "WX404", "points": 1.0, "onsite_fee_fen": 0}]}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "items[0].item_code");
    let published = ok_json(send(&server, Method::PUT, "/api/v1/score-rules", &desk.leader, json!({"items": [
        {"item_code": "WX001", "points": 3.0, "onsite_fee_fen": 3000}, {"item_code": "WX006", "points": 2.0, "onsite_fee_fen": 0}]})).await, 200).await;
    assert_eq!(published["version"], 2);
    let b = second["id"].as_str().unwrap().to_owned();
    walk_to_site(&server, &desk, &b).await;
    let new = complete(b).await;
    assert_eq!(
        (
            new["total_centipoints"].as_i64(),
            new["rule_version"].as_i64(),
            new["total_fee_fen"].as_i64()
        ),
        (Some(300), Some(2), Some(3000))
    );
    let again = ok_json(
        send(
            &server,
            Method::GET,
            &format!("/api/v1/tickets/{a}/record"),
            &desk.dispatcher,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        again["total_centipoints"], 100,
        "the old record keeps its score"
    );
    assert_eq!(again["total_fee_fen"], 2000);
    let v1 = ok_json(
        send(
            &server,
            Method::GET,
            "/api/v1/score-rules/1",
            &desk.dispatcher,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(v1["items"][0]["points"], 1.0);
    server.stop().await;
}

async fn searches_and_printing(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let a = new_ticket(&server, &desk, "灶具<不点火>").await;
    let b = ok_json(send(&server, Method::POST, "/api/v1/tickets", &desk.dispatcher, json!({
        "reporter": "陈静", "phone": "13600003333", "address": "苏州市吴中区东吴北路66号2幢301室",
        "category": "meter", "content": "燃气表不走字", "team_id": desk.team_id, "reason": "老客户指定"})).await, 201).await;
    let search = |query: &str| {
        let request = server.request(
            Method::GET,
            &format!("/api/v1/tickets?{query}"),
            &desk.dispatcher,
        );
        async move { ok_json(request.send().await.unwrap(), 200).await }
    };
    assert_eq!(search("contact=%E9%99%88").await["total"], 1); // 陈
    assert_eq!(
        search("phone=136-0000-3333").await["items"][0]["id"],
        b["id"]
    );
    assert_eq!(
        search("address=%E4%B8%9C%E5%90%B4%E5%8C%97%E8%B7%AF").await["total"],
        1
    ); // 东吴北路
    assert_eq!(
        search("content=%E4%B8%8D%E7%82%B9%E7%81%AB").await["items"][0]["id"],
        a["id"]
    ); // 不点火
    assert_eq!(search("category=meter").await["total"], 1);
    assert_eq!(
        search(&format!("team_id={}", desk.team_id)).await["total"],
        2
    );
    assert_eq!(
        search("status=assigned&sort=number").await["items"][0]["id"],
        a["id"]
    );
    assert_eq!(
        search("reported_from=2000-01-01T00:00:00Z&reported_to=2001-01-01T00:00:00Z").await["total"],
        0
    );
    // A window given in China time (+08:00) means the same instants as in UTC (SQLite compares
    // stored times as text, so they are all kept in UTC).
    let china = time::UtcOffset::from_hms(8, 0, 0).unwrap();
    let window = |from: time::OffsetDateTime, to: time::OffsetDateTime| {
        let f = |t: time::OffsetDateTime| {
            let text = t
                .to_offset(china)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap();
            text.replace('+', "%2B")
        };
        format!("reported_from={}&reported_to={}", f(from), f(to))
    };
    let now = time::OffsetDateTime::now_utc();
    let hour = time::Duration::hours(1);
    assert_eq!(
        search(&window(now - hour, now + time::Duration::minutes(1))).await["total"],
        2
    );
    assert_eq!(
        search(&window(now + time::Duration::minutes(1), now + 9 * hour)).await["total"],
        0
    );
    let page = search("limit=1&sort=-number").await;
    assert_eq!(
        (page["total"].as_u64(), page["items"][0]["id"].clone()),
        (Some(2), b["id"].clone())
    );
    expect_error(
        server
            .request(
                Method::GET,
                "/api/v1/tickets?sort=password",
                &desk.dispatcher,
            )
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    expect_error(
        server
            .request(Method::GET, "/api/v1/tickets?status=lost", &desk.dispatcher)
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    // The repairer's search is their team's only.
    assert_eq!(
        ok_json(
            server
                .request(Method::GET, "/api/v1/tickets", &desk.other_repairer)
                .send()
                .await
                .unwrap(),
            200
        )
        .await["total"],
        0
    );

    let id = a["id"].as_str().unwrap();
    walk_to_site(&server, &desk, id).await;
    ok_json(send(&server, Method::POST, &format!("/api/v1/tickets/{id}/complete"), &desk.repairer, json!({
        "items": [{"code": "WX001", "quantity": 1}], "materials": [{"code": "CL003", "quantity": 1}]})).await, 201).await;
    let records = |query: &str| {
        let request = server.request(
            Method::GET,
            &format!("/api/v1/records?{query}"),
            &desk.dispatcher,
        );
        async move { ok_json(request.send().await.unwrap(), 200).await }
    };
    assert_eq!(records("material=CL003").await["total"], 1);
    assert_eq!(records("material=CL001").await["total"], 0);
    assert_eq!(
        records("item=WX001").await["items"][0]["ticket_number"],
        a["number"]
    );
    assert_eq!(
        records(&format!("repairer_id={}", desk.repairer_id)).await["total"],
        1
    );
    assert_eq!(
        records(&format!("number={}", a["number"].as_str().unwrap())).await["total"],
        1
    );

    let html = server
        .request(
            Method::GET,
            &format!(
                "/api/v1/tickets/print?ids={},{}",
                a["id"].as_str().unwrap(),
                b["id"].as_str().unwrap()
            ),
            &desk.dispatcher,
        )
        .send()
        .await
        .unwrap();
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = html.text().await.unwrap();
    assert_eq!(html.matches("<section class=\"order\">").count(), 2);
    assert!(
        html.contains("灶具&lt;不点火&gt;") && !html.contains("<不点火>"),
        "content is escaped"
    );
    assert!(html.contains("@page"));
    expect_error(
        server
            .request(
                Method::GET,
                "/api/v1/tickets/print?ids=nope",
                &desk.dispatcher,
            )
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    server.stop().await;
}

async fn outages_show_at_intake_and_export_their_customers(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let body = expect_error(send(&server, Method::POST, "/api/v1/outages", &desk.dispatcher, json!({
        "reason": "管道改造", "starts_at": "2030-01-02T10:00:00+08:00", "ends_at": "2030-01-02T08:00:00+08:00", "streets": ["双塔街道"]})).await, 422, "validation_failed").await;
    assert_eq!(body["error"]["field"], "ends_at");
    let body = expect_error(send(&server, Method::POST, "/api/v1/outages", &desk.dispatcher, json!({
        "reason": "管道改造", "starts_at": "2030-01-02T10:00:00+08:00", "ends_at": "2030-01-02T18:00:00+08:00"})).await, 422, "validation_failed").await;
    assert_eq!(body["error"]["field"], "geometry");
    assert_eq!(
        ok_json(
            send(
                &server,
                Method::GET,
                "/api/v1/outages",
                &desk.dispatcher,
                json!(null)
            )
            .await,
            200
        )
        .await,
        json!([]),
        "nothing written"
    );
    let now = time::OffsetDateTime::now_utc();
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    ok_json(send(&server, Method::POST, "/api/v1/outages", &desk.dispatcher, json!({
        "reason": "中压管道抢修", "starts_at": fmt(now - time::Duration::hours(1)), "ends_at": fmt(now + time::Duration::hours(5)),
        "geometry": {"type": "Polygon", "coordinates": [[[120.615, 31.285], [120.625, 31.285], [120.625, 31.295], [120.615, 31.295], [120.615, 31.285]]]}})).await, 201).await;
    let notice = ok_json(send(&server, Method::POST, "/api/v1/outages", &desk.dispatcher, json!({
        "reason": "计划停气", "starts_at": fmt(now + time::Duration::days(1)), "ends_at": fmt(now + time::Duration::days(1) + time::Duration::hours(4)),
        "streets": ["双塔街道"]})).await, 201).await;
    let ticket = new_ticket(&server, &desk, "没气了").await;
    let warnings: Vec<&str> = ticket["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains("中压管道抢修")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("计划停气")),
        "{warnings:?}"
    );
    let context = ok_json(
        send(
            &server,
            Method::GET,
            &format!("/api/v1/customers/{}/context", desk.customer_id),
            &desk.dispatcher,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(context["outages"].as_array().unwrap().len(), 2);
    assert_eq!(context["past_tickets"][0]["id"], ticket["id"]);
    let csv = server
        .request(
            Method::GET,
            &format!(
                "/api/v1/outages/{}/customers.csv",
                notice["id"].as_str().unwrap()
            ),
            &desk.dispatcher,
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].starts_with("0800001,张伟,13812345678,"), "{csv}");
    server.stop().await;
}
