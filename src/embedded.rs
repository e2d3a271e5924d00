//! Embedded PostgreSQL: one pglite server per subgraph, persisted under the data directory.
//! A pglite server serves one client connection at a time, so each subgraph's pool gets one
//! connection and its own server; the servers live in the launcher and outlive the children.

use crate::services::Service;
use anyhow::{anyhow, Context};
use pglite_oxide::PgliteServer;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The running embedded databases, one per subgraph.
pub struct EmbeddedDatabases {
    servers: Mutex<Vec<Embedded>>,
}

struct Embedded {
    service: Service,
    dir: PathBuf,
    addr: SocketAddr,
    url: String,
    server: Option<PgliteServer>,
}

impl EmbeddedDatabases {
    /// Start (creating on first use) the database of every subgraph under `data_dir/pglite/`.
    /// They start in parallel: each takes seconds, mostly spent preparing the WASM runtime.
    pub fn start(data_dir: &Path, services: &[Service]) -> anyhow::Result<Self> {
        let root = data_dir.join("pglite");
        std::fs::create_dir_all(&root)
            .with_context(|| format!("cannot create {}", root.display()))?;
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        let started: Vec<anyhow::Result<Embedded>> = std::thread::scope(|scope| {
            let handles: Vec<_> = services
                .iter()
                .map(|&service| {
                    let dir = root.join(service.name());
                    scope.spawn(move || {
                        let server = start_one(service, &dir, any_port)?;
                        let addr = server.tcp_addr().context("pglite server without TCP")?;
                        Ok(Embedded {
                            service,
                            url: server.database_url(),
                            dir,
                            addr,
                            server: Some(server),
                        })
                    })
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
        Ok(Self {
            servers: Mutex::new(servers),
        })
    }

    /// Connection URL of `service`'s database.
    pub fn url(&self, service: Service) -> Option<String> {
        let servers = self.servers.lock().ok()?;
        servers
            .iter()
            .find(|e| e.service == service)
            .map(|e| e.url.clone())
    }

    /// Restart, on the same port and data, every server that stopped listening. pglite 0.5
    /// ends its whole server when one client connection fails (e.g. a reset from a pool
    /// that dropped a connection mid-query under load); the subgraph's pool then reconnects.
    /// Returns a message per restart.
    pub fn heal(&self) -> Vec<String> {
        let Ok(mut servers) = self.servers.lock() else {
            return Vec::new();
        };
        let mut messages = Vec::new();
        for entry in servers.iter_mut().filter(|e| !is_listening(e.addr)) {
            let why = match entry.server.take().map(PgliteServer::shutdown) {
                Some(Err(err)) => format!("{err:#}"),
                _ => "stopped".to_string(),
            };
            let name = entry.service.name();
            match start_one(entry.service, &entry.dir, entry.addr) {
                Ok(server) => {
                    entry.server = Some(server);
                    messages.push(format!(
                        "embedded database of {name} failed ({why}): restarted"
                    ));
                }
                Err(err) => messages.push(format!(
                    "embedded database of {name} failed ({why}) and cannot restart: {err:#}"
                )),
            }
        }
        messages
    }

    /// Stop every server. Call after the subgraphs have exited: a server waits for its
    /// connected client to go away.
    pub fn shutdown(self) {
        let servers = self.servers.into_inner().unwrap_or_else(|e| e.into_inner());
        for entry in servers {
            if let Some(Err(err)) = entry.server.map(PgliteServer::shutdown) {
                let name = entry.service.name();
                eprintln!("crowdcrunch: embedded database of {name} did not stop cleanly: {err:#}");
            }
        }
    }
}

fn start_one(service: Service, dir: &Path, addr: SocketAddr) -> anyhow::Result<PgliteServer> {
    PgliteServer::builder()
        .path(dir)
        .tcp(addr)
        .start()
        .with_context(|| {
            format!(
                "cannot start the embedded database of {} in {}",
                service.name(),
                dir.display()
            )
        })
}

/// Whether something listens on IPv4 `addr`, read from /proc/net/tcp rather than by
/// connecting: a probe connection would occupy the single-client server. Without /proc
/// (not Linux) every server counts as listening.
fn is_listening(addr: SocketAddr) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return true;
    };
    let port = format!(":{:04X}", addr.port());
    table.lines().skip(1).any(|line| {
        let mut fields = line.split_whitespace().skip(1);
        let local = fields.next().unwrap_or_default();
        let state = fields.nth(1).unwrap_or_default();
        local.ends_with(&port) && state == "0A"
    })
}
