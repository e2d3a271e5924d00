//! Command line of the `crowdcrunch` binary.

use crate::services::Service;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "crowdcrunch", version, about)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a sub-command the whole platform runs, with these options.
    #[command(flatten)]
    pub up: UpArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one subgraph in this process, configured by the environment (`<NAME>_LISTEN`,
    /// `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS`, `SEED`). The launcher starts these.
    Subgraph {
        #[arg(value_enum)]
        name: Service,
        /// Apply the subgraph's migrations to its schema and exit (a deployment's migration
        /// step, run before the new version serves).
        #[arg(long)]
        migrate_only: bool,
    },
    /// Print a bearer token signed by the local platform's dev key, e.g.
    /// `crowdcrunch token --customer <UUID>` or `crowdcrunch token --staff orders:manage`.
    Token(crate::token::TokenArgs),
    /// Operate the domain event stream: `events dlq --consumer payments` lists what a consumer
    /// dead-lettered, `events replay-dlq --consumer payments` replays it after a fix,
    /// `events replay --consumer customers --since 2026-12-03T12:00:00Z` rebuilds a view.
    Events(crate::events_cli::EventsArgs),
    /// Run the gateway in this process; every argument goes to the gateway's own command line.
    Gateway {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// Where everything listens and which database it uses.
#[derive(Debug, Clone, Args)]
pub struct UpArgs {
    /// Gateway address (GraphQL and playground at /graphql).
    #[arg(long, env = "GATEWAY_LISTEN", default_value = "127.0.0.1:4000")]
    pub gateway_listen: SocketAddr,
    #[arg(long, env = "CUSTOMERS_LISTEN", default_value = "127.0.0.1:4001")]
    pub customers_listen: SocketAddr,
    #[arg(long, env = "ORDERS_LISTEN", default_value = "127.0.0.1:4002")]
    pub orders_listen: SocketAddr,
    #[arg(long, env = "PAYMENTS_LISTEN", default_value = "127.0.0.1:4003")]
    pub payments_listen: SocketAddr,
    #[arg(long, env = "FULFILLMENT_LISTEN", default_value = "127.0.0.1:4004")]
    pub fulfillment_listen: SocketAddr,
    #[arg(long, env = "RETURNS_LISTEN", default_value = "127.0.0.1:4005")]
    pub returns_listen: SocketAddr,
    /// PostgreSQL server for every subgraph (each uses its own schema). Without it, an
    /// embedded PostgreSQL per subgraph is started with its data under `--data-dir`.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// NATS server (with JetStream) the subgraphs exchange domain events through. Without
    /// it the launcher starts `nats-server -js` from PATH with its store under `--data-dir`;
    /// with none on PATH, the pinned release fetched once into the user's cache (see
    /// `--no-download`); with neither, events wait in each outbox, unpublished.
    #[arg(long, env = "NATS_URL")]
    pub nats_url: Option<String>,
    /// Never fetch a NATS server when none is installed (offline machines; what then differs
    /// is in the README); one fetched before, its SHA-256 checked, is still used.
    #[arg(long, env = "CROWDCRUNCH_NO_DOWNLOAD")]
    pub no_download: bool,
    /// Directory for the embedded databases and run-time files (git-ignored).
    #[arg(long, env = "CROWDCRUNCH_DATA_DIR", default_value = ".data")]
    pub data_dir: PathBuf,
    /// Supergraph the gateway serves; defaults to the committed one at the repository root.
    #[arg(long, env = "CROWDCRUNCH_SUPERGRAPH")]
    pub supergraph: Option<PathBuf>,
    /// Do not start this subgraph (e.g. while you run it from your editor); repeatable.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub without: Vec<Service>,
    /// Do not load the demo data set into empty databases.
    #[arg(long)]
    pub no_seed: bool,
    /// Do not place the demo's live orders through the gateway (by default, once per data
    /// directory, a few orders of demo customers 95 to 99 go through the whole lifecycle).
    #[arg(long, env = "CROWDCRUNCH_NO_DEMO_ORDERS")]
    pub no_demo_orders: bool,
    /// Do not start a service again when it exits on its own (by default a crashed one is
    /// restarted with exponential backoff: 0.5 s doubling up to 30 s, reset after 60 s up).
    #[arg(long)]
    pub no_restart: bool,
    /// Seconds to wait for every service to answer /health before giving up.
    #[arg(long, default_value_t = 600)]
    pub startup_timeout: u64,
}

impl UpArgs {
    /// The subgraphs to start.
    pub fn services(&self) -> Vec<Service> {
        Service::ALL
            .into_iter()
            .filter(|s| !self.without.contains(s))
            .collect()
    }

    /// The address service `s` listens on.
    pub fn listen(&self, s: Service) -> SocketAddr {
        match s {
            Service::Customers => self.customers_listen,
            Service::Orders => self.orders_listen,
            Service::Payments => self.payments_listen,
            Service::Fulfillment => self.fulfillment_listen,
            Service::Returns => self.returns_listen,
        }
    }
}
