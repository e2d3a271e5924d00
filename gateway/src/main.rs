//! `crowdcrunch-gateway --supergraph PATH [--listen ADDR] [--config FILE]`

use clap::Parser;

// Responses are built from many small JSON values; mimalloc is much faster
// than glibc malloc for that allocation pattern.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Requests are served by the gateway's own worker threads (see `server`);
// this runtime only waits for signals and watches the supergraph file.
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    crowdcrunch_gateway::telemetry::init();
    let cli = crowdcrunch_gateway::Cli::parse();
    let result = crowdcrunch_gateway::run(cli).await;
    crowdcrunch_gateway::telemetry::shutdown();
    result?;
    Ok(())
}
