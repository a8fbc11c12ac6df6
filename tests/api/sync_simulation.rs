//! Deterministic simulation of offline sync: several phones (the shared `Replica` engine) and
//! the real server (its router, in process, on a real database) over a faulty network —
//! requests lost, answers lost, requests duplicated, stale requests delivered late, the server
//! restarted between request and answer — while a dispatcher reassigns and cancels the same
//! tickets. Every delivered push is checked against a simple model of the rules (exactly once,
//! in order, applied or flagged); at the end, with the network healed, every mutation was
//! answered exactly once, the server's tickets equal the model's, and each phone holds exactly
//! its scope as the server has it.
//!
//! `GASDESK_SYNC_SCHEDULES` sets the number of seeded schedules (default 1,000 on SQLite and
//! 100 on PostgreSQL); `GASDESK_SYNC_SEED` replays one schedule.

use crate::support::{Engine, PASSWORD, drop_postgres_database, fresh_database};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use gasdesk_server::db::audit::Actor;
use gasdesk_server::{AppState, Config, Db};
use gasdesk_shared::Role;
use gasdesk_shared::api::NewUser;
use gasdesk_shared::intake::{CompletionRequest, RecordItemInput};
use gasdesk_shared::sync::{
    Change, MutationResult, Outcome, PullResponse, PushRequest, PushResponse, Replica, SyncFailure,
    step_target,
};
use gasdesk_shared::ticket::{TicketAction, TicketStatus, transition};
use rand::seq::{IndexedMutRandom, IndexedRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;
use tower::ServiceExt;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    simulate(Engine::Sqlite, 1000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    simulate(Engine::Postgres, 100).await;
}

/// The server in process: rebuilt from the same database to "restart" it.
struct Server {
    db: Db,
    config: Config,
    app: Router,
}

impl Server {
    async fn start(db: Db, config: Config) -> Server {
        let state = AppState::ready(db.clone(), config.clone())
            .await
            .expect("state");
        Server {
            app: gasdesk_server::http::router(state),
            db,
            config,
        }
    }

    async fn restart(&mut self) {
        *self = Server::start(self.db.clone(), self.config.clone()).await;
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"));
        let body = match body {
            Some(b) => {
                request = request.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 64 << 20)
            .await
            .unwrap();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        (status, value)
    }

    async fn ok(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(method, path, token, body).await;
        assert!((200..300).contains(&status), "{path}: {status} {value}");
        value
    }
}

struct Worker {
    id: Uuid,
    token: String,
    teams: Vec<Uuid>,
}

struct Phone {
    worker: usize,
    replica: Replica,
    /// Push requests sent before, for delivering one late.
    sent: Vec<PushRequest>,
}

#[derive(Debug, Clone, PartialEq)]
struct ModelTicket {
    status: TicketStatus,
    team: Option<Uuid>,
    assignee: Option<Uuid>,
}

/// The rules, written plainly: what the server must answer.
#[derive(Default)]
struct Model {
    tickets: BTreeMap<Uuid, ModelTicket>,
    last_seq: HashMap<Uuid, u64>,
    answers: HashMap<(Uuid, u64), (Uuid, bool)>,
}

impl Model {
    /// Applies one delivered mutation; returns whether it should be applied (vs flagged), and
    /// whether it is a repeat.
    fn apply(
        &mut self,
        worker: &Worker,
        device: Uuid,
        m: &gasdesk_shared::sync::Mutation,
    ) -> (bool, bool) {
        let last = self.last_seq.get(&device).copied().unwrap_or(0);
        if m.seq <= last {
            let (id, applied) = self.answers[&(device, m.seq)];
            assert_eq!(id, m.id, "the model saw another mutation under this number");
            return (applied, true);
        }
        assert_eq!(m.seq, last + 1, "phones never skip numbers");
        let applied = match &m.change {
            Change::TicketStep { ticket_id, action } => self.field(worker, *ticket_id, *action),
            Change::Complete { ticket_id, .. } => {
                self.field(worker, *ticket_id, TicketAction::Complete)
            }
            other => panic!("the simulation does not make {other:?}"),
        };
        self.last_seq.insert(device, m.seq);
        self.answers.insert((device, m.seq), (m.id, applied));
        (applied, false)
    }

    fn field(&mut self, worker: &Worker, id: Uuid, action: TicketAction) -> bool {
        let Some(t) = self.tickets.get_mut(&id) else {
            return false;
        };
        let ours = t.assignee == Some(worker.id)
            || t.team.is_some_and(|team| worker.teams.contains(&team));
        if t.status == TicketStatus::Cancelled
            || !ours
            || t.assignee.is_some_and(|a| a != worker.id)
        {
            return false;
        }
        if action != TicketAction::Complete
            && t.status == step_target(action)
            && t.assignee == Some(worker.id)
        {
            return true; // already so: not a conflict
        }
        match transition(t.status, action, Role::Repairer, true) {
            Ok(to) => {
                t.status = to;
                if action == TicketAction::Accept || action == TicketAction::Complete {
                    t.assignee = t.assignee.or(Some(worker.id));
                }
                true
            }
            Err(_) => false,
        }
    }
}

fn completion() -> CompletionRequest {
    CompletionRequest {
        repairers: vec![],
        items: vec![RecordItemInput {
            code: "WX001".into(),
            quantity: 1,
        }],
        materials: vec![],
        extra_fees: vec![],
        remarks: None,
        completed_at: None,
    }
}

fn schedules(default: usize) -> usize {
    std::env::var("GASDESK_SYNC_SCHEDULES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn simulate(engine: Engine, default_schedules: usize) {
    let Some((url, postgres_db, _dir)) = fresh_database(engine).await else {
        eprintln!("skipped: PostgreSQL tests need GASDESK_TEST_POSTGRES_URL");
        return;
    };
    let config = Config {
        database_url: url,
        ..Config::default()
    };
    let db = gasdesk_server::open(&config).await.expect("open");
    let mut server = Server::start(db.clone(), config).await;
    let (dispatcher, workers, teams) = set_up(&server).await;
    let seeds: Vec<u64> = match std::env::var("GASDESK_SYNC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => vec![seed],
        None => (0..schedules(default_schedules) as u64).collect(),
    };
    let started = std::time::Instant::now();
    let mut totals = (0usize, 0usize, 0usize);
    for seed in &seeds {
        let (applied, flagged, faults) =
            run_schedule(&mut server, *seed, &dispatcher, &workers, &teams).await;
        totals.0 += applied;
        totals.1 += flagged;
        totals.2 += faults;
    }
    eprintln!(
        "{} schedules on {engine:?}: {} mutations applied, {} flagged, {} network faults, {:.1} s",
        seeds.len(),
        totals.0,
        totals.1,
        totals.2,
        started.elapsed().as_secs_f64()
    );
    assert!(
        totals.0 > 0 && totals.1 > 0 && totals.2 > 0,
        "the schedules exercised nothing"
    );
    db.close().await;
    if let Some((admin, name)) = postgres_db {
        drop_postgres_database(&admin, &name).await;
    }
}

/// Two repair teams; two repairers in team A (which serves the square the tickets are in), one
/// in team B; a dispatcher; a repair item.
async fn set_up(server: &Server) -> (String, Vec<Worker>, [Uuid; 2]) {
    let mut tokens = HashMap::new();
    for (name, role) in [
        ("admin", Role::Admin),
        ("hw001", Role::Dispatcher),
        ("wx001", Role::Repairer),
        ("wx002", Role::Repairer),
        ("wx003", Role::Repairer),
    ] {
        let user = gasdesk_server::users::create(
            &server.db,
            Actor::SYSTEM,
            NewUser {
                username: name.into(),
                display_name: name.into(),
                password: PASSWORD.into(),
                role,
                phone: None,
            },
        )
        .await
        .unwrap();
        let login = server
            .ok(
                Method::POST,
                "/api/v1/auth/login",
                "",
                Some(json!({"username": name, "password": PASSWORD})),
            )
            .await;
        tokens.insert(name, (user.id, login["token"].as_str().unwrap().to_owned()));
    }
    let admin = &tokens["admin"].1;
    let mut teams = [Uuid::nil(); 2];
    for (i, name) in ["一班", "二班"].into_iter().enumerate() {
        let team = server
            .ok(
                Method::POST,
                "/api/v1/teams",
                admin,
                Some(json!({"name": name, "kind": "repair"})),
            )
            .await;
        teams[i] = team["id"].as_str().unwrap().parse().unwrap();
    }
    let membership = [("wx001", 0), ("wx002", 0), ("wx003", 1)];
    let mut workers = Vec::new();
    for (name, team) in membership {
        let (id, _) = tokens[name];
        server
            .ok(
                Method::POST,
                &format!("/api/v1/teams/{}/members", teams[team]),
                admin,
                Some(json!({"user_id": id})),
            )
            .await;
        // Sign in again: a session carries the teams it was opened with.
        let login = server
            .ok(
                Method::POST,
                "/api/v1/auth/login",
                "",
                Some(json!({"username": name, "password": PASSWORD})),
            )
            .await;
        workers.push(Worker {
            id,
            token: login["token"].as_str().unwrap().to_owned(),
            teams: vec![teams[team]],
        });
    }
    let areas = json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"name": "一班辖区", "team": "一班"},
        "geometry": {"type": "Polygon", "coordinates": [[[120.61, 31.28], [120.63, 31.28], [120.63, 31.30], [120.61, 31.30], [120.61, 31.28]]]}}]});
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/areas/import")
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "application/geo+json")
        .body(Body::from(areas.to_string()))
        .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    server
        .ok(
            Method::POST,
            "/api/v1/catalog/repair-items",
            admin,
            Some(json!({"code": "WX001", "name": "灶具不点火",
            "category": "灶具", "workload_points": 1.0, "onsite_fee_fen": 2000})),
        )
        .await;
    (tokens["hw001"].1.clone(), workers, teams)
}

enum Fault {
    None,
    DropRequest,
    DropResponse,
    Duplicate,
    LateOld,
    RestartBeforeAnswer,
}

fn fault(rng: &mut ChaCha8Rng) -> Fault {
    match rng.random_range(0..100) {
        0..40 => Fault::None,
        40..55 => Fault::DropRequest,
        55..70 => Fault::DropResponse,
        70..80 => Fault::Duplicate,
        80..92 => Fault::LateOld,
        _ => Fault::RestartBeforeAnswer,
    }
}

async fn run_schedule(
    server: &mut Server,
    seed: u64,
    dispatcher: &str,
    workers: &[Worker],
    teams: &[Uuid; 2],
) -> (usize, usize, usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut model = Model::default();
    let now = OffsetDateTime::now_utc;
    // Three tickets for team A.
    let mut tickets = Vec::new();
    for i in 0..3 {
        let t = server
            .ok(Method::POST, "/api/v1/tickets", dispatcher, Some(json!({
                "reporter": "张伟", "phone": "13812345678", "address": format!("苏州市姑苏区人民路{seed}号{i}室"),
                "lon": 120.62, "lat": 31.29, "category": "stove", "content": "灶具打不着火"})))
            .await;
        let id: Uuid = t["id"].as_str().unwrap().parse().unwrap();
        assert_eq!(t["team_id"].as_str(), Some(teams[0].to_string().as_str()));
        model.tickets.insert(
            id,
            ModelTicket {
                status: TicketStatus::parse(t["status"].as_str().unwrap()).unwrap(),
                team: Some(teams[0]),
                assignee: t["assignee_id"].as_str().map(|s| s.parse().unwrap()),
            },
        );
        tickets.push(id);
    }
    // Two phones of team A's repairers, and sometimes the other team's.
    let mut phones = Vec::new();
    for worker in [0, 1, 2] {
        if worker == 2 && rng.random_bool(0.5) {
            continue;
        }
        let device = Uuid::new_v4();
        server
            .ok(
                Method::POST,
                "/api/v1/sync/devices",
                &workers[worker].token,
                Some(json!({"device_id": device, "name": format!("phone-{seed}-{worker}")})),
            )
            .await;
        let mut phone = Phone {
            worker,
            replica: Replica::new(device, workers[worker].id),
            sent: Vec::new(),
        };
        pull_all(server, &workers[worker], &mut phone.replica).await;
        phones.push(phone);
    }
    let (mut applied, mut flagged, mut faults) = (0, 0, 0);
    let steps = rng.random_range(10..30);
    let trace = std::env::var("GASDESK_SYNC_TRACE").is_ok();
    for _ in 0..steps {
        let roll = rng.random_range(0..100);
        if trace {
            eprintln!(
                "roll {roll}; model {:?}; phones {:?}",
                model.tickets,
                phones
                    .iter()
                    .map(|p| (
                        p.worker,
                        p.replica.settled_tickets(),
                        p.replica.pending(),
                        p.replica.cursor.clone()
                    ))
                    .collect::<Vec<_>>()
            );
        }
        match roll {
            // A worker does something on their phone, offline.
            0..40 => {
                let phone = phones.choose_mut(&mut rng).unwrap();
                let Some(&id) = phone.replica.ticket_ids().choose(&mut rng) else {
                    continue;
                };
                // Mostly the next step of the job as the phone sees it; sometimes any step.
                let natural = match phone.replica.ticket(id).map(|t| t.status) {
                    Some(TicketStatus::Assigned) => 0,
                    Some(TicketStatus::Accepted) => 1,
                    Some(TicketStatus::OnTheWay) => 2,
                    _ => 3,
                };
                let pick = if rng.random_bool(0.75) {
                    natural
                } else {
                    rng.random_range(0..5)
                };
                let change = match pick {
                    0 => Change::TicketStep {
                        ticket_id: id,
                        action: TicketAction::Accept,
                    },
                    1 => Change::TicketStep {
                        ticket_id: id,
                        action: TicketAction::Depart,
                    },
                    2 => Change::TicketStep {
                        ticket_id: id,
                        action: TicketAction::Arrive,
                    },
                    _ => Change::Complete {
                        ticket_id: id,
                        record: completion(),
                        attachments: vec![],
                    },
                };
                let kind = format!("{change:?}").chars().take(60).collect::<String>();
                let result = phone
                    .replica
                    .record(change, Role::Repairer, now())
                    .map(|m| m.seq);
                if trace {
                    eprintln!("  phone {} records {kind} -> {result:?}", phone.worker);
                }
            }
            // A phone pushes through the faulty network.
            40..70 => {
                let i = rng.random_range(0..phones.len());
                let phone = &mut phones[i];
                let Some(request) = phone.replica.next_push(rng.random_range(1..=4)) else {
                    continue;
                };
                let worker = &workers[phone.worker];
                let f = fault(&mut rng);
                if !matches!(f, Fault::None) {
                    faults += 1;
                }
                if trace {
                    let seqs: Vec<u64> = request.mutations.iter().map(|m| m.seq).collect();
                    eprintln!(
                        "  phone {} pushes {seqs:?} with fault {}",
                        phone.worker,
                        match f {
                            Fault::None => "none",
                            Fault::DropRequest => "drop request",
                            Fault::DropResponse => "drop response",
                            Fault::Duplicate => "duplicate",
                            Fault::LateOld => "late old",
                            Fault::RestartBeforeAnswer => "restart",
                        }
                    );
                }
                match f {
                    Fault::DropRequest => {
                        phone.replica.on_failed(SyncFailure::Network, now());
                    }
                    Fault::DropResponse | Fault::RestartBeforeAnswer => {
                        let answer = deliver(server, worker, &request, &mut model).await;
                        (applied, flagged) = count(&answer, applied, flagged);
                        if matches!(f, Fault::RestartBeforeAnswer) {
                            server.restart().await;
                        }
                        phone.replica.on_failed(SyncFailure::Network, now());
                    }
                    Fault::Duplicate => {
                        let first = deliver(server, worker, &request, &mut model).await;
                        (applied, flagged) = count(&first, applied, flagged);
                        let second = deliver(server, worker, &request, &mut model).await;
                        assert!(second.results.iter().all(|r| r.duplicate));
                        phone.replica.on_pushed(&second, now());
                    }
                    Fault::LateOld | Fault::None => {
                        if matches!(f, Fault::LateOld)
                            && let Some(old) = phone.sent.choose(&mut rng).cloned()
                        {
                            let late = deliver(server, worker, &old, &mut model).await;
                            (applied, flagged) = count(&late, applied, flagged);
                            // The phone may take this answer too: it settles what it names.
                            phone.replica.on_pushed(&late, now());
                        }
                        if let Some(request) = phone.replica.next_push(request.mutations.len()) {
                            let answer = deliver(server, worker, &request, &mut model).await;
                            (applied, flagged) = count(&answer, applied, flagged);
                            phone.replica.on_pushed(&answer, now());
                        }
                    }
                }
                phone.sent.push(request);
            }
            // A phone pulls a page; sometimes the answer is lost.
            70..85 => {
                let phone = phones.choose_mut(&mut rng).unwrap();
                let worker = &workers[phone.worker];
                let page = pull_page(server, worker, &phone.replica, rng.random_range(1..4)).await;
                if trace {
                    eprintln!(
                        "  phone {} pulls: reset {} tickets {:?} removed {:?} cursor {} more {}",
                        phone.worker,
                        page.reset,
                        page.tickets
                            .iter()
                            .map(|t| (t.ticket.id.to_string()[32..].to_owned(), t.ticket.status))
                            .collect::<Vec<_>>(),
                        page.removed
                            .iter()
                            .map(|r| r.id.to_string()[32..].to_owned())
                            .collect::<Vec<_>>(),
                        page.cursor,
                        page.more
                    );
                }
                if rng.random_bool(0.2) {
                    faults += 1;
                    phone.replica.on_failed(SyncFailure::Network, now());
                } else {
                    phone.replica.on_pulled(page, now());
                }
            }
            // The dispatcher changes a ticket meanwhile.
            85..97 => {
                let id = *tickets.choose(&mut rng).unwrap();
                let body = match rng.random_range(0..3) {
                    0 => json!({"action": "reassign", "team_id": teams[1], "reason": "辖区调整"}),
                    1 => {
                        json!({"action": "reassign", "team_id": teams[0], "user_id": workers[rng.random_range(0..2)].id, "reason": "改派"})
                    }
                    _ => json!({"action": "cancel", "reason": "客户撤销"}),
                };
                let (status, view) = server
                    .call(
                        Method::POST,
                        &format!("/api/v1/tickets/{id}/transitions"),
                        dispatcher,
                        Some(body.clone()),
                    )
                    .await;
                if trace {
                    eprintln!(
                        "  dispatcher on {}: {body} -> {status} {}",
                        &id.to_string()[32..],
                        view["status"]
                    );
                }
                if status == 200 {
                    let t = model.tickets.get_mut(&id).unwrap();
                    t.status = TicketStatus::parse(view["status"].as_str().unwrap()).unwrap();
                    t.team = view["team_id"].as_str().map(|s| s.parse().unwrap());
                    t.assignee = view["assignee_id"].as_str().map(|s| s.parse().unwrap());
                } else {
                    assert!(status == 409 || status == 422, "{status} {view}");
                }
            }
            // The server restarts between two requests.
            _ => server.restart().await,
        }
        // The phone stores its state after every change (the app writes it to IndexedDB):
        // what comes back must be the same.
        for phone in &mut phones {
            let stored = serde_json::to_string(&phone.replica).unwrap();
            phone.replica = serde_json::from_str(&stored).unwrap();
        }
    }

    // The network heals: every phone drains its outbox, then every phone pulls to the end.
    for phone in &mut phones {
        let worker = &workers[phone.worker];
        while let Some(request) = phone.replica.next_push(100) {
            let answer = deliver(server, worker, &request, &mut model).await;
            (applied, flagged) = count(&answer, applied, flagged);
            phone.replica.on_pushed(&answer, now());
        }
    }
    for phone in &mut phones {
        pull_all(server, &workers[phone.worker], &mut phone.replica).await;
    }
    check_end_state(server, &model, workers, &phones, &tickets, seed).await;

    // Leave nothing open for the next schedule.
    for id in &tickets {
        let _ = server
            .call(
                Method::POST,
                &format!("/api/v1/tickets/{id}/transitions"),
                dispatcher,
                Some(json!({"action": "cancel", "reason": "模拟结束"})),
            )
            .await;
    }
    (applied, flagged, faults)
}

fn count(answer: &PushResponse, applied: usize, flagged: usize) -> (usize, usize) {
    let fresh = answer.results.iter().filter(|r| !r.duplicate);
    let (a, f): (Vec<&MutationResult>, Vec<&MutationResult>) =
        fresh.partition(|r| r.outcome.is_applied());
    (applied + a.len(), flagged + f.len())
}

/// Delivers a push and checks every answer against the model.
async fn deliver(
    server: &Server,
    worker: &Worker,
    request: &PushRequest,
    model: &mut Model,
) -> PushResponse {
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v1/sync/push",
            &worker.token,
            Some(serde_json::to_value(request).unwrap()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let answer: PushResponse = serde_json::from_value(body).unwrap();
    assert_eq!(answer.results.len(), request.mutations.len());
    for (m, r) in request.mutations.iter().zip(&answer.results) {
        let (applied, repeat) = model.apply(worker, request.device_id, m);
        assert_eq!((r.id, r.seq), (m.id, m.seq));
        assert_eq!(
            r.duplicate, repeat,
            "mutation {} seq {}: {r:?}",
            m.id, m.seq
        );
        assert_eq!(
            r.outcome.is_applied(),
            applied,
            "mutation {:?}: the server said {:?}, the model {}",
            m.change,
            r.outcome,
            if applied { "applied" } else { "flagged" }
        );
        if let Outcome::Flagged { reason, .. } = &r.outcome {
            assert!(!reason.is_empty());
        }
    }
    answer
}

async fn pull_page(
    server: &Server,
    worker: &Worker,
    replica: &Replica,
    limit: u32,
) -> PullResponse {
    let mut path = format!(
        "/api/v1/sync/pull?device_id={}&limit={limit}",
        replica.device_id
    );
    if let Some(c) = &replica.cursor {
        path.push_str(&format!("&cursor={c}"));
    }
    if let Some(r) = &replica.reference {
        path.push_str(&format!("&reference_version={}", r.version));
    }
    let body = server.ok(Method::GET, &path, &worker.token, None).await;
    serde_json::from_value(body).unwrap()
}

async fn pull_all(server: &Server, worker: &Worker, replica: &mut Replica) {
    for _ in 0..1000 {
        let page = pull_page(server, worker, replica, 200).await;
        let more = page.more;
        replica.on_pulled(page, OffsetDateTime::now_utc());
        if !more {
            return;
        }
    }
    panic!("pulling never ended");
}

async fn check_end_state(
    server: &Server,
    model: &Model,
    workers: &[Worker],
    phones: &[Phone],
    tickets: &[Uuid],
    seed: u64,
) {
    // Every mutation answered exactly once, as the model said.
    for phone in phones {
        assert_eq!(phone.replica.pending(), 0);
        let device = phone.replica.device_id;
        let stored: Vec<(Uuid, i64, String)> = match &server.db {
            Db::Sqlite(pool) => sqlx::query_as(
                "SELECT id, seq, outcome FROM sync_mutations WHERE device_id = $1 ORDER BY seq",
            )
            .bind(device)
            .fetch_all(pool)
            .await
            .unwrap(),
            Db::Postgres(pool) => sqlx::query_as(
                "SELECT id, seq, outcome FROM sync_mutations WHERE device_id = $1 ORDER BY seq",
            )
            .bind(device)
            .fetch_all(pool)
            .await
            .unwrap(),
        };
        let made = phone.replica.next_seq - 1;
        assert_eq!(
            stored.len() as u64,
            made,
            "seed {seed}: one stored answer per mutation"
        );
        for (i, (id, seq, outcome)) in stored.iter().enumerate() {
            assert_eq!(*seq, i as i64 + 1);
            let (model_id, applied) = model.answers[&(device, *seq as u64)];
            assert_eq!(*id, model_id);
            assert_eq!(outcome == "applied", applied, "seed {seed}");
        }
    }
    // The server's tickets equal the model's.
    let mut server_tickets = BTreeMap::new();
    for id in tickets {
        let (_, t) = server
            .call(
                Method::GET,
                &format!("/api/v1/tickets/{id}"),
                &workers[0].token,
                None,
            )
            .await;
        let t = if t["id"].is_null() {
            // Not visible to wx001 any more: ask as the team-B worker.
            server
                .call(
                    Method::GET,
                    &format!("/api/v1/tickets/{id}"),
                    &workers[2].token,
                    None,
                )
                .await
                .1
        } else {
            t
        };
        let view = if t["id"].is_null() { None } else { Some(t) };
        let view = view.unwrap_or_else(|| panic!("seed {seed}: ticket {id} is visible to nobody"));
        server_tickets.insert(
            *id,
            ModelTicket {
                status: TicketStatus::parse(view["status"].as_str().unwrap()).unwrap(),
                team: view["team_id"].as_str().map(|s| s.parse().unwrap()),
                assignee: view["assignee_id"].as_str().map(|s| s.parse().unwrap()),
            },
        );
    }
    assert_eq!(server_tickets, model.tickets, "seed {seed}");
    // Each phone holds exactly its scope, as the server has it.
    for phone in phones {
        let worker = &workers[phone.worker];
        let expected: BTreeMap<Uuid, TicketStatus> = model
            .tickets
            .iter()
            .filter(|(_, t)| {
                matches!(
                    t.status,
                    TicketStatus::Assigned
                        | TicketStatus::Accepted
                        | TicketStatus::OnTheWay
                        | TicketStatus::OnSite
                ) && (t.assignee == Some(worker.id)
                    || (t.assignee.is_none()
                        && t.team.is_some_and(|team| worker.teams.contains(&team))))
            })
            .map(|(id, t)| (*id, t.status))
            .collect();
        let held: BTreeMap<Uuid, TicketStatus> = phone
            .replica
            .settled_tickets()
            .into_iter()
            .filter(|(id, _)| tickets.contains(id))
            .collect();
        assert_eq!(
            held, expected,
            "seed {seed}: phone of worker {}; model {:?}; cursor {:?}",
            phone.worker, model.tickets, phone.replica.cursor
        );
    }
}
