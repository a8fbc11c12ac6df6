//! The one connection each SQLite database file writes through (see [`super::Db::begin`]).
//!
//! SQLite lets one connection write at a time. A pooled connection that finds the write lock
//! taken sleeps and polls (the busy handler waits 1, 2, 5, … 100 ms), holding its pool slot
//! while it sleeps, so under load writers queue in no order and leave the lock idle between
//! polls. Queued instead on a pool of one connection, write transactions wait in order and
//! start the moment the previous one commits, and reads keep the main pool to themselves.
//! That connection also keeps its page cache warm: SQLite drops a connection's cache whenever
//! another connection wrote, so writes spread over the pool began cold every time.
//!
//! With 32 clients creating tickets one transaction each on a 1,000,000-ticket database
//! (`benches/intake.rs`), the server's CPU per ticket fell from about 1.0 to 0.75 ms and
//! throughput rose by 10–20 %.

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// Per database file, because the write lock is the file's; and kept here because a `Db` is
/// a bare pool that other code matches on, with no room for a second one.
static WRITERS: LazyLock<Mutex<HashMap<PathBuf, Writer>>> = LazyLock::new(Default::default);

struct Writer {
    pool: SqlitePool,
    /// The open `Db`s on this file: the last one closed closes the writer.
    users: usize,
}

/// Sets up the write connection of the file `options` opens (connecting on first use), or
/// shares the one another open `Db` on the same file has.
pub fn register(options: &SqliteConnectOptions) {
    let Ok(mut writers) = WRITERS.lock() else {
        return;
    };
    let writer = writers
        .entry(options.get_filename().to_owned())
        .or_insert_with(|| Writer {
            pool: SqlitePoolOptions::new()
                .max_connections(1)
                // A file connection cannot drop like a socket: nothing to test.
                .test_before_acquire(false)
                // Waiting for the writer is waiting for the write lock: as long as SQLite
                // would (the busy timeout set in `Db::connect`).
                .acquire_timeout(Duration::from_secs(10))
                .connect_lazy_with(options.clone()),
            users: 0,
        });
    writer.users += 1;
}

/// The write connection's pool of the file `pool` opens, if it has one (in-memory databases
/// have none: a second connection would open a second database).
pub fn of(pool: &SqlitePool) -> Option<SqlitePool> {
    let options = pool.connect_options();
    let writers = WRITERS.lock().ok()?;
    writers
        .get(options.get_filename())
        .map(|w| w.pool.clone())
        .filter(|p| !p.is_closed())
}

/// One `Db` on the file `pool` opens was closed; closes the writer with the last.
pub async fn release(pool: &SqlitePool) {
    let closing = {
        let options = pool.connect_options();
        let Ok(mut writers) = WRITERS.lock() else {
            return;
        };
        match writers.get_mut(options.get_filename()) {
            Some(w) if w.users > 1 => {
                w.users -= 1;
                None
            }
            Some(_) => writers.remove(options.get_filename()),
            None => None,
        }
    };
    if let Some(w) = closing {
        w.pool.close().await;
    }
}
