//! The operator's side of the dead letters: list what a consumer gave up on, and replay it to
//! the subject it came from once the cause is fixed (the consumer's inbox has no row for a
//! dead-lettered event, so it applies it; every other consumer of that subject sees an event
//! id it already processed and acks it as a duplicate).

use super::{Bus, EventError};
use async_nats::header::{HeaderMap, NATS_MESSAGE_ID};
use async_nats::jetstream::consumer::pull::OrderedConfig;
use futures::StreamExt;
use std::time::Duration;

/// One dead letter, as stored on `<prefix>.dlq.<consumer>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its sequence number in the stream (what `replay` deletes once republished).
    pub sequence: u64,
    /// The subject it was consumed from.
    pub subject: String,
    pub attempts: String,
    pub error: String,
    /// The event id, type and version if the payload is an envelope.
    pub event: Option<(String, String, u32)>,
    pub payload: bytes::Bytes,
}

/// How long `list` waits for the next dead letter before deciding it has them all.
const IDLE: Duration = Duration::from_millis(500);

/// Every dead letter of `consumer`, oldest first.
pub async fn list(bus: &Bus, consumer: &str) -> Result<Vec<DeadLetter>, EventError> {
    let stream = bus.stream().await?;
    let subject = bus.dead_letter_subject(consumer);
    let reader = stream
        .create_consumer(OrderedConfig {
            filter_subject: subject,
            ..Default::default()
        })
        .await
        .map_err(EventError::nats)?;
    let mut messages = reader.messages().await.map_err(EventError::nats)?;
    let mut found = Vec::new();
    loop {
        let next = match tokio::time::timeout(IDLE, messages.next()).await {
            Err(_) | Ok(None) => break,
            Ok(Some(message)) => message.map_err(EventError::nats)?,
        };
        let info = next.info().map_err(EventError::nats)?;
        let pending = info.pending;
        let header = |name: &str| {
            next.headers
                .as_ref()
                .and_then(|h| h.get(name))
                .map(|v| v.as_str().to_string())
                .unwrap_or_default()
        };
        let event = serde_json::from_slice::<super::Envelope>(&next.payload)
            .ok()
            .map(|e| (e.id.to_string(), e.event_type, e.version));
        found.push(DeadLetter {
            sequence: info.stream_sequence,
            subject: header("CrowdCrunch-Subject"),
            attempts: header("CrowdCrunch-Attempts"),
            error: header("CrowdCrunch-Error"),
            event,
            payload: next.payload.clone(),
        });
        if pending == 0 {
            break;
        }
    }
    Ok(found)
}

/// Publish every dead letter of `consumer` again to the subject it came from, then remove
/// it from the dead-letter subject. Returns how many were replayed.
pub async fn replay(bus: &Bus, consumer: &str) -> Result<usize, EventError> {
    let letters = list(bus, consumer).await?;
    let stream = bus.stream().await?;
    for letter in &letters {
        if letter.subject.is_empty() {
            continue;
        }
        // A new message id: the original one may still be in the duplicate window.
        let mut headers = HeaderMap::new();
        let id = format!("replay-{consumer}-{}", letter.sequence);
        headers.insert(NATS_MESSAGE_ID, id.as_str());
        bus.jetstream
            .publish_with_headers(letter.subject.clone(), headers, letter.payload.clone())
            .await
            .map_err(EventError::nats)?
            .await
            .map_err(EventError::nats)?;
        stream
            .delete_message(letter.sequence)
            .await
            .map_err(EventError::nats)?;
    }
    Ok(letters.iter().filter(|l| !l.subject.is_empty()).count())
}
