//! The launcher (`crowdcrunch` without a sub-command): start the embedded databases (if
//! needed), the five subgraphs and the gateway as child processes, wait until each answers
//! /health, then supervise them until SIGINT/SIGTERM and stop them all.

use crate::cli::UpArgs;
use crate::embedded::EmbeddedDatabases;
use crate::services::Service;
use crate::supervisor::Platform;
use crate::{gateway, supergraph};
use anyhow::{bail, Context};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

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

async fn supervise(
    args: &UpArgs,
    exe: &Path,
    embedded: Option<&EmbeddedDatabases>,
) -> anyhow::Result<()> {
    let mut platform = Platform::new()?;
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
    platform
        .watch(|| {
            for message in embedded.map(EmbeddedDatabases::heal).unwrap_or_default() {
                say(&message);
            }
        })
        .await
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

pub fn graphql_url(addr: SocketAddr) -> String {
    format!("http://{addr}/graphql")
}
