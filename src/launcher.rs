//! The launcher (`crowdcrunch` without a sub-command): start the embedded databases (if
//! needed), the five subgraphs and the gateway as child processes, wait until each answers
//! /health, then supervise them until SIGINT/SIGTERM and stop them all.

use crate::cli::UpArgs;
use crate::embedded::EmbeddedDatabases;
use crate::services::Service;
use crate::supervisor::Platform;
use crate::{gateway, supergraph};
use anyhow::{bail, Context};
use crowdcrunch_auth::dev::{DevKey, DEV_AUDIENCE, DEV_ISSUER};
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
    let key = DevKey::ensure(&crate::token::key_dir(&args.data_dir))
        .context("cannot create the dev signing key")?;
    let auth = auth_env(&key);
    say(&format!(
        "authentication on, with the dev key in {}: get a token with `crowdcrunch token --customer ID` or `--staff SCOPES`",
        crate::token::key_dir(&args.data_dir).display()
    ));
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
    let broker = match &args.nats_url {
        Some(_) => None,
        None => crate::broker::Broker::start(&args.data_dir, !args.no_download)?,
    };
    let mut args = args;
    if let Some(broker) = &broker {
        args.nats_url = Some(broker.url.clone());
    }
    // A current-thread runtime keeps every spawn on the main thread, which the children's
    // parent-death signal is tied to.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(supervise(&args, &exe, embedded.as_ref(), &auth));
    drop(runtime);
    if let Some(databases) = embedded {
        databases.shutdown();
    }
    // The broker outlives the services (they flush their last events), then stops.
    drop(broker);
    result
}

/// Print a launcher message. Its lines start with `crowdcrunch:`; the children's are JSON
/// objects naming their `service` (the README's troubleshooting section says so).
pub fn say(message: &str) {
    println!("crowdcrunch: {message}");
}

/// The verification settings of the dev key, as the subgraphs (`AUTH_*`) read them.
struct AuthEnv {
    jwks_file: String,
}

fn auth_env(key: &DevKey) -> AuthEnv {
    AuthEnv {
        jwks_file: key.jwks_path().display().to_string(),
    }
}

impl AuthEnv {
    fn subgraph(&self) -> Vec<(String, String)> {
        vec![
            ("AUTH_JWKS_FILE".into(), self.jwks_file.clone()),
            ("AUTH_ISSUER".into(), DEV_ISSUER.into()),
            ("AUTH_AUDIENCE".into(), DEV_AUDIENCE.into()),
        ]
    }

    /// The gateway verifies the same tokens (for the schema's `@authenticated` and
    /// `@requiresScopes`) and passes each client's token on to the subgraphs.
    fn gateway(&self) -> Vec<(String, String)> {
        let var = |key: &str| format!("CROWDCRUNCH_GATEWAY__AUTHENTICATION__{key}");
        vec![
            (var("JWKS_FILE"), self.jwks_file.clone()),
            (var("ISSUER"), DEV_ISSUER.into()),
            (var("AUDIENCES"), DEV_AUDIENCE.into()),
        ]
    }
}

async fn supervise(
    args: &UpArgs,
    exe: &Path,
    embedded: Option<&EmbeddedDatabases>,
    auth: &AuthEnv,
) -> anyhow::Result<()> {
    let mut platform = Platform::new(!args.no_restart)?;
    let outcome = start_and_watch(&mut platform, args, exe, embedded, auth).await;
    let stopped = platform.stop_all().await;
    outcome.and(stopped)
}

async fn start_and_watch(
    platform: &mut Platform,
    args: &UpArgs,
    exe: &Path,
    embedded: Option<&EmbeddedDatabases>,
    auth: &AuthEnv,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(args.startup_timeout);
    let services = args.services();
    for &service in &services {
        let mut envs = subgraph_env(args, service, embedded)?;
        envs.extend(auth.subgraph());
        let cli = vec!["subgraph".to_string(), service.name().to_string()];
        platform.spawn(service.name(), exe, &cli, &envs, args.listen(service))?;
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
                let envs = auth.gateway();
                platform.spawn("gateway", exe, &cli, &envs, args.gateway_listen)?;
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
    // The lifecycle needs the gateway, a broker and every subgraph.
    let lifecycle = args.nats_url.is_some() && services.len() == Service::ALL.len();
    if let (Some(url), true) = (
        &gateway_url,
        lifecycle && !args.no_seed && !args.no_demo_orders,
    ) {
        tokio::spawn(crate::demo::run(url.clone(), args.data_dir.clone()));
    }
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
    if let Some(url) = &args.nats_url {
        env.push(("NATS_URL".into(), url.clone()));
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
