//! Following an order live through the gateway (GraphQL over SSE): the order as it is, then
//! each status change in order, with its payments and shipments resolved by their subgraphs for
//! every event; only the order's customer (or staff) may follow it.

use crate::support::{data, Options, Platform};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use subgraph_kit::ids;
use subgraph_kit::testing::TestDb;

const FOLLOW: &str = "subscription($id: ID!) {
  orderStatusChanged(orderId: $id) {
    id status
    payments { status }
    shipments { status }
  }
}";
const PLACE: &str = "mutation($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) { id }
}";

/// An SSE stream of GraphQL results from the gateway.
struct Follow {
    lines: BufReader<reqwest::blocking::Response>,
}

impl Follow {
    fn open(platform: &Platform, token: &str, query: &str, variables: Value) -> Follow {
        let response = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .expect("HTTP client")
            .post(platform.graphql_url("gateway"))
            .bearer_auth(token)
            .header("accept", "text/event-stream")
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .expect("subscribe through the gateway");
        assert_eq!(response.status(), 200);
        Follow {
            lines: BufReader::new(response),
        }
    }

    /// The next `next` event's result (`None` at `complete` or the end of the stream).
    fn next(&mut self) -> Option<Value> {
        let (mut event, mut payload) = (String::new(), String::new());
        loop {
            let mut line = String::new();
            if self.lines.read_line(&mut line).expect("read the stream") == 0 {
                return None;
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(e) = line.strip_prefix("event:") {
                event = e.trim().to_string();
            } else if let Some(d) = line.strip_prefix("data:") {
                payload.push_str(d.trim_start());
            } else if line.is_empty() && !event.is_empty() {
                if event == "complete" {
                    return None;
                }
                return Some(serde_json::from_str(&payload).expect("an event is JSON"));
            }
        }
    }
}

fn staff_call(platform: &Platform, token: &str, query: &str, variables: Value) -> Value {
    let (status, body) = platform.gql_as("gateway", Some(token), query, variables);
    assert_eq!(status, 200, "{body:#}");
    assert!(body.get("errors").is_none(), "{body:#}");
    body
}

#[test]
fn a_customer_follows_their_order_and_sees_each_status_change_in_order() {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let db = runtime.block_on(TestDb::create());
    let dir = std::env::temp_dir().join(format!("cc-live-{}", uuid::Uuid::new_v4()));
    let platform = Platform::start(Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    });
    let customer_id = ids::customer_id(0);
    let customer = platform.token(&["--customer", &customer_id.to_string()]);
    let key = uuid::Uuid::new_v4().to_string();
    let sku = ids::product_sku(0);
    let input = json!({ "customerId": customer_id, "currency": "USD",
        "lines": [{ "sku": sku, "quantity": 1 }] });
    let placed = staff_call(
        &platform,
        &customer,
        PLACE,
        json!({ "input": input, "key": key }),
    );
    let order = data(&placed)["placeOrder"]["id"].clone();

    // The lifecycle moves the order by itself (stock, payment, carrier): the stream starts
    // with the order as it is (PLACED, or already further) and shows each change in order.
    let mut follow = Follow::open(&platform, &customer, FOLLOW, json!({ "id": order }));
    let mut seen: Vec<Value> = Vec::new();
    while let Some(event) = follow.next() {
        let change = data(&event)["orderStatusChanged"].clone();
        assert_eq!(change["id"], order, "{event:#}");
        let done = change["status"] == "FULFILLED";
        seen.push(change);
        if done {
            break;
        }
    }
    let statuses: Vec<&str> = seen.iter().filter_map(|c| c["status"].as_str()).collect();
    let order_of = |s: &str| ["PLACED", "PAID", "FULFILLED"].iter().position(|x| *x == s);
    let ranks: Vec<Option<usize>> = statuses.iter().map(|s| order_of(s)).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] < w[1]) && ranks.iter().all(Option::is_some),
        "each change once, in order: {statuses:?}"
    );
    let fulfilled = seen.last().expect("the FULFILLED change");
    assert_eq!(fulfilled["status"], "FULFILLED", "{seen:#?}");
    assert_eq!(
        fulfilled["shipments"],
        json!([{ "status": "DELIVERED" }]),
        "{seen:#?}"
    );
    assert_eq!(
        fulfilled["payments"].as_array().map(Vec::len),
        Some(1),
        "{seen:#?}"
    );

    // Another customer may not follow it; anonymous callers are stopped at the gateway.
    let other = platform.token(&["--customer", &ids::customer_id(1).to_string()]);
    let mut refused = Follow::open(&platform, &other, FOLLOW, json!({ "id": order }));
    let answer = refused.next().expect("a refusal");
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{answer:#}"
    );
    assert!(refused.next().is_none(), "the refused stream completes");

    // A stream lives no longer than its token: it ends with UNAUTHENTICATED when it expires
    // (nothing of the customer's changes meanwhile).
    let brief = platform.token(&["--customer", &customer_id.to_string(), "--ttl", "3"]);
    let opened = std::time::Instant::now();
    let updates = "subscription { orderUpdates { id status } }";
    let mut follow = Follow::open(&platform, &brief, updates, json!({}));
    let mut last = Value::Null;
    while let Some(event) = follow.next() {
        last = event;
    }
    assert_eq!(
        last["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{last:#}"
    );
    let lived = opened.elapsed();
    assert!(
        lived >= std::time::Duration::from_secs(2) && lived < std::time::Duration::from_secs(30),
        "{lived:?}"
    );

    // Straight at the orders subgraph's WebSocket, the same: the connection ends with the
    // token that opened it.
    let brief = platform.token(&["--customer", &customer_id.to_string(), "--ttl", "3"]);
    let url = format!("ws://{}/graphql", platform.addrs["orders"]);
    let lived = runtime.block_on(subscribe_until_closed(&url, &brief, updates));
    assert!(
        lived >= std::time::Duration::from_secs(2) && lived < std::time::Duration::from_secs(30),
        "the subgraph ended the stream after {lived:?}, not at the token's expiry (3 s + 5 s grace)"
    );

    // One connection holds at most 100 subscriptions there; the 101st is refused, coded.
    let refused = runtime.block_on(one_subscription_too_many(&url, &customer, updates));
    assert_eq!(refused["id"], "101", "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{refused}"
    );
}

/// Open 101 subscriptions on one graphql-transport-ws connection; the first message that
/// carries errors.
async fn one_subscription_too_many(url: &str, token: &str, query: &str) -> Value {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let mut ws = connect(url, token).await;
    let init = json!({ "type": "connection_init" });
    ws.send(Message::text(init.to_string()))
        .await
        .expect("init");
    for id in 1..=101 {
        let subscribe =
            json!({ "id": id.to_string(), "type": "subscribe", "payload": { "query": query } });
        ws.send(Message::text(subscribe.to_string()))
            .await
            .expect("subscribe");
    }
    let patience = std::time::Duration::from_secs(30);
    loop {
        match tokio::time::timeout(patience, ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
                if !message["payload"]["errors"].is_null() || message["type"] == "error" {
                    return message;
                }
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("no refusal: {other:?}"),
        }
    }
}

/// A graphql-transport-ws connection with bearer `token`.
async fn connect(
    url: &str,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request().expect("a WebSocket request");
    let headers = request.headers_mut();
    headers.insert(
        "authorization",
        format!("Bearer {token}").parse().expect("a header value"),
    );
    headers.insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("a header value"),
    );
    let (ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect to the subgraph");
    ws
}

/// Subscribe over graphql-transport-ws with bearer `token`; how long until the server ended
/// the connection.
async fn subscribe_until_closed(url: &str, token: &str, query: &str) -> std::time::Duration {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let mut ws = connect(url, token).await;
    let opened = std::time::Instant::now();
    let init = json!({ "type": "connection_init" });
    ws.send(Message::text(init.to_string()))
        .await
        .expect("init");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": query } });
    ws.send(Message::text(subscribe.to_string()))
        .await
        .expect("subscribe");
    let patience = std::time::Duration::from_secs(60);
    loop {
        match tokio::time::timeout(patience, ws.next()).await {
            Err(_) => panic!("the subgraph never ended the stream"),
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return opened.elapsed(),
            Ok(Some(Ok(Message::Text(text)))) => {
                let message: Value = serde_json::from_str(text.as_str()).expect("JSON");
                assert_ne!(message["type"], "error", "{message}");
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}
