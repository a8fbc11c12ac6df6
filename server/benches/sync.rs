//! Sync benchmark (not a test: it prints figures and asserts only that nothing was lost).
//!
//!     cargo bench -p gasdesk-server --bench sync [-- --engine sqlite|postgres|both --devices N --cold]
//!
//! Starts the real server binary on a fresh database (the demo city's teams and catalogs, a
//! signed-in repairer with seven jobs per phone, one repairer with 200 jobs, a knowledge base
//! of 200 entries) and, from this process:
//! 1. the initial pull of the repairer with 200 jobs and the full reference data: server time
//!    (median of 5) and payload size, plain and gzip-compressed;
//! 2. a reconnect storm: N phones (default 2,000; one per repairer) that registered and pulled
//!    their jobs earlier come online at once, each pushes the 25 mutations it recorded offline
//!    (accept, depart, arrive on seven jobs; complete on four) and pulls again. With `--cold`
//!    the timed storm also includes each phone registering and its first full pull. Reports the total time, push
//!    latency p50/p99 and the server's peak memory, then counts what the database holds:
//!    every mutation answered once, applied, and every job where it should be.
//!
//! PostgreSQL: GASDESK_BENCH_POSTGRES_URL (default the local server's `postgres` database);
//! a database is created for the run and dropped after.

use gasdesk_server::Db;
use gasdesk_server::db::audit::Actor;
use gasdesk_server::on_db;
use gasdesk_shared::Role;
use gasdesk_shared::api::NewUser;
use gasdesk_shared::intake::{CompletionRequest, RecordItemInput};
use gasdesk_shared::sync::{Change, PullResponse, PushResponse, Replica};
use gasdesk_shared::ticket::TicketAction;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

const PASSWORD: &str = "bench-password-2026";
const JOBS_PER_PHONE: usize = 7;
const COMPLETED_PER_PHONE: usize = 4;
const BIG_JOBS: usize = 200;
/// Knowledge-base entries, each about 300 characters.
const KNOWLEDGE: usize = 200;

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

fn start_server(url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gasdesk"))
        .args(["serve", "--addr", "127.0.0.1:0", "--database-url", url])
        .env("GASDESK_LOG", "warn")
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

/// Peak resident memory of a process, from /proc (VmHWM).
fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

/// CPU time (user + system) a process has used, from /proc: less disturbed than wall time
/// by other work on a shared machine.
fn cpu_secs(pid: u32) -> f64 {
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may hold spaces) start at `)`.
            let rest = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            let user: f64 = rest.get(11)?.parse().ok()?;
            let system: f64 = rest.get(12)?.parse().ok()?;
            Some(user + system)
        })
        .unwrap_or(0.0);
    ticks / 100.0
}

/// One repairer per phone (each signed in, with `JOBS_PER_PHONE` jobs) in the demo's repair
/// teams, and one repairer with `BIG_JOBS` jobs for customers with past repairs. Users and
/// sessions are written directly: hashing thousands of passwords would only time argon2.
async fn fill(db: &Db, phones: usize) -> (Vec<(String, Uuid)>, (String, Uuid)) {
    gasdesk_server::demo::load(db, 1000)
        .await
        .expect("demo city");
    let teams: Vec<Uuid> = gasdesk_server::db::teams::list(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.kind == "repair")
        .map(|t| t.id)
        .collect();
    let customers: Vec<Uuid> = on_db!(db, pool => sqlx::query_scalar("SELECT id FROM customers ORDER BY id LIMIT 200")
        .fetch_all(pool).await.unwrap());
    let started = Instant::now();
    let hash = gasdesk_server::auth::password::hash_blocking(PASSWORD).unwrap();
    let now = gasdesk_server::db::now();
    let mut signed_in = Vec::new();
    let mut jobs: Vec<(Uuid, Uuid, Option<Uuid>)> = Vec::new();
    let mut tx = db.begin().await.unwrap();
    for i in 0..=phones {
        let id = Uuid::now_v7();
        gasdesk_server::db::users::insert(
            &mut tx,
            &gasdesk_server::db::users::UserRow {
                id,
                username: format!("bench_r{i:05}"),
                display_name: format!("维修工{i}"),
                password_hash: hash.clone(),
                role: "repairer".into(),
                phone: None,
                active: true,
                created_at: now,
                updated_at: now,
            },
        )
        .await
        .unwrap();
        let team = teams[i % teams.len()];
        gasdesk_server::db::teams::add_member(&mut tx, team, id)
            .await
            .unwrap();
        let token = gasdesk_server::auth::new_token();
        gasdesk_server::db::sessions::insert(
            &mut tx,
            &gasdesk_server::db::sessions::SessionRow {
                token_hash: gasdesk_server::auth::token_hash(&token),
                user_id: id,
                created_at: now,
                expires_at: now + time::Duration::days(1),
                revoked_at: None,
            },
        )
        .await
        .unwrap();
        let big = i == phones;
        for j in 0..if big { BIG_JOBS } else { JOBS_PER_PHONE } {
            jobs.push((id, team, big.then(|| customers[j % customers.len()])));
        }
        signed_in.push((token, id));
    }
    tx.commit().await.unwrap();
    for (chunk, rows) in jobs.chunks(1000).enumerate() {
        on_db!(db, pool => {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO repair_tickets (id, number, status, customer_id, reporter, phone, address, category, content, \
                 source, urgent, deadline_at, team_id, assignee_id, created_at, updated_at) ",
            );
            q.push_values(rows.iter().enumerate(), |mut b, (i, (user, team, customer))| {
                b.push_bind(Uuid::now_v7())
                    .push_bind(format!("BX20261126-{:06}", chunk * 1000 + i))
                    .push_bind("assigned")
                    .push_bind(*customer)
                    .push_bind("报修人")
                    .push_bind("13800000000")
                    .push_bind(format!("苏州市姑苏区人民路{}号", chunk * 1000 + i))
                    .push_bind("stove")
                    .push_bind("灶具不点火")
                    .push_bind("call")
                    .push_bind(false)
                    .push_bind(now + time::Duration::days(1))
                    .push_bind(*team)
                    .push_bind(*user)
                    .push_bind(now - time::Duration::hours(1))
                    .push_bind(now - time::Duration::hours(1));
            });
            q.build().execute(pool).await.unwrap();
        });
    }
    // A knowledge base of realistic size for the phones' offline copy.
    let admin = gasdesk_server::users::create(
        db,
        Actor::SYSTEM,
        NewUser {
            username: "bench_admin".into(),
            display_name: "bench_admin".into(),
            password: PASSWORD.into(),
            role: Role::Admin,
            phone: None,
        },
    )
    .await
    .unwrap();
    let paragraph = "燃气灶具点火困难时，先检查电池电量和点火针位置，确认燃气阀门全开、胶管无折弯老化；\
                     如闻到燃气味，应立即关闭表前阀，开窗通风，严禁开关电器和使用明火，并在室外拨打抢修电话。";
    for i in 0..KNOWLEDGE {
        on_db!(db, pool => sqlx::query(
            "INSERT INTO knowledge_entries (id, title, subtitle, keywords, content, created_by, created_at, updated_at, updated_by)
             VALUES ($1, $2, NULL, $3, $4, $5, $6, $6, $5)",
        )
        .bind(Uuid::now_v7())
        .bind(format!("常见问题 {i}"))
        .bind(sqlx::types::Json(vec!["灶具".to_owned(), format!("问题{i}")]))
        .bind(paragraph.repeat(3))
        .bind(admin.id)
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ())
        .unwrap());
    }
    on_db!(db, pool => sqlx::query("ANALYZE").execute(pool).await.map(|_| ()).unwrap());
    println!(
        "  {} repairers and {} jobs in {:.1} s",
        phones + 1,
        jobs.len(),
        started.elapsed().as_secs_f64()
    );
    let big = signed_in.pop().unwrap();
    (signed_in, big)
}

struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    async fn register(&self, token: &str) -> Uuid {
        let device = Uuid::new_v4();
        let r = self
            .client
            .post(format!("{}/api/v1/sync/devices", self.base))
            .bearer_auth(token)
            .json(&json!({"device_id": device, "name": "bench"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        device
    }

    /// One pull page: the page, its plain size, and (when asked) the gzip size.
    async fn pull(
        &self,
        token: &str,
        replica: &Replica,
        gzip: bool,
    ) -> (PullResponse, usize, usize) {
        let mut query = vec![
            ("device_id", replica.device_id.to_string()),
            ("limit", "200".into()),
        ];
        if let Some(c) = &replica.cursor {
            query.push(("cursor", c.clone()));
        }
        if let Some(r) = &replica.reference {
            query.push(("reference_version", r.version.clone()));
        }
        let plain = self
            .client
            .get(format!("{}/api/v1/sync/pull", self.base))
            .bearer_auth(token)
            .query(&query)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let compressed = if gzip {
            self.client
                .get(format!("{}/api/v1/sync/pull", self.base))
                .bearer_auth(token)
                .header("accept-encoding", "gzip")
                .query(&query)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .len()
        } else {
            0
        };
        let page: PullResponse = serde_json::from_slice(&plain).expect("pull page");
        (page, plain.len(), compressed)
    }

    async fn pull_all(&self, token: &str, replica: &mut Replica) {
        loop {
            let (page, ..) = self.pull(token, replica, false).await;
            let more = page.more;
            replica.on_pulled(page, OffsetDateTime::now_utc());
            if !more {
                return;
            }
        }
    }
}

async fn initial_pull(api: &Api, (token, user): (String, Uuid)) {
    let mut times = Vec::new();
    let (mut plain, mut gz, mut jobs) = (0, 0, 0);
    for run in 0..6 {
        let device = api.register(&token).await;
        let mut replica = Replica::new(device, user);
        let started = Instant::now();
        api.pull_all(&token, &mut replica).await;
        let elapsed = started.elapsed();
        if run > 0 {
            times.push(elapsed); // the first run warms the server's caches
        }
        jobs = replica.tickets.len();
    }
    // Sizes, on a fresh device, page by page.
    let device = api.register(&token).await;
    let mut replica = Replica::new(device, user);
    loop {
        let (page, p, g) = api.pull(&token, &replica, true).await;
        plain += p;
        gz += g;
        let more = page.more;
        replica.on_pulled(page, OffsetDateTime::now_utc());
        if !more {
            break;
        }
    }
    let reference = replica.reference.as_ref().unwrap();
    println!(
        "  initial pull, {jobs} jobs + {} repair items, {} materials, {} knowledge entries: \
         median {:.1} ms (5 runs, client-measured, all pages), {:.0} KB plain, {:.0} KB gzip",
        reference.repair_items.len(),
        reference.materials.len(),
        reference.knowledge.len(),
        percentile(&mut times, 0.5),
        plain as f64 / 1024.0,
        gz as f64 / 1024.0
    );
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

async fn storm(api: &Api, logins: &[(String, Uuid)], server_pid: u32) -> (usize, usize) {
    let devices = logins.len();
    let cold = std::env::args().any(|a| a == "--cold");
    let api = std::sync::Arc::new(Api {
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(devices)
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap(),
        base: api.base.clone(),
    });
    // Before the storm (untimed unless --cold): each phone registered and synced its jobs
    // while it had signal, as every phone does at the start of a shift.
    let mut phones = Vec::new();
    if !cold {
        let mut tasks = Vec::new();
        for (token, user) in logins.iter().cloned() {
            let api = api.clone();
            tasks.push(tokio::spawn(async move {
                let device = api.register(&token).await;
                let mut replica = Replica::new(device, user);
                api.pull_all(&token, &mut replica).await;
                (token, Some(replica))
            }));
        }
        for t in tasks {
            phones.push(t.await.unwrap());
        }
    } else {
        phones = logins.iter().map(|(t, _)| (t.clone(), None)).collect();
    }
    let started = Instant::now();
    let cpu_before = cpu_secs(server_pid);
    let mut tasks = Vec::new();
    for ((token, replica), (_, user)) in phones.into_iter().zip(logins.iter().cloned()) {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let mut replica = match replica {
                Some(r) => r,
                None => {
                    let device = api.register(&token).await;
                    let mut replica = Replica::new(device, user);
                    api.pull_all(&token, &mut replica).await;
                    replica
                }
            };
            let mine: Vec<Uuid> = replica.ticket_ids();
            assert_eq!(mine.len(), JOBS_PER_PHONE, "jobs pulled");
            let now = OffsetDateTime::now_utc();
            for id in &mine {
                for action in [
                    TicketAction::Accept,
                    TicketAction::Depart,
                    TicketAction::Arrive,
                ] {
                    replica
                        .record(
                            Change::TicketStep {
                                ticket_id: *id,
                                action,
                            },
                            Role::Repairer,
                            now,
                        )
                        .unwrap();
                }
            }
            for id in mine.iter().take(COMPLETED_PER_PHONE) {
                replica
                    .record(
                        Change::Complete {
                            ticket_id: *id,
                            record: completion(),
                            attachments: vec![],
                        },
                        Role::Repairer,
                        now,
                    )
                    .unwrap();
            }
            let request = replica.next_push(100).unwrap();
            let sent = Instant::now();
            let response = api
                .client
                .post(format!("{}/api/v1/sync/push", api.base))
                .bearer_auth(&token)
                .json(&request)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let answer: PushResponse = response.json().await.unwrap();
            let latency = sent.elapsed();
            let applied = answer
                .results
                .iter()
                .filter(|r| r.outcome.is_applied())
                .count();
            replica.on_pushed(&answer, OffsetDateTime::now_utc());
            api.pull_all(&token, &mut replica).await;
            (latency, applied, request.mutations.len())
        }));
    }
    let mut latencies = Vec::new();
    let (mut applied, mut sent) = (0, 0);
    for t in tasks {
        let (latency, a, s) = t.await.unwrap();
        latencies.push(latency);
        applied += a;
        sent += s;
    }
    let total = started.elapsed();
    println!(
        "  reconnect storm{}: {devices} phones (one per repairer) × 25 mutations: drained in {:.1} s \
         (server CPU {:.1} s); push p50 {:.0} ms, p99 {:.0} ms; server peak memory {:.0} MiB",
        if cold {
            " (cold: registering and first pull included)"
        } else {
            ""
        },
        total.as_secs_f64(),
        cpu_secs(server_pid) - cpu_before,
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.99),
        peak_rss_mib(server_pid)
    );
    (applied, sent)
}

async fn verify(db: &Db, devices: usize, applied: usize, sent: usize) {
    let (rows, distinct, flagged): (i64, i64, i64) = on_db!(db, pool => sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT id), COALESCE(SUM(CASE WHEN outcome = 'flagged' THEN 1 ELSE 0 END), 0) FROM sync_mutations",
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let completed: i64 = on_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM repair_tickets WHERE status = 'completed'",
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let records: i64 = on_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM repair_records")
        .fetch_one(pool)
        .await
        .unwrap());
    println!(
        "  stored: {rows} mutations ({distinct} distinct, {flagged} flagged) of {sent} sent, {applied} answered applied; \
         {completed} jobs completed with {records} repair records (expected {})",
        devices * COMPLETED_PER_PHONE
    );
    assert_eq!(rows as usize, sent, "a mutation was lost or stored twice");
    assert_eq!(distinct, rows);
    assert_eq!(flagged, 0);
    assert_eq!(completed as usize, devices * COMPLETED_PER_PHONE);
    assert_eq!(records, completed);
}

async fn run(url: &str, devices: usize) {
    let db = Db::open(url).await.expect("open");
    let (logins, big) = fill(&db, devices).await;
    let (mut child, base) = start_server(url);
    let api = Api {
        client: reqwest::Client::new(),
        base,
    };
    initial_pull(&api, big).await;
    let (applied, sent) = storm(&api, &logins, child.id()).await;
    child.kill().ok();
    child.wait().ok();
    verify(&db, devices, applied, sent).await;
    db.close().await;
}

#[tokio::main]
async fn main() {
    let engine = arg("--engine").unwrap_or_else(|| "both".into());
    let devices: usize = arg("--devices")
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    if engine == "sqlite" || engine == "both" {
        println!("SQLite");
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        );
        run(&url, devices).await;
    }
    if engine == "postgres" || engine == "both" {
        let admin = std::env::var("GASDESK_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("gasdesk_bench_sync_{}", Uuid::now_v7().simple());
        let pool = sqlx::PgPool::connect(&admin).await.expect("PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&pool)
            .await
            .unwrap();
        println!("PostgreSQL");
        let base = &admin[..admin.rfind('/').unwrap()];
        run(&format!("{base}/{name}"), devices).await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&pool)
        .await
        .unwrap();
    }
}
