//! Push benchmark (not a test: it prints figures).
//!
//!     cargo bench -p gasdesk-server --bench push [-- --engine sqlite|postgres|both]
//!
//! Starts the real server binary on a fresh database with one repair team of 1,000 repairers,
//! each with one push subscription on a local push service in this process (it answers 201 and
//! notes when each request arrives, by its Topic header, without decrypting: the figures are
//! the server's). Then:
//! 1. 1,000 assignments of a job to one named repairer each, four at a time, over the API:
//!    time from sending the assignment to the push request arriving at the push service
//!    (p50/p99);
//! 2. one job assigned to the whole team: 1,000 pushes fanned out to 1,000 subscriptions,
//!    total time to the last arrival, and the server's memory before and at its peak.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gasdesk_server::Db;
use gasdesk_server::db::push::SubscriptionRow;
use gasdesk_server::on_db;
use serde_json::json;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

const WORKERS: usize = 1000;
const ASSIGNMENTS: usize = 1000;
const CONCURRENT: usize = 4;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

fn status_kib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
}

fn start_server(url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gasdesk"))
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", url])
        .env("GASDESK_LOG", "warn")
        .env("GASDESK_PUSH_ALLOW_HTTP", "true")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start gasdesk");
    let stdout = child.stdout.take().expect("server stdout");
    let base = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("gasdesk listening on ")
                .map(str::to_owned)
        })
        .expect("the server did not say where it listens");
    (child, base)
}

/// Arrivals by topic.
#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<HashMap<String, Vec<Instant>>>>);

async fn receive(State(arrivals): State<Arrivals>, headers: HeaderMap) -> StatusCode {
    let at = Instant::now();
    let topic = headers
        .get("topic")
        .and_then(|t| t.to_str().ok())
        .unwrap_or("none")
        .to_owned();
    arrivals
        .0
        .lock()
        .unwrap()
        .entry(topic)
        .or_default()
        .push(at);
    StatusCode::CREATED
}

async fn push_service() -> (String, Arrivals) {
    let arrivals = Arrivals::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/push/{id}", axum::routing::post(receive))
        .with_state(arrivals.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (origin, arrivals)
}

struct Fixture {
    team: Uuid,
    workers: Vec<Uuid>,
    tickets: Vec<Uuid>,
    dispatcher_token: String,
}

/// The team, its repairers with one subscription each, a dispatcher's session, and unrouted
/// jobs to assign: written directly (hashing a thousand passwords would only time argon2).
async fn fill(db: &Db, origin: &str) -> Fixture {
    let now = gasdesk_server::db::now();
    let hash = gasdesk_server::auth::password::hash_blocking("bench-password-2026").unwrap();
    let team = gasdesk_server::teams::create(
        db,
        gasdesk_server::db::audit::Actor::SYSTEM,
        gasdesk_shared::api::NewTeam {
            name: "压测维修班".into(),
            kind: gasdesk_shared::TeamKind::Repair,
            phone: None,
            leader_id: None,
        },
    )
    .await
    .unwrap()
    .id;
    let mut tx = db.begin().await.unwrap();
    let user = |id, name: String, role: &str| gasdesk_server::db::users::UserRow {
        id,
        username: name.clone(),
        display_name: name,
        password_hash: hash.clone(),
        role: role.into(),
        phone: None,
        active: true,
        created_at: now,
        updated_at: now,
    };
    let dispatcher = Uuid::now_v7();
    gasdesk_server::db::users::insert(&mut tx, &user(dispatcher, "bench_hw".into(), "dispatcher"))
        .await
        .unwrap();
    let dispatcher_token = gasdesk_server::auth::new_token();
    gasdesk_server::db::sessions::insert(
        &mut tx,
        &gasdesk_server::db::sessions::SessionRow {
            token_hash: gasdesk_server::auth::token_hash(&dispatcher_token),
            user_id: dispatcher,
            created_at: now,
            expires_at: now + time::Duration::days(1),
            revoked_at: None,
        },
    )
    .await
    .unwrap();
    let mut workers = Vec::new();
    for i in 0..WORKERS {
        let id = Uuid::now_v7();
        gasdesk_server::db::users::insert(&mut tx, &user(id, format!("bench_r{i:04}"), "repairer"))
            .await
            .unwrap();
        gasdesk_server::db::teams::add_member(&mut tx, team, id)
            .await
            .unwrap();
        let (keys, auth) = ece::generate_keypair_and_auth_secret().unwrap();
        gasdesk_server::db::push::upsert_subscription(
            &mut tx,
            &SubscriptionRow {
                id: Uuid::now_v7(),
                user_id: id,
                device_id: None,
                endpoint: format!("{origin}/push/{i}"),
                p256dh: URL_SAFE_NO_PAD.encode(keys.pub_as_raw().unwrap()),
                auth: URL_SAFE_NO_PAD.encode(auth),
                created_at: now,
            },
        )
        .await
        .unwrap();
        workers.push(id);
    }
    tx.commit().await.unwrap();
    let tickets: Vec<Uuid> = (0..=ASSIGNMENTS).map(|_| Uuid::now_v7()).collect();
    for (chunk, rows) in tickets.chunks(500).enumerate() {
        on_db!(db, pool => {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO repair_tickets (id, number, status, reporter, phone, address, category, content, \
                 source, urgent, deadline_at, created_at, updated_at) ",
            );
            q.push_values(rows.iter().enumerate(), |mut b, (i, id)| {
                b.push_bind(*id)
                    .push_bind(format!("BX20261126-{:06}", chunk * 500 + i))
                    .push_bind("new")
                    .push_bind("报修人")
                    .push_bind("13800000000")
                    .push_bind(format!("苏州市姑苏区人民路{}号", chunk * 500 + i))
                    .push_bind("stove")
                    .push_bind("灶具不点火")
                    .push_bind("call")
                    .push_bind(false)
                    .push_bind(now + time::Duration::days(1))
                    .push_bind(now)
                    .push_bind(now);
            });
            q.build().execute(pool).await.map(|_| ()).unwrap();
        });
    }
    Fixture {
        team,
        workers,
        tickets,
        dispatcher_token,
    }
}

async fn run(engine: &str, url: &str) {
    println!("== {engine}");
    let (origin, arrivals) = push_service().await;
    let config = gasdesk_server::Config {
        database_url: url.to_owned(),
        ..Default::default()
    };
    let db = gasdesk_server::open(&config).await.expect("open database");
    let fixture = fill(&db, &origin).await;
    db.close().await;
    let (mut child, base) = start_server(url);
    let pid = child.id();
    let client = reqwest::Client::new();
    let assign = |ticket: Uuid, person: Option<Uuid>| {
        let request = client
            .post(format!("{base}/api/v1/tickets/{ticket}/transitions"))
            .bearer_auth(&fixture.dispatcher_token)
            .json(&json!({"action": "assign", "team_id": fixture.team, "user_id": person}));
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        }
    };
    let topic = |id: Uuid| id.simple().to_string();

    // 1. One person per job.
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let jobs: Vec<(Uuid, Uuid)> = fixture.tickets[..ASSIGNMENTS]
        .iter()
        .copied()
        .zip(fixture.workers.iter().copied().cycle())
        .collect();
    let started = Instant::now();
    for batch in jobs.chunks(CONCURRENT) {
        let calls = batch.iter().map(|(ticket, person)| {
            sent_at
                .lock()
                .unwrap()
                .insert(topic(*ticket), Instant::now());
            assign(*ticket, Some(*person))
        });
        futures_util::future::join_all(calls).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while arrivals.0.lock().unwrap().len() < ASSIGNMENTS && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut latencies: Vec<Duration> = {
        let arrived = arrivals.0.lock().unwrap();
        let sent = sent_at.lock().unwrap();
        sent.iter()
            .filter_map(|(t, at)| arrived.get(t).map(|a| a[0].duration_since(*at)))
            .collect()
    };
    println!(
        "  {} assignments in {:.1} s ({CONCURRENT} at a time); {} pushes arrived",
        ASSIGNMENTS,
        started.elapsed().as_secs_f64(),
        latencies.len()
    );
    println!(
        "  assignment → push request at the push service: p50 {:.1} ms, p99 {:.1} ms",
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.99)
    );

    // 2. Fan-out to the whole team.
    let before = status_kib(pid, "VmRSS:") / 1024.0;
    let fan = fixture.tickets[ASSIGNMENTS];
    let started = Instant::now();
    assign(fan, None).await;
    let accepted = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let n = arrivals
            .0
            .lock()
            .unwrap()
            .get(&topic(fan))
            .map_or(0, Vec::len);
        if n >= WORKERS || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let arrived = arrivals
        .0
        .lock()
        .unwrap()
        .get(&topic(fan))
        .cloned()
        .unwrap_or_default();
    let last = arrived
        .iter()
        .max()
        .map(|t| t.duration_since(started))
        .unwrap_or_default();
    println!(
        "  fan-out: {} of {WORKERS} pushes arrived, the last {:.2} s after the assignment (its API call took {:.0} ms)",
        arrived.len(),
        last.as_secs_f64(),
        accepted.as_secs_f64() * 1000.0
    );
    println!(
        "  server memory: {:.0} MiB before the fan-out, peak {:.0} MiB",
        before,
        status_kib(pid, "VmHWM:") / 1024.0
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::main]
async fn main() {
    let engine = arg("--engine").unwrap_or_else(|| "sqlite".into());
    if engine == "sqlite" || engine == "both" {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("push.db").display());
        run("SQLite", &url).await;
    }
    if engine == "postgres" || engine == "both" {
        let admin = std::env::var("GASDESK_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("gasdesk_bench_push_{}", Uuid::now_v7().simple());
        let pool = sqlx::PgPool::connect(&admin).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&pool)
            .await
            .unwrap();
        let base = &admin[..admin.rfind('/').unwrap()];
        run("PostgreSQL", &format!("{base}/{name}")).await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&pool)
        .await
        .unwrap();
    }
}
