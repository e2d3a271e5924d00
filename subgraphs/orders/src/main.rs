#[tokio::main]
async fn main() -> anyhow::Result<()> {
    Ok(subgraph_kit::server::run::<orders::Orders>().await?)
}
