//! GraphQL over SSE to a subgraph, distinct connections mode: one `POST`
//! with `Accept: text/event-stream` per subscription, answered
//! `text/event-stream` with an `event: next` per result (its `data` the
//! result's JSON) and `event: complete` at the end; `:` comments (keep-alive)
//! and other events are skipped. A subgraph that refuses the operation
//! answers a JSON GraphQL response instead, whose errors end the
//! subscription as the subgraph's own.
//!
//! SSE has no ping: a subgraph process that goes away closes the connection
//! (seen at once); a host that vanishes is found by the pool's TCP
//! keep-alive. A quiet stream is not a dead one (an order may not change
//! for hours), so silence alone ends nothing.

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;

use super::{response, Target, UpstreamError};
use crate::executor::client::{HttpClient, SubgraphResponse};

const EVENT_STREAM: &str = "text/event-stream";

/// An open event stream. Dropping it closes its connection (a response
/// not read to its end never goes back to the pool), which ends the
/// subscription on the subgraph.
pub struct Upstream {
    body: Incoming,
    /// Received bytes not yet split into lines.
    pending: BytesMut,
    /// The event being read: its `event:` field and its `data:` lines.
    event: Vec<u8>,
    data: Vec<u8>,
    max_event_bytes: usize,
    /// `event: complete` arrived.
    completed: bool,
}

/// Sends the subscription's `POST` to `target` (the opening timeout is the caller's).
pub(super) async fn open(
    http: &HttpClient,
    target: &Target,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<Upstream, UpstreamError> {
    let connect = |e: &dyn std::fmt::Display| UpstreamError::Connect(e.to_string());
    let mut request = http::Request::post(target.url.clone())
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, EVENT_STREAM)
        .body(Full::new(Bytes::copy_from_slice(body)))
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
    let status = response.status();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if status == http::StatusCode::OK && content_type.starts_with(EVENT_STREAM) {
        return Ok(Upstream {
            body: response.into_body(),
            pending: BytesMut::new(),
            event: Vec::new(),
            data: Vec::new(),
            max_event_bytes: target.max_event_bytes,
            completed: false,
        });
    }
    // Not a stream: a GraphQL response (the operation refused) or an HTTP error.
    let answer = Limited::new(response.into_body(), target.max_event_bytes)
        .collect()
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<SubgraphResponse>(&b.to_bytes()).ok());
    match answer.and_then(|a| a.errors).filter(|e| !e.is_empty()) {
        Some(errors) => Err(UpstreamError::Refused(errors)),
        None => Err(UpstreamError::Connect(format!(
            "the subgraph answered HTTP {} ({}) instead of an event stream",
            status.as_u16(),
            if content_type.is_empty() {
                "no content type"
            } else {
                content_type.as_str()
            }
        ))),
    }
}

impl Upstream {
    /// The next event; `None` when the subgraph completed the subscription.
    pub async fn next(&mut self) -> Option<Result<SubgraphResponse, UpstreamError>> {
        loop {
            if self.completed {
                return None;
            }
            match self.dispatch_buffered() {
                Ok(Some(event)) => return Some(response(&event)),
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
            if self.completed {
                return None;
            }
            // Only an unfinished event is left buffered: whole ones were read.
            if self.pending.len() + self.data.len() > self.max_event_bytes {
                return Some(Err(UpstreamError::TooLarge(self.max_event_bytes)));
            }
            let frame = match self.body.frame().await {
                None => {
                    return Some(Err(UpstreamError::Disconnected(
                        "the event stream ended without complete".into(),
                    )))
                }
                Some(Err(e)) => return Some(Err(UpstreamError::Disconnected(e.to_string()))),
                Some(Ok(frame)) => frame,
            };
            if let Ok(chunk) = frame.into_data() {
                self.pending.extend_from_slice(&chunk);
            }
        }
    }

    /// Reads the buffered whole lines; the data of the first `next` event
    /// they complete, if any (`complete` sets `completed`).
    fn dispatch_buffered(&mut self) -> Result<Option<String>, UpstreamError> {
        while let Some(end) = memchr::memchr(b'\n', &self.pending) {
            let mut line = self.pending.split_to(end + 1);
            line.truncate(end);
            if line.last() == Some(&b'\r') {
                line.truncate(end - 1);
            }
            if line.is_empty() {
                if let Some(event) = self.dispatch()? {
                    return Ok(Some(event));
                }
                if self.completed {
                    return Ok(None);
                }
                continue;
            }
            self.field(&line)?;
        }
        Ok(None)
    }

    /// One `field: value` line of the event being read.
    fn field(&mut self, line: &[u8]) -> Result<(), UpstreamError> {
        if line.first() == Some(&b':') {
            return Ok(()); // a comment: keep-alive
        }
        let (name, value) = match memchr::memchr(b':', line) {
            Some(i) => {
                let value = &line[i + 1..];
                (&line[..i], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"event" => self.event = value.to_vec(),
            b"data" => {
                if self.data.len() + value.len() >= self.max_event_bytes {
                    return Err(UpstreamError::TooLarge(self.max_event_bytes));
                }
                if !self.data.is_empty() {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
            }
            _ => {} // id, retry: nothing to do in distinct connections mode
        }
        Ok(())
    }

    /// The event ended by a blank line: `next` (or an untyped one) yields
    /// its data, `complete` ends the stream, others are skipped.
    fn dispatch(&mut self) -> Result<Option<String>, UpstreamError> {
        let event = std::mem::take(&mut self.event);
        let data = std::mem::take(&mut self.data);
        match event.as_slice() {
            b"complete" => {
                self.completed = true;
                Ok(None)
            }
            b"next" | b"" if !data.is_empty() => String::from_utf8(data)
                .map(Some)
                .map_err(|_| UpstreamError::Protocol("an event is not UTF-8".into())),
            _ => Ok(None),
        }
    }
}
