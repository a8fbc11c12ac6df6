//! Test harness: a real gasdesk server on port 0 over a fresh database of either engine, and
//! an HTTP client that signs in like the app does.

use gasdesk_server::db::audit::Actor;
use gasdesk_server::{AppState, Config, Db};
use gasdesk_shared::Role;
use gasdesk_shared::api::NewUser;
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub const PASSWORD: &str = "correct-horse-42";

/// The PostgreSQL server tests may create databases on, if any.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("GASDESK_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

pub struct TestServer {
    pub base: String,
    pub client: Client,
    pub db: Db,
    /// The configuration it runs with (a second instance may share its database).
    pub config: Config,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
    postgres_db: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

/// A fresh, migrated database; `None` when the engine is not available here.
pub async fn fresh_database(
    engine: Engine,
) -> Option<(String, Option<(String, String)>, tempfile::TempDir)> {
    let dir = tempfile::tempdir().expect("temp dir");
    match engine {
        Engine::Sqlite => {
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("gasdesk.db").display()
            );
            Some((url, None, dir))
        }
        Engine::Postgres => {
            let admin = postgres_admin_url()?;
            let name = format!("gasdesk_test_{}", uuid::Uuid::now_v7().simple());
            let pool = sqlx::PgPool::connect(&admin)
                .await
                .expect("connect to GASDESK_TEST_POSTGRES_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .expect("create test database");
            pool.close().await;
            let base = match admin.rfind('/') {
                Some(i) if i > "postgres://".len() => &admin[..i],
                _ => admin.as_str(),
            };
            Some((format!("{base}/{name}"), Some((admin.clone(), name)), dir))
        }
    }
}

pub async fn drop_postgres_database(admin: &str, name: &str) {
    if let Ok(pool) = sqlx::PgPool::connect(admin).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&pool)
        .await;
        pool.close().await;
    }
}

impl TestServer {
    pub async fn start(engine: Engine) -> Option<TestServer> {
        Self::start_with(engine, |_| {}).await
    }

    /// Starts a server whose configuration `adjust` may change first.
    pub async fn start_with(
        engine: Engine,
        adjust: impl FnOnce(&mut Config),
    ) -> Option<TestServer> {
        Self::start_full(engine, adjust, None).await
    }

    /// Starts a server over the demo city (with `customers` customers).
    pub async fn start_demo(engine: Engine, customers: u32) -> Option<TestServer> {
        Self::start_full(engine, |_| {}, Some(customers)).await
    }

    async fn start_full(
        engine: Engine,
        adjust: impl FnOnce(&mut Config),
        demo: Option<u32>,
    ) -> Option<TestServer> {
        let Some((database_url, postgres_db, dir)) = fresh_database(engine).await else {
            eprintln!("skipped: PostgreSQL tests need GASDESK_TEST_POSTGRES_URL");
            return None;
        };
        let mut config = Config {
            database_url: database_url.clone(),
            addr: "127.0.0.1:0".parse().unwrap(),
            ..Config::default()
        };
        adjust(&mut config);
        let db = gasdesk_server::open(&config).await.expect("open database");
        if let Some(customers) = demo {
            gasdesk_server::demo::load(&db, customers)
                .await
                .expect("load the demo city");
        }
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .expect("bind port 0");
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel();
        let state_config = config.clone();
        let state = AppState::ready(db.clone(), config.clone())
            .await
            .expect("routing indexes");
        let handle = tokio::spawn(gasdesk_server::http::serve(state, listener, async {
            let _ = rx.await;
        }));
        let server = TestServer {
            base: format!("http://{addr}"),
            client: Client::new(),
            db,
            config: state_config,
            shutdown: Some(tx),
            handle: Some(handle),
            postgres_db,
            _dir: dir,
        };
        server.wait_ready().await;
        Some(server)
    }

    /// Another server on the same database, as a second instance behind a load balancer.
    /// Stopping it leaves the database to the first.
    pub async fn second_instance(&self) -> TestServer {
        let db = gasdesk_server::open(&self.config)
            .await
            .expect("open database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel();
        let state = AppState::ready(db.clone(), self.config.clone())
            .await
            .expect("routing indexes");
        let handle = tokio::spawn(gasdesk_server::http::serve(state, listener, async {
            let _ = rx.await;
        }));
        let server = TestServer {
            base: format!("http://{addr}"),
            client: Client::new(),
            db,
            config: self.config.clone(),
            shutdown: Some(tx),
            handle: Some(handle),
            postgres_db: None,
            _dir: tempfile::tempdir().expect("temp dir"),
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        for _ in 0..200 {
            if let Ok(r) = self.client.get(self.url("/healthz")).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("server at {} did not become ready", self.base);
    }

    /// Shuts the server down gracefully and drops a PostgreSQL test database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle
                .await
                .expect("server task")
                .expect("server stopped cleanly");
        }
        self.db.close().await;
        if let Some((admin, name)) = self.postgres_db.take() {
            drop_postgres_database(&admin, &name).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Adds a user straight through the domain layer (as `gasdesk user add` does).
    pub async fn add_user(&self, username: &str, role: Role) -> uuid::Uuid {
        gasdesk_server::users::create(
            &self.db,
            Actor::SYSTEM,
            NewUser {
                username: username.into(),
                display_name: format!("{username} 测试"),
                password: PASSWORD.into(),
                role,
                phone: None,
            },
        )
        .await
        .expect("add user")
        .id
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("login request")
    }

    /// Adds a user with `role` and signs in; returns the bearer token.
    pub async fn user_token(&self, username: &str, role: Role) -> String {
        self.add_user(username, role).await;
        let response = self.login(username, PASSWORD).await;
        assert_eq!(response.status(), 200, "sign-in of {username}");
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    pub fn request(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }
}

/// Sends `body` as JSON with the bearer token.
pub async fn send(
    server: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    body: Value,
) -> Response {
    server
        .request(method, path, token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The audit trail of one record (`entity` as the audit names it), read with `token` (a
/// manager's or an admin's).
pub async fn audit_of(server: &TestServer, token: &str, entity: &str, id: &str) -> Vec<Value> {
    let path = format!("/api/v1/audit?entity={entity}&entity_id={id}");
    let page = ok_json(
        send(server, Method::GET, &path, token, Value::Null).await,
        200,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no audit items: {page}"))
        .clone()
}

/// Asserts the status and returns the JSON body.
pub async fn ok_json(response: Response, status: u16) -> Value {
    let code = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(code, status, "{body}");
    body
}

/// Asserts the response is our error shape with this status and code, and returns the body.
pub async fn expect_error(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(
        response.status().as_u16(),
        status,
        "status for expected `{code}`"
    );
    let body: Value = response.json().await.expect("error body is JSON");
    let error = body["error"]
        .as_object()
        .unwrap_or_else(|| panic!("no `error` object: {body}"));
    assert_eq!(error["code"], code, "{body}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "error message missing: {body}"
    );
    for key in error.keys() {
        assert!(
            ["code", "message", "field", "details"].contains(&key.as_str()),
            "unexpected key {key}: {body}"
        );
    }
    body
}

/// Declares each listed async test function `fn(Engine)` once per engine.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Engine::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Engine::Postgres).await
                }
            )*
        }
    };
}
