//! `crowdcrunch`: one command runs the whole platform. Without a sub-command it launches the
//! five subgraphs and the gateway, each as its own process (this same binary re-executed with
//! `subgraph NAME` or `gateway ...`), on an embedded PostgreSQL unless `DATABASE_URL` is set.

mod cli;
mod embedded;
mod gateway;
mod launcher;
mod process;
mod services;
mod supergraph;
mod supervisor;

use clap::Parser;
use cli::{Cli, Command};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => launcher::run(cli.up),
        Some(Command::Subgraph { name, migrate_only }) => services::run(name, migrate_only),
        Some(Command::Gateway { args }) => gateway::run(args),
    }
}
