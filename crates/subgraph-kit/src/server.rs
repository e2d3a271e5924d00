//! The HTTP side of a subgraph: `/graphql`, `/health`, `/ready`, graceful shutdown, and the
//! `run` entry point every subgraph binary calls.

use crate::auth::authenticate::{self, refuse, AuthSettings, Authenticator};
use crate::auth::Identity;
use crate::db::{self, DbError};
use crate::readiness::{self, Readiness};
use crate::{AppError, ServiceConfig};
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{ObjectType, Schema, SubscriptionType};
use async_graphql_axum::{GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::body::Body;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Extension, FromRequestParts, Request, State};
use axum::http::header::{ALLOW, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, UPGRADE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sqlx::migrate::Migrator;
use sqlx::PgPool;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How often the database pool gauges are sampled.
const POOL_SAMPLE_PERIOD: Duration = Duration::from_secs(1);

/// What a subgraph crate provides to be run by [`run`].
pub trait Subgraph: 'static {
    /// Service name and Postgres schema.
    const NAME: &'static str;
    /// Port used when none is configured.
    const DEFAULT_PORT: u16;
    /// The service's migrations (`sqlx::migrate!()`).
    fn migrator() -> &'static Migrator;
    /// The service's routes, usually [`graphql_router`] over its schema.
    fn router(pool: PgPool) -> Router;
    /// Load the deterministic demo data if the schema holds none.
    fn seed(pool: &PgPool) -> impl Future<Output = Result<(), AppError>> + Send;
    /// Whether the service writes domain events to an outbox (its migrations create
    /// `events::MIGRATION_SQL`'s tables): then a relay publishes them when `NATS_URL` is set.
    const PRODUCES_EVENTS: bool = false;
    /// The durable consumers the service runs when `NATS_URL` is set (its migrations create
    /// the inbox).
    fn subscriptions(_pool: &PgPool) -> Vec<crate::events::Subscription> {
        Vec::new()
    }
    /// Background work the server runs besides requests (e.g. a simulated carrier), stopped
    /// with it. Not run by the test helpers.
    fn workers(_pool: &PgPool) -> Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>> {
        Vec::new()
    }
}

/// Why a subgraph could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("seeding failed: {0}")]
    Seed(AppError),
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
    #[error("authentication keys: {0}")]
    Auth(#[from] crowdcrunch_auth::AuthError),
}

/// Routes shared by every subgraph: GraphQL at `/graphql` (POST as JSON, and GET for a
/// WebSocket upgrade for subscriptions), `/health` (the process is up: liveness) and `/ready`
/// (the database, and any other dependency [`Readiness`] names, answers: readiness).
pub fn graphql_router<Q, M, S>(schema: Schema<Q, M, S>, readiness: impl Into<Readiness>) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    Router::new()
        .route(
            "/graphql",
            get(graphql_get::<Q, M, S>)
                .post(graphql::<Q, M, S>)
                .fallback(method_not_allowed),
        )
        .with_state(schema)
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(readiness::ready).with_state(readiness.into()))
}

/// How long a subscription connection outlives its token's `exp` (well inside the verifier's
/// clock-skew leeway).
const EXPIRY_GRACE: Duration = Duration::from_secs(5);

/// Largest request body a subgraph reads: the gateway's own limit, which no plan it sends
/// comes near.
pub const MAX_BODY_BYTES: usize = 2 << 20;

/// `POST /graphql`: one GraphQL request as `application/json`, executed as the caller
/// [`authenticate`] identified. Anything else is refused before any work, with a coded JSON
/// error: another content type (415: a browser sends `text/plain` or a form cross-site without
/// a preflight), a body over [`MAX_BODY_BYTES`] (413), a batch or a body that is not one
/// request (400: the gateway never batches).
async fn graphql<Q, M, S>(
    State(schema): State<Schema<Q, M, S>>,
    identity: Option<Extension<Identity>>,
    headers: HeaderMap,
    body: Body,
) -> Response
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let Some(identity) = caller(identity, &headers) else {
        return refuse("not_configured");
    };
    let request = match read_request(&headers, body).await {
        Ok(request) => request,
        Err(refusal) => return refusal,
    };
    GraphQLResponse::from(schema.execute(request.data(identity)).await).into_response()
}

/// The one JSON request in `body`, or the coded refusal to send instead.
async fn read_request(headers: &HeaderMap, body: Body) -> Result<async_graphql::Request, Response> {
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as Content-Type: application/json",
            "UNSUPPORTED_MEDIA_TYPE",
        ));
    }
    let too_large = || {
        refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is over 2 MiB",
            "PAYLOAD_TOO_LARGE",
        )
    };
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| too_large())?;
    if bytes.trim_ascii_start().starts_with(b"[") {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            "batched requests are not supported: send one request",
            "BAD_REQUEST",
        ));
    }
    serde_json::from_slice(&bytes).map_err(|err| {
        // Where, never what: the message must not echo the client's input.
        let message = format!(
            "the body is not one GraphQL request in JSON (line {}, column {})",
            err.line(),
            err.column()
        );
        refusal(StatusCode::BAD_REQUEST, &message, "BAD_REQUEST")
    })
}

/// Who the [`authenticate`] layer says is calling; `None` for a token it never saw: a router
/// served without that layer must not ignore a token (it would look accepted), while a
/// request without one is anonymous.
fn caller(identity: Option<Extension<Identity>>, headers: &HeaderMap) -> Option<Identity> {
    match identity {
        Some(Extension(identity)) => Some(identity),
        None if headers.contains_key(AUTHORIZATION) => None,
        None => Some(Identity::ANONYMOUS),
    }
}

/// A coded GraphQL error response that ran nothing.
fn refusal(status: StatusCode, message: &str, code: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    (status, axum::Json(body)).into_response()
}

/// Any other method on `/graphql`.
async fn method_not_allowed() -> Response {
    let mut refused = refusal(
        StatusCode::METHOD_NOT_ALLOWED,
        "POST the request (GET serves only WebSocket subscriptions)",
        "METHOD_NOT_ALLOWED",
    );
    refused
        .headers_mut()
        .insert(ALLOW, axum::http::HeaderValue::from_static("GET, POST"));
    refused
}

/// `GET /graphql`: a WebSocket upgrade (`graphql-transport-ws`, or the legacy `graphql-ws`)
/// for subscriptions, run as the caller the upgrade request's token names (the gateway
/// forwards it); the same refusal as [`graphql`] for a token without the layer. Plain GETs
/// are refused (405): the gateway POSTs, and a GET is a request any page can make a browser
/// send.
async fn graphql_get<Q, M, S>(
    State(schema): State<Schema<Q, M, S>>,
    identity: Option<Extension<Identity>>,
    headers: HeaderMap,
    request: Request,
) -> Response
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    if !headers.contains_key(UPGRADE) {
        return method_not_allowed().await;
    }
    let Some(identity) = caller(identity, &headers) else {
        return refuse("not_configured");
    };
    let (mut parts, _) = request.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &()).await {
        Ok(protocol) => protocol,
        Err(rejection) => return rejection.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    // The connection lives no longer than the token that opened it: when it expires (plus a
    // grace, so a gateway that follows the same token ends its client's stream first, with its
    // own coded message) the socket is dropped, and every subscription on it ends.
    let lifetime = identity.expires_in().map(|left| left + EXPIRY_GRACE);
    upgrade
        .max_message_size(MAX_BODY_BYTES)
        .max_frame_size(MAX_BODY_BYTES)
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let mut data = async_graphql::Data::default();
            data.insert(identity);
            data.insert(crate::limits::ConnectionSubscriptions::default());
            let serve = GraphQLWebSocket::new(socket, schema, protocol)
                .with_data(data)
                .serve();
            match lifetime {
                None => serve.await,
                Some(left) => {
                    if tokio::time::timeout(left, serve).await.is_err() {
                        tracing::info!("subscription connection closed: its token expired");
                    }
                }
            }
        })
}

/// Add what every subgraph serves besides its own routes: the caller's identity from its
/// bearer token, `GET /metrics`, a server span per request continuing the caller's W3C trace,
/// and HTTP request metrics.
pub fn observe(router: Router, auth: Arc<Authenticator>) -> Router {
    authenticate::layer(router, auth)
        .route("/metrics", get(crate::metrics::metrics_handler))
        .layer(axum::middleware::from_fn(crate::metrics::record_http))
        .layer(axum::middleware::from_fn(crate::telemetry::trace_http))
}

/// Prepare the database of subgraph `S` (schema, migrations, optional seed) and return its pool.
pub async fn prepare<S: Subgraph>(config: &ServiceConfig) -> Result<PgPool, RunError> {
    let pool = db::connect(&config.database_url, S::NAME, config.max_connections).await?;
    db::migrate(&pool, S::migrator()).await?;
    if config.seed {
        S::seed(&pool).await.map_err(RunError::Seed)?;
    }
    Ok(pool)
}

/// Run subgraph `S` until SIGINT or SIGTERM: configuration, telemetry, database, server.
pub async fn run<S: Subgraph>() -> Result<(), RunError> {
    let config = ServiceConfig::load(S::NAME, S::DEFAULT_PORT)?;
    crate::telemetry::init(S::NAME);
    if let Err(e) = crate::metrics::install(S::NAME) {
        tracing::warn!(error = %e, "metrics recorder not installed; /metrics stays empty");
    }
    let result = run_instrumented::<S>(&config).await;
    crate::telemetry::shutdown();
    result
}

/// Apply subgraph `S`'s migrations (and the seed when configured), then return: what a
/// deployment's migration step runs before a new version serves.
pub async fn migrate_only<S: Subgraph>() -> Result<(), RunError> {
    let config = ServiceConfig::load(S::NAME, S::DEFAULT_PORT)?;
    crate::telemetry::init(S::NAME);
    let pool = prepare::<S>(&config).await?;
    pool.close().await;
    tracing::info!(service = S::NAME, "migrations applied");
    crate::telemetry::shutdown();
    Ok(())
}

async fn run_instrumented<S: Subgraph>(config: &ServiceConfig) -> Result<(), RunError> {
    let auth = Arc::new(Authenticator::new(&AuthSettings::from_env()).await?);
    let pool = prepare::<S>(config).await?;
    let sampler = crate::metrics::spawn_pool_sampler(pool.clone(), POOL_SAMPLE_PERIOD);
    let subscriptions = S::subscriptions(&pool);
    let events = match &config.nats_url {
        Some(url) if S::PRODUCES_EVENTS || !subscriptions.is_empty() => {
            Some(crate::events::runtime::spawn(
                pool.clone(),
                url.clone(),
                S::PRODUCES_EVENTS,
                subscriptions,
            ))
        }
        _ => None,
    };
    let workers: Vec<_> = S::workers(&pool).into_iter().map(tokio::spawn).collect();
    let listener = TcpListener::bind(config.listen).await?;
    tracing::info!(service = S::NAME, addr = %listener.local_addr()?, "listening");
    serve(
        listener,
        observe(S::router(pool.clone()), auth),
        shutdown_signal(),
    )
    .await?;
    sampler.abort();
    if let Some(events) = events {
        events.abort();
    }
    for worker in workers {
        worker.abort();
    }
    pool.close().await;
    tracing::info!(service = S::NAME, "stopped");
    Ok(())
}

/// Serve `router` on `listener` until `shutdown` completes, letting in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
