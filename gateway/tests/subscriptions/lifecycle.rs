//! How subscriptions end: the subgraph drops (a coded error, then
//! complete), the client goes away (the subgraph stream is closed), the
//! supergraph is reloaded (a coded error, then complete).

use serde_json::json;

use crate::harness::{eventually, start, SseClient, WsClient, PRICE_CHANGED};

#[tokio::test]
async fn a_subgraph_dropping_mid_stream_ends_a_websocket_subscription_with_a_coded_error() {
    let mut live = start(|_| {}).await;
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client
        .subscribe("1", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    eventually("the ticker stream opens", || live.ticker.open() == 1).await;
    live.ticker.prices.send(("a".into(), 1)).unwrap();
    assert_eq!(
        client.next_payload("1").await["data"]["priceChanged"]["price"],
        1
    );
    live.ticker_server.kill();
    let last = client.next_payload("1").await;
    let error = &last["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "SUBSCRIPTION_SUBGRAPH_FAILED",
        "{last}"
    );
    assert_eq!(error["extensions"]["serviceName"], "ticker");
    assert_eq!(
        client.message().await,
        json!({"type": "complete", "id": "1"})
    );
    // The connection stays usable for other operations.
    client
        .subscribe("2", "{ price(sku: \"a\") }", json!({}))
        .await;
    let m = client.message().await;
    assert_eq!(m["id"], "2", "{m}");
}

#[tokio::test]
async fn a_subgraph_dropping_mid_stream_ends_an_sse_stream_with_a_coded_error() {
    let mut live = start(|_| {}).await;
    let mut stream = SseClient::open(&live.http_url, PRICE_CHANGED, json!({"sku": "a"})).await;
    eventually("the ticker stream opens", || live.ticker.open() == 1).await;
    live.ticker.prices.send(("a".into(), 1)).unwrap();
    assert_eq!(
        stream.next_payload().await["data"]["priceChanged"]["price"],
        1
    );
    live.ticker_server.kill();
    let last = stream.next_payload().await;
    assert_eq!(
        last["errors"][0]["extensions"]["code"],
        "SUBSCRIPTION_SUBGRAPH_FAILED"
    );
    assert_eq!(stream.event().await.unwrap().0, "complete");
    assert!(stream.event().await.is_none());
}

#[tokio::test]
async fn a_websocket_client_going_away_closes_the_subgraph_stream() {
    let live = start(|_| {}).await;
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client
        .subscribe("1", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    client
        .subscribe("2", PRICE_CHANGED, json!({"sku": "b"}))
        .await;
    eventually("both ticker streams open", || live.ticker.open() == 2).await;
    drop(client);
    eventually("the ticker streams close", || live.ticker.open() == 0).await;
}

#[tokio::test]
async fn an_sse_client_going_away_closes_the_subgraph_stream() {
    let live = start(|_| {}).await;
    let stream = SseClient::open(&live.http_url, PRICE_CHANGED, json!({"sku": "a"})).await;
    eventually("the ticker stream opens", || live.ticker.open() == 1).await;
    drop(stream);
    eventually("the ticker stream closes", || live.ticker.open() == 0).await;
}

/// Open subscriptions were planned on the old supergraph: a reload ends
/// them with `SUBSCRIPTION_SCHEMA_RELOAD`; a new subscribe works at once.
#[tokio::test]
async fn a_supergraph_reload_ends_open_subscriptions_gracefully() {
    let path = std::env::temp_dir().join(format!(
        "crowdcrunch-live-{}-{}.graphql",
        std::process::id(),
        line!()
    ));
    std::fs::write(&path, crate::harness::LIVE_SUPERGRAPH).unwrap();
    let file = path.clone();
    let live = start(move |c| c.supergraph = Some(file)).await;
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client
        .subscribe("1", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    let mut stream = SseClient::open(&live.http_url, PRICE_CHANGED, json!({"sku": "a"})).await;
    eventually("the ticker streams open", || live.ticker.open() == 2).await;
    // A new modification time is a reload, even with the same text.
    std::fs::write(&path, format!("{}\n", crate::harness::LIVE_SUPERGRAPH)).unwrap();
    let last = client.next_payload("1").await;
    assert_eq!(
        last["errors"][0]["extensions"]["code"], "SUBSCRIPTION_SCHEMA_RELOAD",
        "{last}"
    );
    assert_eq!(
        client.message().await,
        json!({"type": "complete", "id": "1"})
    );
    let last = stream.next_payload().await;
    assert_eq!(
        last["errors"][0]["extensions"]["code"],
        "SUBSCRIPTION_SCHEMA_RELOAD"
    );
    assert_eq!(stream.event().await.unwrap().0, "complete");
    eventually("the ticker streams close", || live.ticker.open() == 0).await;
    client
        .subscribe("2", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    eventually("a new ticker stream opens", || live.ticker.open() == 1).await;
    live.ticker.prices.send(("a".into(), 3)).unwrap();
    assert_eq!(
        client.next_payload("2").await["data"]["priceChanged"]["price"],
        3
    );
    let _ = std::fs::remove_file(&path);
}
