//! Server configuration: one typed struct, filled from defaults, then an optional TOML file,
//! then `GASDESK_*` environment variables, then command-line flags (each overriding the last).

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// `sqlite://<file>` (default, embedded) or `postgres://...`.
    pub database_url: String,
    /// How long a sign-in lasts.
    pub session_ttl_hours: u64,
    /// Sliding window for counting failed sign-ins.
    pub login_window_secs: u64,
    pub login_max_failures_per_account: u32,
    pub login_max_failures_per_address: u32,
    /// Largest JSON body accepted.
    pub max_body_bytes: usize,
    /// Largest customer import (CSV) accepted over HTTP.
    pub max_import_bytes: usize,
    /// How far from a leak report routing looks for a pipeline, in metres.
    pub pipeline_search_m: f64,
    /// Customers the demo city gets with `serve --demo`.
    pub demo_customers: u32,
    /// Log filter, e.g. `info` or `gasdesk_server=debug,tower_http=info`.
    pub log: String,
    /// Contact the push services see in every VAPID token (`mailto:` or `https:`).
    pub push_subject: String,
    /// VAPID private key (raw P-256 scalar, base64url). Unset: one is made on first start and
    /// kept in the database, so every instance signs with the same key.
    pub vapid_private_key: Option<String>,
    /// Push requests in flight at once, per instance.
    pub push_concurrency: usize,
    /// Longest wait for a push service's answer before the message is retried.
    pub push_timeout_secs: u64,
    /// Accept `http://` subscription endpoints (a local push service in tests); real push
    /// services are always HTTPS.
    pub push_allow_http: bool,
}

/// Keys accepted from the environment as `GASDESK_<KEY>`; anything else with that prefix
/// belongs to other tools (tests, scripts) and is ignored.
const KEYS: [&str; 16] = [
    "addr",
    "database_url",
    "session_ttl_hours",
    "login_window_secs",
    "login_max_failures_per_account",
    "login_max_failures_per_address",
    "max_body_bytes",
    "max_import_bytes",
    "pipeline_search_m",
    "demo_customers",
    "log",
    "push_subject",
    "vapid_private_key",
    "push_concurrency",
    "push_timeout_secs",
    "push_allow_http",
];

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://gasdesk.db?mode=rwc".into(),
            session_ttl_hours: 12,
            login_window_secs: 15 * 60,
            login_max_failures_per_account: 5,
            login_max_failures_per_address: 30,
            max_body_bytes: 1024 * 1024,
            max_import_bytes: 256 * 1024 * 1024,
            pipeline_search_m: 200.0,
            demo_customers: 20_000,
            log: "info".into(),
            push_subject: "mailto:gasdesk@localhost".into(),
            vapid_private_key: None,
            push_concurrency: 32,
            push_timeout_secs: 10,
            push_allow_http: false,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("database_url", &crate::db::redact_url(&self.database_url))
            .field("session_ttl_hours", &self.session_ttl_hours)
            .field("login_window_secs", &self.login_window_secs)
            .field(
                "login_max_failures_per_account",
                &self.login_max_failures_per_account,
            )
            .field(
                "login_max_failures_per_address",
                &self.login_max_failures_per_address,
            )
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_import_bytes", &self.max_import_bytes)
            .field("pipeline_search_m", &self.pipeline_search_m)
            .field("demo_customers", &self.demo_customers)
            .field("log", &self.log)
            .field("push_subject", &self.push_subject)
            .field(
                "vapid_private_key",
                &self.vapid_private_key.as_ref().map(|_| "***"),
            )
            .field("push_concurrency", &self.push_concurrency)
            .field("push_timeout_secs", &self.push_timeout_secs)
            .field("push_allow_http", &self.push_allow_http)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid configuration ({origin}): {message}")]
    Invalid { origin: String, message: String },
}

impl Config {
    /// Defaults < `file` (TOML) < environment (`vars`, normally `std::env::vars()`).
    /// Flags are applied by the caller afterwards.
    pub fn load(
        file: Option<&Path>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                toml::from_str::<toml::Table>(&text).map_err(|e| ConfigError::Invalid {
                    origin: path.display().to_string(),
                    message: e.to_string(),
                })?
            }
            None => toml::Table::new(),
        };
        let mut plain_database_url = None;
        for (name, raw) in vars {
            if name == "DATABASE_URL" {
                plain_database_url = Some(raw);
                continue;
            }
            let Some(key) = name.strip_prefix("GASDESK_").map(str::to_lowercase) else {
                continue;
            };
            if KEYS.contains(&key.as_str()) {
                table.insert(key, env_value(&raw));
            }
        }
        // `DATABASE_URL` is the convention many tools share; `GASDESK_DATABASE_URL` wins.
        if let Some(url) = plain_database_url {
            table
                .entry("database_url")
                .or_insert(toml::Value::String(url));
        }
        table
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid {
                origin: "file or GASDESK_* environment".into(),
                message: e.message().to_owned(),
            })
    }

    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.session_ttl_hours * 3600)
    }

    pub fn login_window(&self) -> Duration {
        Duration::from_secs(self.login_window_secs)
    }

    pub fn push_timeout(&self) -> Duration {
        Duration::from_secs(self.push_timeout_secs.max(1))
    }
}

/// Environment values are text; numbers are read as numbers so `GASDESK_SESSION_TTL_HOURS=8`
/// fills an integer field.
fn env_value(raw: &str) -> toml::Value {
    if let Ok(b) = raw.parse::<bool>() {
        return toml::Value::Boolean(b);
    }
    if let Ok(n) = raw.parse::<i64>() {
        return toml::Value::Integer(n);
    }
    if let Ok(x) = raw.parse::<f64>() {
        return toml::Value::Float(x);
    }
    toml::Value::String(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gasdesk.toml");
        std::fs::write(&path, "session_ttl_hours = 8\naddr = \"0.0.0.0:9000\"\n").unwrap();
        let config = Config::load(
            Some(&path),
            vars(&[
                ("GASDESK_SESSION_TTL_HOURS", "4"),
                ("GASDESK_TEST_POSTGRES_URL", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(config.session_ttl_hours, 4);
        assert_eq!(config.addr.port(), 9000);
        assert_eq!(config.login_max_failures_per_account, 5);
    }

    #[test]
    fn gasdesk_database_url_beats_database_url() {
        let config = Config::load(
            None,
            vars(&[
                ("DATABASE_URL", "postgres://a/b"),
                ("GASDESK_DATABASE_URL", "sqlite://c.db"),
            ]),
        )
        .unwrap();
        assert_eq!(config.database_url, "sqlite://c.db");
        let config = Config::load(None, vars(&[("DATABASE_URL", "postgres://a/b")])).unwrap();
        assert_eq!(config.database_url, "postgres://a/b");
    }

    #[test]
    fn bad_values_and_unknown_keys_are_named() {
        let err = Config::load(None, vars(&[("GASDESK_ADDR", "not an address")])).unwrap_err();
        assert!(err.to_string().contains("invalid"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gasdesk.toml");
        std::fs::write(&path, "sesion_ttl_hours = 8\n").unwrap();
        let err = Config::load(Some(&path), vars(&[])).unwrap_err();
        assert!(err.to_string().contains("sesion_ttl_hours"), "{err}");
    }

    #[test]
    fn debug_hides_the_database_password() {
        let config = Config {
            database_url: "postgres://gas:secret@db/gasdesk".into(),
            ..Config::default()
        };
        assert!(!format!("{config:?}").contains("secret"));
    }
}
