//! The `live` test subgraphs (ticker, catalog, shipping) as a process, for
//! `bench/subscriptions.py`: prints `{"ticker": URL, "catalog": URL,
//! "shipping": URL, "publish": URL}` on one line, then serves until killed.
//! `POST publish` with `{"sku": "a", "count": 100}` publishes `count` price
//! changes of `sku` and answers with how many streams received them.

use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

// Shared with the tests, which use more of it than this process does.
#[allow(dead_code)]
#[path = "../tests/subscriptions/subgraphs.rs"]
mod subgraphs;

use subgraphs::routes;

#[derive(Deserialize)]
struct Publish {
    sku: String,
    count: i32,
}

async fn serve(app: Router) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let ticker = subgraphs::Ticker::default();
    let prices = ticker.prices.clone();
    let publish = post(move |Json(p): Json<Publish>| {
        let prices = prices.clone();
        async move {
            let mut receivers = 0;
            for price in 0..p.count {
                receivers = prices.send((p.sku.clone(), price)).unwrap_or(0);
            }
            Json(serde_json::json!({ "receivers": receivers }))
        }
    });
    let ticker_url = serve(routes(subgraphs::ticker(ticker)).route("/publish", publish)).await?;
    let catalog = serve(routes(subgraphs::catalog())).await?;
    let shipping = serve(routes(subgraphs::shipping())).await?;
    println!(
        "{}",
        serde_json::json!({
            "ticker": format!("{ticker_url}/graphql"),
            "catalog": format!("{catalog}/graphql"),
            "shipping": format!("{shipping}/graphql"),
            "publish": format!("{ticker_url}/publish"),
        })
    );
    std::future::pending::<()>().await;
    Ok(())
}
