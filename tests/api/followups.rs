//! Follow-up calls on both engines: the daily sample (with a controllable clock) takes the
//! configured share once per day; agents lock batches, record calls, release them; locks held
//! by others and expired locks are refused; a complaint heard becomes an event needing a reply.

use crate::on_both_engines;
use crate::support::{Engine, TestServer, expect_error};
use gasdesk_server::db::tickets::{EventRow, TicketRow};
use gasdesk_server::{db, followups};
use gasdesk_shared::Role;
use reqwest::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

on_both_engines!(
    daily_sampling_takes_the_configured_share_once,
    agents_lock_call_and_release_batches
);

/// Writes `n` tickets completed at `at` straight into the database (what a day of repairs
/// leaves behind), and returns their ids.
async fn completed_tickets(
    server: &TestServer,
    n: usize,
    at: OffsetDateTime,
    tag: &str,
) -> Vec<Uuid> {
    let mut ids = Vec::new();
    let mut tx = server.db.begin().await.unwrap();
    for i in 0..n {
        let id = Uuid::now_v7();
        let row = TicketRow {
            id,
            number: format!("BX{tag}-{i:04}"),
            status: "completed".into(),
            customer_id: None,
            reporter: format!("客户{i}"),
            phone: "13800000000".into(),
            address: "苏州市姑苏区人民路1号".into(),
            lon: None,
            lat: None,
            category: "stove".into(),
            content: "灶具维修".into(),
            source: "call".into(),
            urgent: false,
            deadline_at: at + time::Duration::days(1),
            appointment_from: None,
            appointment_to: None,
            team_id: None,
            assignee_id: None,
            patrol_check_id: None,
            created_by: None,
            created_at: at - time::Duration::hours(2),
            updated_at: at,
            corrected_at: None,
        };
        db::tickets::insert(&mut tx, &row).await.unwrap();
        db::tickets::insert_event(
            &mut tx,
            &EventRow {
                id: Uuid::now_v7(),
                ticket_id: id,
                action: "complete".into(),
                from_status: Some("on_site".into()),
                to_status: "completed".into(),
                actor_id: None,
                at,
                device_at: Some(at),
                note: None,
            },
        )
        .await
        .unwrap();
        ids.push(id);
    }
    tx.commit().await.unwrap();
    ids
}

/// Noon China time on 2026-11-25 is 04:00 UTC.
fn noon_on_25th() -> OffsetDateTime {
    time::macros::datetime!(2026-11-25 04:00 UTC)
}

async fn daily_sampling_takes_the_configured_share_once(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let yesterday = completed_tickets(&server, 200, noon_on_25th(), "A").await;
    // Completed on the 26th after midnight China time: not yesterday's.
    completed_tickets(
        &server,
        40,
        time::macros::datetime!(2026-11-25 16:30 UTC),
        "B",
    )
    .await;
    // The job runs at 01:05 on the 26th, China time.
    let clock = time::macros::datetime!(2026-11-25 17:05 UTC);
    let report = followups::run_daily(&server.db, clock).await.unwrap();
    assert_eq!(
        (
            report.day.as_str(),
            report.eligible,
            report.sampled,
            report.ran_now
        ),
        ("2026-11-25", 200, 60, true)
    );
    // Once per day, whoever asks again (another instance, a restart).
    let again = followups::run_daily(&server.db, clock + time::Duration::minutes(3))
        .await
        .unwrap();
    assert_eq!((again.sampled, again.ran_now), (60, false));
    let sampled: Vec<Uuid> = db::followups::pending(&server.db, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.ticket_id)
        .collect();
    assert_eq!(sampled.len(), 60);
    assert!(sampled.iter().all(|t| yesterday.contains(t)));
    // A sample, not the first 60 tickets of the day: both halves of the day are represented.
    let early = sampled
        .iter()
        .filter(|t| yesterday.iter().position(|y| y == *t).unwrap() < 100)
        .count();
    assert!(
        (15..=45).contains(&early),
        "{early} of 60 from the first half"
    );

    let admin = server.user_token("admin", Role::Admin).await;
    let response = server
        .request(
            Method::PUT,
            "/api/v1/params/followup_sample_percent",
            &admin,
        )
        .json(&json!({"value": 50}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report = followups::run_daily(&server.db, clock + time::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(
        (report.day.as_str(), report.eligible, report.sampled),
        ("2026-11-26", 40, 20)
    );
    let body = expect_error(
        server
            .request(
                Method::POST,
                "/api/v1/followups/sample?day=yesterday",
                &admin,
            )
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "day");
    server.stop().await;
}

async fn agents_lock_call_and_release_batches(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    completed_tickets(&server, 20, noon_on_25th(), "C").await;
    let admin = server.user_token("admin", Role::Admin).await;
    server
        .request(
            Method::PUT,
            "/api/v1/params/followup_sample_percent",
            &admin,
        )
        .json(&json!({"value": 40}))
        .send()
        .await
        .unwrap();
    let report: Value = server
        .request(
            Method::POST,
            "/api/v1/followups/sample?day=2026-11-25",
            &admin,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["sampled"], 8);
    let a = server.user_token("hw001", Role::Dispatcher).await;
    let b = server.user_token("hw002", Role::Dispatcher).await;
    let take = |token: &str, size: u32| {
        server
            .request(Method::POST, "/api/v1/followups/batches", token)
            .json(&json!({"size": size}))
            .send()
    };
    let mine: Value = take(&a, 3).await.unwrap().json().await.unwrap();
    let theirs: Value = take(&b, 3).await.unwrap().json().await.unwrap();
    let ids = |batch: &Value| {
        batch["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let (mine_ids, their_ids) = (ids(&mine), ids(&theirs));
    assert_eq!((mine_ids.len(), their_ids.len()), (3, 3));
    assert!(
        mine_ids.iter().all(|i| !their_ids.contains(i)),
        "nobody calls the same customer twice"
    );
    let body = expect_error(take(&a, 0).await.unwrap(), 422, "validation_failed").await;
    assert_eq!(body["error"]["field"], "size");

    let record = |token: &str, id: &str, body: Value| {
        server
            .request(
                Method::POST,
                &format!("/api/v1/followups/{id}/result"),
                token,
            )
            .json(&body)
            .send()
    };
    let body = expect_error(
        record(&b, &mine_ids[0], json!({"satisfaction": "satisfied"}))
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("locked"),
        "{body}"
    );
    let done: Value = record(
        &a,
        &mine_ids[0],
        json!({"satisfaction": "dissatisfied", "remarks": "师傅迟到一小时",
        "heard": {"kind": "complaint", "content": "维修人员迟到，态度差"}}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(done["satisfaction"], "dissatisfied");
    let event_id = done["event_id"]
        .as_str()
        .expect("a complaint becomes an event");
    let ticket: Value = server
        .request(
            Method::GET,
            &format!("/api/v1/tickets/{}", done["ticket_id"].as_str().unwrap()),
            &a,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ticket["status"], "followed_up");
    let event: Value = server
        .request(Method::GET, &format!("/api/v1/events/{event_id}"), &a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(event["needs_reply"], true, "{event}");
    assert_eq!(event["ticket_id"], done["ticket_id"]);
    expect_error(
        record(&a, &mine_ids[0], json!({"satisfaction": "satisfied"}))
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    let body = expect_error(
        record(
            &a,
            &mine_ids[1],
            json!({"satisfaction": "satisfied", "heard": {"kind": "gossip", "content": "x"}}),
        )
        .await
        .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["error"]["field"], "heard.kind");

    // A's lock expires: A is refused, and the calls are free for B.
    gasdesk_server::on_db!(&server.db, pool => sqlx::query("UPDATE followup_batches SET expires_at = $1 WHERE id = $2")
        .bind(db::now() - time::Duration::minutes(1))
        .bind(Uuid::parse_str(mine["id"].as_str().unwrap()).unwrap())
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
    let body = expect_error(
        record(&a, &mine_ids[1], json!({"satisfaction": "satisfied"}))
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{body}"
    );
    let more: Value = take(&b, 10).await.unwrap().json().await.unwrap();
    let more_ids = ids(&more);
    assert!(
        more_ids.contains(&mine_ids[1])
            && more_ids.contains(&mine_ids[2])
            && !more_ids.contains(&mine_ids[0])
    );
    // B releases the first batch: those calls go back to the pool.
    let response = server
        .request(
            Method::POST,
            &format!(
                "/api/v1/followups/batches/{}/release",
                theirs["id"].as_str().unwrap()
            ),
            &b,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    expect_error(
        server
            .request(
                Method::POST,
                &format!(
                    "/api/v1/followups/batches/{}/release",
                    more["id"].as_str().unwrap()
                ),
                &a,
            )
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let again: Value = take(&a, 10).await.unwrap().json().await.unwrap();
    assert_eq!(ids(&again).len(), 3, "the released calls");
    server.stop().await;
}
