//! Embedded PostgreSQL: one pglite server per subgraph, persisted under the data directory.
//! A pglite server serves one client connection at a time, so each subgraph's pool gets one
//! connection and its own server; the servers live in the launcher and outlive the children.

use crate::services::Service;
use anyhow::{anyhow, Context};
use pglite_oxide::PgliteServer;
use std::net::SocketAddr;
use std::path::Path;

/// The running embedded databases, one per subgraph.
pub struct EmbeddedDatabases {
    servers: Vec<(Service, PgliteServer)>,
}

impl EmbeddedDatabases {
    /// Start (creating on first use) the database of every subgraph under `data_dir/pglite/`.
    /// They start in parallel: each takes seconds, mostly spent preparing the WASM runtime.
    pub fn start(data_dir: &Path, services: &[Service]) -> anyhow::Result<Self> {
        let root = data_dir.join("pglite");
        std::fs::create_dir_all(&root)
            .with_context(|| format!("cannot create {}", root.display()))?;
        let started: Vec<anyhow::Result<(Service, PgliteServer)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = services
                .iter()
                .map(|&service| {
                    let dir = root.join(service.name());
                    scope.spawn(move || start_one(service, &dir).map(|s| (service, s)))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow!("embedded database start panicked")))
                })
                .collect()
        });
        let servers = started.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self { servers })
    }

    /// Connection URL of `service`'s database.
    pub fn url(&self, service: Service) -> Option<String> {
        self.servers
            .iter()
            .find(|(s, _)| *s == service)
            .map(|(_, server)| server.database_url())
    }

    /// Stop every server. Call after the subgraphs have exited: a server waits for its
    /// connected client to go away.
    pub fn shutdown(self) {
        for (service, server) in self.servers {
            if let Err(err) = server.shutdown() {
                eprintln!(
                    "crowdcrunch: embedded database of {} did not stop cleanly: {err:#}",
                    service.name()
                );
            }
        }
    }
}

fn start_one(service: Service, dir: &Path) -> anyhow::Result<PgliteServer> {
    PgliteServer::builder()
        .path(dir)
        .tcp(SocketAddr::from(([127, 0, 0, 1], 0)))
        .start()
        .with_context(|| {
            format!(
                "cannot start the embedded database of {} in {}",
                service.name(),
                dir.display()
            )
        })
}
