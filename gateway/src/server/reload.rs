//! Supergraph file watching: poll the modification time; swap in a valid new
//! supergraph atomically, keep the old one when the new one is invalid.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::{build_engine, AppState};
use crate::config::Config;
use crate::supergraph::Supergraph;

fn mtime(path: &PathBuf) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

pub(super) async fn watch(path: PathBuf, config: Config, state: AppState) {
    let mut last = mtime(&path);
    let mut tick = tokio::time::interval(Duration::from_millis(config.reload_interval_ms.max(50)));
    loop {
        tick.tick().await;
        let now = mtime(&path);
        if now == last {
            continue;
        }
        last = now;
        let sdl = match tokio::fs::read_to_string(&path).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "cannot read supergraph; keeping the current one");
                continue;
            }
        };
        let parsed = tokio::task::spawn_blocking(move || Supergraph::parse(&sdl)).await;
        match parsed {
            Ok(Ok(sg)) => match build_engine(sg, &config) {
                Ok(engine) => {
                    state.swap(engine);
                    tracing::info!(path = %path.display(), "supergraph reloaded");
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot use new supergraph; keeping the current one")
                }
            },
            Ok(Err(e)) => {
                tracing::error!(path = %path.display(), error = %e, "invalid supergraph; keeping the current one")
            }
            Err(e) => {
                tracing::error!(error = %e, "supergraph parsing crashed; keeping the current one")
            }
        }
    }
}
