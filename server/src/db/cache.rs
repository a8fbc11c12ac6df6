//! Rarely changed rows kept in memory for a moment, per database, so that hot paths (ticket
//! intake above all) do not read them on every request.
//!
//! Several server instances may share one PostgreSQL database, and an instance sees only its
//! own changes. So a value is dropped at once when this process changes it, and otherwise
//! kept only for a short time to live: that bounds how long a change made through another
//! instance goes unseen here. Only data for which that much delay is harmless belongs here.

use super::Db;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

/// A value per database, read at most once per `ttl` unless this process changes it.
pub struct Recent<T> {
    ttl: Duration,
    entries: LazyLock<Mutex<HashMap<String, Entry<T>>>>,
}

struct Entry<T> {
    value: Option<(Instant, Arc<T>)>,
    /// Bumped by every change, so a read that began before it does not store what it read.
    generation: u64,
}

impl<T> Recent<T> {
    pub const fn new(ttl: Duration) -> Recent<T> {
        Recent {
            ttl,
            entries: LazyLock::new(Default::default),
        }
    }

    /// The value kept for `db`, or what `load` reads when there is none or it is too old.
    pub async fn get<E, F, Fut>(&self, db: &Db, load: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let key = db.identity();
        let generation = {
            let entries = self.lock();
            match entries.get(&key) {
                Some(Entry {
                    value: Some((read_at, value)),
                    ..
                }) if read_at.elapsed() < self.ttl => return Ok(value.clone()),
                Some(entry) => entry.generation,
                None => 0,
            }
        };
        let read_at = Instant::now();
        let value = Arc::new(load().await?);
        let mut entries = self.lock();
        let entry = entries.entry(key).or_insert(Entry {
            value: None,
            generation: 0,
        });
        if entry.generation == generation {
            entry.value = Some((read_at, value.clone()));
        }
        Ok(value)
    }

    /// Forgets the value of `db`: call it after this process changed what it holds.
    pub fn changed(&self, db: &Db) {
        let mut entries = self.lock();
        let entry = entries.entry(db.identity()).or_insert(Entry {
            value: None,
            generation: 0,
        });
        entry.value = None;
        entry.generation += 1;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry<T>>> {
        // A panic while holding the lock cannot leave an entry half-written: recover it.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
