//! `graphql-transport-ws` to a subgraph: a connection of the worker's
//! subgraph pool upgraded to a WebSocket.

use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::{response, Target, UpstreamError};
use crate::executor::client::{HttpClient, SubgraphResponse};

const PROTOCOL: &str = "graphql-transport-ws";

type Socket = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// An open subgraph subscription. Dropping it closes the connection, which
/// ends the subscription on the subgraph.
pub struct Upstream {
    ws: Socket,
    keepalive: Duration,
    /// A ping is out and unanswered.
    pinged: bool,
}

/// A server message; `payload` is read later, by what it carries.
#[derive(Deserialize)]
struct Incoming<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(borrow, default)]
    payload: Option<sonic_rs::LazyValue<'a>>,
}

/// Upgrades a pool connection to `target` and subscribes with `body` after
/// `connection_init` with `init` (the opening timeout is the caller's).
pub(super) async fn open(
    http: &HttpClient,
    target: &Target,
    headers: &http::HeaderMap,
    init: &[u8],
    body: &[u8],
) -> Result<Upstream, UpstreamError> {
    let connect = |e: &dyn std::fmt::Display| UpstreamError::Connect(e.to_string());
    let key = tokio_tungstenite::tungstenite::handshake::client::generate_key();
    let mut request = http::Request::get(target.url.clone())
        .header(http::header::CONNECTION, "Upgrade")
        .header(http::header::UPGRADE, "websocket")
        .header(http::header::SEC_WEBSOCKET_VERSION, "13")
        .header(http::header::SEC_WEBSOCKET_KEY, &key)
        .header(http::header::SEC_WEBSOCKET_PROTOCOL, PROTOCOL)
        .body(Full::new(Bytes::new()))
        .map_err(|e| connect(&e))?;
    for (name, value) in headers {
        request.headers_mut().append(name.clone(), value.clone());
    }
    crate::telemetry::inject_context(request.headers_mut());
    let response = http
        .hyper()
        .request(request)
        .await
        .map_err(|e| connect(&e))?;
    if response.status() != http::StatusCode::SWITCHING_PROTOCOLS {
        return Err(UpstreamError::Connect(format!(
            "the subgraph answered HTTP {} to the WebSocket upgrade",
            response.status().as_u16()
        )));
    }
    let accepted = response
        .headers()
        .get(http::header::SEC_WEBSOCKET_ACCEPT)
        .is_some_and(|v| v.as_bytes() == derive_accept_key(key.as_bytes()).as_bytes());
    if !accepted {
        return Err(UpstreamError::Connect(
            "the subgraph's WebSocket handshake is invalid".into(),
        ));
    }
    let upgraded = hyper::upgrade::on(response)
        .await
        .map_err(|e| connect(&e))?;
    let mut config = WebSocketConfig::default();
    // Small buffers: a gateway holds one of these per open subscription.
    config.read_buffer_size = 4096;
    config.write_buffer_size = 0;
    config.max_message_size = Some(target.max_event_bytes);
    config.max_frame_size = Some(target.max_event_bytes);
    let ws =
        WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Client, Some(config)).await;
    let mut up = Upstream {
        ws,
        keepalive: target.keepalive,
        pinged: false,
    };
    let mut message = Vec::with_capacity(init.len() + 40);
    message.extend_from_slice(b"{\"type\":\"connection_init\",\"payload\":");
    message.extend_from_slice(init);
    message.push(b'}');
    up.send(message).await?;
    loop {
        let text = up.receive().await?;
        let incoming = parse(&text)?;
        match incoming.kind {
            "connection_ack" => break,
            "ping" => up.send(b"{\"type\":\"pong\"}".to_vec()).await?,
            "pong" => {}
            other => {
                return Err(UpstreamError::Protocol(format!(
                    "expected connection_ack, got {other:?}"
                )))
            }
        }
    }
    let mut message = Vec::with_capacity(body.len() + 48);
    message.extend_from_slice(b"{\"id\":\"1\",\"type\":\"subscribe\",\"payload\":");
    message.extend_from_slice(body);
    message.push(b'}');
    up.send(message).await?;
    Ok(up)
}

fn parse(text: &str) -> Result<Incoming<'_>, UpstreamError> {
    sonic_rs::from_str::<Incoming<'_>>(text)
        .map_err(|_| UpstreamError::Protocol("a message is not graphql-transport-ws JSON".into()))
}

impl Upstream {
    async fn send(&mut self, text: Vec<u8>) -> Result<(), UpstreamError> {
        let text = String::from_utf8(text)
            .map_err(|_| UpstreamError::Protocol("a message is not UTF-8".into()))?;
        self.ws
            .send(Message::text(text))
            .await
            .map_err(|e| UpstreamError::Disconnected(e.to_string()))
    }

    /// The next text message, answering pings and checking the subgraph is
    /// alive (a ping after `keepalive` of silence, gone after another).
    async fn receive(&mut self) -> Result<String, UpstreamError> {
        loop {
            let next = tokio::time::timeout(self.keepalive, self.ws.next()).await;
            let message = match next {
                Err(_) if self.pinged => {
                    return Err(UpstreamError::Disconnected(
                        "the subgraph stopped answering pings".into(),
                    ))
                }
                Err(_) => {
                    self.pinged = true;
                    self.send(b"{\"type\":\"ping\"}".to_vec()).await?;
                    continue;
                }
                Ok(None) => return Err(UpstreamError::Disconnected("connection closed".into())),
                Ok(Some(Err(e))) => return Err(self.failure(e)),
                Ok(Some(Ok(message))) => message,
            };
            self.pinged = false;
            match message {
                Message::Text(text) => return Ok(text.as_str().to_string()),
                Message::Close(frame) => {
                    let reason = frame
                        .map(|f| format!("close code {}", u16::from(f.code)))
                        .unwrap_or_else(|| "closed".into());
                    return Err(UpstreamError::Disconnected(reason));
                }
                Message::Binary(_) => {
                    return Err(UpstreamError::Protocol("a binary message".into()))
                }
                _ => {}
            }
        }
    }

    fn failure(&self, e: tokio_tungstenite::tungstenite::Error) -> UpstreamError {
        use tokio_tungstenite::tungstenite::error::CapacityError;
        use tokio_tungstenite::tungstenite::Error as E;
        match e {
            E::Capacity(CapacityError::MessageTooLong { max_size, .. }) => {
                UpstreamError::TooLarge(max_size)
            }
            other => UpstreamError::Disconnected(other.to_string()),
        }
    }

    /// The next event; `None` when the subgraph completed the subscription.
    pub async fn next(&mut self) -> Option<Result<SubgraphResponse, UpstreamError>> {
        loop {
            let text = match self.receive().await {
                Ok(text) => text,
                Err(e) => return Some(Err(e)),
            };
            let incoming = match parse(&text) {
                Ok(incoming) => incoming,
                Err(e) => return Some(Err(e)),
            };
            match incoming.kind {
                "next" => {
                    let payload = incoming
                        .payload
                        .as_ref()
                        .map(|p| p.as_raw_str())
                        .unwrap_or("{}");
                    return Some(response(payload));
                }
                "error" => {
                    let payload = incoming
                        .payload
                        .as_ref()
                        .map(|p| p.as_raw_str())
                        .unwrap_or("[]");
                    let errors = serde_json::from_str(payload).unwrap_or_default();
                    return Some(Err(UpstreamError::Refused(errors)));
                }
                "complete" => return None,
                "ping" => {
                    if let Err(e) = self.send(b"{\"type\":\"pong\"}".to_vec()).await {
                        return Some(Err(e));
                    }
                }
                _ => {}
            }
        }
    }

    /// Ends the subscription politely (`complete`, then a close frame),
    /// giving up after a second.
    pub async fn close(mut self) {
        let polite = async {
            let _ = self
                .send(b"{\"id\":\"1\",\"type\":\"complete\"}".to_vec())
                .await;
            let _ = self.ws.close(None).await;
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), polite).await;
    }
}
