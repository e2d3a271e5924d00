//! Running the gateway library in this process, when this build includes it.

/// Whether this build can run the gateway (the `gateway` cargo feature).
pub const AVAILABLE: bool = cfg!(feature = "gateway");

/// Run the gateway with its own command-line `args` (without the program name).
#[cfg(feature = "gateway")]
pub fn run(args: Vec<String>) -> anyhow::Result<()> {
    use clap::Parser;
    let program = std::iter::once("crowdcrunch-gateway".to_string());
    let cli = crowdcrunch_gateway::cli::Cli::parse_from(program.chain(args));
    // Requests are served by the gateway's own worker threads; this runtime
    // only waits for signals and watches the supergraph file.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        crowdcrunch_gateway::telemetry::init();
        let result = crowdcrunch_gateway::run(cli).await;
        crowdcrunch_gateway::telemetry::shutdown();
        result
    })?;
    Ok(())
}

/// Without the gateway library there is nothing to run.
#[cfg(not(feature = "gateway"))]
pub fn run(_args: Vec<String>) -> anyhow::Result<()> {
    anyhow::bail!("this build of crowdcrunch does not include the gateway")
}
