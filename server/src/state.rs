//! What every request handler can reach.

use crate::auth::LoginLimiter;
use crate::config::Config;
use crate::customers::CustomerIndex;
use crate::db::Db;
use crate::error::AppResult;
use crate::routing::Indexes;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub limiter: Arc<LoginLimiter>,
    pub indexes: Arc<Indexes>,
    pub customer_index: Arc<CustomerIndex>,
    /// Sync pushes applying at once: each reads through pooled connections while it prepares
    /// and holds its write transaction (SQLite: the single writer), so at most half the pool.
    pub sync_gate: Arc<tokio::sync::Semaphore>,
    pub reference_cache: Arc<crate::sync::pull::ReferenceCache>,
    /// This instance's reader of the live event log (console streams, push sender wake-ups).
    pub hub: Arc<crate::live::Hub>,
    pub push: Arc<crate::push::Push>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> AppState {
        let limiter = LoginLimiter::new(
            config.login_window(),
            config.login_max_failures_per_account,
            config.login_max_failures_per_address,
        );
        let sync_permits = match db.engine() {
            crate::db::Engine::Sqlite => 4,
            crate::db::Engine::Postgres => 8,
        };
        let config = Arc::new(config);
        AppState {
            push: Arc::new(crate::push::Push::new(db.clone(), config.clone())),
            hub: Arc::default(),
            db,
            config,
            limiter: Arc::new(limiter),
            indexes: Arc::new(Indexes::default()),
            customer_index: Arc::new(CustomerIndex::default()),
            sync_gate: Arc::new(tokio::sync::Semaphore::new(sync_permits)),
            reference_cache: Arc::default(),
        }
    }

    /// A state ready to serve: the routing and address indexes built from what is stored.
    pub async fn ready(db: Db, config: Config) -> AppResult<AppState> {
        let mut state = AppState::new(db, config);
        state.indexes.rebuild(&state.db).await?;
        state.customer_index = Arc::new(CustomerIndex::load(&state.db).await?);
        // The key is made (or read) now, not at the first push.
        state.push.vapid().await?;
        Ok(state)
    }

    /// The tasks a serving instance runs beside its requests: the live event hub and the
    /// push sender. They stop when the returned set is dropped.
    pub fn start_background(&self) -> tokio::task::JoinSet<()> {
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(self.hub.clone().run(self.db.clone()));
        tasks.spawn(crate::push::sender::run(
            self.db.clone(),
            self.push.clone(),
            self.hub.clone(),
        ));
        tasks
    }
}
