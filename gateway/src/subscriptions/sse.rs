//! The client side over GraphQL over SSE, distinct connections mode: one
//! `POST` (or `GET`) with `Accept: text/event-stream` per operation, answered
//! `text/event-stream` with an `event: next` per result and a final
//! `event: complete`; a comment line keeps a quiet stream alive. A request
//! that cannot run is answered as over plain HTTP (JSON, 4xx, coded).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::Response;
use futures::stream;
use tokio::sync::mpsc;

use super::hub::ConnectionSlot;
use super::identity::Who;
use super::stream::{start, EventStream, Started};
use super::{codes, Session};
use crate::engine::{GraphQLRequest, Outcome};
use crate::operation::RequestFailure;

const EVENT_STREAM: &str = "text/event-stream";

/// Whether the client asks for an event stream.
pub(crate) fn wanted(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(http::header::ACCEPT)
        .iter()
        .any(|v| v.to_str().is_ok_and(|a| a.contains(EVENT_STREAM)))
}

/// Answers a decoded (or refused) request that asked for an event stream;
/// `via_get` refuses a mutation as a plain GET does (405).
pub(crate) async fn respond(
    session: Session,
    headers: &http::HeaderMap,
    request: Result<GraphQLRequest, RequestFailure>,
    peer: Option<SocketAddr>,
    via_get: bool,
) -> Response {
    match open(&session, headers, request, peer, via_get).await {
        Ok(body) => {
            let mut response = Response::new(body);
            let h = response.headers_mut();
            h.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/event-stream; charset=utf-8"),
            );
            h.insert(
                http::header::CACHE_CONTROL,
                http::HeaderValue::from_static("no-cache"),
            );
            // Proxies such as nginx must not hold events back.
            h.insert("x-accel-buffering", http::HeaderValue::from_static("no"));
            response
        }
        Err(outcome) => crate::server::respond(headers, outcome),
    }
}

async fn open(
    session: &Session,
    headers: &http::HeaderMap,
    request: Result<GraphQLRequest, RequestFailure>,
    peer: Option<SocketAddr>,
    via_get: bool,
) -> Result<Body, Outcome> {
    if !session.hub.config.enabled {
        return Err(RequestFailure::new(400, "subscriptions are disabled", codes::DISABLED).into());
    }
    let request = request?;
    let authenticated = session.auth.authenticate(headers).await?;
    let who = Who::new(authenticated, headers.clone());
    let too_many = || {
        Outcome::from(RequestFailure::new(
            429,
            "too many subscription connections; retry later",
            codes::LIMIT_EXCEEDED,
        ))
    };
    let mut slot = session.hub.connection().ok_or_else(too_many)?;
    if !slot.claim(who.client_key(peer)) {
        return Err(too_many());
    }
    let keepalive = Duration::from_millis(session.hub.config.keepalive_ms.max(100));
    match start(session, request, &who, via_get).await? {
        Started::Single(outcome) if outcome.status != 200 => Err(outcome),
        Started::Single(outcome) => {
            let chunks = [next(&outcome.response.into_json()), complete()];
            Ok(Body::from_stream(stream::iter(
                chunks.map(Ok::<_, Infallible>),
            )))
        }
        Started::Stream(events) => Ok(events_body(*events, slot, keepalive, who.expires_in())),
    }
}

/// The last result of a stream whose token expired (a WebSocket closes
/// with 4403 instead).
const EXPIRED: &[u8] =
    br#"{"errors":[{"message":"the token expired","extensions":{"code":"UNAUTHENTICATED"}}]}"#;

/// The stream's body. The subscription runs in a task of its own (an
/// event's fetches are never cut short by a keep-alive tick); when the body
/// is dropped (the client went away) the task closes the subgraph side. A
/// stream opened with a token ends when it expires (after `expires_in`),
/// with an `UNAUTHENTICATED` result: it may not go on receiving data.
fn events_body(
    mut events: EventStream,
    slot: ConnectionSlot,
    keepalive: Duration,
    expires_in: Option<Duration>,
) -> Body {
    let (tx, rx) = mpsc::channel::<Vec<u8>>(16);
    tokio::spawn(async move {
        let expired = async move {
            match expires_in {
                Some(left) => tokio::time::sleep(left).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(expired);
        loop {
            tokio::select! {
                _ = tx.closed() => {
                    events.close().await;
                    return;
                }
                _ = &mut expired => {
                    // The subgraph side first: a client that stopped reading must not keep it.
                    events.close().await;
                    let _ = tx.send(EXPIRED.to_vec()).await;
                    return;
                }
                result = events.next() => match result {
                    Some(result) => {
                        if tx.send(result).await.is_err() {
                            events.close().await;
                            return;
                        }
                    }
                    None => return,
                },
            }
        }
    });
    struct State {
        rx: Option<mpsc::Receiver<Vec<u8>>>,
        tick: tokio::time::Interval,
        _slot: ConnectionSlot,
    }
    let mut tick = tokio::time::interval(keepalive);
    tick.reset();
    let state = State {
        rx: Some(rx),
        tick,
        _slot: slot,
    };
    let chunks = stream::unfold(state, |mut state| async move {
        let rx = state.rx.as_mut()?;
        let chunk = tokio::select! {
            result = rx.recv() => match result {
                Some(result) => next(&result),
                None => {
                    state.rx = None;
                    complete()
                }
            },
            _ = state.tick.tick() => Bytes::from_static(b":\n\n"),
        };
        Some((Ok::<_, Infallible>(chunk), state))
    });
    Body::from_stream(chunks)
}

fn next(result: &[u8]) -> Bytes {
    let mut chunk = Vec::with_capacity(result.len() + 20);
    chunk.extend_from_slice(b"event: next\ndata: ");
    chunk.extend_from_slice(result);
    chunk.extend_from_slice(b"\n\n");
    Bytes::from(chunk)
}

fn complete() -> Bytes {
    Bytes::from_static(b"event: complete\ndata:\n\n")
}
