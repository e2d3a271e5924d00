//! Command line of `crowdcrunch-gateway`.

use std::path::PathBuf;

/// The federation gateway.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "crowdcrunch-gateway", version)]
pub struct Cli {
    /// Supergraph SDL file (overrides `supergraph` in the config file).
    #[arg(long)]
    pub supergraph: Option<PathBuf>,
    /// Address to listen on (overrides `listen` in the config file).
    #[arg(long, default_value = "127.0.0.1:4000")]
    pub listen: String,
    /// TOML configuration file.
    #[arg(long)]
    pub config: Option<PathBuf>,
}
