//! The `[server]` configuration section: deadlines, connection and
//! in-flight caps, CSRF prevention and CORS.

use serde::Deserialize;

/// How the HTTP server protects itself and its clients. Every default is
/// far beyond what a real client needs and low enough that one client
/// cannot take the gateway's threads, memory or file descriptors.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Deadline of one request, from its headers read to its answer
    /// (body read, parse, validate, plan, subgraph calls, response), in
    /// milliseconds. Past it the client gets HTTP 504 `GATEWAY_TIMEOUT`
    /// and the request's work is dropped.
    pub request_timeout_ms: u64,
    /// Time a client has to send a request's headers once it has started
    /// them, in milliseconds; slower (slowloris) connections are closed.
    pub header_read_timeout_ms: u64,
    /// A keep-alive connection with no request for this long is closed, in
    /// milliseconds. Longer than common load balancers' own idle timeouts
    /// (60 s) so they close first and never send into a closing socket.
    pub idle_timeout_ms: u64,
    /// Open client connections at most (all workers together). A new
    /// connection beyond it closes the connection idle the longest (no
    /// request running, e.g. a slow-header or idle one); only when every
    /// connection is running a request is the new one refused.
    pub max_connections: usize,
    /// Requests served at once at most (all workers together); more are
    /// shed at once with HTTP 503 `SERVICE_OVERLOADED` and `Retry-After`,
    /// and `/ready` answers 503 meanwhile.
    pub max_in_flight: usize,
    /// The `Retry-After` of a shed request, in seconds.
    pub retry_after_s: u64,
    /// Operations not in the plan cache whose document is at least this many
    /// bytes are parsed, validated and planned on a preparation thread
    /// instead of the worker thread other connections wait on; 0 moves
    /// every cache miss. Cache hits always stay on the worker.
    pub offload_min_bytes: usize,
    /// Preparation threads busy at once at most (0: one per CPU); more
    /// cache misses wait for one, within their deadline.
    pub offload_threads: usize,
    /// Cross-site request forgery prevention.
    pub csrf: CsrfConfig,
    /// Cross-origin resource sharing for browser clients on other origins.
    pub cors: CorsConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            request_timeout_ms: 30_000,
            header_read_timeout_ms: 10_000,
            idle_timeout_ms: 75_000,
            max_connections: 10_000,
            max_in_flight: 2_048,
            retry_after_s: 1,
            offload_min_bytes: 2_048,
            offload_threads: 0,
            csrf: CsrfConfig::default(),
            cors: CorsConfig::default(),
        }
    }
}

impl ServerConfig {
    /// Preparation threads to allow (resolves `offload_threads = 0`).
    pub fn offload_thread_count(&self) -> usize {
        match self.offload_threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

/// CSRF prevention: a browser sends a cross-site POST without asking the
/// server first (a CORS preflight) only with a "simple" Content-Type
/// (`text/plain`, form encodings) or none; such POSTs are refused unless
/// they carry a header that forces a preflight.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CsrfConfig {
    /// On by default; off accepts a POST body as JSON whatever its
    /// Content-Type (for clients that cannot set one).
    pub enabled: bool,
    /// Request headers (case-insensitive) that make a POST acceptable
    /// whatever its Content-Type: a browser sends any custom header only
    /// after a preflight. Apollo clients send these two. From the
    /// environment: a comma-separated list.
    #[serde(deserialize_with = "crate::config::names")]
    pub required_headers: Vec<String>,
}

impl Default for CsrfConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            required_headers: vec![
                "apollo-require-preflight".into(),
                "x-apollo-operation-name".into(),
            ],
        }
    }
}

/// CORS; off (no CORS headers, so browsers keep cross-origin pages out)
/// until `allow_origins` names an origin.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorsConfig {
    /// Origins allowed to call the gateway from a browser, e.g.
    /// `["https://shop.example.com"]`; `["*"]` allows any (then without
    /// credentials). Empty: CORS off.
    #[serde(deserialize_with = "crate::config::names")]
    pub allow_origins: Vec<String>,
    /// Request headers such origins may send besides `content-type`
    /// (always allowed), e.g. `["authorization"]`.
    #[serde(deserialize_with = "crate::config::names")]
    pub allow_headers: Vec<String>,
    /// Whether cookies and `Authorization` go with cross-origin requests
    /// (never with `*`).
    pub allow_credentials: bool,
    /// How long browsers may cache a preflight answer, in seconds.
    pub max_age_s: u64,
}
