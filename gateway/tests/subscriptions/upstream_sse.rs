//! The subgraph side over GraphQL over SSE (`subscription_protocol = "sse"`):
//! the ticker's stream comes as `text/event-stream` from its `/graphql/sse`,
//! and events, subgraph drops and client departures behave as over a WebSocket.

use crowdcrunch_gateway::config::Config;
use crowdcrunch_gateway::subscriptions::SubgraphProtocol;
use serde_json::json;

use crate::harness::{eventually, start, SseClient, WsClient, PRICE_CHANGED};

/// The ticker subscribed to over SSE at its `/graphql/sse`.
fn ticker_over_sse(config: &mut Config) {
    let ticker = config.subgraphs.get_mut("ticker").unwrap();
    ticker.subscription_url = Some(format!("{}/sse", ticker.url.as_deref().unwrap()));
    ticker.subscription_protocol = SubgraphProtocol::Sse;
}

#[tokio::test]
async fn events_from_an_sse_subgraph_join_fields_from_two_other_subgraphs() {
    let live = start(ticker_over_sse).await;
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client
        .subscribe("1", PRICE_CHANGED, json!({"sku": "abc"}))
        .await;
    eventually("the ticker stream opens", || live.ticker.open() == 1).await;
    live.ticker.prices.send(("abc".into(), 10)).unwrap();
    live.ticker.prices.send(("other".into(), 99)).unwrap();
    live.ticker.prices.send(("abc".into(), 12)).unwrap();
    for price in [10, 12] {
        assert_eq!(
            client.next_payload("1").await,
            json!({"data": {"priceChanged": {"price": price, "item": {
                "sku": "abc", "name": "Item abc", "shippingCost": 3}}}})
        );
    }
    client.send(json!({"id": "1", "type": "complete"})).await;
    eventually("the ticker stream closes after complete", || {
        live.ticker.open() == 0
    })
    .await;
}

#[tokio::test]
async fn an_sse_subgraph_dropping_mid_stream_ends_the_subscription_with_a_coded_error() {
    let mut live = start(ticker_over_sse).await;
    let mut stream = SseClient::open(&live.http_url, PRICE_CHANGED, json!({"sku": "a"})).await;
    eventually("the ticker stream opens", || live.ticker.open() == 1).await;
    live.ticker.prices.send(("a".into(), 1)).unwrap();
    assert_eq!(
        stream.next_payload().await["data"]["priceChanged"]["price"],
        1
    );
    live.ticker_server.kill();
    let last = stream.next_payload().await;
    let error = &last["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "SUBSCRIPTION_SUBGRAPH_FAILED",
        "{last}"
    );
    assert_eq!(error["extensions"]["serviceName"], "ticker");
    assert_eq!(stream.event().await.unwrap().0, "complete");
}

#[tokio::test]
async fn a_client_going_away_closes_the_subgraphs_event_stream() {
    let live = start(ticker_over_sse).await;
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client
        .subscribe("1", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    let stream = SseClient::open(&live.http_url, PRICE_CHANGED, json!({"sku": "b"})).await;
    eventually("both ticker streams open", || live.ticker.open() == 2).await;
    drop(client);
    eventually("the WebSocket client's stream closes", || {
        live.ticker.open() == 1
    })
    .await;
    drop(stream);
    eventually("the SSE client's stream closes", || live.ticker.open() == 0).await;
}

/// The first result of a subscription whose SSE URL is `path` on the
/// ticker's server, then checks the subscription completed.
async fn only_result_at(path: &'static str) -> serde_json::Value {
    let live = start(move |config| {
        ticker_over_sse(config);
        let ticker = config.subgraphs.get_mut("ticker").unwrap();
        let url = ticker.url.as_deref().unwrap().replace("/graphql", path);
        ticker.subscription_url = Some(url);
    })
    .await;
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client
        .subscribe("1", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    let last = client.next_payload("1").await;
    assert_eq!(
        client.message().await,
        json!({"type": "complete", "id": "1"})
    );
    assert_eq!(live.ticker.opened(), 0);
    last
}

/// `/graphql` answers GraphQL over HTTP: JSON with the subgraph's own
/// error, which the client gets as the subgraph's.
#[tokio::test]
async fn a_subgraph_answering_json_errors_instead_of_events_refuses_with_its_own_errors() {
    let last = only_result_at("/graphql").await;
    let error = &last["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "DOWNSTREAM_SERVICE_ERROR",
        "{last}"
    );
    assert_eq!(error["extensions"]["serviceName"], "ticker");
    assert!(
        error["message"].as_str().unwrap().contains("not supported"),
        "{last}"
    );
    assert!(last.get("data").is_none_or(|d| d.is_null()), "{last}");
}

#[tokio::test]
async fn a_subgraph_answering_neither_events_nor_graphql_fails_with_a_code() {
    let last = only_result_at("/nowhere").await;
    let error = &last["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "SUBSCRIPTION_SUBGRAPH_FAILED",
        "{last}"
    );
    assert_eq!(error["extensions"]["serviceName"], "ticker");
}

#[tokio::test]
async fn an_sse_event_over_max_event_bytes_ends_the_subscription_with_a_code() {
    let live = start(|config| {
        ticker_over_sse(config);
        config.subscriptions.max_event_bytes = 40;
    })
    .await;
    let mut client = WsClient::connect(&live.ws_url, json!({})).await;
    client
        .subscribe("1", PRICE_CHANGED, json!({"sku": "a"}))
        .await;
    eventually("the ticker stream opens", || live.ticker.open() == 1).await;
    // {"data":{"priceChanged":{"price":1,"item":{"sku":"a"}}}} is 55 bytes.
    live.ticker.prices.send(("a".into(), 1)).unwrap();
    let last = client.next_payload("1").await;
    let error = &last["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "SUBSCRIPTION_SUBGRAPH_FAILED",
        "{last}"
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("max_event_bytes"),
        "{last}"
    );
    assert_eq!(
        client.message().await,
        json!({"type": "complete", "id": "1"})
    );
    eventually("the ticker stream closes", || live.ticker.open() == 0).await;
}
