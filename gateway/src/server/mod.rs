//! The HTTP server: routes, shared state, start-up and graceful shutdown.

mod handlers;
mod reload;
mod workers;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
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
    }
}

/// A gateway running in the background (for tests and embedding). Dropping
/// it stops the gateway as [`RunningGateway::shutdown`] does, without waiting.
pub struct RunningGateway {
    pub addr: SocketAddr,
    stop: Option<workers::Stop>,
    workers: Vec<oneshot::Receiver<std::io::Result<()>>>,
    watcher: Option<JoinHandle<()>>,
}

impl RunningGateway {
    /// Stops accepting connections, finishes in-flight requests and waits.
    pub async fn shutdown(mut self) -> Result<(), Error> {
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
        if let Some(watcher) = self.watcher.take() {
            watcher.abort();
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
        &config.propagate_headers,
    )?;
    Ok(Engine::new(
        Arc::new(supergraph),
        client,
        config.plan_cache_size,
        config.introspection,
    ))
}

fn router(state: AppState, body_limit: usize) -> Router {
    let mut app = Router::new()
        .route(
            "/graphql",
            get(handlers::graphql_get).post(handlers::graphql_post),
        )
        .route("/health", get(handlers::health));
    if state.playground {
        app = app.merge(crate::playground::routes::<AppState>());
    }
    crate::telemetry::instrument(app.layer(DefaultBodyLimit::max(body_limit))).with_state(state)
}

/// Starts a gateway serving `supergraph_sdl` on `config.listen` (port 0 is
/// fine) in the background, on `config.workers` threads of its own. The
/// file in `config.supergraph`, if any, is watched for changes (by a task
/// of the caller's runtime).
pub async fn spawn(supergraph_sdl: &str, config: Config) -> Result<RunningGateway, Error> {
    let supergraph = Supergraph::parse(supergraph_sdl)?;
    let engine = build_engine(supergraph, &config)?;
    let tls = TlsSettings::from_config(&config)?;
    let listener = workers::bind(&config.listen).map_err(|source| Error::Bind {
        addr: config.listen.clone(),
        source,
    })?;
    let addr = listener.local_addr().map_err(Error::Serve)?;
    let engine = Arc::new(RwLock::new(Arc::new(engine)));
    let operation_metrics: Arc<Mutex<_>> = Arc::default();
    let in_flight = metrics::gauge!("gateway_http_requests_in_flight");
    let count = config.worker_count();
    let mut states = Vec::with_capacity(count);
    for _ in 0..count {
        states.push(AppState {
            engine: engine.clone(),
            playground: config.playground,
            operation_metrics: operation_metrics.clone(),
            in_flight: in_flight.clone(),
            http: HttpClient::new(&tls)?,
        });
    }
    // Swapping the engine in any worker's state swaps it for all: they share the slot.
    let reload_state = states.first().cloned();
    let apps = states
        .into_iter()
        .map(|state| router(state, config.body_limit_bytes))
        .collect();
    let (stop, workers) = workers::start(listener, apps).map_err(Error::Serve)?;
    let watcher = config
        .supergraph
        .clone()
        .zip(reload_state)
        .map(|(path, state)| tokio::spawn(reload::watch(path, config.clone(), state)));
    tracing::info!(%addr, workers = count, "gateway listening");
    Ok(RunningGateway {
        addr,
        stop: Some(stop),
        workers,
        watcher,
    })
}
