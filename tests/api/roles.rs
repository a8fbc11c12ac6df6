//! Role checks: each role reaches what it needs and nothing more; every change is audited.

use crate::on_both_engines;
use crate::support::{Engine, TestServer, expect_error};
use gasdesk_shared::Role;
use reqwest::Method;
use serde_json::{Value, json};

on_both_engines!(
    repairer_cannot_list_customers,
    dispatcher_cannot_change_users,
    admin_manages_users_and_conflicts_are_named,
    field_workers_see_only_their_own_teams,
    audit_trail_records_changes_for_managers_only,
    business_parameters_are_checked_and_audited,
    the_map_tile_url_is_checked_and_may_be_cleared,
    the_map_tile_datum_is_wgs84_or_gcj02_and_never_empty,
    catalogs_are_read_by_all_and_edited_by_leaders,
);

async fn repairer_cannot_list_customers(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let repairer = server.user_token("wx001", Role::Repairer).await;
    let patroller = server.user_token("xx001", Role::Patroller).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    for token in [&repairer, &patroller] {
        let body = expect_error(
            server
                .request(Method::GET, "/api/v1/customers", token)
                .send()
                .await
                .unwrap(),
            403,
            "forbidden",
        )
        .await;
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("may not"),
            "{body}"
        );
    }
    let response = server
        .request(Method::GET, "/api/v1/customers", &dispatcher)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.stop().await;
}

async fn dispatcher_cannot_change_users(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    let victim = server.add_user("wx001", Role::Repairer).await;
    expect_error(
        server
            .request(Method::POST, "/api/v1/users", &dispatcher)
            .json(&json!({"username":"new.one","display_name":"新人","password":"12345678","role":"admin"}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    expect_error(
        server
            .request(
                Method::PATCH,
                &format!("/api/v1/users/{victim}"),
                &dispatcher,
            )
            .json(&json!({"role":"admin"}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    // Nothing was written.
    let row = gasdesk_server::db::users::by_id(&server.db, victim)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.role, "repairer");
    assert!(
        gasdesk_server::db::users::by_username(&server.db, "new.one")
            .await
            .unwrap()
            .is_none()
    );
    server.stop().await;
}

async fn admin_manages_users_and_conflicts_are_named(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let admin = server.user_token("admin", Role::Admin).await;
    let new_user = json!({"username":"lu.zhiqiang","display_name":"陆志强","password":"12345678","role":"repairer","phone":"138 1234 5678"});
    let response = server
        .request(Method::POST, "/api/v1/users", &admin)
        .json(&new_user)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["phone"], "13812345678");
    let body = expect_error(
        server
            .request(Method::POST, "/api/v1/users", &admin)
            .json(&new_user)
            .send()
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    assert_eq!(body["error"]["field"], "username");
    let body = expect_error(
        server
            .request(Method::POST, "/api/v1/users", &admin)
            .json(
                &json!({"username":"x","display_name":"X","password":"12345678","role":"repairer"}),
            )
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "username");
    let body = expect_error(
        server
            .request(Method::POST, "/api/v1/users", &admin)
            .json(&json!({"username":"short.pw","display_name":"X","password":"123","role":"repairer"}))
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "password");
    // An admin cannot lock themselves out.
    let me: Value = server
        .request(Method::GET, "/api/v1/auth/me", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = expect_error(
        server
            .request(
                Method::PATCH,
                &format!("/api/v1/users/{}", me["id"].as_str().unwrap()),
                &admin,
            )
            .json(&json!({"active": false}))
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "active");
    let users: Vec<Value> = server
        .request(Method::GET, "/api/v1/users", &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.len(), 2);
    server.stop().await;
}

async fn field_workers_see_only_their_own_teams(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    let repairer_id = server.add_user("wx001", Role::Repairer).await;
    let mut team_ids = Vec::new();
    for (name, kind) in [
        ("姑苏区维修班", "repair"),
        ("吴中区维修班", "repair"),
        ("市区抢修一班", "emergency_repair"),
    ] {
        let response = server
            .request(Method::POST, "/api/v1/teams", &leader)
            .json(&json!({"name": name, "kind": kind}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        team_ids.push(
            response.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let response = server
        .request(
            Method::POST,
            &format!("/api/v1/teams/{}/members", team_ids[0]),
            &leader,
        )
        .json(&json!({"user_id": repairer_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = server.login("wx001", crate::support::PASSWORD).await;
    let repairer = response.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let teams: Vec<Value> = server
        .request(Method::GET, "/api/v1/teams", &repairer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(teams.len(), 1);
    assert_eq!(teams[0]["name"], "姑苏区维修班");
    // Another team is invisible to them, as if it did not exist.
    expect_error(
        server
            .request(
                Method::GET,
                &format!("/api/v1/teams/{}", team_ids[1]),
                &repairer,
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
            .request(Method::POST, "/api/v1/teams", &repairer)
            .json(&json!({"name": "私人班", "kind": "repair"}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let all: Vec<Value> = server
        .request(Method::GET, "/api/v1/teams", &leader)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let body = expect_error(
        server
            .request(Method::POST, "/api/v1/teams", &leader)
            .json(&json!({"name": "消防班", "kind": "fire"}))
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "kind");
    server.stop().await;
}

async fn audit_trail_records_changes_for_managers_only(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let admin = server.user_token("admin", Role::Admin).await;
    let manager = server.user_token("jingli", Role::Manager).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    let response = server
        .request(Method::POST, "/api/v1/users", &admin)
        .json(&json!({"username":"xx009","display_name":"钱卫东","password":"12345678","role":"patroller"}))
        .send()
        .await
        .unwrap();
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    expect_error(
        server
            .request(Method::GET, "/api/v1/audit", &dispatcher)
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let page: Value = server
        .request(
            Method::GET,
            &format!("/api/v1/audit?entity=user&entity_id={id}"),
            &manager,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1, "{page}");
    let entry = &page["items"][0];
    assert_eq!(entry["action"], "user.create");
    assert_eq!(entry["actor_name"], "admin 测试");
    assert_eq!(entry["details"]["username"], "xx009");
    assert!(entry["details"].get("password").is_none());
    server.stop().await;
}

async fn business_parameters_are_checked_and_audited(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    let params: Vec<Value> = server
        .request(Method::GET, "/api/v1/params", &dispatcher)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sample = params
        .iter()
        .find(|p| p["key"] == "followup_sample_percent")
        .unwrap();
    assert_eq!(sample["value"], 30);

    let set = |token: &str, value: Value| {
        server
            .request(Method::PUT, "/api/v1/params/followup_sample_percent", token)
            .json(&json!({"value": value}))
            .send()
    };
    expect_error(set(&dispatcher, json!(50)).await.unwrap(), 403, "forbidden").await;
    let body = expect_error(
        set(&leader, json!(150)).await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "value");
    expect_error(
        set(&leader, json!("half")).await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        gasdesk_server::params::integer(&server.db, "followup_sample_percent")
            .await
            .unwrap(),
        30
    );
    let response = set(&leader, json!(40)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        gasdesk_server::params::integer(&server.db, "followup_sample_percent")
            .await
            .unwrap(),
        40
    );
    expect_error(
        server
            .request(Method::PUT, "/api/v1/params/no_such_param", &leader)
            .json(&json!({"value": 1}))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    let filter = gasdesk_server::db::audit::AuditFilter {
        entity: Some("business_param"),
        entity_id: Some("followup_sample_percent"),
        limit: 10,
        offset: 0,
    };
    let (rows, total) = gasdesk_server::db::audit::list(&server.db, &filter)
        .await
        .unwrap();
    assert_eq!(total, 1, "only the accepted change is audited");
    assert_eq!(rows[0].details.0, json!({"old": 30, "new": 40}));
    server.stop().await;
}

async fn the_map_tile_url_is_checked_and_may_be_cleared(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    let tile_url = |token: &str| {
        let request = server.request(Method::GET, "/api/v1/params", token).send();
        async move {
            let params: Vec<Value> = request.await.unwrap().json().await.unwrap();
            params
                .into_iter()
                .find(|p| p["key"] == "map_tile_url")
                .map(|p| p["value"].clone())
        }
    };
    assert_eq!(
        tile_url(&dispatcher).await,
        Some(json!("")),
        "unset at first"
    );
    let set = |token: &str, value: Value| {
        server
            .request(Method::PUT, "/api/v1/params/map_tile_url", token)
            .json(&json!({ "value": value }))
            .send()
    };
    for refused in [
        json!("tile.openstreetmap.org/{z}/{x}/{y}.png"),
        json!("https://tile.openstreetmap.org/{z}/{x}.png"),
        json!("javascript:alert(1)//{z}/{x}/{y}"),
        json!("https://{c-a}.tiles.example/{z}/{x}/{y}.png"),
        json!(42),
    ] {
        let body = expect_error(
            set(&leader, refused.clone()).await.unwrap(),
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(body["error"]["field"], "value", "{refused}");
    }
    let osm = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
    expect_error(
        set(&dispatcher, json!(osm)).await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        tile_url(&dispatcher).await,
        Some(json!("")),
        "refusals change nothing"
    );
    let response = set(&leader, json!(format!(" {osm} "))).await.unwrap();
    assert_eq!(response.status(), 200);
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["value"], osm, "stored trimmed");
    assert_eq!(tile_url(&dispatcher).await, Some(json!(osm)));
    // Mirror hosts, as Leaflet ({s}) and OpenLayers ({1-4}) write them.
    for mirrored in [
        "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://webrd0{1-4}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
    ] {
        let response = set(&leader, json!(mirrored)).await.unwrap();
        assert_eq!(response.status(), 200, "{mirrored}");
        assert_eq!(tile_url(&dispatcher).await, Some(json!(mirrored)));
    }
    assert_eq!(set(&leader, json!("")).await.unwrap().status(), 200);
    assert_eq!(tile_url(&dispatcher).await, Some(json!("")), "cleared");
    server.stop().await;
}

async fn the_map_tile_datum_is_wgs84_or_gcj02_and_never_empty(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    let dispatcher = server.user_token("hw001", Role::Dispatcher).await;
    let datum = |token: &str| {
        let request = server.request(Method::GET, "/api/v1/params", token).send();
        async move {
            let params: Vec<Value> = request.await.unwrap().json().await.unwrap();
            params
                .into_iter()
                .find(|p| p["key"] == "map_tile_datum")
                .map(|p| p["value"].clone())
        }
    };
    let set = |token: &str, value: Value| {
        server
            .request(Method::PUT, "/api/v1/params/map_tile_datum", token)
            .json(&json!({ "value": value }))
            .send()
    };
    assert_eq!(
        datum(&dispatcher).await,
        Some(json!("wgs84")),
        "the default"
    );
    for refused in [
        json!(""),
        json!("  "),
        json!("bd09"),
        json!("GCJ02"),
        json!("gcj-02"),
        json!(2),
        Value::Null,
    ] {
        let body = expect_error(
            set(&leader, refused.clone()).await.unwrap(),
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(body["error"]["field"], "value", "{refused}");
    }
    expect_error(
        set(&dispatcher, json!("gcj02")).await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        datum(&dispatcher).await,
        Some(json!("wgs84")),
        "refusals change nothing"
    );
    let response = set(&leader, json!(" gcj02 ")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["value"], "gcj02");
    assert_eq!(datum(&dispatcher).await, Some(json!("gcj02")));
    assert_eq!(set(&leader, json!("wgs84")).await.unwrap().status(), 200);
    assert_eq!(datum(&dispatcher).await, Some(json!("wgs84")));
    server.stop().await;
}

async fn catalogs_are_read_by_all_and_edited_by_leaders(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let leader = server.user_token("bz001", Role::TeamLeader).await;
    let repairer = server.user_token("wx001", Role::Repairer).await;
    let item = json!({"code":"WX001","name":"灶具不点火","category":"灶具","workload_points":1.5,"onsite_fee_fen":2000});
    let response = server
        .request(Method::POST, "/api/v1/catalog/repair-items", &leader)
        .json(&item)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    expect_error(
        server
            .request(Method::POST, "/api/v1/catalog/repair-items", &leader)
            .json(&item)
            .send()
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    expect_error(
        server
            .request(Method::POST, "/api/v1/catalog/repair-items", &repairer)
            .json(&item)
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let body = expect_error(
        server
            .request(Method::POST, "/api/v1/catalog/materials", &leader)
            .json(&json!({"code":"CL001","name":"燃气胶管","unit":"根","price_fen":-5}))
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "price_fen");
    let items: Vec<Value> = server
        .request(Method::GET, "/api/v1/catalog/repair-items", &repairer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "灶具不点火");
    let materials: Vec<Value> = server
        .request(Method::GET, "/api/v1/catalog/materials", &repairer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(materials.is_empty());
    server.stop().await;
}
