//! The console's live stream (Server-Sent Events): events in commit order, filtered by what
//! the user may see, resumable with `Last-Event-ID`, opened by browsers with single-use
//! tickets; and, on PostgreSQL, two instances on one database: a stream on B sees what
//! happened on A, and an escalation round runs once across both.

use crate::on_both_engines;
use crate::push::{push_server, subscribe};
use crate::push_service::Behaviour;
use crate::support::{Engine, TestServer, expect_error, ok_json};
use crate::tickets::{desk, new_ticket};
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;

on_both_engines!(
    the_stream_shows_each_user_what_they_may_see_and_resumes,
    stream_tickets_are_single_use_and_short_lived,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_events_and_escalate_once() {
    two_instances(Engine::Postgres).await
}

/// One event read off the wire.
#[derive(Debug, Clone)]
pub(crate) struct SseEvent {
    pub id: Option<String>,
    pub event: String,
    pub data: Value,
}

/// A minimal Server-Sent Events reader over a streaming response.
pub(crate) struct SseClient {
    response: reqwest::Response,
    buffer: String,
}

impl SseClient {
    pub async fn open(
        server: &TestServer,
        query: &str,
        token: Option<&str>,
        last_event_id: Option<&str>,
    ) -> reqwest::Response {
        let mut request = server
            .client
            .get(server.url(&format!("/api/v1/live{query}")));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        request.send().await.unwrap()
    }

    pub async fn connect(
        server: &TestServer,
        token: &str,
        last_event_id: Option<&str>,
    ) -> SseClient {
        let response = SseClient::open(server, "", Some(token), last_event_id).await;
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream"),
            "{:?}",
            response.headers()
        );
        SseClient {
            response,
            buffer: String::new(),
        }
    }

    pub fn from_response(response: reqwest::Response) -> SseClient {
        SseClient {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped), or `None` after `wait` of silence or
    /// when the stream ended.
    pub async fn next(&mut self, wait: Duration) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, "message".to_owned(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() && id.is_none() {
                    continue; // a comment (keep-alive)
                }
                return Some(SseEvent {
                    id,
                    event,
                    data: serde_json::from_str(&data).unwrap_or(Value::Null),
                });
            }
            match tokio::time::timeout(wait, self.response.chunk()).await {
                Ok(Ok(Some(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    /// Events until `kind` arrives (or panics after 10 s).
    pub async fn until(&mut self, kind: &str) -> Vec<SseEvent> {
        let mut seen = Vec::new();
        while let Some(event) = self.next(Duration::from_secs(10)).await {
            let done = event.event == kind;
            seen.push(event);
            if done {
                return seen;
            }
        }
        panic!("no `{kind}` event; saw {seen:?}");
    }
}

async fn the_stream_shows_each_user_what_they_may_see_and_resumes(engine: Engine) {
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
    let mut dispatcher = SseClient::connect(&server, &desk.dispatcher, None).await;
    let mut mine = SseClient::connect(&server, &desk.repairer, None).await;
    let mut other = SseClient::connect(&server, &desk.other_repairer, None).await;

    let ticket = new_ticket(&server, &desk, "看板").await;
    let id = ticket["id"].as_str().unwrap();
    let seen = dispatcher.until("ticket.create").await;
    let created = seen.last().unwrap();
    assert_eq!(created.data["ticket_id"], id);
    assert_eq!(created.data["data"]["number"], ticket["number"]);
    assert_eq!(created.data["data"]["to"], "assigned");
    assert_eq!(
        created.id.as_deref(),
        Some(created.data["seq"].to_string().as_str())
    );
    // The dispatcher also sees the push going out and arriving at the push service.
    let sent = loop {
        let event = dispatcher
            .next(Duration::from_secs(10))
            .await
            .expect("delivery events");
        if event.event == "push.delivery" && event.data["data"]["state"] == "sent" {
            break event;
        }
    };
    assert_eq!(sent.data["ticket_id"], id);

    // The team's repairer sees the job, not the office-only delivery records.
    let seen = mine.until("ticket.create").await;
    assert!(
        seen.iter()
            .all(|e| e.event != "push.delivery" && e.event != "alert"),
        "{seen:?}"
    );
    ok_json(
        crate::support::send(
            &server,
            Method::POST,
            &format!("/api/v1/tickets/{id}/transitions"),
            &desk.repairer,
            serde_json::json!({"action": "accept"}),
        )
        .await,
        200,
    )
    .await;
    let accepted = mine.until("ticket.accept").await;
    assert_eq!(accepted.last().unwrap().data["data"]["to"], "accepted");
    // The other team's repairer saw none of it.
    assert!(other.next(Duration::from_millis(500)).await.is_none());

    // Resuming after the creation replays what followed, in order and once.
    let after = created.id.clone().unwrap();
    let mut resumed = SseClient::connect(&server, &desk.dispatcher, Some(&after)).await;
    let replay = resumed.until("ticket.accept").await;
    let seqs: Vec<i64> = replay
        .iter()
        .map(|e| e.data["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(seqs[0] > after.parse::<i64>().unwrap());
    assert!(
        replay.iter().all(|e| e.event != "ticket.create"),
        "{replay:?}"
    );
    // An id the server never issued cannot be resumed from: the board must reload.
    let mut lost = SseClient::connect(&server, &desk.dispatcher, Some("99999999")).await;
    assert_eq!(
        lost.next(Duration::from_secs(20)).await.unwrap().event,
        "reset"
    );
    let response = SseClient::open(&server, "", Some(&desk.dispatcher), Some("yesterday")).await;
    expect_error(response, 422, "validation_failed").await;
    // No credentials at all.
    let response = SseClient::open(&server, "", None, None).await;
    expect_error(response, 401, "unauthenticated").await;
    server.stop().await;
}

async fn stream_tickets_are_single_use_and_short_lived(engine: Engine) {
    let Some(server) = TestServer::start(engine).await else {
        return;
    };
    let desk = desk(&server).await;
    let ticket = ok_json(
        server
            .request(Method::POST, "/api/v1/live/tickets", &desk.dispatcher)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(ticket["expires_in"], 60);
    let code = ticket["ticket"].as_str().unwrap();
    let response = SseClient::open(&server, &format!("?ticket={code}"), None, None).await;
    assert_eq!(response.status(), 200);
    let mut stream = SseClient::from_response(response);
    new_ticket(&server, &desk, "凭票").await;
    stream.until("ticket.create").await;
    // Used once: a second connection with it is refused, as is a made-up one.
    let again = SseClient::open(&server, &format!("?ticket={code}"), None, None).await;
    expect_error(again, 401, "unauthenticated").await;
    let forged = SseClient::open(&server, "?ticket=gd_0000", None, None).await;
    expect_error(forged, 401, "unauthenticated").await;
    // Expired before use.
    let stale = gasdesk_server::auth::new_token();
    let session = {
        let login: Value = server
            .login("hw001", crate::support::PASSWORD)
            .await
            .json()
            .await
            .unwrap();
        gasdesk_server::auth::token_hash(login["token"].as_str().unwrap())
    };
    gasdesk_server::db::live::insert_stream_ticket(
        &server.db,
        &gasdesk_server::auth::token_hash(&stale),
        &session,
        gasdesk_server::db::now() - time::Duration::seconds(1),
    )
    .await
    .unwrap();
    let expired = SseClient::open(&server, &format!("?ticket={stale}"), None, None).await;
    expect_error(expired, 401, "unauthenticated").await;
    // A ticket is only handed to someone signed in.
    let response = server
        .client
        .post(server.url("/api/v1/live/tickets"))
        .send()
        .await
        .unwrap();
    expect_error(response, 401, "unauthenticated").await;
    server.stop().await;
}

async fn two_instances(engine: Engine) {
    let Some((a, service)) = push_server(engine).await else {
        return;
    };
    let b = a.second_instance().await;
    let desk = desk(&a).await;
    subscribe(
        &a,
        &desk.repairer,
        &service.subscribe("phone", Behaviour::Accept),
    )
    .await;
    let mut on_b = SseClient::connect(&b, &desk.dispatcher, None).await;
    let ticket = new_ticket(&a, &desk, "从A实例创建").await;
    let seen = on_b.until("ticket.create").await;
    assert_eq!(seen.last().unwrap().data["ticket_id"], ticket["id"]);
    // Both instances run the sender: the phone still rings once.
    service.wait_for("one push", |d| !d.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(service.delivered().len(), 1, "{:?}", service.delivered());

    // Both instances sweep at the same moment: one alert, one reminder.
    let at = gasdesk_server::db::now() + time::Duration::minutes(11);
    let (ra, rb) = tokio::join!(
        gasdesk_server::escalation::sweep(&a.db, at),
        gasdesk_server::escalation::sweep(&b.db, at),
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.rung_again + rb.rung_again, 1, "{ra:?} {rb:?}");
    assert_eq!(
        ra.dispatcher_alerts + rb.dispatcher_alerts,
        1,
        "{ra:?} {rb:?}"
    );
    let alerts = ok_json(
        b.request(Method::GET, "/api/v1/alerts", &desk.dispatcher)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    // The alert raised by whichever instance reaches the stream on B.
    on_b.until("alert").await;
    service.wait_for("the reminder", |d| d.len() == 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(service.delivered().len(), 2);
    b.stop().await;
    a.stop().await;
}
