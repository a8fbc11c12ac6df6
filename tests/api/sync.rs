//! Offline sync through the real server on both engines, driven by the shared client engine
//! (`Replica`) the field app uses: work recorded offline arrives once, a repeated push is
//! answered from what was stored, refused changes are kept and flagged without blocking the
//! ones behind them, pulls page through the scope and send removals, and bad pushes are
//! refused with reasons.

use crate::on_both_engines;
use crate::support::{
    Engine, PASSWORD, TestServer, drop_postgres_database, expect_error, fresh_database, ok_json,
    send,
};
use crate::tickets::{Desk, desk, new_ticket};
use gasdesk_shared::Role;
use gasdesk_shared::intake::{CompletionRequest, RecordItemInput, RecordMaterialInput};
use gasdesk_shared::sync::{Change, Outcome, PullResponse, PushResponse, Replica, SyncFailure};
use gasdesk_shared::ticket::{TicketAction, TicketStatus};
use reqwest::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

on_both_engines!(
    work_done_offline_arrives_once,
    refused_changes_are_kept_flagged_and_do_not_block,
    pulls_page_the_scope_and_send_removals,
    bad_pushes_are_refused_with_reasons,
    a_killed_server_loses_nothing_and_applies_nothing_twice,
    a_completion_is_final_when_its_photos_have_arrived,
);

/// A phone: the shared engine plus the worker's token.
pub(crate) struct Phone {
    pub replica: Replica,
    pub token: String,
    pub role: Role,
}

impl Phone {
    pub async fn register(server: &TestServer, token: &str, role: Role) -> Phone {
        let me = ok_json(
            server
                .request(Method::GET, "/api/v1/auth/me", token)
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        let user_id: Uuid = me["id"].as_str().unwrap().parse().unwrap();
        let device_id = Uuid::new_v4();
        let device = ok_json(
            send(
                server,
                Method::POST,
                "/api/v1/sync/devices",
                token,
                json!({"device_id": device_id, "name": "测试手机", "platform": "Android"}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(device["last_seq"], 0);
        Phone {
            replica: Replica::new(device_id, user_id),
            token: token.to_owned(),
            role,
        }
    }

    pub fn record(&mut self, change: Change) -> Uuid {
        self.replica
            .record(change, self.role, OffsetDateTime::now_utc())
            .expect("allowed locally")
            .id
    }

    /// Sends the next batch; the raw response, and the engine told about it.
    pub async fn push(&mut self, server: &TestServer) -> PushResponse {
        let request = self.replica.next_push(100).expect("something to push");
        let response = server
            .request(Method::POST, "/api/v1/sync/push", &self.token)
            .json(&request)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let answer: PushResponse = response.json().await.unwrap();
        self.replica.on_pushed(&answer, OffsetDateTime::now_utc());
        answer
    }

    pub async fn pull_page(&mut self, server: &TestServer, limit: u32) -> PullResponse {
        let mut query = vec![
            ("device_id", self.replica.device_id.to_string()),
            ("limit", limit.to_string()),
        ];
        if let Some(c) = &self.replica.cursor {
            query.push(("cursor", c.clone()));
        }
        if let Some(r) = &self.replica.reference {
            query.push(("reference_version", r.version.clone()));
        }
        let response = server
            .request(Method::GET, "/api/v1/sync/pull", &self.token)
            .query(&query)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let page: PullResponse = response.json().await.unwrap();
        self.replica
            .on_pulled(page.clone(), OffsetDateTime::now_utc());
        page
    }

    pub async fn pull_all(&mut self, server: &TestServer) {
        for _ in 0..100 {
            let page = self.pull_page(server, 200).await;
            if !page.more {
                return;
            }
        }
        panic!("pull never finished");
    }
}

fn ticket_id(ticket: &Value) -> Uuid {
    ticket["id"].as_str().unwrap().parse().unwrap()
}

fn completion() -> CompletionRequest {
    CompletionRequest {
        repairers: vec![],
        items: vec![RecordItemInput {
            code: "WX001".into(),
            quantity: 1,
        }],
        materials: vec![RecordMaterialInput {
            code: "CL001".into(),
            quantity: 1.0,
        }],
        extra_fees: vec![],
        remarks: Some("更换胶管".into()),
        completed_at: None,
    }
}

async fn events(server: &TestServer, token: &str, id: Uuid) -> Vec<Value> {
    ok_json(
        server
            .request(Method::GET, &format!("/api/v1/tickets/{id}/events"), token)
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

async fn other_team(server: &TestServer, desk: &Desk) -> String {
    let teams = ok_json(
        server
            .request(Method::GET, "/api/v1/teams", &desk.leader)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    teams
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "吴中区维修班")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn work_done_offline_arrives_once(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let ticket = new_ticket(&server, &desk, "灶具打不着火").await;
    let id = ticket_id(&ticket);
    assert_eq!(ticket["status"], "assigned");
    let mut phone = Phone::register(&server, &desk.repairer, Role::Repairer).await;
    phone.pull_all(&server).await;
    assert_eq!(phone.replica.ticket_ids(), vec![id]);
    let job = &phone.replica.tickets[&id];
    let customer = job
        .customer
        .as_ref()
        .expect("the customer comes with the job");
    assert_eq!(customer.card_no, "0800001");
    assert_eq!(customer.past_repairs.len(), 1);
    assert!(
        job.ticket.warnings.iter().any(|w| w.contains("欠费")),
        "{:?}",
        job.ticket.warnings
    );
    let reference = phone
        .replica
        .reference
        .clone()
        .expect("catalogs for offline use");
    assert!(reference.repair_items.iter().any(|i| i.code == "WX001"));
    assert!(reference.materials.iter().any(|m| m.code == "CL001"));

    // In the basement: four steps, nothing sent.
    for action in [
        TicketAction::Accept,
        TicketAction::Depart,
        TicketAction::Arrive,
    ] {
        phone.record(Change::TicketStep {
            ticket_id: id,
            action,
        });
    }
    phone.record(Change::Complete {
        ticket_id: id,
        record: completion(),
        attachments: vec![],
    });
    assert_eq!(phone.replica.pending(), 4);
    assert_eq!(
        phone.replica.ticket(id).unwrap().status,
        TicketStatus::Completed,
        "the worker sees their own work before it is sent"
    );
    let sent = phone.replica.next_push(100).unwrap();

    let answer = phone.push(&server).await;
    assert_eq!(answer.last_seq, 4);
    assert!(
        answer
            .results
            .iter()
            .all(|r| r.outcome.is_applied() && !r.duplicate)
    );
    assert_eq!(phone.replica.pending(), 0);

    // The answer was lost on the way back: the phone sends the same batch again.
    let again = ok_json(
        send(
            &server,
            Method::POST,
            "/api/v1/sync/push",
            &desk.repairer,
            serde_json::to_value(&sent).unwrap(),
        )
        .await,
        200,
    )
    .await;
    let again: PushResponse = serde_json::from_value(again).unwrap();
    assert_eq!(again.results.len(), 4);
    assert!(
        again
            .results
            .iter()
            .all(|r| r.duplicate && r.outcome.is_applied())
    );
    let history = events(&server, &desk.dispatcher, id).await;
    let actions: Vec<&str> = history
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    // Each step once, after whatever the intake recorded.
    assert_eq!(
        actions[actions.len() - 4..],
        ["accept", "depart", "arrive", "complete"]
    );
    for action in ["accept", "depart", "arrive", "complete"] {
        assert_eq!(
            actions.iter().filter(|a| **a == action).count(),
            1,
            "{actions:?}"
        );
    }
    assert!(
        history[history.len() - 4..]
            .iter()
            .all(|e| !e["device_at"].is_null()),
        "field steps keep the phone's time: {history:?}"
    );
    let record = ok_json(
        server
            .request(
                Method::GET,
                &format!("/api/v1/tickets/{id}/record"),
                &desk.dispatcher,
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(record["items"][0]["code"], "WX001");

    // Done: the job leaves the phone's scope.
    phone.pull_all(&server).await;
    assert!(phone.replica.tickets.is_empty());
    server.stop().await;
}

async fn refused_changes_are_kept_flagged_and_do_not_block(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let a = ticket_id(&new_ticket(&server, &desk, "表后阀漏气").await);
    let b = ticket_id(&new_ticket(&server, &desk, "热水器打不着").await);
    let mut phone = Phone::register(&server, &desk.repairer, Role::Repairer).await;
    phone.pull_all(&server).await;
    for id in [a, b] {
        for action in [
            TicketAction::Accept,
            TicketAction::Depart,
            TicketAction::Arrive,
        ] {
            phone.record(Change::TicketStep {
                ticket_id: id,
                action,
            });
        }
    }
    phone.push(&server).await;

    // Offline, the worker completes A; meanwhile the dispatcher moves A to another team.
    phone.record(Change::Complete {
        ticket_id: a,
        record: completion(),
        attachments: vec![],
    });
    phone.record(Change::Complete {
        ticket_id: b,
        record: completion(),
        attachments: vec![],
    });
    let wuzhong = other_team(&server, &desk).await;
    ok_json(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/tickets/{a}/transitions"),
            &desk.dispatcher,
            json!({"action": "reassign", "team_id": wuzhong, "reason": "辖区调整"}),
        )
        .await,
        200,
    )
    .await;
    let answer = phone.push(&server).await;
    assert_eq!(answer.results.len(), 2);
    match &answer.results[0].outcome {
        Outcome::Flagged { code, reason } => {
            assert_eq!(code, "conflict");
            assert!(reason.contains("reassigned"), "{reason}");
        }
        other => panic!("expected a flag, got {other:?}"),
    }
    assert!(
        answer.results[1].outcome.is_applied(),
        "B is not blocked by A"
    );
    assert_eq!(phone.replica.flags.len(), 1);
    assert_eq!(phone.replica.flags[0].subject, Some(a));
    // Nothing of the refused completion was written.
    expect_error(
        server
            .request(
                Method::GET,
                &format!("/api/v1/tickets/{a}/record"),
                &desk.dispatcher,
            )
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;

    // The dispatcher sees it, with the whole record the phone sent.
    let flagged = ok_json(
        server
            .request(Method::GET, "/api/v1/sync/flagged", &desk.dispatcher)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let flagged = flagged.as_array().unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["kind"], "complete");
    assert_eq!(
        flagged[0]["mutation"]["change"]["record"]["items"][0]["code"],
        "WX001"
    );
    expect_error(
        server
            .request(Method::GET, "/api/v1/sync/flagged", &desk.repairer)
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let flag_id = flagged[0]["id"].as_str().unwrap();
    let path = format!("/api/v1/sync/flagged/{flag_id}/resolve");
    expect_error(
        send(
            &server,
            Method::POST,
            &path,
            &desk.dispatcher,
            json!({"resolution": " "}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let resolved = send(
        &server,
        Method::POST,
        &path,
        &desk.dispatcher,
        json!({"resolution": "已通知吴中区维修班核实"}),
    )
    .await;
    assert_eq!(resolved.status(), 204);
    expect_error(
        send(
            &server,
            Method::POST,
            &path,
            &desk.dispatcher,
            json!({"resolution": "again"}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    let open = ok_json(
        server
            .request(Method::GET, "/api/v1/sync/flagged", &desk.dispatcher)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(open.as_array().unwrap().is_empty());

    // A cancelled job: the step is kept and flagged, with the reason.
    let c = ticket_id(&new_ticket(&server, &desk, "燃气表不走字").await);
    phone.pull_all(&server).await;
    phone.record(Change::TicketStep {
        ticket_id: c,
        action: TicketAction::Accept,
    });
    ok_json(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/tickets/{c}/transitions"),
            &desk.dispatcher,
            json!({"action": "cancel", "reason": "客户来电撤销"}),
        )
        .await,
        200,
    )
    .await;
    let answer = phone.push(&server).await;
    assert!(
        matches!(&answer.results[0].outcome, Outcome::Flagged { reason, .. } if reason.contains("cancelled")),
        "{answer:?}"
    );
    phone.pull_all(&server).await;
    assert!(!phone.replica.tickets.contains_key(&a), "A left the scope");
    assert!(!phone.replica.tickets.contains_key(&c), "C left the scope");
    server.stop().await;
}

async fn pulls_page_the_scope_and_send_removals(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(ticket_id(
            &new_ticket(&server, &desk, &format!("第{i}户灶具漏气")).await,
        ));
    }
    let mut phone = Phone::register(&server, &desk.repairer, Role::Repairer).await;
    let first = phone.pull_page(&server, 2).await;
    assert!(first.reset && first.more);
    assert_eq!(first.tickets.len(), 2);
    let version = first
        .reference
        .as_ref()
        .expect("reference data on the first page")
        .version
        .clone();
    let mut pages = 1;
    loop {
        let page = phone.pull_page(&server, 2).await;
        pages += 1;
        assert!(!page.reset);
        assert!(
            page.reference.is_none(),
            "unchanged reference data is not sent again"
        );
        if !page.more {
            break;
        }
    }
    assert!(pages >= 3, "five jobs in pages of two");
    let mut held = phone.replica.ticket_ids();
    held.sort();
    ids.sort();
    assert_eq!(held, ids);

    // The other team's repairer sees none of them.
    let mut stranger = Phone::register(&server, &desk.other_repairer, Role::Repairer).await;
    stranger.pull_all(&server).await;
    assert!(stranger.replica.tickets.is_empty());

    // Reassigned away: a removal; a new job: an upsert; a catalog change: new reference data.
    let wuzhong = other_team(&server, &desk).await;
    ok_json(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/tickets/{}/transitions", ids[0]),
            &desk.dispatcher,
            json!({"action": "reassign", "team_id": wuzhong, "reason": "辖区调整"}),
        )
        .await,
        200,
    )
    .await;
    let fresh = ticket_id(&new_ticket(&server, &desk, "新报修").await);
    ok_json(
        send(
            &server,
            Method::POST,
            "/api/v1/catalog/materials",
            &desk.leader,
            json!({"code": "CL009", "name": "管卡", "unit": "只", "price_fen": 200}),
        )
        .await,
        201,
    )
    .await;
    let page = phone.pull_page(&server, 200).await;
    assert!(!page.reset);
    assert!(
        page.removed.iter().any(|r| r.id == ids[0]),
        "{:?}",
        page.removed
    );
    assert!(page.tickets.iter().any(|t| t.ticket.id == fresh));
    let reference = page.reference.expect("the catalog changed");
    assert_ne!(reference.version, version);
    assert!(reference.materials.iter().any(|m| m.code == "CL009"));
    assert!(!phone.replica.tickets.contains_key(&ids[0]));
    stranger.pull_all(&server).await;
    assert_eq!(
        stranger.replica.ticket_ids(),
        vec![ids[0]],
        "the other team gets it"
    );

    // A leader forces a full resync: the old cursor now starts a snapshot.
    let devices = ok_json(
        server
            .request(Method::GET, "/api/v1/sync/devices", &desk.repairer)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let device = devices[0]["device_id"].as_str().unwrap();
    let path = format!("/api/v1/sync/devices/{device}/resync");
    expect_error(
        send(&server, Method::POST, &path, &desk.repairer, json!({})).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        send(&server, Method::POST, &path, &desk.leader, json!({}))
            .await
            .status(),
        204
    );
    let page = phone.pull_page(&server, 200).await;
    assert!(page.reset, "a forced resync starts over");
    phone.pull_all(&server).await;
    assert_eq!(phone.replica.tickets.len(), 5);

    // Malformed pulls.
    for (query, field) in [
        (format!("device_id={device}&cursor=nonsense"), "cursor"),
        (format!("device_id={device}&limit=0"), "limit"),
    ] {
        let body = expect_error(
            server
                .request(
                    Method::GET,
                    &format!("/api/v1/sync/pull?{query}"),
                    &desk.repairer,
                )
                .send()
                .await
                .unwrap(),
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(body["error"]["field"], field);
    }
    server.stop().await;
}

async fn bad_pushes_are_refused_with_reasons(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let id = ticket_id(&new_ticket(&server, &desk, "灶具打不着火").await);
    let mut phone = Phone::register(&server, &desk.repairer, Role::Repairer).await;
    phone.pull_all(&server).await;
    let device = phone.replica.device_id;
    let now = OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let mutation = |seq: u64, change: Value| json!({"id": Uuid::new_v4(), "device_id": device, "seq": seq, "device_at": now, "change": change});
    let accept = json!({"type": "ticket_step", "ticket_id": id, "action": "accept"});
    let push = |token: &str, body: Value| {
        let token = token.to_owned();
        let server = &server;
        async move { send(server, Method::POST, "/api/v1/sync/push", &token, body).await }
    };

    // Not registered, someone else's, not a field role.
    let stranger = Uuid::new_v4();
    let unknown = json!({"device_id": stranger, "mutations": [{"id": Uuid::new_v4(), "device_id": stranger,
        "seq": 1, "device_at": now, "change": accept}]});
    expect_error(push(&desk.repairer, unknown).await, 404, "not_found").await;
    let theirs = json!({"device_id": device, "mutations": [mutation(1, accept.clone())]});
    expect_error(push(&desk.other_repairer, theirs).await, 403, "forbidden").await;
    expect_error(
        send(
            &server,
            Method::POST,
            "/api/v1/sync/devices",
            &desk.dispatcher,
            json!({"device_id": Uuid::new_v4(), "name": "调度台"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    expect_error(
        send(
            &server,
            Method::POST,
            "/api/v1/sync/devices",
            &desk.other_repairer,
            json!({"device_id": device, "name": "抢来的"}),
        )
        .await,
        409,
        "conflict",
    )
    .await;

    // Malformed batches: nothing is applied.
    for (body, field) in [
        (json!({"device_id": device, "mutations": []}), "mutations"),
        (
            json!({"device_id": device, "mutations": [mutation(1, accept.clone()), mutation(3, accept.clone())]}),
            "mutations[1].seq",
        ),
        (
            json!({"device_id": device, "mutations": [mutation(0, accept.clone())]}),
            "mutations[0].seq",
        ),
        (
            json!({"device_id": device, "mutations": (1..=101).map(|i| mutation(i, accept.clone())).collect::<Vec<_>>()}),
            "mutations",
        ),
    ] {
        let answer = expect_error(push(&desk.repairer, body).await, 422, "validation_failed").await;
        assert_eq!(answer["error"]["field"], field, "{answer}");
    }
    let unknown_kind = json!({"device_id": device, "mutations": [mutation(1, json!({"type": "delete_everything"}))]});
    expect_error(
        push(&desk.repairer, unknown_kind).await,
        422,
        "validation_failed",
    )
    .await;
    let huge = json!({"device_id": device, "mutations": [mutation(1, json!({"type": "ticket_step", "ticket_id": id, "action": "accept", "x": "x".repeat(1 << 20)}))]});
    let response = push(&desk.repairer, huge).await;
    assert_eq!(response.status(), 413);

    // A gap: the server expects 1.
    let gap = json!({"device_id": device, "mutations": [mutation(2, accept.clone())]});
    let answer = expect_error(push(&desk.repairer, gap).await, 422, "validation_failed").await;
    assert_eq!(answer["error"]["details"]["expected_seq"], 1);

    // Refused one by one, kept, not blocking: no such ticket, another team's ticket, then a
    // good one.
    let foreign = ticket_id(&new_ticket(&server, &desk, "另一张").await);
    let wuzhong = other_team(&server, &desk).await;
    ok_json(
        send(
            &server,
            Method::POST,
            &format!("/api/v1/tickets/{foreign}/transitions"),
            &desk.dispatcher,
            json!({"action": "reassign", "team_id": wuzhong, "reason": "辖区调整"}),
        )
        .await,
        200,
    )
    .await;
    let first = mutation(
        1,
        json!({"type": "ticket_step", "ticket_id": Uuid::new_v4(), "action": "accept"}),
    );
    let batch = json!({"device_id": device, "mutations": [
        first.clone(),
        mutation(2, json!({"type": "ticket_step", "ticket_id": foreign, "action": "accept"})),
        mutation(3, accept.clone()),
        // The phone's clock says this happened years before the call: kept, flagged.
        json!({"id": Uuid::new_v4(), "device_id": device, "seq": 4, "device_at": "2020-01-01T00:00:00Z",
               "change": {"type": "ticket_step", "ticket_id": id, "action": "depart"}}),
    ]});
    let answer: PushResponse =
        serde_json::from_value(ok_json(push(&desk.repairer, batch).await, 200).await).unwrap();
    let codes: Vec<String> = answer
        .results
        .iter()
        .map(|r| match &r.outcome {
            Outcome::Applied { .. } => "applied".to_owned(),
            Outcome::Flagged { code, .. } => code.clone(),
        })
        .collect();
    assert_eq!(
        codes,
        ["not_found", "conflict", "applied", "validation_failed"]
    );
    assert_eq!(answer.last_seq, 4);

    // Number 1 again, but a different mutation: refused, not mistaken for a repeat.
    let reused = json!({"device_id": device, "mutations": [mutation(1, accept.clone())]});
    expect_error(push(&desk.repairer, reused).await, 409, "conflict").await;
    // The same mutation 1 again is a repeat, answered as before.
    let repeat = json!({"device_id": device, "mutations": [first]});
    let answer: PushResponse =
        serde_json::from_value(ok_json(push(&desk.repairer, repeat).await, 200).await).unwrap();
    assert!(answer.results[0].duplicate);
    assert!(
        matches!(&answer.results[0].outcome, Outcome::Flagged { code, .. } if code == "not_found")
    );

    // The engine classifies a signed-out failure as retryable and keeps the outbox.
    phone.pull_all(&server).await;
    phone.record(Change::TicketStep {
        ticket_id: id,
        action: TicketAction::Depart,
    });
    let expired = server
        .request(Method::POST, "/api/v1/sync/push", "not-a-token")
        .json(&phone.replica.next_push(100).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 401);
    phone
        .replica
        .on_failed(SyncFailure::SignedOut, OffsetDateTime::now_utc());
    assert_eq!(phone.replica.pending(), 1);
    assert!(
        phone
            .replica
            .last_error
            .as_deref()
            .unwrap()
            .contains("登录")
    );
    server.stop().await;
}

/// The real server binary, killed with SIGKILL at random moments while a phone pushes, and
/// started again: after the phone's retries, every point of the patrol track is stored once.
async fn a_killed_server_loses_nothing_and_applies_nothing_twice(engine: Engine) {
    use gasdesk_shared::followup::TrackPoint;
    use rand::{Rng, SeedableRng};
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    let Some((url, postgres_db, _dir)) = fresh_database(engine).await else {
        return;
    };
    let db = gasdesk_server::Db::open(&url).await.unwrap();
    gasdesk_server::users::create(
        &db,
        gasdesk_server::db::audit::Actor::SYSTEM,
        gasdesk_shared::api::NewUser {
            username: "xx001".into(),
            display_name: "巡线员".into(),
            password: PASSWORD.into(),
            role: Role::Patroller,
            phone: None,
        },
    )
    .await
    .unwrap();
    db.close().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let start = || -> Child {
        Command::new(env!("CARGO_BIN_EXE_gasdesk"))
            .args([
                "--database-url",
                &url,
                "serve",
                "--addr",
                &format!("127.0.0.1:{port}"),
            ])
            .env_remove("GASDESK_DATABASE_URL")
            .env("GASDESK_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gasdesk")
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    // A debug build migrating and opening its database on a loaded machine: allow a minute.
    let wait_ready = |client: reqwest::Client, base: String| async move {
        for _ in 0..3000 {
            if client
                .get(format!("{base}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the server did not come up");
    };
    let mut child = start();
    wait_ready(client.clone(), base.clone()).await;
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "xx001", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let user_id: Uuid = login["user"]["id"].as_str().unwrap().parse().unwrap();
    let device = Uuid::new_v4();
    let registered = client
        .post(format!("{base}/api/v1/sync/devices"))
        .bearer_auth(&token)
        .json(&json!({"device_id": device, "name": "巡线手机"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 200);

    // A day of patrol recorded offline: the log and 400 track points, one mutation each.
    let mut replica = Replica::new(device, user_id);
    let began = OffsetDateTime::now_utc() - time::Duration::minutes(30);
    let log_id = Uuid::now_v7();
    replica
        .record(Change::StartPatrolLog { log_id }, Role::Patroller, began)
        .unwrap();
    const POINTS: usize = 400;
    for i in 0..POINTS {
        let at = began + time::Duration::seconds(i as i64);
        replica
            .record(
                Change::PatrolTrack {
                    log_id,
                    points: vec![TrackPoint {
                        lon: 120.62 + i as f64 * 1e-5,
                        lat: 31.29,
                        at,
                    }],
                },
                Role::Patroller,
                at,
            )
            .unwrap();
    }

    // The phone pushes in batches of 10 and retries on any failure; meanwhile the server is
    // killed and restarted five times.
    let pusher = {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        tokio::spawn(async move {
            let mut failures = 0;
            while let Some(request) = replica.next_push(10) {
                let sent = client
                    .post(format!("{base}/api/v1/sync/push"))
                    .bearer_auth(&token)
                    .json(&request)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 200 => match r.json::<PushResponse>().await {
                        Ok(answer) => replica.on_pushed(&answer, OffsetDateTime::now_utc()),
                        Err(_) => failures += 1,
                    },
                    Ok(r) => panic!("the server refused a push: {}", r.status()),
                    Err(_) => {
                        failures += 1;
                        replica.on_failed(SyncFailure::Network, OffsetDateTime::now_utc());
                        tokio::time::sleep(Duration::from_millis(25)).await;
                    }
                }
            }
            failures
        })
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(rng.random_range(20..200))).await;
        child.kill().unwrap(); // SIGKILL: no graceful shutdown, transactions cut mid-way
        child.wait().unwrap();
        child = start();
        wait_ready(client.clone(), base.clone()).await;
    }
    let failures = pusher.await.unwrap();
    eprintln!("{engine:?}: {failures} failed pushes retried");

    let log: Value = client
        .get(format!("{base}/api/v1/patrol-logs/{log_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["points"], POINTS, "every point once: {log}");
    let devices: Value = client
        .get(format!("{base}/api/v1/sync/devices"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(devices[0]["last_seq"], POINTS + 1);
    child.kill().unwrap();
    child.wait().unwrap();
    if let Some((admin, name)) = postgres_db {
        drop_postgres_database(&admin, &name).await;
    }
}

/// A completion recorded with a photo and a signature: applied at once, but the ticket can be
/// neither followed up nor closed until both have been uploaded.
async fn a_completion_is_final_when_its_photos_have_arrived(engine: Engine) {
    use crate::attachments::{declare, photo, put_chunk, sha256_hex};
    use gasdesk_shared::attachments::AttachmentKind;
    use gasdesk_shared::sync::AttachmentRef;

    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let id = ticket_id(&new_ticket(&server, &desk, "灶具打不着火").await);
    let mut phone = Phone::register(&server, &desk.repairer, Role::Repairer).await;
    phone.pull_all(&server).await;
    let (picture, signature) = (photo(3000, 1), photo(800, 2));
    let refs = [
        (&picture, AttachmentKind::Photo),
        (&signature, AttachmentKind::Signature),
    ];
    for action in [TicketAction::Accept, TicketAction::Arrive] {
        phone.record(Change::TicketStep {
            ticket_id: id,
            action,
        });
    }
    phone.record(Change::Complete {
        ticket_id: id,
        record: completion(),
        attachments: refs
            .iter()
            .map(|(bytes, kind)| AttachmentRef {
                sha256: sha256_hex(bytes),
                kind: *kind,
            })
            .collect(),
    });
    // A malformed hash on a separate photo is refused by itself.
    phone.record(Change::Attach {
        ticket_id: Some(id),
        check_id: None,
        attachment: AttachmentRef {
            sha256: "not-a-hash".into(),
            kind: AttachmentKind::Photo,
        },
    });
    let answer = phone.push(&server).await;
    assert!(answer.results[..3].iter().all(|r| r.outcome.is_applied()));
    assert!(
        matches!(&answer.results[3].outcome, Outcome::Flagged { code, .. } if code == "validation_failed"),
        "{answer:?}"
    );
    let pending = ok_json(
        server
            .request(
                Method::GET,
                &format!("/api/v1/tickets/{id}/attachments"),
                &desk.dispatcher,
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(pending["pending"], 2, "{pending}");
    let close = |token: String| {
        let server = &server;
        async move {
            send(
                server,
                Method::POST,
                &format!("/api/v1/tickets/{id}/transitions"),
                &token,
                json!({"action": "close"}),
            )
            .await
        }
    };
    let refused = expect_error(close(desk.dispatcher.clone()).await, 409, "conflict").await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("have not arrived"),
        "{refused}"
    );

    // The phone uploads them when it has signal; then the ticket can be closed.
    for (bytes, kind) in refs {
        let sha = sha256_hex(bytes);
        let declared = declare(
            &server,
            &desk.repairer,
            json!({"sha256": sha, "size": bytes.len(),
            "mime": "image/png", "kind": kind}),
        )
        .await;
        assert!(declared.status().is_success(), "{}", declared.status());
        assert_eq!(
            put_chunk(&server, &desk.repairer, &sha, 0, bytes)
                .await
                .status(),
            200
        );
    }
    ok_json(close(desk.dispatcher.clone()).await, 200).await;
    server.stop().await;
}
