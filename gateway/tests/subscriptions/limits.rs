//! The caps and timers of `[subscriptions]`, and the protocol's refusals.

use serde_json::json;

use crate::harness::{eventually, start, Frame, WsClient, PRICE_CHANGED};

#[tokio::test]
async fn a_connection_over_its_subscription_cap_gets_a_coded_error() {
    let live = start(|c| c.subscriptions.max_subscriptions_per_connection = 1).await;
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client
        .subscribe("1", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    client
        .subscribe("2", PRICE_CHANGED, json!({"sku": "b"}))
        .await;
    let m = client.message().await;
    assert_eq!(m["type"], "error", "{m}");
    assert_eq!(m["id"], "2");
    assert_eq!(
        m["payload"][0]["extensions"]["code"],
        "SUBSCRIPTION_LIMIT_EXCEEDED"
    );
    eventually("the first subscription runs", || live.ticker.open() == 1).await;
}

#[tokio::test]
async fn the_gateway_wide_subscription_cap_refuses_more() {
    let live = start(|c| c.subscriptions.max_subscriptions = 1).await;
    let mut first = WsClient::connect(&live.ws_url, json!({})).await;
    first
        .subscribe("1", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    eventually("the first subscription runs", || live.ticker.open() == 1).await;
    let mut second = WsClient::connect(&live.ws_url, json!({})).await;
    second
        .subscribe("1", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    let m = second.message().await;
    assert_eq!(
        m["payload"][0]["extensions"]["code"], "SUBSCRIPTION_LIMIT_EXCEEDED",
        "{m}"
    );
    // A slot freed is a slot taken again.
    first.send(json!({"id": "1", "type": "complete"})).await;
    eventually("the first subscription ends", || live.ticker.open() == 0).await;
    second
        .subscribe("2", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    eventually("the second subscription runs", || live.ticker.open() == 1).await;
}

#[tokio::test]
async fn a_client_over_its_connection_cap_is_closed_with_4429() {
    let live = start(|c| c.subscriptions.max_connections_per_client = 1).await;
    let _first = WsClient::connect(&live.ws_url, json!({})).await;
    let mut second = WsClient::connect_raw(&live.ws_url).await;
    second.send(json!({"type": "connection_init"})).await;
    assert!(matches!(second.frame().await, Frame::Closed(4429, _)));
}

#[tokio::test]
async fn a_connection_that_never_initialises_is_closed_with_4408() {
    let live = start(|c| c.subscriptions.connection_init_timeout_ms = 200).await;
    let mut client = WsClient::connect_raw(&live.ws_url).await;
    assert!(matches!(client.frame().await, Frame::Closed(4408, _)));
}

#[tokio::test]
async fn protocol_violations_close_with_their_codes() {
    let live = start(|_| {}).await;
    // subscribe before connection_init
    let mut client = WsClient::connect_raw(&live.ws_url).await;
    client
        .subscribe("1", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    assert!(matches!(client.frame().await, Frame::Closed(4401, _)));
    // a second connection_init
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client.send(json!({"type": "connection_init"})).await;
    assert!(matches!(client.frame().await, Frame::Closed(4429, _)));
    // a duplicate id
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client
        .subscribe("1", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    client
        .subscribe("1", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    assert!(matches!(client.frame().await, Frame::Closed(4409, _)));
    // not a protocol message
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client.send(json!({"type": "nonsense"})).await;
    assert!(matches!(client.frame().await, Frame::Closed(4400, _)));
}

#[tokio::test]
async fn a_message_over_the_size_limit_closes_the_connection() {
    let live = start(|c| c.subscriptions.max_message_bytes = 1024).await;
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    let huge = format!("{{ price(sku: \"{}\") }}", "x".repeat(4096));
    client.subscribe("1", &huge, json!({})).await;
    let frame = client.frame().await;
    assert!(matches!(frame, Frame::Closed(1009, _)), "{frame:?}");
}

/// A browser page from another site may not open a WebSocket carrying the
/// user's cookies.
#[tokio::test]
async fn a_websocket_from_a_foreign_origin_is_refused() {
    let live = start(|_| {}).await;
    let response = reqwest::Client::new()
        .get(&live.http_url)
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-protocol", "graphql-transport-ws")
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}
