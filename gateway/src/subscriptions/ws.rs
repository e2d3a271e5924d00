//! The client side over WebSocket, `graphql-transport-ws` (the graphql-ws
//! protocol): `connection_init` (with the token) within the init timeout,
//! then `subscribe`s, each answered by `next`s and `complete` (or `error`),
//! `complete` from the client to stop one; `ping`/`pong` both ways.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::hub::{ConnectionSlot, Ending};
use super::identity::{self, Who};
use super::stream::{self, Started};
use super::{codes, Session};
use crate::engine::GraphQLRequest;
use crate::response::GraphQLError;

const PROTOCOL: &str = "graphql-transport-ws";
/// Longest subscription id kept, in bytes.
const MAX_ID: usize = 128;
/// Results queued per connection before subscriptions wait for the client.
const OUTBOX: usize = 64;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Map<String, Value>>,
    },
    Ping {},
    Pong {},
    Subscribe {
        id: String,
        payload: GraphQLRequest,
    },
    Complete {
        id: String,
    },
}

/// Answers a WebSocket upgrade of `/graphql` (anything but a well-formed
/// one, from an allowed origin, within the caps, gets a coded 4xx).
pub(crate) async fn upgrade(
    session: Session,
    parts: &mut http::request::Parts,
    peer: Option<SocketAddr>,
) -> Response {
    let refuse =
        |status: u16, message: &str, code: &str| crate::server::refusal(status, message, code);
    if !session.hub.config.enabled {
        return refuse(400, "subscriptions are disabled", codes::DISABLED);
    }
    if !identity::origin_allowed(&parts.headers, &session.hub.allow_origins) {
        return refuse(
            403,
            "WebSockets from this origin are not allowed",
            "FORBIDDEN_ORIGIN",
        );
    }
    let upgrade = match WebSocketUpgrade::from_request_parts(parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => {
            let message = rejection.body_text();
            return refuse(400, &message, "BAD_WEBSOCKET_UPGRADE");
        }
    };
    let Some(slot) = session.hub.connection() else {
        return refuse(
            503,
            "the gateway holds as many subscription connections as it may; retry later",
            codes::LIMIT_EXCEEDED,
        );
    };
    let config = &session.hub.config;
    let headers = parts.headers.clone();
    upgrade
        .protocols([PROTOCOL])
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_message_size(config.max_message_bytes)
        .max_frame_size(config.max_message_bytes)
        .on_upgrade(move |socket| async move {
            Connection::new(session, headers, peer, slot)
                .serve(socket)
                .await;
        })
        .into_response()
}

/// What subscription tasks tell the connection.
enum Out {
    Next(String, Vec<u8>),
    Error(String, Vec<GraphQLError>),
    Done(String),
}

struct Connection {
    session: Session,
    headers: http::HeaderMap,
    peer: Option<SocketAddr>,
    slot: ConnectionSlot,
    who: Option<Who>,
    running: HashMap<String, JoinHandle<()>>,
    outbox: mpsc::Sender<Out>,
    inbox: Option<mpsc::Receiver<Out>>,
}

/// How a connection ends.
struct Close(u16, &'static str);

impl Connection {
    fn new(
        session: Session,
        headers: http::HeaderMap,
        peer: Option<SocketAddr>,
        slot: ConnectionSlot,
    ) -> Self {
        let (outbox, inbox) = mpsc::channel(OUTBOX);
        Self {
            session,
            headers,
            peer,
            slot,
            who: None,
            running: HashMap::new(),
            outbox,
            inbox: Some(inbox),
        }
    }

    async fn serve(mut self, mut socket: WebSocket) {
        if socket
            .protocol()
            .is_none_or(|p| p.as_bytes() != PROTOCOL.as_bytes())
        {
            close(&mut socket, Close(4406, "Subprotocol not acceptable")).await;
            return;
        }
        let close_with = self.run(&mut socket).await;
        for (_, task) in self.running.drain() {
            task.abort();
        }
        if let Some(reason) = close_with {
            close(&mut socket, reason).await;
        }
    }

    /// Serves until the client leaves (`None`) or the connection must close.
    async fn run(&mut self, socket: &mut WebSocket) -> Option<Close> {
        let config = self.session.hub.config.clone();
        let Some(mut inbox) = self.inbox.take() else {
            return Some(Close(4500, "Internal error"));
        };
        let mut ending = self.session.hub.ending();
        let init_by = Instant::now() + Duration::from_millis(config.connection_init_timeout_ms);
        let idle = Duration::from_millis(config.idle_timeout_ms.max(1));
        let mut keepalive =
            tokio::time::interval(Duration::from_millis(config.keepalive_ms.max(100)));
        keepalive.tick().await;
        let mut heard = Instant::now();
        let mut busy = Instant::now();
        loop {
            let initialised = self.who.is_some();
            let init_timeout = async {
                if initialised {
                    std::future::pending().await
                } else {
                    tokio::time::sleep_until(init_by.into()).await
                }
            };
            let expiry = self.who.as_ref().and_then(Who::expires_in);
            let expired = async {
                match expiry {
                    Some(left) => tokio::time::sleep(left).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                message = socket.recv() => {
                    let message = match message {
                        // Over `max_message_bytes`: say so with 1009 (RFC 6455 7.4.1), as
                        // the README promises, instead of dropping the connection.
                        Some(Err(e)) if e.to_string().starts_with("Space limit exceeded") => {
                            return Some(Close(1009, "Message too big"));
                        }
                        None | Some(Err(_)) => return None,
                        Some(Ok(message)) => message,
                    };
                    heard = Instant::now();
                    let text = match message {
                        Message::Text(text) => text,
                        Message::Close(_) => return None,
                        Message::Binary(_) => return Some(Close(4400, "Binary messages are not supported")),
                        Message::Ping(_) | Message::Pong(_) => continue,
                    };
                    if let Some(close) = self.receive(socket, text.as_str()).await {
                        return Some(close);
                    }
                }
                Some(out) = inbox.recv() => {
                    let text = match out {
                        Out::Next(id, payload) => message("next", &id, &payload),
                        Out::Error(id, errors) => {
                            self.running.remove(&id);
                            let payload = serde_json::to_vec(&errors).unwrap_or_else(|_| b"[]".to_vec());
                            message("error", &id, &payload)
                        }
                        Out::Done(id) => {
                            self.running.remove(&id);
                            message("complete", &id, b"")
                        }
                    };
                    if socket.send(Message::text(text)).await.is_err() {
                        return None;
                    }
                }
                _ = init_timeout => return Some(Close(4408, "Connection initialisation timeout")),
                // The connection's token expired: it may not go on receiving data.
                _ = expired => return Some(Close(4403, "Forbidden: the token expired")),
                _ = keepalive.tick() => {
                    let now = Instant::now();
                    if !self.running.is_empty() {
                        busy = now;
                    }
                    if now.duration_since(heard) > idle || now.duration_since(busy) > idle {
                        return Some(Close(1000, "idle"));
                    }
                    if socket.send(Message::text("{\"type\":\"ping\"}")).await.is_err() {
                        return None;
                    }
                }
                changed = ending.changed() => {
                    if changed.is_err() || *ending.borrow() == Ending::Shutdown {
                        // Open subscriptions send their last result, then the connection goes.
                        self.drain(socket, &mut inbox).await;
                        return Some(Close(1001, "the gateway is shutting down"));
                    }
                }
            }
        }
    }

    /// Forwards what running subscriptions still send, for a moment.
    async fn drain(&mut self, socket: &mut WebSocket, inbox: &mut mpsc::Receiver<Out>) {
        let until = tokio::time::Instant::now() + Duration::from_millis(500);
        while !self.running.is_empty() {
            let Ok(Some(out)) = tokio::time::timeout_at(until, inbox.recv()).await else {
                return;
            };
            let text = match out {
                Out::Next(id, payload) => message("next", &id, &payload),
                Out::Error(id, _) | Out::Done(id) => {
                    self.running.remove(&id);
                    message("complete", &id, b"")
                }
            };
            if socket.send(Message::text(text)).await.is_err() {
                return;
            }
        }
    }

    async fn receive(&mut self, socket: &mut WebSocket, text: &str) -> Option<Close> {
        let Ok(parsed) = serde_json::from_str::<ClientMessage>(text) else {
            return Some(Close(4400, "Invalid message"));
        };
        match parsed {
            ClientMessage::ConnectionInit { payload } => {
                if self.who.is_some() {
                    return Some(Close(4429, "Too many initialisation requests"));
                }
                let headers = identity::init_headers(&self.headers, payload.as_ref());
                let Ok(authenticated) = self.session.auth.authenticate(&headers).await else {
                    return Some(Close(4403, "Forbidden"));
                };
                let who = Who::new(authenticated, headers);
                if !self.slot.claim(who.client_key(self.peer)) {
                    return Some(Close(4429, "Too many connections for this client"));
                }
                self.who = Some(who);
                if socket
                    .send(Message::text("{\"type\":\"connection_ack\"}"))
                    .await
                    .is_err()
                {
                    return Some(Close(1011, "write failed"));
                }
            }
            ClientMessage::Ping {} => {
                let _ = socket.send(Message::text("{\"type\":\"pong\"}")).await;
            }
            ClientMessage::Pong {} => {}
            ClientMessage::Subscribe { id, payload } => {
                let Some(who) = self.who.clone() else {
                    return Some(Close(4401, "Unauthorized"));
                };
                if id.is_empty() || id.len() > MAX_ID {
                    return Some(Close(4400, "Invalid subscription id"));
                }
                if self.running.contains_key(&id) {
                    return Some(Close(4409, "Subscriber for this id already exists"));
                }
                if self.running.len() >= self.session.hub.config.max_subscriptions_per_connection {
                    let error = GraphQLError::coded(
                        "this connection runs as many subscriptions as it may",
                        codes::LIMIT_EXCEEDED,
                    );
                    let payload = serde_json::to_vec(&[error]).unwrap_or_default();
                    let _ = socket
                        .send(Message::text(message("error", &id, &payload)))
                        .await;
                    return None;
                }
                let task = tokio::spawn(subscription(
                    self.session.clone(),
                    who,
                    id.clone(),
                    payload,
                    self.outbox.clone(),
                ));
                self.running.insert(id, task);
            }
            ClientMessage::Complete { id } => {
                if let Some(task) = self.running.remove(&id) {
                    task.abort();
                }
            }
        }
        None
    }
}

/// Runs one `subscribe` to its end, sending its results to the connection.
async fn subscription(
    session: Session,
    who: Who,
    id: String,
    request: GraphQLRequest,
    out: mpsc::Sender<Out>,
) {
    let started = match stream::start(&session, request, &who, false).await {
        Ok(started) => started,
        Err(failure) => {
            let _ = out.send(Out::Error(id, failure.errors)).await;
            return;
        }
    };
    match started {
        Started::Single(outcome) if outcome.response.data.is_none() => {
            let _ = out.send(Out::Error(id, outcome.response.errors)).await;
        }
        Started::Single(outcome) => {
            let _ = out
                .send(Out::Next(id.clone(), outcome.response.into_json()))
                .await;
            let _ = out.send(Out::Done(id)).await;
        }
        Started::Stream(mut events) => {
            // Aborting this task (client `complete`, or the connection
            // gone) drops the stream, which closes the subgraph side.
            while let Some(result) = events.next().await {
                if out.send(Out::Next(id.clone(), result)).await.is_err() {
                    events.close().await;
                    return;
                }
            }
            let _ = out.send(Out::Done(id)).await;
        }
    }
}

/// A server message's text.
fn message(kind: &str, id: &str, payload: &[u8]) -> String {
    let mut text = String::with_capacity(payload.len() + id.len() + 40);
    text.push_str("{\"type\":\"");
    text.push_str(kind);
    text.push_str("\",\"id\":");
    text.push_str(&serde_json::to_string(id).unwrap_or_else(|_| "\"\"".into()));
    if !payload.is_empty() {
        text.push_str(",\"payload\":");
        text.push_str(&String::from_utf8_lossy(payload));
    }
    text.push('}');
    text
}

async fn close(socket: &mut WebSocket, Close(code, reason): Close) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}
