//! `bench-subgraphs [--listen ADDR]`: the benchmark fixture's four subgraphs on one port.

use anyhow::Context;
use bench_subgraphs::data::Fixture;
use clap::Parser;
use std::net::SocketAddr;

#[derive(Parser)]
#[command(
    about = "Serves the federation benchmark's accounts, inventory, products and reviews subgraphs"
)]
struct Cli {
    /// Address to listen on; the subgraphs are at /accounts, /inventory, /products, /reviews.
    #[arg(long, default_value = "127.0.0.1:4200")]
    listen: SocketAddr,
    /// Delays one subgraph's answers, e.g. `--delay inventory=300` (milliseconds; repeatable).
    #[arg(long, value_parser = parse_delay)]
    delay: Vec<(String, u64)>,
}

fn parse_delay(s: &str) -> Result<(String, u64), String> {
    let (name, ms) = s
        .split_once('=')
        .ok_or_else(|| format!("expected SUBGRAPH=MS, got {s:?}"))?;
    if !bench_subgraphs::SUBGRAPHS.contains(&name) {
        return Err(format!("unknown subgraph {name:?}"));
    }
    let ms = ms.parse().map_err(|e| format!("{ms:?}: {e}"))?;
    Ok((name.to_string(), ms))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let fixture = Fixture::embedded().context("loading the embedded fixture")?;
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("binding {}", cli.listen))?;
    // Scripts wait for this line (and read the port from it when listening on port 0).
    println!(
        "bench-subgraphs listening on http://{}",
        listener.local_addr()?
    );
    let delays = cli
        .delay
        .into_iter()
        .map(|(name, ms)| (name, std::time::Duration::from_millis(ms)))
        .collect();
    bench_subgraphs::serve_with_delays(listener, &fixture, delays)
        .await
        .context("serving")
}
