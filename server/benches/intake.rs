//! Intake benchmark (not a test: it prints figures and asserts nothing about time).
//!
//!     cargo bench -p gasdesk-server --bench intake [-- --customers N --tickets N --engine sqlite|postgres|both]
//!         [--only lookups|creation|search] [--reuse DIR]
//!
//! While iterating on one phase, `--only` skips the others, and `--reuse DIR` keeps the SQLite
//! database in DIR and fills it only when absent (each run then adds its created tickets), so
//! the minutes of bulk loading are paid once.
//!
//! Fills a database with the demo city's teams and areas, N customers and N tickets (bulk
//! inserts), starts the real server binary on it as a separate process, and measures from
//! this process over HTTP: customer lookup by messy address text, by card number and by phone
//! (p50/p99), ticket creation with routing under 32 concurrent clients (tickets/s), and a page
//! of ticket search results with typical filters (p50/p99).

use gasdesk_server::{Config, Db, on_db};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

const DISTRICTS: [&str; 6] = [
    "姑苏区",
    "吴中区",
    "相城区",
    "虎丘区",
    "吴江区",
    "苏州工业园区",
];
const ROADS: [&str; 24] = [
    "人民路",
    "干将路",
    "十全街",
    "凤凰街",
    "三香路",
    "西环路",
    "东环路",
    "金鸡湖大道",
    "星湖街",
    "现代大道",
    "苏州大道",
    "狮山路",
    "长江路",
    "竹园路",
    "何山路",
    "塔园路",
    "滨河路",
    "广济路",
    "平江路",
    "临顿路",
    "东吴北路",
    "宝带路",
    "相城大道",
    "春申湖路",
];

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn address(rng: &mut ChaCha8Rng) -> (String, String, u32, u32, u32) {
    let district = DISTRICTS[rng.random_range(0..DISTRICTS.len())];
    let road = ROADS[rng.random_range(0..ROADS.len())];
    let (no, building, room) = (
        rng.random_range(1..2000),
        rng.random_range(1..60),
        rng.random_range(1..30) * 100 + rng.random_range(1..5),
    );
    (
        format!("苏州市{district}{road}{no}号{building}幢{room}室"),
        road.to_owned(),
        no,
        building,
        room,
    )
}

fn stats(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 99 / 100]),
    )
}

async fn fill(db: &Db, customers: usize, tickets: usize) -> Vec<(String, String, String)> {
    gasdesk_server::demo::load(db, 0).await.expect("demo city");
    let teams: Vec<Uuid> = gasdesk_server::db::teams::list(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.kind == "repair")
        .map(|t| t.id)
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut probes = Vec::new();
    let now = gasdesk_server::db::now();
    let started = Instant::now();
    for chunk in 0..customers.div_ceil(1000) {
        let n = (customers - chunk * 1000).min(1000);
        let rows: Vec<(Uuid, String, String, String, String)> = (0..n)
            .map(|i| {
                let (addr, road, no, building, _) = address(&mut rng);
                let card = format!("{:010}", chunk * 1000 + i);
                let phone = format!("13{:09}", rng.random_range(0..1_000_000_000u64));
                if rng.random_bool(0.002) {
                    probes.push((
                        format!("{road} {no}号 {building}幢"),
                        card.clone(),
                        phone.clone(),
                    ));
                }
                (
                    Uuid::now_v7(),
                    card,
                    format!("客户{}", chunk * 1000 + i),
                    addr,
                    phone,
                )
            })
            .collect();
        on_db!(db, pool => {
            let mut q = sqlx::QueryBuilder::new("INSERT INTO customers (id, card_no, name, address, arrears_fen, created_at, updated_at) ");
            q.push_values(&rows, |mut b, r| {
                b.push_bind(r.0).push_bind(&r.1).push_bind(&r.2).push_bind(&r.3).push_bind(0i64).push_bind(now).push_bind(now);
            });
            q.build().execute(pool).await.unwrap();
            let mut q = sqlx::QueryBuilder::new("INSERT INTO customer_phones (customer_id, phone) ");
            q.push_values(&rows, |mut b, r| {
                b.push_bind(r.0).push_bind(&r.4);
            });
            q.build().execute(pool).await.unwrap();
        });
    }
    println!(
        "  {customers} customers inserted in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let statuses = [
        "assigned",
        "accepted",
        "completed",
        "closed",
        "followed_up",
        "new",
    ];
    for chunk in 0..tickets.div_ceil(1000) {
        let n = (tickets - chunk * 1000).min(1000);
        let rows: Vec<Value> = (0..n)
            .map(|i| {
                let (addr, ..) = address(&mut rng);
                let created = now - time::Duration::minutes(rng.random_range(0..525_600));
                json!({
                    "id": Uuid::now_v7(), "number": format!("BX20250101-{:07}", chunk * 1000 + i),
                    "status": statuses[rng.random_range(0..statuses.len())],
                    "phone": format!("13{:09}", rng.random_range(0..1_000_000_000u64)), "address": addr,
                    "team": teams[rng.random_range(0..teams.len())], "created": created.unix_timestamp(),
                })
            })
            .collect();
        on_db!(db, pool => {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO repair_tickets (id, number, status, reporter, phone, address, category, content, source, urgent, \
                 deadline_at, team_id, created_at, updated_at) ",
            );
            q.push_values(&rows, |mut b, r| {
                let created = time::OffsetDateTime::from_unix_timestamp(r["created"].as_i64().unwrap()).unwrap();
                b.push_bind(Uuid::parse_str(r["id"].as_str().unwrap()).unwrap())
                    .push_bind(r["number"].as_str().unwrap().to_owned())
                    .push_bind(r["status"].as_str().unwrap().to_owned())
                    .push_bind("报修人")
                    .push_bind(r["phone"].as_str().unwrap().to_owned())
                    .push_bind(r["address"].as_str().unwrap().to_owned())
                    .push_bind("stove")
                    .push_bind("灶具不点火")
                    .push_bind("call")
                    .push_bind(false)
                    .push_bind(created + time::Duration::days(2))
                    .push_bind(Uuid::parse_str(r["team"].as_str().unwrap()).unwrap())
                    .push_bind(created)
                    .push_bind(created);
            });
            q.build().execute(pool).await.unwrap();
        });
    }
    println!(
        "  {tickets} tickets inserted in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // A database in service has planner statistics (autovacuum gathers them); a bulk load
    // has none until analysed.
    on_db!(db, pool => sqlx::query("ANALYZE").execute(pool).await.map(|_| ()).unwrap());
    probes
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
        });
    match base {
        Some(base) => (child, base),
        None => {
            let status = child.wait();
            panic!("the server exited before listening: {status:?}");
        }
    }
}

/// CPU time (user + system) the process has used so far, where `/proc` tells it (Linux): the
/// server's share per ticket is steadier than wall-clock throughput on a busy machine.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux platform Rust targets.
    Some(Duration::from_millis(ticks * 10))
}

async fn measure(base: &str, server: u32, probes: &[(String, String, String)], only: Option<&str>) {
    let runs = |phase: &str| only.is_none_or(|o| o == phase);
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "dispatcher", "password": "gasdesk2026"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let get = |path: String| {
        client
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
    };
    let probes = if runs("lookups") {
        &probes[..probes.len().min(1000)]
    } else {
        &[]
    };
    let encode = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    for (label, make) in [
        (
            "customer by address text",
            &(|p: &(String, String, String)| {
                format!("/api/v1/customers?limit=10&q={}", encode(&p.0))
            }) as &dyn Fn(&_) -> String,
        ),
        ("customer by card number", &|p: &(
            String,
            String,
            String,
        )| {
            format!("/api/v1/customers?card_no={}", p.1)
        }),
        ("customer by phone", &|p: &(String, String, String)| {
            format!("/api/v1/customers?phone={}", p.2)
        }),
    ] {
        if probes.is_empty() {
            break;
        }
        let mut samples = Vec::new();
        let mut found = 0;
        for p in probes {
            let started = Instant::now();
            let page: Value = get(make(p)).await.unwrap().json().await.unwrap();
            samples.push(started.elapsed());
            found += usize::from(page["items"].as_array().is_some_and(|i| !i.is_empty()));
        }
        let (p50, p99) = stats(samples);
        println!(
            "  {label:<28} p50 {p50:>7.2} ms  p99 {p99:>7.2} ms  ({found}/{} found)",
            probes.len()
        );
    }
    if runs("creation") {
        create_tickets(&client, &token, base, server).await;
    }
    if runs("search") {
        search_tickets(&client, &token, base).await;
    }
}

/// Ticket creation with routing, 32 concurrent clients.
async fn create_tickets(client: &reqwest::Client, token: &str, base: &str, server: u32) {
    let total = 4000;
    let cpu_before = cpu_time(server);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..32 {
        let (client, token, base) = (client.clone(), token.to_owned(), base.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut rng = ChaCha8Rng::seed_from_u64(worker);
            for _ in 0..total / 32 {
                let response = client
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(&token)
                    .json(&json!({"reporter": "王先生", "phone": "13812345678", "address": address(&mut rng).0,
                        "lon": rng.random_range(120.55..120.70), "lat": rng.random_range(31.25..31.35),
                        "category": "stove", "content": "灶具不点火"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 201);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "  ticket creation (HTTP, routed)  {:.0} tickets/s ({total} in {secs:.1} s, 32 clients)",
        total as f64 / secs
    );
    if let (Some(before), Some(after)) = (cpu_before, cpu_time(server)) {
        println!(
            "  server CPU per ticket created    {:.2} ms",
            (after - before).as_secs_f64() * 1000.0 / f64::from(total)
        );
    }
}

/// A page of ticket search results with typical filters.
async fn search_tickets(client: &reqwest::Client, token: &str, base: &str) {
    let get = |path: String| {
        client
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
    };
    let encode = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let team: Value = get("/api/v1/teams".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let team_id = team[0]["id"].as_str().unwrap().to_owned();
    let queries = [
        format!("/api/v1/tickets?team_id={team_id}&status=assigned"),
        format!("/api/v1/tickets?address={}", encode("人民路")),
        "/api/v1/tickets?phone=13812345678".to_owned(),
        "/api/v1/tickets?reported_from=2026-01-01T00:00:00Z&reported_to=2026-02-01T00:00:00Z&sort=-created_at".to_owned(),
        "/api/v1/tickets?status=completed&sort=deadline_at".to_owned(),
    ];
    let mut samples = Vec::new();
    for _ in 0..40 {
        for q in &queries {
            let started = Instant::now();
            let response = get(q.clone()).await.unwrap();
            assert_eq!(response.status(), 200);
            response.bytes().await.unwrap();
            samples.push(started.elapsed());
        }
    }
    let (p50, p99) = stats(samples);
    println!("  ticket search, page of 50        p50 {p50:>7.2} ms  p99 {p99:>7.2} ms");
}

#[tokio::main]
async fn main() {
    let customers: usize = arg("--customers")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let tickets: usize = arg("--tickets")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let engine = arg("--engine").unwrap_or_else(|| "both".into());
    let only = arg("--only");
    let reuse = arg("--reuse").map(std::path::PathBuf::from);
    let dir = tempfile::tempdir().unwrap();
    let pg_admin = std::env::var("GASDESK_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    for engine in ["sqlite", "postgres"]
        .into_iter()
        .filter(|e| engine == "both" || engine == *e)
    {
        println!("{engine}: {customers} customers, {tickets} tickets");
        let mut filled = false;
        let url = if engine == "sqlite" {
            let file = match &reuse {
                Some(keep) => {
                    std::fs::create_dir_all(keep).unwrap();
                    filled = keep.join("intake.db").exists();
                    keep.join("intake.db")
                }
                None => dir.path().join("intake.db"),
            };
            format!("sqlite://{}?mode=rwc", file.display())
        } else {
            let admin = sqlx::PgPool::connect(&pg_admin).await.expect("PostgreSQL");
            sqlx::query("DROP DATABASE IF EXISTS gasdesk_bench_intake WITH (FORCE)")
                .execute(&admin)
                .await
                .unwrap();
            sqlx::query("CREATE DATABASE gasdesk_bench_intake")
                .execute(&admin)
                .await
                .unwrap();
            format!(
                "{}/gasdesk_bench_intake",
                &pg_admin[..pg_admin.rfind('/').unwrap()]
            )
        };
        let db = gasdesk_server::open(&Config {
            database_url: url.clone(),
            ..Config::default()
        })
        .await
        .unwrap();
        let probes = if filled {
            println!("  reusing the database filled by an earlier run (no lookups: no probes)");
            Vec::new()
        } else {
            fill(&db, customers, tickets).await
        };
        db.close().await;
        let started = Instant::now();
        let (mut server, base) = start_server(&url);
        println!(
            "  server start-up (indexes built)  {:.1} s",
            started.elapsed().as_secs_f64()
        );
        measure(&base, server.id(), &probes, only.as_deref()).await;
        server.kill().unwrap();
        server.wait().unwrap();
    }
    if engine != "sqlite"
        && let Ok(admin) = sqlx::PgPool::connect(&pg_admin).await
    {
        let _ = sqlx::query("DROP DATABASE IF EXISTS gasdesk_bench_intake WITH (FORCE)")
            .execute(&admin)
            .await;
    }
}
