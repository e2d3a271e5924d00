//! Service configuration: an optional TOML file, then environment overrides.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

/// Settings every subgraph process needs. Loaded from the TOML file named by
/// `CONFIG_FILE` (if set), then overridden by environment variables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Service name; also the Postgres schema the service owns.
    pub name: String,
    /// Address to listen on. Env: `<NAME>_LISTEN` (e.g. `ORDERS_LISTEN`) or `LISTEN`.
    pub listen: SocketAddr,
    /// Postgres URL. Env: `DATABASE_URL`.
    pub database_url: String,
    /// Maximum pooled connections. Env: `DATABASE_MAX_CONNECTIONS`.
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    /// Load the deterministic demo data set when the service's schema is empty. Env: `SEED`.
    #[serde(default)]
    pub seed: bool,
    /// NATS server the outbox relay publishes domain events to. Env: `NATS_URL`. Unset: a
    /// producing service keeps its events in the outbox, unpublished, until one is configured.
    #[serde(default)]
    pub nats_url: Option<String>,
}

fn default_max_connections() -> u32 {
    10
}

/// A configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("invalid value for {var}: {message}")]
    Env { var: String, message: String },
}

/// A partial configuration as read from a file: every field optional so the environment
/// can fill in the rest.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    database_url: Option<String>,
    max_connections: Option<u32>,
    seed: Option<bool>,
    nats_url: Option<String>,
}

/// The Postgres URL used when nothing else is configured: the local development server.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

impl ServiceConfig {
    /// Load the configuration of service `name`, which listens on `default_port` unless told
    /// otherwise.
    pub fn load(name: &str, default_port: u16) -> Result<Self, ConfigError> {
        let file = match std::env::var("CONFIG_FILE") {
            Ok(path) => read_file(Path::new(&path))?,
            Err(_) => FileConfig::default(),
        };
        let upper = name.to_ascii_uppercase();
        let listen = match env_any(&[&format!("{upper}_LISTEN"), "LISTEN"]) {
            Some((var, v)) => v.parse().map_err(|e| ConfigError::Env {
                var,
                message: format!("{e}"),
            })?,
            None => file
                .listen
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], default_port))),
        };
        let database_url = std::env::var("DATABASE_URL")
            .ok()
            .or(file.database_url)
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let max_connections = match env_any(&["DATABASE_MAX_CONNECTIONS"]) {
            Some((var, v)) => v.parse().map_err(|e| ConfigError::Env {
                var,
                message: format!("{e}"),
            })?,
            None => file.max_connections.unwrap_or_else(default_max_connections),
        };
        let seed = match env_any(&["SEED"]) {
            Some((_, v)) => matches!(v.as_str(), "1" | "true" | "yes"),
            None => file.seed.unwrap_or(false),
        };
        let nats_url = std::env::var("NATS_URL")
            .ok()
            .filter(|url| !url.is_empty())
            .or(file.nats_url);
        Ok(Self {
            name: name.to_string(),
            listen,
            database_url,
            max_connections,
            seed,
            nats_url,
        })
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.display().to_string(),
        source,
    })
}

fn env_any(vars: &[&str]) -> Option<(String, String)> {
    vars.iter()
        .find_map(|v| std::env::var(v).ok().map(|val| (v.to_string(), val)))
}
