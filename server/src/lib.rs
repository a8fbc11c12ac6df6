//! gasdesk server: the HTTP API, persistence on SQLite or PostgreSQL, sign-in and roles, the
//! demo city and the command line. `main.rs` only calls [`cli::run`]; tests start the real
//! server through [`http::serve`] on port 0.

pub mod attachments;
pub mod auth;
pub mod callcenter;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod customers;
pub mod db;
pub mod demo;
pub mod error;
pub mod escalation;
pub mod followups;
pub mod geometry;
pub mod http;
pub mod live;
pub mod params;
pub mod patrol;
pub mod push;
pub mod routing;
pub mod scheduler;
pub mod state;
pub mod sync;
pub mod teams;
pub mod tickets;
pub mod users;

pub use config::Config;
pub use db::Db;
pub use state::AppState;

/// Opens (and migrates) the database and prepares what every start needs.
pub async fn open(config: &Config) -> anyhow::Result<Db> {
    let db = Db::open(&config.database_url).await?;
    params::ensure_defaults(&db).await?;
    Ok(db)
}
