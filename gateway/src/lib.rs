//! CrowdCrunch federation gateway: an Apollo Federation v2 gateway.
//!
//! Pipeline: [`supergraph`] (load + API schema) → [`operation`] (parse,
//! validate, plan; cached) → [`executor`] (fetch, merge, project) →
//! [`server`] (GraphQL over HTTP).

pub mod auth;
pub mod authorization;
pub mod cli;
pub mod config;
pub mod cost;
pub mod engine;
mod error;
pub mod executor;
pub mod incremental;
pub mod limits;
pub mod operation;
pub mod persisted;
pub mod planner;
mod playground;
pub mod response;
pub mod server;
pub mod subscriptions;
pub mod supergraph;
pub mod telemetry;

pub use cli::Cli;
pub use config::Config;
pub use error::Error;
pub use server::{spawn, RunningGateway};

/// Runs the gateway until SIGTERM/SIGINT, then finishes in-flight requests.
pub async fn run(cli: Cli) -> Result<(), Error> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(path) = cli.supergraph {
        config.supergraph = Some(path);
    }
    // The flag wins unless it is just its default and the config chose an address.
    if cli.listen != "127.0.0.1:4000" || config.listen == Config::default().listen {
        config.listen = cli.listen;
    }
    let path = config.supergraph.clone().ok_or_else(|| {
        Error::Config("no supergraph: pass --supergraph or set `supergraph`".into())
    })?;
    let sdl = std::fs::read_to_string(&path).map_err(|source| Error::Read { path, source })?;
    let gateway = spawn(&sdl, config).await?;
    shutdown_signal().await;
    tracing::info!("shutting down; finishing in-flight requests");
    gateway.shutdown().await
}

async fn shutdown_signal() {
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
