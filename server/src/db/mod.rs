//! Persistence on two engines: SQLite (embedded default) and PostgreSQL (multi-instance).
//! The engine is chosen once, from the URL scheme. Each query is written once and run on the
//! concrete pool of either engine through [`on_db!`] and [`on_tx!`], so native types (UUIDs,
//! timestamps, JSON) work on both without `sqlx::Any`.

pub mod areas;
pub mod attachments;
pub mod audit;
pub mod cache;
pub mod callcenter;
pub mod catalog;
pub mod customers;
pub mod filter;
pub mod followups;
pub mod live;
pub mod log;
pub mod params;
pub mod patrol;
pub mod push;
pub mod records;
pub mod routing;
pub mod sessions;
pub mod sync;
pub mod teams;
pub mod tickets;
pub mod users;
mod writer;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// Runs `$body` with `$pool` bound to the concrete pool of whichever engine `$db` uses.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the connection of an open transaction.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(PgTx),
}

/// A PostgreSQL transaction with the change-log and live-event rows it will append (see
/// [`log`]). It dereferences to the connection, as a sqlx transaction does.
pub struct PgTx {
    tx: Transaction<'static, Postgres>,
    log: log::Pending,
}

impl std::ops::Deref for PgTx {
    type Target = sqlx::PgConnection;
    fn deref(&self) -> &sqlx::PgConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for PgTx {
    fn deref_mut(&mut self) -> &mut sqlx::PgConnection {
        &mut self.tx
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL `{0}`: use sqlite://<file> or postgres://<host>/<db>")]
    UnsupportedScheme(String),
    #[error("cannot open the database: {0}")]
    Open(#[from] sqlx::Error),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Db {
    /// Opens a pool for `url` (`sqlite:` or `postgres:`/`postgresql:`); does not migrate.
    pub async fn connect(url: &str) -> Result<Db, ConnectError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                // A file connection cannot drop like a socket, and each test is a round trip
                // to the connection's thread, paid by every read: about a tenth of the server's
                // CPU per ticket created (`benches/intake.rs`).
                .test_before_acquire(false)
                .connect_with(options.clone())
                .await?;
            if !(url.contains(":memory:") || url.contains("mode=memory")) {
                writer::register(&options);
            }
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(ConnectError::UnsupportedScheme(redact_url(url)))
        }
    }

    /// Opens and migrates: what the server does at start-up.
    pub async fn open(url: &str) -> Result<Db, ConnectError> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Opens a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads and then writes fails with SQLITE_BUSY, without
    /// waiting, when another writer committed in between; an immediate one waits its turn.
    /// A file database's transactions queue for its one write connection ([`writer`]).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => {
                let pool = writer::of(pool).unwrap_or_else(|| pool.clone());
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?)
            }
            Db::Postgres(pool) => Tx::Postgres(PgTx {
                tx: pool.begin().await?,
                log: log::Pending::default(),
            }),
        })
    }

    /// A round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => {
                // Closing a clone again must not release the writer a second time.
                if !pool.is_closed() {
                    pool.close().await;
                    writer::release(pool).await;
                }
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }

    /// Which database this is, for per-database state kept in memory ([`cache`]): the file,
    /// or the server, user and database name.
    pub fn identity(&self) -> String {
        match self {
            Db::Sqlite(pool) => {
                format!("sqlite:{}", pool.connect_options().get_filename().display())
            }
            Db::Postgres(pool) => {
                let o = pool.connect_options();
                format!(
                    "postgres://{}@{}:{}/{}",
                    o.get_username(),
                    o.get_host(),
                    o.get_port(),
                    o.get_database().unwrap_or_default()
                )
            }
        }
    }

    /// Every (table, column) of the schema, sorted; the migrations test compares the engines.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>, sqlx::Error> {
        let mut columns: Vec<(String, String)> = match self {
            Db::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx_%'",
                )
                .fetch_all(pool)
                .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx\\_%'",
                )
                .fetch_all(pool)
                .await?
            }
        };
        columns.sort();
        Ok(columns)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(mut t) => {
                log::flush(&mut t.tx, std::mem::take(&mut t.log)).await?;
                t.tx.commit().await?
            }
        }
        COMMITS.send_modify(|n| *n = n.wrapping_add(1));
        Ok(())
    }
}

impl Tx {
    /// Undoes the transaction (dropping it would too, but later and silently).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t) => t.tx.rollback().await,
        }
    }
}

/// Bumped after every commit in this process: what waits for new live events or queued pushes
/// looks at once instead of at its next poll. (Other instances hear of PostgreSQL commits
/// through `NOTIFY`, see [`live`].)
static COMMITS: std::sync::LazyLock<tokio::sync::watch::Sender<u64>> =
    std::sync::LazyLock::new(|| tokio::sync::watch::channel(0).0);

pub fn commits() -> tokio::sync::watch::Receiver<u64> {
    COMMITS.subscribe()
}

/// The URL with any password replaced, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A time as stored: in UTC, at microsecond precision. SQLite keeps timestamps as RFC 3339
/// text and compares them as text, so every time written or compared must share one offset;
/// times from clients (which may say +08:00) go through this first.
pub fn utc(t: time::OffsetDateTime) -> time::OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

/// A `LIKE` pattern matching `text` anywhere. `%` and `_` typed by an agent are literal
/// characters, not wildcards: queries declare `\` as LIKE's escape character (`ESCAPE '\'`),
/// which both engines honour.
pub fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// True when the error is a unique-constraint violation, on either engine.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// True when the error is a foreign-key violation, on either engine.
pub fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}

/// The current time at the precision both engines store (microseconds), so what is written
/// reads back equal.
pub fn now() -> time::OffsetDateTime {
    let t = time::OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://gas:secret@db.local/gasdesk"),
            "postgres://gas:***@db.local/gasdesk"
        );
        assert_eq!(
            redact_url("postgres://gas@db.local/gasdesk"),
            "postgres://gas@db.local/gasdesk"
        );
        assert_eq!(redact_url("sqlite://gasdesk.db"), "sqlite://gasdesk.db");
    }
}
