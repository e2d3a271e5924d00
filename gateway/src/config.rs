//! Gateway configuration: a TOML file plus environment overrides.
//!
//! Every key of the file can be overridden by an environment variable named
//! `CROWDCRUNCH_GATEWAY__` + the key path in upper case joined by `__`, e.g.
//! `CROWDCRUNCH_GATEWAY__LISTEN=0.0.0.0:4000`,
//! `CROWDCRUNCH_GATEWAY__INTROSPECTION=false`,
//! `CROWDCRUNCH_GATEWAY__SUBGRAPHS__ORDERS__URL=http://orders:8080/graphql`.
//! Values are read as TOML scalars when they parse as such (numbers,
//! booleans), as strings otherwise. Subgraph names are lower-cased.
//! Unknown keys, in the file or the environment, are errors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Error;

const ENV_PREFIX: &str = "CROWDCRUNCH_GATEWAY__";

/// The whole configuration; every field has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP server binds, e.g. `127.0.0.1:4000`.
    pub listen: String,
    /// Server worker threads, each running its own single-threaded runtime
    /// with its own connections (client and subgraph side), so a request
    /// never hops threads; 0 (the default) means one per available CPU.
    pub workers: usize,
    /// Path of the supergraph SDL file; watched for changes.
    pub supergraph: Option<PathBuf>,
    /// Whether `__schema` / `__type` queries are answered.
    pub introspection: bool,
    /// Whether GraphiQL is served at `/playground` (and `GET /graphql` from browsers).
    pub playground: bool,
    /// Largest accepted request body, in bytes (larger → HTTP 413).
    pub body_limit_bytes: usize,
    /// How many prepared operations (validated document + plan) are cached.
    pub plan_cache_size: usize,
    /// Default timeout of one subgraph request, in milliseconds.
    pub subgraph_timeout_ms: u64,
    /// Largest subgraph answer read, in bytes; a larger one is a failed
    /// fetch (`SUBGRAPH_REQUEST_FAILED`), so one subgraph cannot exhaust
    /// the gateway's memory.
    pub subgraph_response_limit_bytes: usize,
    /// How often the supergraph file is checked for changes, in milliseconds.
    pub reload_interval_ms: u64,
    /// PEM file of certificate authorities trusted for `https://` subgraphs
    /// besides the public (Mozilla) roots, e.g. a private CA.
    pub subgraph_ca_file: Option<PathBuf>,
    /// PEM file of the certificate chain the gateway presents to `https://`
    /// subgraphs that ask for a client certificate (mutual TLS outside a
    /// service mesh); requires `subgraph_client_key_file`.
    pub subgraph_client_cert_file: Option<PathBuf>,
    /// PEM file of the private key of `subgraph_client_cert_file` (PKCS#8,
    /// PKCS#1 or SEC1).
    pub subgraph_client_key_file: Option<PathBuf>,
    /// Client request headers passed on to every subgraph call, by name
    /// (case-insensitive), e.g. `["authorization"]`; none by default. From
    /// the environment: a comma-separated list.
    #[serde(deserialize_with = "names")]
    pub propagate_headers: Vec<String>,
    /// Per-subgraph overrides, keyed by the subgraph name in the supergraph.
    pub subgraphs: HashMap<String, SubgraphConfig>,
    /// Operation limits (`[limits]`), on by default.
    pub limits: crate::limits::LimitsConfig,
    /// Address of the internal listener serving `GET /metrics` (never served
    /// on `listen`); empty or `off`: not served.
    pub metrics_listen: String,
    /// Deadlines, connection caps, load shedding, CSRF and CORS.
    pub server: crate::server::ServerConfig,
    /// Demand control (`[cost]`), on by default.
    pub cost: crate::cost::CostConfig,
    /// JWT authentication (see [`crate::auth::AuthenticationConfig`]); absent: every
    /// request is anonymous.
    pub authentication: Option<crate::auth::AuthenticationConfig>,
    /// How `@policy` names are judged (see [`crate::authorization::AuthorizationConfig`]).
    pub authorization: crate::authorization::AuthorizationConfig,
    /// Automatic persisted queries and the safelist (`[persisted_documents]`).
    pub persisted_documents: crate::persisted::PersistedConfig,
    /// Subscriptions over WebSocket and SSE: on, and their limits (`[subscriptions]`).
    pub subscriptions: crate::subscriptions::SubscriptionsConfig,
}

/// A list of names: a TOML array of strings or one comma-separated string.
pub(crate) fn names<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Names {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match Names::deserialize(d)? {
        Names::List(list) => list,
        Names::Csv(csv) => csv
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

/// Overrides for one subgraph.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SubgraphConfig {
    /// Replaces the URL declared in the supergraph.
    pub url: Option<String>,
    /// Replaces `subgraph_timeout_ms` for this subgraph (for a subscription:
    /// opening it, not how long it runs).
    pub timeout_ms: Option<u64>,
    /// Where the gateway opens subscriptions on this subgraph (`ws://`,
    /// `wss://`, `http://`, `https://`); default: `url`.
    pub subscription_url: Option<String>,
    /// How: `graphql-transport-ws` (WebSocket, the default) or `sse` (GraphQL
    /// over SSE, distinct connections mode: a `POST` answered
    /// `text/event-stream`, for subgraphs that serve no WebSocket).
    pub subscription_protocol: crate::subscriptions::SubgraphProtocol,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:4000".into(),
            workers: 0,
            supergraph: None,
            introspection: true,
            playground: true,
            body_limit_bytes: 2 * 1024 * 1024,
            plan_cache_size: 1024,
            subgraph_timeout_ms: 30_000,
            subgraph_response_limit_bytes: 64 * 1024 * 1024,
            reload_interval_ms: 1_000,
            subgraph_ca_file: None,
            subgraph_client_cert_file: None,
            subgraph_client_key_file: None,
            propagate_headers: Vec::new(),
            subgraphs: HashMap::new(),
            limits: Default::default(),
            metrics_listen: "127.0.0.1:9464".into(),
            server: crate::server::ServerConfig::default(),
            cost: Default::default(),
            authentication: None,
            authorization: Default::default(),
            persisted_documents: Default::default(),
            subscriptions: Default::default(),
        }
    }
}

impl Config {
    /// The number of server workers to start (resolves `workers = 0`).
    pub fn worker_count(&self) -> usize {
        match self.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// Reads the optional file, then applies the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, Error> {
        let text = match file {
            Some(path) => std::fs::read_to_string(path).map_err(|source| Error::Read {
                path: path.to_path_buf(),
                source,
            })?,
            None => String::new(),
        };
        Self::from_sources(&text, std::env::vars())
    }

    /// Builds a configuration from TOML text and `(name, value)` environment pairs.
    pub fn from_sources(
        toml_text: &str,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Self, Error> {
        let mut table: toml::Table =
            toml::from_str(toml_text).map_err(|e| Error::Config(e.to_string()))?;
        for (name, raw) in env {
            let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let keys: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
            set_path(&mut table, &keys, env_value(&raw))
                .map_err(|e| Error::Config(format!("{name}: {e}")))?;
        }
        toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| Error::Config(e.to_string()))
    }
}

fn env_value(raw: &str) -> toml::Value {
    if let Ok(b) = raw.parse::<bool>() {
        return toml::Value::Boolean(b);
    }
    if let Ok(i) = raw.parse::<i64>() {
        return toml::Value::Integer(i);
    }
    toml::Value::String(raw.to_string())
}

fn set_path(table: &mut toml::Table, keys: &[String], value: toml::Value) -> Result<(), String> {
    match keys {
        [] => Err("empty key".into()),
        [last] => {
            table.insert(last.clone(), value);
            Ok(())
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(t) => set_path(t, rest, value),
                _ => Err(format!("{first} is not a table")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn environment_overrides_file_values() {
        let cfg = Config::from_sources(
            "listen = \"0.0.0.0:1\"\n[subgraphs.orders]\ntimeout_ms = 5\n",
            env(&[
                ("CROWDCRUNCH_GATEWAY__LISTEN", "127.0.0.1:9"),
                ("CROWDCRUNCH_GATEWAY__INTROSPECTION", "false"),
                (
                    "CROWDCRUNCH_GATEWAY__SUBGRAPHS__ORDERS__URL",
                    "http://orders/graphql",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.listen, "127.0.0.1:9");
        assert!(!cfg.introspection);
        let orders = &cfg.subgraphs["orders"];
        assert_eq!(orders.url.as_deref(), Some("http://orders/graphql"));
        assert_eq!(orders.timeout_ms, Some(5));
    }

    #[test]
    fn workers_default_to_one_per_cpu_and_can_be_set() {
        let cfg = Config::from_sources("", env(&[])).unwrap();
        assert_eq!(cfg.workers, 0);
        assert!(cfg.worker_count() >= 1);
        let cfg = Config::from_sources("", env(&[("CROWDCRUNCH_GATEWAY__WORKERS", "3")])).unwrap();
        assert_eq!(cfg.worker_count(), 3);
    }

    #[test]
    fn unknown_keys_are_rejected_in_file_and_environment() {
        assert!(Config::from_sources("listn = \"x\"", env(&[])).is_err());
        assert!(Config::from_sources("", env(&[("CROWDCRUNCH_GATEWAY__NOPE", "1")])).is_err());
        assert!(Config::from_sources("[subgraphs.a]\nurll = \"x\"", env(&[])).is_err());
    }

    #[test]
    fn propagated_headers_come_as_a_list_or_a_comma_separated_variable() {
        let cfg =
            Config::from_sources("propagate_headers = [\"authorization\"]", env(&[])).unwrap();
        assert_eq!(cfg.propagate_headers, ["authorization"]);
        let cfg = Config::from_sources(
            "",
            env(&[(
                "CROWDCRUNCH_GATEWAY__PROPAGATE_HEADERS",
                "authorization, x-tenant",
            )]),
        )
        .unwrap();
        assert_eq!(cfg.propagate_headers, ["authorization", "x-tenant"]);
    }

    #[test]
    fn a_subgraphs_subscription_protocol_is_websocket_by_default_or_sse() {
        use crate::subscriptions::SubgraphProtocol;
        let cfg = Config::from_sources(
            "[subgraphs.a]\nurl = \"http://a\"\n[subgraphs.b]\nsubscription_protocol = \"sse\"\n",
            env(&[(
                "CROWDCRUNCH_GATEWAY__SUBGRAPHS__C__SUBSCRIPTION_PROTOCOL",
                "graphql-transport-ws",
            )]),
        )
        .unwrap();
        assert_eq!(
            cfg.subgraphs["a"].subscription_protocol,
            SubgraphProtocol::GraphqlTransportWs
        );
        assert_eq!(
            cfg.subgraphs["b"].subscription_protocol,
            SubgraphProtocol::Sse
        );
        assert_eq!(
            cfg.subgraphs["c"].subscription_protocol,
            SubgraphProtocol::GraphqlTransportWs
        );
        let unknown = "[subgraphs.a]\nsubscription_protocol = \"graphql-ws\"";
        assert!(Config::from_sources(unknown, env(&[])).is_err());
    }
}
