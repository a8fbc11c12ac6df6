//! Correcting a ticket after intake (`PATCH /api/v1/tickets/{id}`), on both engines: the
//! corrected job reaches the repairer's phone by sync, a worker who accepted it is rung, the
//! history and audit trail say what changed, a moved appointment is reminded again; and every
//! refusal names what is wrong and changes nothing.

use crate::on_both_engines;
use crate::push::{push_server, subscribe};
use crate::push_service::Behaviour;
use crate::support::{Engine, TestServer, audit_of, expect_error, ok_json, send};
use crate::sync::Phone;
use crate::tickets::{Desk, desk, new_ticket};
use gasdesk_server::escalation::sweep;
use gasdesk_shared::Role;
use gasdesk_shared::push::PushKind;
use reqwest::Method;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

on_both_engines!(
    a_corrected_job_reaches_the_phone_and_rings_the_worker_who_accepted_it,
    corrections_are_checked_and_a_finished_ticket_is_final,
);

fn at(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

async fn patch(server: &TestServer, token: &str, id: &str, body: Value) -> reqwest::Response {
    send(
        server,
        Method::PATCH,
        &format!("/api/v1/tickets/{id}"),
        token,
        body,
    )
    .await
}

async fn get(server: &TestServer, token: &str, path: &str) -> Value {
    ok_json(
        send(server, Method::GET, path, token, json!(null)).await,
        200,
    )
    .await
}

async fn delivered_kinds(server: &TestServer, desk: &Desk, id: &str) -> Vec<String> {
    let list = get(
        server,
        &desk.dispatcher,
        &format!("/api/v1/tickets/{id}/deliveries"),
    )
    .await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_corrected_job_reaches_the_phone_and_rings_the_worker_who_accepted_it(engine: Engine) {
    let Some((server, service)) = push_server(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    subscribe(
        &server,
        &desk.repairer,
        &service.subscribe("phone", Behaviour::Accept),
    )
    .await;
    let ticket = new_ticket(&server, &desk, "灶具打不着火").await;
    let id = ticket["id"].as_str().unwrap();
    assert!(ticket["lon"].is_number(), "located from the customer");
    service.wait_for("the new job", |d| d.len() == 1).await;
    let mut phone = Phone::register(&server, &desk.repairer, Role::Repairer).await;
    phone.pull_all(&server).await;

    // Before anyone accepted it: corrected quietly; the phone pulls the new number.
    let fixed = ok_json(
        patch(
            &server,
            &desk.dispatcher,
            id,
            json!({"phone": "139 0000 1111", "note": "客户来电更正号码"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(fixed["phone"], "13900001111");
    assert_eq!(fixed["status"], "assigned");
    assert_eq!(ticket["corrected_at"], json!(null));
    assert!(fixed["corrected_at"].is_string(), "{fixed}");
    assert_eq!(delivered_kinds(&server, &desk, id).await, ["assigned"]);
    phone.pull_all(&server).await;
    let job = phone.replica.ticket(id.parse::<Uuid>().unwrap()).unwrap();
    assert_eq!(job.phone, "13900001111");
    assert!(
        job.corrected_at.is_some(),
        "the phone marks the corrected job"
    );

    // Accepted, then the address and appointment change: the worker is rung with the new
    // address, and the old point is dropped rather than left pointing elsewhere.
    let accepted = send(
        &server,
        Method::POST,
        &format!("/api/v1/tickets/{id}/transitions"),
        &desk.repairer,
        json!({"action": "accept"}),
    )
    .await;
    assert_eq!(accepted.status(), 200);
    let appointment = OffsetDateTime::now_utc() + Duration::hours(3);
    let corrected = ok_json(
        patch(
            &server,
            &desk.dispatcher,
            id,
            json!({"address": "苏州市姑苏区十全街 88 号 2 幢 301 室",
                   "appointment_from": at(appointment),
                   "appointment_to": at(appointment + Duration::hours(1))}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(corrected["address"], "苏州市姑苏区十全街 88 号 2 幢 301 室");
    assert_eq!(corrected["lon"], json!(null));
    assert_eq!(corrected["status"], "accepted");
    assert_eq!(corrected["assignee_id"], desk.repairer_id.as_str());
    let rung = service
        .wait_for("the correction", |d| {
            d.iter().any(|d| d.payload.kind == PushKind::JobChanged)
        })
        .await;
    let change = rung
        .iter()
        .find(|d| d.payload.kind == PushKind::JobChanged)
        .unwrap();
    assert!(
        change.payload.title.contains("工单有变更"),
        "{}",
        change.payload.title
    );
    assert!(
        change.payload.body.starts_with("更正 地址、位置、预约 · ")
            && change.payload.body.contains("十全街 88 号"),
        "{}",
        change.payload.body
    );
    assert_eq!(change.payload.url, format!("/jobs/{id}"));
    phone.pull_all(&server).await;
    let job = phone.replica.ticket(id.parse::<Uuid>().unwrap()).unwrap();
    assert_eq!(job.address, "苏州市姑苏区十全街 88 号 2 幢 301 室");
    assert_eq!(job.lon, None);

    // The history names what changed, with the dispatcher's note; the audit keeps before/after.
    let events = get(
        &server,
        &desk.dispatcher,
        &format!("/api/v1/tickets/{id}/events"),
    )
    .await;
    let edits: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "edit")
        .map(|e| e["note"].as_str().unwrap())
        .collect();
    assert_eq!(
        edits,
        ["更正 电话：客户来电更正号码", "更正 地址、位置、预约"],
        "{events}"
    );
    let manager = server.user_token("jl001", Role::Manager).await;
    let audit = audit_of(&server, &manager, "repair_ticket", id).await;
    let entry = audit
        .iter()
        .find(|e| e["action"] == "ticket.edit" && e["details"]["changes"]["address"].is_object())
        .unwrap_or_else(|| panic!("no ticket.edit of the address in {audit:?}"));
    assert_eq!(
        entry["details"]["changes"]["address"]["after"],
        "苏州市姑苏区十全街 88 号 2 幢 301 室"
    );

    // The appointment is reminded half an hour before; moved later, it is reminded again.
    let before = sweep(&server.db, appointment - Duration::minutes(20))
        .await
        .unwrap();
    assert_eq!(before.appointment_reminders, 1, "{before:?}");
    let again = sweep(&server.db, appointment - Duration::minutes(10))
        .await
        .unwrap();
    assert_eq!(again.appointment_reminders, 0, "{again:?}");
    let moved = appointment + Duration::hours(2);
    assert_eq!(
        patch(
            &server,
            &desk.dispatcher,
            id,
            json!({"appointment_from": at(moved)})
        )
        .await
        .status(),
        200
    );
    let later = sweep(&server.db, moved - Duration::minutes(20))
        .await
        .unwrap();
    assert_eq!(later.appointment_reminders, 1, "{later:?}");
    assert!(
        service.violations().is_empty(),
        "{:?}",
        service.violations()
    );
    server.stop().await;
}

async fn corrections_are_checked_and_a_finished_ticket_is_final(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let ticket = new_ticket(&server, &desk, "燃气表不走字").await;
    let id = ticket["id"].as_str().unwrap();
    let past = at(OffsetDateTime::now_utc() - Duration::hours(1));
    let soon = OffsetDateTime::now_utc() + Duration::hours(5);
    for (body, field) in [
        (json!({"phone": "12ab"}), "phone"),
        (json!({"address": "  "}), "address"),
        (json!({"reporter": ""}), "reporter"),
        (json!({"content": "x".repeat(1001)}), "content"),
        (json!({"lon": 120.6}), "lat"),
        (json!({"lon": 520.6, "lat": 31.3}), "lon"),
        (json!({"deadline_at": past}), "deadline_at"),
        (json!({"appointment_from": past}), "appointment_from"),
        (json!({"appointment_to": at(soon)}), "appointment_from"),
        (
            json!({"appointment_from": at(soon), "appointment_to": at(soon - Duration::hours(1))}),
            "appointment_to",
        ),
        (
            json!({"appointment_from": at(soon), "no_appointment": true}),
            "no_appointment",
        ),
        (json!({"category": "leak"}), "category"),
        (json!({"phone": 13900001111u64}), "phone"),
    ] {
        let refused = expect_error(
            patch(&server, &desk.dispatcher, id, body.clone()).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(refused["error"]["field"], field, "{body}: {refused}");
    }
    // Field workers and strangers to the ticket may not correct it.
    for token in [&desk.repairer, &desk.other_repairer] {
        let status = patch(&server, token, id, json!({"phone": "13900001111"}))
            .await
            .status();
        assert!(status == 403 || status == 404, "{status}");
    }
    expect_error(
        patch(
            &server,
            &desk.dispatcher,
            &Uuid::now_v7().to_string(),
            json!({"phone": "13900001111"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // Nothing changed, and sending the same values writes nothing.
    let same = ok_json(
        patch(
            &server,
            &desk.dispatcher,
            id,
            json!({"phone": ticket["phone"], "content": ticket["content"]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(same["updated_at"], ticket["updated_at"]);
    assert_eq!(same["corrected_at"], json!(null));
    assert_eq!(same["phone"], ticket["phone"]);
    assert_eq!(same["address"], ticket["address"]);
    let events = get(
        &server,
        &desk.dispatcher,
        &format!("/api/v1/tickets/{id}/events"),
    )
    .await;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] != "edit"),
        "{events}"
    );
    // A cancelled ticket is final.
    let cancelled = send(
        &server,
        Method::POST,
        &format!("/api/v1/tickets/{id}/transitions"),
        &desk.dispatcher,
        json!({"action": "cancel", "reason": "客户已自行处理"}),
    )
    .await;
    assert_eq!(cancelled.status(), 200);
    let refused = expect_error(
        patch(
            &server,
            &desk.dispatcher,
            id,
            json!({"phone": "13900001111"}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    assert_eq!(refused["error"]["field"], "status");
    server.stop().await;
}
