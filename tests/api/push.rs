//! Web Push end to end against a local push service that checks the protocol (VAPID token
//! signed for its origin, RFC 8030 headers, aes128gcm body that decrypts with the phone's
//! keys): an assignment rings the phone, its receipt and the worker's acceptance are
//! recorded; 410 removes the subscription, 429/5xx are retried, a hanging service stalls
//! nothing else; escalation rings again and alerts once, with the clock in the test's hands.

use crate::on_both_engines;
use crate::push_service::{Behaviour, PushService};
use crate::support::{Engine, TestServer, expect_error, ok_json, send};
use crate::tickets::{Desk, desk, new_ticket};
use gasdesk_server::escalation::sweep;
use gasdesk_shared::push::PushKind;
use reqwest::Method;
use serde_json::{Value, json};
use time::Duration;

on_both_engines!(
    an_assignment_rings_the_phone_and_its_receipt_and_acceptance_are_recorded,
    subscriptions_and_receipts_refuse_bad_input,
    gone_subscriptions_are_removed_failures_retried_and_a_hanging_service_stalls_nothing,
    escalation_rings_again_and_alerts_once,
);

/// A server that accepts the local push service's `http://` endpoints, with the usual time
/// allowed for a push service's answer (a shorter one would resend, on a loaded machine, what
/// the stand-in was still checking, and the tests count deliveries).
pub(crate) async fn push_server(engine: Engine) -> Option<(TestServer, PushService)> {
    push_server_giving_up_after(engine, 10).await
}

/// The same, giving up on a silent push service after `timeout_secs`.
async fn push_server_giving_up_after(
    engine: Engine,
    timeout_secs: u64,
) -> Option<(TestServer, PushService)> {
    let server = TestServer::start_with(engine, |c| {
        c.push_allow_http = true;
        c.push_timeout_secs = timeout_secs;
    })
    .await?;
    let service = PushService::start().await;
    let key = ok_json(
        server
            .client
            .get(server.url("/api/v1/push/vapid-public-key"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    service.expect_server_key(key["public_key"].as_str().unwrap());
    Some((server, service))
}

pub(crate) async fn subscribe(server: &TestServer, token: &str, subscription: &Value) -> Value {
    ok_json(
        send(
            server,
            Method::POST,
            "/api/v1/push/subscriptions",
            token,
            subscription.clone(),
        )
        .await,
        201,
    )
    .await
}

async fn deliveries(server: &TestServer, desk: &Desk, ticket: &str) -> Vec<Value> {
    ok_json(
        server
            .request(
                Method::GET,
                &format!("/api/v1/tickets/{ticket}/deliveries"),
                &desk.dispatcher,
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
    .as_array()
    .unwrap()
    .clone()
}

/// Waits until the ticket's deliveries satisfy `check`.
async fn wait_deliveries(
    server: &TestServer,
    desk: &Desk,
    ticket: &str,
    what: &str,
    check: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    for _ in 0..600 {
        let list = deliveries(server, desk, ticket).await;
        if check(&list) {
            return list;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{what}: {:?}", deliveries(server, desk, ticket).await);
}

async fn receipt(server: &TestServer, message_id: &str, code: &str) -> reqwest::Response {
    server
        .client
        .post(server.url("/api/v1/push/receipts"))
        .json(&json!({"message_id": message_id, "receipt": code}))
        .send()
        .await
        .unwrap()
}

async fn an_assignment_rings_the_phone_and_its_receipt_and_acceptance_are_recorded(engine: Engine) {
    let Some((server, service)) = push_server(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let phone = service.subscribe("phone-1", Behaviour::Accept);
    let view = subscribe(&server, &desk.repairer, &phone).await;
    assert_eq!(view["endpoint"], phone["endpoint"]);
    // The other team's repairer has a phone too: it must stay silent.
    let other_phone = service.subscribe("other-phone", Behaviour::Accept);
    subscribe(&server, &desk.other_repairer, &other_phone).await;

    let ticket = new_ticket(&server, &desk, "灶具打不着火").await;
    let id = ticket["id"].as_str().unwrap();
    let delivered = service
        .wait_for("the assignment push", |d| !d.is_empty())
        .await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    let push = &delivered[0];
    assert_eq!(push.subscription, "phone-1");
    assert_eq!(push.payload.kind, PushKind::Assigned);
    assert_eq!(
        push.payload.ticket_id.map(|t| t.to_string()).as_deref(),
        Some(id)
    );
    assert_eq!(push.payload.url, format!("/jobs/{id}"));
    assert!(
        push.payload
            .title
            .contains(ticket["number"].as_str().unwrap()),
        "{:?}",
        push.payload
    );
    assert!(push.payload.body.contains("灶具维修"), "{:?}", push.payload);
    assert_eq!(push.urgency, "normal", "a stove repair is not urgent");
    assert_eq!(push.topic.as_deref(), Some(id.replace('-', "").as_str()));
    assert_eq!(push.ttl, 24 * 3600);
    assert!(
        service.violations().is_empty(),
        "{:?}",
        service.violations()
    );

    let list = wait_deliveries(&server, &desk, id, "sent", |l| {
        l.iter().any(|d| d["state"] == "sent")
    })
    .await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["user_id"], desk.repairer_id.as_str());
    assert!(list[0]["sent_at"].is_string());

    // The service worker's receipt: a wrong code is refused, the right one counts once.
    let message_id = push.payload.message_id.to_string();
    expect_error(
        receipt(&server, &message_id, "gd_forged").await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        receipt(&server, &message_id, &push.payload.receipt)
            .await
            .status(),
        204
    );
    assert_eq!(
        receipt(&server, &message_id, &push.payload.receipt)
            .await
            .status(),
        204
    );
    let list = deliveries(&server, &desk, id).await;
    assert_eq!(list[0]["state"], "received", "{list:?}");
    assert!(list[0]["received_at"].is_string());

    // Accepting the job settles it.
    ok_json(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/tickets/{id}/transitions"),
            &desk.repairer,
            json!({"action": "accept"}),
        )
        .await,
        200,
    )
    .await;
    let list = deliveries(&server, &desk, id).await;
    assert_eq!(list[0]["state"], "accepted", "{list:?}");
    assert!(list[0]["accepted_at"].is_string());

    // Reassigned to the other team: the first phone hears it lost the job, the other rings.
    let other_team = ok_json(
        server
            .request(Method::GET, "/api/v1/teams", &desk.leader)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
    .as_array()
    .unwrap()
    .iter()
    .find(|t| t["name"] == "吴中区维修班")
    .unwrap()["id"]
        .clone();
    ok_json(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/tickets/{id}/transitions"),
            &desk.leader,
            json!({"action": "reassign", "team_id": other_team, "reason": "人手不足"}),
        )
        .await,
        200,
    )
    .await;
    let delivered = service
        .wait_for("reassignment pushes", |d| d.len() == 3)
        .await;
    let away = delivered
        .iter()
        .find(|d| d.subscription == "phone-1" && d.payload.kind == PushKind::ReassignedAway);
    assert!(away.is_some(), "{delivered:?}");
    let rung = delivered.iter().find(|d| d.subscription == "other-phone");
    assert_eq!(
        rung.map(|d| d.payload.kind),
        Some(PushKind::Assigned),
        "{delivered:?}"
    );

    // Unsubscribing stops the phone ringing; a second time there is nothing to remove.
    let gone = json!({"endpoint": phone["endpoint"]});
    let response = send(
        &server,
        Method::DELETE,
        "/api/v1/push/subscriptions",
        &desk.repairer,
        gone.clone(),
    )
    .await;
    assert_eq!(response.status(), 204);
    expect_error(
        send(
            &server,
            Method::DELETE,
            "/api/v1/push/subscriptions",
            &desk.repairer,
            gone,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let ticket = new_ticket(&server, &desk, "第二张单").await;
    let list = wait_deliveries(
        &server,
        &desk,
        ticket["id"].as_str().unwrap(),
        "no phone",
        |l| !l.is_empty(),
    )
    .await;
    assert_eq!(list[0]["state"], "failed", "{list:?}");
    assert!(
        list[0]["last_error"].as_str().unwrap().contains("没有登记"),
        "{list:?}"
    );
    assert!(
        service.violations().is_empty(),
        "{:?}",
        service.violations()
    );
    server.stop().await;
}

async fn subscriptions_and_receipts_refuse_bad_input(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let service = PushService::start().await;
    let good = service.subscribe("p", Behaviour::Accept);
    // This server is configured like production: push services are HTTPS.
    let body = expect_error(
        send(
            &server,
            Method::POST,
            "/api/v1/push/subscriptions",
            &desk.repairer,
            good.clone(),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "endpoint");
    let https = |patch: Value| {
        let mut s = good.clone();
        s["endpoint"] = json!("https://push.example.com/abc");
        for (k, v) in patch.as_object().unwrap() {
            s["keys"][k] = v.clone();
        }
        s
    };
    for (body, field) in [
        (https(json!({"p256dh": "AAAA"})), "keys.p256dh"),
        (https(json!({"p256dh": "!!not base64!!"})), "keys.p256dh"),
        (https(json!({"auth": "c2hvcnQ"})), "keys.auth"),
        (
            json!({"endpoint": "not a url", "keys": good["keys"]}),
            "endpoint",
        ),
        (
            json!({"endpoint": "ftp://push.example.com/x", "keys": good["keys"]}),
            "endpoint",
        ),
    ] {
        let answer = expect_error(
            send(
                &server,
                Method::POST,
                "/api/v1/push/subscriptions",
                &desk.repairer,
                body,
            )
            .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(answer["error"]["field"], field, "{answer}");
    }
    // A compressed point is 33 bytes, not the 65 a browser gives.
    let mut compressed = https(json!({}));
    compressed["keys"]["p256dh"] = json!("A".repeat(44));
    expect_error(
        send(
            &server,
            Method::POST,
            "/api/v1/push/subscriptions",
            &desk.repairer,
            compressed,
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let ok = subscribe(&server, &desk.repairer, &https(json!({}))).await;
    assert_eq!(ok["endpoint"], "https://push.example.com/abc");
    // Without a session nobody subscribes; a dispatcher's desk is not a field phone.
    let response = server
        .client
        .post(server.url("/api/v1/push/subscriptions"))
        .json(&https(json!({})))
        .send()
        .await
        .unwrap();
    expect_error(response, 401, "unauthenticated").await;
    expect_error(
        send(
            &server,
            Method::POST,
            "/api/v1/push/subscriptions",
            &desk.dispatcher,
            https(json!({})),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // Receipts: unknown message, malformed body.
    expect_error(
        receipt(&server, &uuid::Uuid::now_v7().to_string(), "gd_x").await,
        404,
        "not_found",
    )
    .await;
    let response = server
        .client
        .post(server.url("/api/v1/push/receipts"))
        .json(&json!({"message_id": "not-a-uuid", "receipt": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    // The same endpoint registered by another user now rings them, not the first.
    let taken = subscribe(&server, &desk.other_repairer, &https(json!({}))).await;
    assert_eq!(taken["id"], ok["id"]);
    let mine = ok_json(
        server
            .request(Method::GET, "/api/v1/push/subscriptions", &desk.repairer)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(mine, json!([]));
    server.stop().await;
}

async fn gone_subscriptions_are_removed_failures_retried_and_a_hanging_service_stalls_nothing(
    engine: Engine,
) {
    // Gives up on the hanging service after a second; the others answer at once.
    let Some((server, service)) = push_server_giving_up_after(engine, 1).await else {
        return;
    };
    let desk = desk(&server).await;
    for (name, behaviour) in [
        ("hang", Behaviour::Hang),
        ("gone", Behaviour::Gone),
        ("flaky", Behaviour::FailFirst(vec![503, 429])),
        ("ok", Behaviour::Accept),
    ] {
        let subscription = service.subscribe(name, behaviour);
        subscribe(&server, &desk.repairer, &subscription).await;
    }
    let ticket = new_ticket(&server, &desk, "四部手机").await;
    let id = ticket["id"].as_str().unwrap();
    // The healthy phone rings while the hanging service still holds its request.
    service
        .wait_for("the healthy phone", |d| {
            d.iter().any(|d| d.subscription == "ok")
        })
        .await;
    service.wait_attempts("hang", 1).await;
    let list = deliveries(&server, &desk, id).await;
    let hanging = list.iter().filter(|d| d["state"] == "queued").count();
    assert!(hanging >= 1, "the hanging send is still pending: {list:?}");

    // 410: the subscription is removed and the message marked gone.
    let list = wait_deliveries(&server, &desk, id, "gone", |l| {
        l.iter().any(|d| d["state"] == "gone")
    })
    .await;
    assert_eq!(
        list.iter().filter(|d| d["state"] == "gone").count(),
        1,
        "{list:?}"
    );
    let mine = ok_json(
        server
            .request(Method::GET, "/api/v1/push/subscriptions", &desk.repairer)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let endpoints: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["endpoint"].as_str().unwrap())
        .collect();
    assert_eq!(endpoints.len(), 3, "{endpoints:?}");
    assert!(
        endpoints.iter().all(|e| !e.ends_with("/gone")),
        "{endpoints:?}"
    );

    // 503, then 429 with Retry-After: delivered on the third attempt, once.
    service
        .wait_for("the flaky phone", |d| {
            d.iter().any(|d| d.subscription == "flaky")
        })
        .await;
    assert_eq!(service.attempts("flaky"), 3);
    assert_eq!(service.delivered_to("flaky").len(), 1);
    // The hanging one timed out and is queued for a retry, with the reason kept.
    let list = wait_deliveries(&server, &desk, id, "timeout recorded", |l| {
        l.iter().any(|d| {
            d["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("in time"))
        })
    })
    .await;
    let hang = list
        .iter()
        .find(|d| {
            d["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("in time"))
        })
        .unwrap();
    assert_eq!(hang["state"], "queued");
    assert_eq!(service.delivered_to("ok").len(), 1);
    assert!(
        service.violations().is_empty(),
        "{:?}",
        service.violations()
    );
    server.stop().await;
}

async fn alert_kinds(server: &TestServer, desk: &Desk) -> Vec<(String, String)> {
    let alerts = ok_json(
        server
            .request(Method::GET, "/api/v1/alerts", &desk.dispatcher)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let mut kinds: Vec<(String, String)> = alerts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_owned(),
                a["audience"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    kinds.sort();
    kinds
}

async fn escalation_rings_again_and_alerts_once(engine: Engine) {
    let Some((server, service)) = push_server(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let phone = service.subscribe("phone", Behaviour::Accept);
    subscribe(&server, &desk.repairer, &phone).await;
    let quiet = new_ticket(&server, &desk, "没人签收").await;
    let heard = new_ticket(&server, &desk, "已签收").await;
    let delivered = service.wait_for("both assignments", |d| d.len() == 2).await;
    let heard_push = delivered
        .iter()
        .find(|d| d.payload.ticket_id.map(|t| t.to_string()).as_deref() == heard["id"].as_str())
        .unwrap();
    assert_eq!(
        receipt(
            &server,
            &heard_push.payload.message_id.to_string(),
            &heard_push.payload.receipt
        )
        .await
        .status(),
        204
    );
    let now = gasdesk_server::db::now();

    // Not yet: 10 minutes is the limit for a normal job.
    let early = sweep(&server.db, now + Duration::minutes(5)).await.unwrap();
    assert_eq!(
        (
            early.rung_again,
            early.dispatcher_alerts,
            early.leader_alerts
        ),
        (0, 0, 0),
        "{early:?}"
    );
    // Past it: the silent phone is rung again and the dispatcher told, once.
    let late = sweep(&server.db, now + Duration::minutes(11))
        .await
        .unwrap();
    assert_eq!(
        (late.rung_again, late.dispatcher_alerts, late.leader_alerts),
        (1, 1, 0),
        "{late:?}"
    );
    let again = sweep(&server.db, now + Duration::minutes(12))
        .await
        .unwrap();
    assert_eq!(
        (again.rung_again, again.dispatcher_alerts),
        (0, 0),
        "{again:?}"
    );
    let reminders = service.wait_for("the reminder", |d| d.len() == 3).await;
    let reminder = &reminders[2];
    assert_eq!(reminder.payload.kind, PushKind::Reminder);
    assert_eq!(
        reminder.payload.ticket_id.map(|t| t.to_string()).as_deref(),
        quiet["id"].as_str()
    );
    assert_eq!(reminder.urgency, "high");
    assert_eq!(
        alert_kinds(&server, &desk).await,
        [("push_unacknowledged".to_owned(), "dispatcher".to_owned())]
    );

    // 30 minutes without acceptance: the leader hears about both jobs, once each.
    let leader = sweep(&server.db, now + Duration::minutes(31))
        .await
        .unwrap();
    assert_eq!(
        (leader.rung_again, leader.leader_alerts),
        (0, 2),
        "{leader:?}"
    );
    let leader_again = sweep(&server.db, now + Duration::minutes(40))
        .await
        .unwrap();
    assert_eq!(leader_again.leader_alerts, 0, "{leader_again:?}");

    // A stove repair has 48 hours: near at 47.5 h, missed at 49 h, each once per ticket.
    let near = sweep(&server.db, now + Duration::minutes(47 * 60 + 30))
        .await
        .unwrap();
    assert_eq!(near.deadline_alerts, 2, "{near:?}");
    let missed = sweep(&server.db, now + Duration::hours(49)).await.unwrap();
    assert_eq!(missed.deadline_alerts, 2, "{missed:?}");
    assert_eq!(
        sweep(&server.db, now + Duration::hours(50))
            .await
            .unwrap()
            .deadline_alerts,
        0
    );
    let kinds = alert_kinds(&server, &desk).await;
    let count = |k: &str| kinds.iter().filter(|(kind, _)| kind == k).count();
    assert_eq!(
        (
            count("push_unacknowledged"),
            count("job_unaccepted"),
            count("deadline_near"),
            count("deadline_missed")
        ),
        (1, 2, 2, 2),
        "{kinds:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|(k, a)| k == "job_unaccepted" && a == "leader")
    );
    assert!(
        service.violations().is_empty(),
        "{:?}",
        service.violations()
    );
    server.stop().await;
}
