//! What a subgraph's `GET /ready` checks: its database, and whatever else it cannot serve
//! without (the event broker, when one is configured). Liveness (`/health`) checks nothing.

use axum::extract::State;
use axum::http::StatusCode;
use futures::future::BoxFuture;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

/// How long one dependency may take to answer before it counts as unreachable.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// A dependency check: resolves to whether it answered.
pub type Check = Arc<dyn Fn() -> BoxFuture<'static, bool> + Send + Sync>;

/// The dependencies `/ready` checks, in order; the first that fails is named in the 503.
#[derive(Clone)]
pub struct Readiness {
    pool: PgPool,
    checks: Vec<(&'static str, Check)>,
}

impl Readiness {
    /// Ready while `pool`'s database answers.
    pub fn new(pool: PgPool) -> Readiness {
        Readiness {
            pool,
            checks: Vec::new(),
        }
    }

    /// Also not ready while `check` fails: e.g. `"broker"` and whether the NATS client is
    /// connected.
    pub fn with_check(
        mut self,
        name: &'static str,
        check: impl Fn() -> BoxFuture<'static, bool> + Send + Sync + 'static,
    ) -> Readiness {
        self.checks.push((name, Arc::new(check)));
        self
    }

    /// Also not ready while `client` is not connected to its NATS server (the event broker):
    /// the outbox relay and the consumers cannot make progress then.
    pub fn with_broker(self, client: async_nats::Client) -> Readiness {
        self.with_check("broker", move || {
            let connected = client.connection_state() == async_nats::connection::State::Connected;
            Box::pin(async move { connected })
        })
    }

    /// The first dependency that does not answer within [`CHECK_TIMEOUT`], if any.
    pub async fn unavailable(&self) -> Option<&'static str> {
        let ping = sqlx::query("SELECT 1").execute(&self.pool);
        if !matches!(tokio::time::timeout(CHECK_TIMEOUT, ping).await, Ok(Ok(_))) {
            return Some("database");
        }
        for (name, check) in &self.checks {
            if !tokio::time::timeout(CHECK_TIMEOUT, check())
                .await
                .unwrap_or(false)
            {
                return Some(name);
            }
        }
        None
    }
}

impl From<PgPool> for Readiness {
    fn from(pool: PgPool) -> Readiness {
        Readiness::new(pool)
    }
}

/// `GET /ready`: 200 `ready`, or 503 naming what is unreachable.
pub async fn ready(State(readiness): State<Readiness>) -> (StatusCode, String) {
    match readiness.unavailable().await {
        None => (StatusCode::OK, "ready".into()),
        Some(name) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{name} unavailable"),
        ),
    }
}
