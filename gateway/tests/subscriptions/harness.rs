//! Starts the `live` subgraphs and a gateway in front of them, and speaks
//! both client transports: `graphql-transport-ws` and GraphQL over SSE.

use std::time::Duration;

use axum::Router;
use crowdcrunch_gateway::config::{Config, SubgraphConfig};
use crowdcrunch_gateway::RunningGateway;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::subgraphs::{self, routes, Ticker};

pub const LIVE_SUPERGRAPH: &str = include_str!("../fixtures/live/supergraph.graphql");

/// How long a test waits for anything before failing (never asserted as a duration).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A subgraph served on a runtime of its own, so that it can drop every
/// connection at once (a crash, as its clients see it).
pub struct Killable {
    kill: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Killable {
    /// Drops the server and every connection it holds.
    pub fn kill(&mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for Killable {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/graphql")
}

fn serve_killable(app: Router) -> (String, Killable) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (kill, killed) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            tokio::select! {
                _ = axum::serve(listener, app) => {}
                _ = killed => {}
            }
        });
        // Every connection task goes with the runtime: sockets close.
        runtime.shutdown_background();
    });
    (
        format!("http://{addr}/graphql"),
        Killable {
            kill: Some(kill),
            thread: Some(thread),
        },
    )
}

/// A running `live` setup.
pub struct Live {
    /// Stops when dropped.
    pub _gateway: RunningGateway,
    pub ticker: Ticker,
    pub ticker_server: Killable,
    pub http_url: String,
    pub ws_url: String,
}

/// Starts the three subgraphs and a gateway; `tune` adjusts its configuration.
pub async fn start(tune: impl FnOnce(&mut Config)) -> Live {
    let ticker = Ticker::default();
    let (ticker_url, ticker_server) = serve_killable(routes(subgraphs::ticker(ticker.clone())));
    let urls = [
        ("ticker", ticker_url),
        ("catalog", serve(routes(subgraphs::catalog())).await),
        ("shipping", serve(routes(subgraphs::shipping())).await),
    ];
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        reload_interval_ms: 100,
        subgraph_timeout_ms: 5_000,
        metrics_listen: "127.0.0.1:0".into(),
        workers: 2,
        ..Config::default()
    };
    for (name, url) in urls {
        config.subgraphs.insert(
            name.to_string(),
            SubgraphConfig {
                url: Some(url),
                ..SubgraphConfig::default()
            },
        );
    }
    tune(&mut config);
    let sdl = match &config.supergraph {
        Some(path) => std::fs::read_to_string(path).unwrap(),
        None => LIVE_SUPERGRAPH.to_string(),
    };
    let gateway = crowdcrunch_gateway::spawn(&sdl, config).await.unwrap();
    Live {
        http_url: format!("http://{}/graphql", gateway.addr),
        ws_url: format!("ws://{}/graphql", gateway.addr),
        _gateway: gateway,
        ticker,
        ticker_server,
    }
}

/// Waits until `check` holds (polling), failing the test after [`PATIENCE`].
pub async fn eventually(what: &str, check: impl Fn() -> bool) {
    let until = tokio::time::Instant::now() + PATIENCE;
    while !check() {
        assert!(
            tokio::time::Instant::now() < until,
            "gave up waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub const PRICE_CHANGED: &str = "subscription Watch($sku: ID!) { priceChanged(sku: $sku) { price item { sku name shippingCost } } }";

/// A client speaking `graphql-transport-ws` to the gateway.
pub struct WsClient {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl WsClient {
    /// Connects without initialising.
    pub async fn connect_raw(url: &str) -> Self {
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(
            response.headers().get("sec-websocket-protocol").unwrap(),
            "graphql-transport-ws"
        );
        Self { ws }
    }

    /// Connects and initialises with `payload`, expecting `connection_ack`.
    pub async fn connect(url: &str, payload: Value) -> Self {
        let mut client = Self::connect_raw(url).await;
        client
            .send(json!({"type": "connection_init", "payload": payload}))
            .await;
        let ack = client.message().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        client
    }

    pub async fn send(&mut self, message: Value) {
        self.ws
            .send(Message::text(message.to_string()))
            .await
            .unwrap();
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({"id": id, "type": "subscribe",
            "payload": {"query": query, "variables": variables}}))
            .await;
    }

    /// The next protocol message other than `ping` (answered) and `pong`.
    pub async fn message(&mut self) -> Value {
        loop {
            match self.frame().await {
                Frame::Text(v) if v["type"] == "ping" => self.send(json!({"type": "pong"})).await,
                Frame::Text(v) if v["type"] == "pong" => {}
                Frame::Text(v) => return v,
                Frame::Closed(code, reason) => {
                    panic!("the gateway closed the connection: {code} {reason}")
                }
            }
        }
    }

    /// The next frame: a JSON text message, or the close (code, reason).
    pub async fn frame(&mut self) -> Frame {
        loop {
            let next = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("a message from the gateway in time");
            match next {
                Some(Ok(Message::Text(text))) => {
                    return Frame::Text(serde_json::from_str(text.as_str()).unwrap())
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    return Frame::Closed(code, reason);
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Frame::Closed(1006, String::new()),
            }
        }
    }

    /// The next message, which must be `next` for `id`: its payload.
    pub async fn next_payload(&mut self, id: &str) -> Value {
        let m = self.message().await;
        assert_eq!(m["type"], "next", "{m}");
        assert_eq!(m["id"], id, "{m}");
        m["payload"].clone()
    }
}

#[derive(Debug)]
pub enum Frame {
    Text(Value),
    Closed(u16, String),
}

/// A GraphQL-over-SSE stream (distinct connections mode) from the gateway.
pub struct SseClient {
    response: reqwest::Response,
    buffer: String,
}

impl SseClient {
    /// POSTs the operation with `Accept: text/event-stream`.
    pub async fn open(url: &str, query: &str, variables: Value) -> Self {
        let response = reqwest::Client::new()
            .post(url)
            .header("accept", "text/event-stream")
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (`next` with its data, or `complete`), comments skipped;
    /// `None` when the stream ended.
    pub async fn event(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim().to_string();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim_start());
                    }
                }
                if event.is_empty() {
                    continue; // a keep-alive comment
                }
                let value = if data.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_str(&data).unwrap()
                };
                return Some((event, value));
            }
            let chunk = tokio::time::timeout(PATIENCE, self.response.chunk())
                .await
                .expect("an event from the gateway in time")
                .ok()??;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next event, which must be `next`: its data.
    pub async fn next_payload(&mut self) -> Value {
        let (event, data) = self.event().await.expect("another event");
        assert_eq!(event, "next", "{data}");
        data
    }
}
