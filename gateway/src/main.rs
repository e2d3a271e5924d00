//! `crowdcrunch-gateway --supergraph PATH [--listen ADDR] [--config FILE]`

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    crowdcrunch_gateway::telemetry::init();
    let cli = crowdcrunch_gateway::Cli::parse();
    crowdcrunch_gateway::run(cli).await?;
    Ok(())
}
