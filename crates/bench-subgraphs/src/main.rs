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
    bench_subgraphs::serve(listener, &fixture)
        .await
        .context("serving")
}
