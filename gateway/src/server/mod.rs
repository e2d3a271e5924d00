//! The HTTP server: routes, shared state, start-up and graceful shutdown.

mod admission;
mod browser;
mod config;
mod connections;
mod decode;
mod handlers;
mod multipart;
mod offload;
mod refusals;
mod reload;
mod workers;

pub use config::{CorsConfig, CsrfConfig, ServerConfig};
pub use offload::Offload;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::extract::State;
use axum::middleware;
use axum::routing::get;
use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::engine::Engine;
use crate::executor::client::{Endpoint, HttpClient, SubgraphClient};
use crate::executor::tls::TlsSettings;
use crate::supergraph::Supergraph;
use crate::Error;

/// State shared by all requests.
#[derive(Clone)]
pub struct AppState {
    engine: Arc<RwLock<Arc<Engine>>>,
    playground: bool,
    /// Metric handles per operation name used as a label (bounded), so a
    /// request records its metrics without building label sets.
    operation_metrics: Arc<Mutex<HashMap<String, handlers::OperationMetrics>>>,
    /// `gateway_http_requests_in_flight`.
    in_flight: metrics::Gauge,
    /// This worker's subgraph connection pool.
    http: HttpClient,
    /// In-flight cap and request deadline (shared by all workers).
    admission: Arc<admission::Admission>,
    csrf: Arc<browser::Csrf>,
    /// Largest request body read, in bytes.
    body_limit: usize,
    /// Verifies request tokens (shared by all workers).
    auth: crate::auth::Authentication,
    /// Open subscriptions and their caps (shared by all workers).
    subscriptions: Arc<crate::subscriptions::Hub>,
}

impl AppState {
    fn engine(&self) -> Arc<Engine> {
        self.engine
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn swap(&self, engine: Engine) {
        *self.engine.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(engine);
        // Subscriptions planned on the old supergraph end (documented).
        self.subscriptions.reloaded();
    }

    /// What a subscription transport needs from this worker.
    fn session(&self) -> crate::subscriptions::Session {
        crate::subscriptions::Session {
            engine: self.engine.clone(),
            http: self.http.clone(),
            hub: self.subscriptions.clone(),
            auth: self.auth.clone(),
            request_timeout: self.admission.timeout(),
        }
    }
}

/// A coded refusal as a JSON response (logged and counted).
pub(crate) fn refusal(status: u16, message: &str, code: &str) -> axum::response::Response {
    handlers::respond_to(None, refusals::refuse(status, message, code))
}

/// An outcome as the JSON response the client's `Accept` header gets.
pub(crate) fn respond(
    headers: &http::HeaderMap,
    outcome: crate::engine::Outcome,
) -> axum::response::Response {
    handlers::respond(headers, outcome)
}

/// A gateway running in the background (for tests and embedding). Dropping
/// it stops the gateway as [`RunningGateway::shutdown`] does, without waiting.
pub struct RunningGateway {
    pub addr: SocketAddr,
    /// Where `GET /metrics` is served, if it is.
    pub metrics_addr: Option<SocketAddr>,
    metrics: Option<JoinHandle<()>>,
    stop: Option<workers::Stop>,
    workers: Vec<oneshot::Receiver<std::io::Result<()>>>,
    watcher: Option<JoinHandle<()>>,
    subscriptions: Arc<crate::subscriptions::Hub>,
}

impl RunningGateway {
    /// Stops accepting connections, finishes in-flight requests and waits.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        // Open subscriptions end first, so their connections can finish.
        self.subscriptions.shutdown();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for worker in std::mem::take(&mut self.workers) {
            match worker.await {
                Ok(result) => result.map_err(Error::Serve)?,
                Err(_) => {
                    return Err(Error::Serve(std::io::Error::other(
                        "a gateway worker stopped without finishing",
                    )))
                }
            }
        }
        Ok(())
    }
}

impl Drop for RunningGateway {
    fn drop(&mut self) {
        self.subscriptions.shutdown();
        if let Some(watcher) = self.watcher.take() {
            watcher.abort();
        }
        if let Some(metrics) = self.metrics.take() {
            metrics.abort();
        }
    }
}

/// Builds the engine for a parsed supergraph under a configuration.
pub(crate) fn build_engine(supergraph: Supergraph, config: &Config) -> Result<Engine, Error> {
    let mut endpoints = HashMap::new();
    for (name, url) in supergraph.subgraph_urls() {
        let over = config
            .subgraphs
            .get(name)
            .or_else(|| config.subgraphs.get(&name.to_lowercase()));
        endpoints.insert(
            name.clone(),
            Endpoint {
                url: over
                    .and_then(|o| o.url.clone())
                    .unwrap_or_else(|| url.clone()),
                timeout: Duration::from_millis(
                    over.and_then(|o| o.timeout_ms)
                        .unwrap_or(config.subgraph_timeout_ms),
                ),
            },
        );
    }
    let client = SubgraphClient::new(
        endpoints,
        config.subgraph_response_limit_bytes,
        &crate::auth::propagated_headers(config),
    )?;
    let server = &config.server;
    Ok(Engine::new(
        Arc::new(supergraph),
        client,
        config.plan_cache_size,
        config.introspection,
        crate::operation::Checks::from_config(config)?,
        Offload::new(server.offload_thread_count(), server.offload_min_bytes),
    ))
}

fn router(state: AppState, cors: Option<tower_http::cors::CorsLayer>) -> Router {
    let admit = middleware::from_fn_with_state(state.admission.clone(), admission::admit);
    let mut app = Router::new()
        .route(
            "/graphql",
            get(handlers::graphql_get)
                .post(handlers::graphql_post)
                .layer(admit)
                .fallback(handlers::method_not_allowed),
        )
        .route("/health", get(handlers::health))
        .route("/ready", get(ready));
    if state.playground {
        app = app.merge(crate::playground::routes::<AppState>());
    }
    let app = crate::telemetry::instrument(app).with_state(state);
    match cors {
        Some(cors) => app.layer(cors),
        None => app,
    }
}

/// `GET /ready`: 200 while requests are admitted, 503 while they are shed.
async fn ready(State(state): State<AppState>) -> axum::response::Response {
    admission::ready(&state.admission)
}

/// Serves `GET /metrics` on `addr` (its own listener, so the public one never
/// exposes it) on the caller's runtime. A metrics port already taken is
/// logged, not fatal: serving traffic matters more than being scraped.
async fn serve_metrics(addr: &str) -> (Option<SocketAddr>, Option<JoinHandle<()>>) {
    if addr.is_empty() || addr == "off" {
        return (None, None);
    }
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            tracing::error!(%addr, error = %e, "cannot serve /metrics");
            return (None, None);
        }
    };
    let bound = listener.local_addr().ok();
    let app = crate::telemetry::metrics_router();
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the /metrics listener stopped");
        }
    });
    (bound, Some(task))
}

/// Starts a gateway serving `supergraph_sdl` on `config.listen` (port 0 is
/// fine) in the background, on `config.workers` threads of its own. The
/// file in `config.supergraph`, if any, is watched for changes (by a task
/// of the caller's runtime).
pub async fn spawn(supergraph_sdl: &str, config: Config) -> Result<RunningGateway, Error> {
    let supergraph = Supergraph::parse(supergraph_sdl)?;
    let engine = build_engine(supergraph, &config)?;
    let tls = TlsSettings::from_config(&config)?;
    let auth =
        crate::auth::Authentication::new(config.authentication.as_ref(), &config.authorization)
            .await?;
    let listener = workers::bind(&config.listen).map_err(|source| Error::Bind {
        addr: config.listen.clone(),
        source,
    })?;
    let addr = listener.local_addr().map_err(Error::Serve)?;
    let engine = Arc::new(RwLock::new(Arc::new(engine)));
    let operation_metrics: Arc<Mutex<_>> = Arc::default();
    let in_flight = metrics::gauge!("gateway_http_requests_in_flight");
    let count = config.worker_count();
    let server = &config.server;
    let admission = admission::Admission::new(
        server.max_in_flight,
        Duration::from_millis(server.request_timeout_ms),
        server.retry_after_s,
    );
    let csrf = Arc::new(browser::Csrf::new(&server.csrf)?);
    let cors = browser::cors(&server.cors, &server.csrf)?;
    let subscriptions = crate::subscriptions::Hub::new(
        config.subscriptions.clone(),
        crate::subscriptions::SubgraphTargets::from_config(&config),
        server.cors.allow_origins.clone(),
    );
    let mut states = Vec::with_capacity(count);
    for _ in 0..count {
        states.push(AppState {
            engine: engine.clone(),
            playground: config.playground,
            operation_metrics: operation_metrics.clone(),
            in_flight: in_flight.clone(),
            http: HttpClient::new(&tls)?,
            admission: admission.clone(),
            csrf: csrf.clone(),
            body_limit: config.body_limit_bytes,
            auth: auth.clone(),
            subscriptions: subscriptions.clone(),
        });
    }
    // Swapping the engine in any worker's state swaps it for all: they share the slot.
    let reload_state = states.first().cloned();
    let apps = states
        .into_iter()
        .map(|state| router(state, cors.clone()))
        .collect();
    let hygiene = workers::Hygiene {
        connections: connections::Connections::new(server.max_connections),
        timeouts: connections::Timeouts {
            header: Duration::from_millis(server.header_read_timeout_ms),
            idle: Duration::from_millis(server.idle_timeout_ms),
        },
    };
    let (metrics_addr, metrics) = serve_metrics(&config.metrics_listen).await;
    let (stop, workers) = workers::start(listener, apps, hygiene).map_err(Error::Serve)?;
    let watcher = config
        .supergraph
        .clone()
        .zip(reload_state)
        .map(|(path, state)| tokio::spawn(reload::watch(path, config.clone(), state)));
    tracing::info!(%addr, workers = count, metrics = ?metrics_addr, "gateway listening");
    Ok(RunningGateway {
        addr,
        metrics_addr,
        metrics,
        stop: Some(stop),
        workers,
        watcher,
        subscriptions,
    })
}
