//! `crowdcrunch`: one command runs the whole platform. Without a sub-command it launches the
//! five subgraphs and the gateway, each as its own process (this same binary re-executed with
//! `subgraph NAME` or `gateway ...`), on an embedded PostgreSQL unless `DATABASE_URL` is set.

mod broker;
mod cli;
mod demo;
mod embedded;
mod events_cli;
mod gateway;
mod launcher;
mod nats_install;
mod process;
mod restart;
mod services;
mod supergraph;
mod supervisor;
mod token;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Who is speaking prefixes a fatal error: the launcher's lines start with `crowdcrunch:`
    // (see `launcher::say`), a child's with its service name, so in the launcher's terminal a
    // child that cannot start is not mistaken for the launcher (services otherwise log JSON).
    let (who, result) = match cli.command {
        None => ("crowdcrunch", launcher::run(cli.up)),
        Some(Command::Subgraph { name, migrate_only }) => {
            (name.name(), services::run(name, migrate_only))
        }
        Some(Command::Gateway { args }) => ("gateway", gateway::run(args)),
        Some(Command::Token(args)) => ("crowdcrunch", token::run(args)),
        Some(Command::Events(args)) => ("crowdcrunch", events_cli::run(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{who}: error: {}", causes(&err));
            ExitCode::FAILURE
        }
    }
}

/// `err` and its causes joined by ": ", leaving out a cause its parent's message already
/// quotes (errors that print their source would otherwise repeat it).
fn causes(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain().map(ToString::to_string) {
        if !text.contains(&cause) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
    }
    text
}
