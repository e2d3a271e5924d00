//! The launcher (`crowdcrunch` without a sub-command): start the embedded databases (if needed), the five subgraphs and the
//! gateway as child processes, wait until each answers /health, then supervise them until
//! SIGINT/SIGTERM and stop them all.

use crate::cli::UpArgs;
use crate::embedded::EmbeddedDatabases;
use crate::process::{self, ChildProc, ExitEvent};
use crate::services::Service;
use crate::{gateway, supergraph};
use anyhow::{bail, Context};
use nix::sys::signal::Signal;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, Signal as SignalStream, SignalKind};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// How long children get to finish in-flight work after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(20);

pub fn run(args: UpArgs) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot find the crowdcrunch executable")?;
    let services = args.services();
    let mut wanted: Vec<(&str, SocketAddr)> = services
        .iter()
        .map(|s| (s.name(), args.listen(*s)))
        .collect();
    if gateway::AVAILABLE {
        wanted.push(("gateway", args.gateway_listen));
    }
    ensure_free(&wanted)?;
    let embedded = match args.database_url {
        Some(_) => None,
        None => {
            say(&format!(
                "no DATABASE_URL: starting embedded PostgreSQL under {}",
                args.data_dir.join("pglite").display()
            ));
            Some(EmbeddedDatabases::start(&args.data_dir, &services)?)
        }
    };
    // A current-thread runtime keeps every spawn on the main thread, which the children's
    // parent-death signal is tied to.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(supervise(&args, &exe, embedded.as_ref()));
    drop(runtime);
    if let Some(databases) = embedded {
        databases.shutdown();
    }
    result
}

/// Print a launcher message (children log on their own, in JSON).
pub fn say(message: &str) {
    println!("crowdcrunch: {message}");
}

struct Platform {
    children: Vec<ChildProc>,
    events_tx: UnboundedSender<ExitEvent>,
    events: UnboundedReceiver<ExitEvent>,
    interrupt: SignalStream,
    terminate: SignalStream,
}

async fn supervise(
    args: &UpArgs,
    exe: &Path,
    embedded: Option<&EmbeddedDatabases>,
) -> anyhow::Result<()> {
    let (events_tx, events) = unbounded_channel();
    let mut platform = Platform {
        children: Vec::new(),
        events_tx,
        events,
        interrupt: signal(SignalKind::interrupt())?,
        terminate: signal(SignalKind::terminate())?,
    };
    let outcome = start_and_watch(&mut platform, args, exe, embedded).await;
    let stopped = platform.stop_all().await;
    outcome.and(stopped)
}

async fn start_and_watch(
    platform: &mut Platform,
    args: &UpArgs,
    exe: &Path,
    embedded: Option<&EmbeddedDatabases>,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(args.startup_timeout);
    let services = args.services();
    for &service in &services {
        let envs = subgraph_env(args, service, embedded)?;
        let cli = vec!["subgraph".to_string(), service.name().to_string()];
        platform.spawn(service.name(), exe, &cli, &envs)?;
    }
    let addrs: Vec<_> = services.iter().map(|s| args.listen(*s)).collect();
    if !platform.wait_ready(&addrs, deadline).await? {
        return Ok(());
    }
    let mut gateway_url = None;
    if gateway::AVAILABLE {
        match supergraph::prepare(args) {
            Ok(path) => {
                let cli = vec![
                    "gateway".to_string(),
                    "--supergraph".to_string(),
                    path.display().to_string(),
                    "--listen".to_string(),
                    args.gateway_listen.to_string(),
                ];
                platform.spawn("gateway", exe, &cli, &[])?;
                if !platform
                    .wait_ready(&[args.gateway_listen], deadline)
                    .await?
                {
                    return Ok(());
                }
                gateway_url = Some(graphql_url(args.gateway_listen));
            }
            Err(err) => say(&format!("gateway not started: {err:#}")),
        }
    } else {
        say("the gateway is not available in this build: running the subgraphs alone");
    }
    match &gateway_url {
        Some(url) => say(&format!("the platform is up. Playground: {url}")),
        None => say("the subgraphs are up (no gateway)."),
    }
    say("press Ctrl-C to stop");
    platform.watch().await
}

/// Environment of a subgraph child: the variables `subgraph_kit::config` reads.
fn subgraph_env(
    args: &UpArgs,
    service: Service,
    embedded: Option<&EmbeddedDatabases>,
) -> anyhow::Result<Vec<(String, String)>> {
    let prefix = service.env_prefix();
    let mut env = vec![(format!("{prefix}_LISTEN"), args.listen(service).to_string())];
    match (embedded, &args.database_url) {
        (Some(dbs), _) => {
            let url = dbs
                .url(service)
                .with_context(|| format!("no embedded database for {}", service.name()))?;
            env.push(("DATABASE_URL".into(), url));
            // One pglite server serves one connection at a time.
            env.push(("DATABASE_MAX_CONNECTIONS".into(), "1".into()));
        }
        (None, Some(url)) => env.push(("DATABASE_URL".into(), url.clone())),
        (None, None) => bail!("no database for {}", service.name()),
    }
    let seed = if args.no_seed { "0" } else { "1" };
    env.push(("SEED".into(), seed.into()));
    Ok(env)
}

/// Fail early, and say what to do, when an address is taken (often: the platform is already
/// running); otherwise /health could be answered by whatever holds the port.
fn ensure_free(addrs: &[(&str, SocketAddr)]) -> anyhow::Result<()> {
    for (name, addr) in addrs {
        if let Err(err) = std::net::TcpListener::bind(addr) {
            bail!("{name} cannot listen on {addr}: {err}. Is the platform already running? Stop it or pass --{name}-listen ADDR");
        }
    }
    Ok(())
}

fn graphql_url(addr: SocketAddr) -> String {
    format!("http://{addr}/graphql")
}

impl Platform {
    fn spawn(
        &mut self,
        name: &'static str,
        exe: &Path,
        args: &[String],
        envs: &[(String, String)],
    ) -> anyhow::Result<()> {
        let index = self.children.len();
        let child = process::spawn(index, name, exe, args, envs, self.events_tx.clone())?;
        self.children.push(child);
        Ok(())
    }

    /// Wait until every address answers `/health`. `Ok(false)` when interrupted by a signal;
    /// an error when a child exits or the deadline passes first.
    async fn wait_ready(
        &mut self,
        addrs: &[SocketAddr],
        deadline: Instant,
    ) -> anyhow::Result<bool> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let first = self.children.len() - addrs.len();
        let mut pending: Vec<usize> = (0..addrs.len()).collect();
        while !pending.is_empty() {
            let mut still = Vec::new();
            for i in pending {
                let url = format!("http://{}/health", addrs[i]);
                let up = matches!(client.get(&url).send().await, Ok(r) if r.status().is_success());
                if up {
                    let child = &self.children[first + i];
                    say(&format!(
                        "{} ready at {} (pid {})",
                        child.name,
                        graphql_url(addrs[i]),
                        child.pid
                    ));
                } else {
                    still.push(i);
                }
            }
            pending = still;
            if pending.is_empty() {
                break;
            }
            if Instant::now() > deadline {
                let names: Vec<_> = pending
                    .iter()
                    .map(|i| self.children[first + i].name)
                    .collect();
                bail!("not ready in time: {}", names.join(", "));
            }
            tokio::select! {
                _ = self.interrupt.recv() => return Ok(false),
                _ = self.terminate.recv() => return Ok(false),
                Some(event) = self.events.recv() => {
                    let name = self.record_exit(event);
                    bail!("{name} exited during start-up");
                }
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
        Ok(true)
    }

    /// Run until a signal; a child that exits is reported and the others keep serving.
    async fn watch(&mut self) -> anyhow::Result<()> {
        loop {
            tokio::select! {
                _ = self.interrupt.recv() => return Ok(()),
                _ = self.terminate.recv() => return Ok(()),
                Some(event) = self.events.recv() => {
                    let name = self.record_exit(event);
                    say(&format!("{name} exited; the other services keep running"));
                    if self.children.iter().all(|c| c.exited.is_some()) {
                        bail!("every service has exited");
                    }
                }
            }
        }
    }

    fn record_exit(&mut self, (index, status): ExitEvent) -> &'static str {
        let child = &mut self.children[index];
        let status = status.unwrap_or_else(|e| {
            say(&format!("cannot wait for {}: {e}", child.name));
            std::os::unix::process::ExitStatusExt::from_raw(1)
        });
        child.exited = Some(status);
        say(&format!(
            "{} (pid {}) exited: {status}",
            child.name, child.pid
        ));
        child.name
    }

    /// SIGTERM every running child, wait for them (SIGKILL after the grace period), and fail
    /// if any did not stop cleanly.
    async fn stop_all(&mut self) -> anyhow::Result<()> {
        let running: Vec<usize> = (0..self.children.len())
            .filter(|i| self.children[*i].exited.is_none())
            .collect();
        if running.is_empty() {
            return Ok(());
        }
        say("stopping...");
        for &i in &running {
            self.children[i].signal(Signal::SIGTERM);
        }
        let deadline = tokio::time::Instant::now() + STOP_GRACE;
        let mut unclean = Vec::new();
        let mut killed = false;
        while self.children.iter().any(|c| c.exited.is_none()) {
            let event = if killed {
                self.events.recv().await
            } else {
                match tokio::time::timeout_at(deadline, self.events.recv()).await {
                    Ok(event) => event,
                    Err(_) => {
                        for child in self.children.iter().filter(|c| c.exited.is_none()) {
                            say(&format!("{} did not stop in time: killing it", child.name));
                            child.signal(Signal::SIGKILL);
                            unclean.push(child.name);
                        }
                        killed = true;
                        continue;
                    }
                }
            };
            let Some(event) = event else { break };
            let index = event.0;
            let name = self.record_exit(event);
            let clean = self.children[index].exited.is_some_and(|s| s.success());
            if running.contains(&index) && !clean && !unclean.contains(&name) {
                unclean.push(name);
            }
        }
        if unclean.is_empty() {
            say("stopped");
            Ok(())
        } else {
            bail!("not stopped cleanly: {}", unclean.join(", "))
        }
    }
}
