//! The five subgraphs, and running one of them in this process.

use clap::ValueEnum;
use subgraph_kit::server::{migrate_only, run as run_subgraph};

/// A CrowdCrunch subgraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Service {
    Customers,
    Orders,
    Payments,
    Fulfillment,
    Returns,
}

impl Service {
    pub const ALL: [Service; 5] = [
        Service::Customers,
        Service::Orders,
        Service::Payments,
        Service::Fulfillment,
        Service::Returns,
    ];

    /// Name used on the command line, in logs, in the supergraph and as the Postgres schema.
    pub fn name(self) -> &'static str {
        match self {
            Service::Customers => "customers",
            Service::Orders => "orders",
            Service::Payments => "payments",
            Service::Fulfillment => "fulfillment",
            Service::Returns => "returns",
        }
    }

    /// Prefix of the service's environment variables, e.g. `ORDERS` for `ORDERS_LISTEN`.
    pub fn env_prefix(self) -> String {
        self.name().to_ascii_uppercase()
    }
}

/// Run subgraph `service` until SIGINT or SIGTERM, exactly as its own binary would; or, with
/// `migrate_only`, apply its migrations and return.
pub fn run(service: Service, migrate_only_flag: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    if migrate_only_flag {
        runtime.block_on(async {
            match service {
                Service::Customers => migrate_only::<customers::Customers>().await,
                Service::Orders => migrate_only::<orders::Orders>().await,
                Service::Payments => migrate_only::<payments::Payments>().await,
                Service::Fulfillment => migrate_only::<fulfillment::Fulfillment>().await,
                Service::Returns => migrate_only::<returns::Returns>().await,
            }
        })?;
        return Ok(());
    }
    runtime.block_on(async {
        match service {
            Service::Customers => run_subgraph::<customers::Customers>().await,
            Service::Orders => run_subgraph::<orders::Orders>().await,
            Service::Payments => run_subgraph::<payments::Payments>().await,
            Service::Fulfillment => run_subgraph::<fulfillment::Fulfillment>().await,
            Service::Returns => run_subgraph::<returns::Returns>().await,
        }
    })?;
    Ok(())
}
