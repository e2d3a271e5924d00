//! Events joined across subgraphs, over both transports; errors inside an
//! event keep their paths; queries run over the same transports.

use serde_json::{json, Value};

use crate::harness::{eventually, start, SseClient, WsClient, PRICE_CHANGED};

fn change(price: i32, sku: &str, shipping: i32) -> Value {
    json!({"data": {"priceChanged": {"price": price, "item": {
        "sku": sku, "name": format!("Item {sku}"), "shippingCost": shipping}}}})
}

#[tokio::test]
async fn websocket_events_join_fields_from_two_other_subgraphs() {
    let live = start(|_| {}).await;
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client
        .subscribe("1", PRICE_CHANGED, json!({"sku": "abc"}))
        .await;
    eventually("the ticker stream opens", || live.ticker.open() == 1).await;
    live.ticker.prices.send(("abc".into(), 10)).unwrap();
    live.ticker.prices.send(("other".into(), 99)).unwrap();
    live.ticker.prices.send(("abc".into(), 12)).unwrap();
    // weight 300 ("abc" × 100) → shipping 3, through catalog then shipping.
    assert_eq!(client.next_payload("1").await, change(10, "abc", 3));
    assert_eq!(client.next_payload("1").await, change(12, "abc", 3));
    client.send(json!({"id": "1", "type": "complete"})).await;
    eventually("the ticker stream closes after complete", || {
        live.ticker.open() == 0
    })
    .await;
}

#[tokio::test]
async fn sse_events_join_fields_from_two_other_subgraphs() {
    let live = start(|_| {}).await;
    let mut stream = SseClient::open(&live.http_url, PRICE_CHANGED, json!({"sku": "abcd"})).await;
    eventually("the ticker stream opens", || live.ticker.open() == 1).await;
    live.ticker.prices.send(("abcd".into(), 7)).unwrap();
    live.ticker.prices.send(("abcd".into(), 8)).unwrap();
    assert_eq!(stream.next_payload().await, change(7, "abcd", 4));
    assert_eq!(stream.next_payload().await, change(8, "abcd", 4));
}

/// `name` fails in catalog: the non-null field's null propagates to the
/// nullable `item`, the error at the client's path; the stream goes on.
#[tokio::test]
async fn an_entity_error_in_an_event_nulls_its_nearest_nullable_parent() {
    let live = start(|_| {}).await;
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client
        .subscribe("s", PRICE_CHANGED, json!({"sku": "broken"}))
        .await;
    eventually("the ticker stream opens", || live.ticker.open() == 1).await;
    live.ticker.prices.send(("broken".into(), 5)).unwrap();
    let payload = client.next_payload("s").await;
    assert_eq!(
        payload["data"],
        json!({"priceChanged": {"price": 5, "item": null}})
    );
    let errors = payload["errors"].as_array().unwrap();
    assert_eq!(
        errors[0]["path"],
        json!(["priceChanged", "item", "name"]),
        "{payload}"
    );
    live.ticker.prices.send(("broken".into(), 6)).unwrap();
    assert_eq!(
        client.next_payload("s").await["data"]["priceChanged"]["price"],
        6
    );
}

#[tokio::test]
async fn queries_run_over_websocket_and_sse_as_one_result() {
    let live = start(|_| {}).await;
    let query = "{ price(sku: \"x\") }";
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client.subscribe("q", query, json!({})).await;
    assert_eq!(
        client.next_payload("q").await,
        json!({"data": {"price": 0}})
    );
    let done = client.message().await;
    assert_eq!(done, json!({"type": "complete", "id": "q"}));
    let mut stream = SseClient::open(&live.http_url, query, json!({})).await;
    assert_eq!(stream.next_payload().await, json!({"data": {"price": 0}}));
    assert_eq!(stream.event().await.unwrap().0, "complete");
    assert_eq!(live.ticker.opened(), 0);
}

#[tokio::test]
async fn a_subscription_over_plain_http_is_refused_with_406() {
    let live = start(|_| {}).await;
    let response = reqwest::Client::new()
        .post(&live.http_url)
        .json(&json!({"query": PRICE_CHANGED, "variables": {"sku": "a"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 406);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SUBSCRIPTION_TRANSPORT_REQUIRED"
    );
    assert_eq!(live.ticker.opened(), 0);
}

/// A document the checks refuse never reaches the subgraph: validation
/// errors come back as `error` (WebSocket) or a 400 (SSE).
#[tokio::test]
async fn invalid_subscriptions_are_refused_before_any_subgraph_call() {
    let live = start(|_| {}).await;
    let bad = "subscription { priceChanged(sku: \"a\") { nope } }";
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client.subscribe("bad", bad, json!({})).await;
    let m = client.message().await;
    assert_eq!(m["type"], "error", "{m}");
    assert_eq!(
        m["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let response = reqwest::Client::new()
        .post(&live.http_url)
        .header("accept", "text/event-stream")
        .json(&json!({"query": bad}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(live.ticker.opened(), 0);
}
