//! Changing a team (`PATCH /api/v1/teams/{id}`): renamed, a new phone or leader, on both
//! engines; intake names the new name at once; every refusal names what is wrong. Deleting
//! one (`DELETE`): only while nothing but members belongs to it.

use crate::on_both_engines;
use crate::support::{Engine, PASSWORD, TestServer, audit_of, expect_error, ok_json, send};
use crate::tickets::{desk, new_ticket};
use gasdesk_shared::Role;
use reqwest::Method;
use serde_json::json;

on_both_engines!(
    a_team_is_renamed_and_given_a_leader_and_refusals_are_named,
    an_unused_team_is_deleted_and_one_in_use_is_refused_naming_what_it_holds,
);

async fn a_team_is_renamed_and_given_a_leader_and_refusals_are_named(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let path = format!("/api/v1/teams/{}", desk.team_id);
    // Intake has named the team once (and remembers the name).
    let before = new_ticket(&server, &desk, "灶具打不着火").await;
    assert_eq!(before["team_name"], "姑苏区维修班");

    let leader_id = server.add_user("bz101", Role::TeamLeader).await;
    let changed = ok_json(
        send(
            &server,
            Method::PATCH,
            &path,
            &desk.leader,
            json!({"name": "姑苏区维修一班", "phone": "0512-6523 1234", "leader_id": leader_id}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["name"], "姑苏区维修一班");
    assert_eq!(changed["phone"], "051265231234");
    assert_eq!(changed["leader_id"], leader_id.to_string());
    assert_eq!(
        changed["member_ids"].as_array().unwrap().len(),
        1,
        "members kept"
    );
    // The next ticket routed there names the new name, not the remembered one.
    let after = new_ticket(&server, &desk, "燃气表不走字").await;
    assert_eq!(after["team_name"], "姑苏区维修一班");
    let manager = server.user_token("jl001", Role::Manager).await;
    let audit = audit_of(&server, &manager, "team", &desk.team_id).await;
    let entry = audit
        .iter()
        .find(|e| e["action"] == "team.update")
        .unwrap_or_else(|| panic!("no team.update in {audit:?}"));
    assert_eq!(
        entry["details"]["before"]["name"], "姑苏区维修班",
        "{audit:?}"
    );
    assert_eq!(
        entry["details"]["after"]["name"], "姑苏区维修一班",
        "{audit:?}"
    );

    // Removing the phone and the leader; sending nothing new writes nothing.
    let cleared = ok_json(
        send(
            &server,
            Method::PATCH,
            &path,
            &desk.leader,
            json!({"phone": " ", "no_leader": true}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cleared["phone"], json!(null));
    assert_eq!(cleared["leader_id"], json!(null));
    assert_eq!(cleared["name"], "姑苏区维修一班");

    // Refusals, each naming the field; nothing changes.
    for (body, status, code, field) in [
        (json!({"name": "吴中区维修班"}), 409, "conflict", "name"),
        (json!({"name": "  "}), 422, "validation_failed", "name"),
        (json!({"phone": "12ab"}), 422, "validation_failed", "phone"),
        (
            json!({"leader_id": "0190a4e0-0000-7000-8000-00000000dead"}),
            422,
            "validation_failed",
            "leader_id",
        ),
        (
            json!({"leader_id": leader_id, "no_leader": true}),
            422,
            "validation_failed",
            "no_leader",
        ),
    ] {
        let refused = expect_error(
            send(&server, Method::PATCH, &path, &desk.leader, body.clone()).await,
            status,
            code,
        )
        .await;
        assert_eq!(refused["error"]["field"], field, "{body}: {refused}");
    }
    let unknown = expect_error(
        send(
            &server,
            Method::PATCH,
            &path,
            &desk.leader,
            json!({"colour": "red"}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(unknown["error"]["field"], "colour");
    expect_error(
        send(
            &server,
            Method::PATCH,
            &path,
            &desk.dispatcher,
            json!({"name": "x"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    expect_error(
        send(
            &server,
            Method::PATCH,
            "/api/v1/teams/0190a4e0-0000-7000-8000-00000000beef",
            &desk.leader,
            json!({"name": "x"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let team = ok_json(
        send(&server, Method::GET, &path, &desk.leader, json!(null)).await,
        200,
    )
    .await;
    assert_eq!(team["name"], "姑苏区维修一班");
    assert_eq!(team["phone"], json!(null));
    server.stop().await;
}

async fn an_unused_team_is_deleted_and_one_in_use_is_refused_naming_what_it_holds(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let admin: serde_json::Value = server.login("admin", PASSWORD).await.json().await.unwrap();
    let admin = admin["token"].as_str().unwrap().to_owned();
    // The desk's team serves an area and now has a ticket.
    new_ticket(&server, &desk, "灶具打不着火").await;
    let in_use = format!("/api/v1/teams/{}", desk.team_id);
    let refused = expect_error(
        send(&server, Method::DELETE, &in_use, &desk.leader, json!(null)).await,
        409,
        "conflict",
    )
    .await;
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("1 ticket,") && message.contains("1 service area"),
        "{refused}"
    );
    assert_eq!(refused["error"]["field"], "team");

    // A patrol team set up by mistake, with a member on a duty shift.
    let team = ok_json(
        send(
            &server,
            Method::POST,
            "/api/v1/teams",
            &desk.leader,
            json!({"name": "误建巡线班", "kind": "patrol"}),
        )
        .await,
        201,
    )
    .await;
    let path = format!("/api/v1/teams/{}", team["id"].as_str().unwrap());
    let patroller = server.add_user("xx901", Role::Patroller).await;
    ok_json(
        send(
            &server,
            Method::POST,
            &format!("{path}/members"),
            &desk.leader,
            json!({"user_id": patroller}),
        )
        .await,
        200,
    )
    .await;
    let shift = ok_json(
        send(
            &server,
            Method::POST,
            "/api/v1/rosters",
            &desk.leader,
            json!({"team_id": team["id"], "user_id": patroller,
                   "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-12-01T08:00:00Z"}),
        )
        .await,
        201,
    )
    .await;
    let refused = expect_error(
        send(&server, Method::DELETE, &path, &desk.leader, json!(null)).await,
        409,
        "conflict",
    )
    .await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("still has 1 duty shift;"),
        "{refused}"
    );
    let removed = send(
        &server,
        Method::DELETE,
        &format!("/api/v1/rosters/{}", shift["id"].as_str().unwrap()),
        &desk.leader,
        json!(null),
    )
    .await;
    assert_eq!(removed.status(), 204);

    // Only those who manage teams may delete one.
    for token in [&desk.dispatcher, &desk.repairer] {
        expect_error(
            send(&server, Method::DELETE, &path, token, json!(null)).await,
            403,
            "forbidden",
        )
        .await;
    }
    let deleted = send(&server, Method::DELETE, &path, &admin, json!(null)).await;
    assert_eq!(deleted.status(), 204);
    expect_error(
        send(&server, Method::GET, &path, &desk.leader, json!(null)).await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        send(&server, Method::DELETE, &path, &desk.leader, json!(null)).await,
        404,
        "not_found",
    )
    .await;
    // The member is still there, in no team; the team in use is untouched; the audit keeps
    // what was deleted.
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
    let names: Vec<&str> = teams
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["吴中区维修班", "姑苏区维修班"], "{teams}");
    let member = ok_json(
        send(
            &server,
            Method::GET,
            &format!("/api/v1/users/{patroller}"),
            &admin,
            json!(null),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(member["team_ids"], json!([]), "{member}");
    let manager = server.user_token("jl001", Role::Manager).await;
    let audit = audit_of(&server, &manager, "team", team["id"].as_str().unwrap()).await;
    let entry = audit
        .iter()
        .find(|e| e["action"] == "team.delete")
        .unwrap_or_else(|| panic!("no team.delete in {audit:?}"));
    assert_eq!(entry["details"]["name"], "误建巡线班");
    assert_eq!(
        entry["details"]["member_ids"],
        json!([patroller.to_string()])
    );
    expect_error(
        send(
            &server,
            Method::DELETE,
            "/api/v1/teams/not-a-team",
            &desk.leader,
            json!(null),
        )
        .await,
        400,
        "malformed_request",
    )
    .await;
    server.stop().await;
}
