//! The connection to NATS JetStream and the naming of streams and subjects.

use super::{Envelope, EventError};
use async_nats::jetstream::{self, stream};
use std::time::Duration;

/// Where events go. One stream holds every domain's events (`<prefix>.<domain>.<Type>`) and the
/// dead letters (`<prefix>.dlq.<consumer>.letters`), so an operator inspects both with one tool.
#[derive(Debug, Clone)]
pub struct BusConfig {
    /// NATS server, e.g. `nats://127.0.0.1:4222`.
    pub url: String,
    /// JetStream stream name (no dots or spaces).
    pub stream: String,
    /// First token of every subject.
    pub subject_prefix: String,
    /// How long JetStream remembers a message id to drop a re-publish: a relay that crashed
    /// between publishing and marking its rows must be back within this window.
    pub duplicate_window: Duration,
    /// How long the stream keeps events (and dead letters): the horizon of a replay.
    pub max_age: Duration,
}

impl BusConfig {
    /// The platform's stream `CROWDCRUNCH` with subjects `crowdcrunch.>` on server `url`,
    /// events kept 7 days.
    pub fn new(url: impl Into<String>) -> BusConfig {
        BusConfig {
            url: url.into(),
            stream: "CROWDCRUNCH".into(),
            subject_prefix: "crowdcrunch".into(),
            duplicate_window: Duration::from_secs(120),
            max_age: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// A JetStream context whose stream exists.
#[derive(Clone)]
pub struct Bus {
    pub jetstream: jetstream::Context,
    pub stream: String,
    prefix: String,
}

impl Bus {
    /// Connect and create the stream if it does not exist yet.
    pub async fn connect(config: &BusConfig) -> Result<Bus, EventError> {
        let client = async_nats::connect(&config.url)
            .await
            .map_err(EventError::nats)?;
        let jetstream = jetstream::new(client);
        jetstream
            .get_or_create_stream(stream::Config {
                name: config.stream.clone(),
                subjects: vec![format!("{}.>", config.subject_prefix)],
                duplicate_window: config.duplicate_window,
                max_age: config.max_age,
                ..Default::default()
            })
            .await
            .map_err(EventError::nats)?;
        Ok(Bus {
            jetstream,
            stream: config.stream.clone(),
            prefix: config.subject_prefix.clone(),
        })
    }

    /// The platform's stream (created by [`Bus::connect`]).
    pub async fn stream(&self) -> Result<jetstream::stream::Stream, EventError> {
        self.jetstream
            .get_stream(&self.stream)
            .await
            .map_err(EventError::nats)
    }

    /// `<prefix>.<domain>.<Type>`: where `envelope` is published.
    pub fn subject(&self, envelope: &Envelope) -> String {
        self.event_subject(&envelope.source, &envelope.event_type)
    }

    /// The subject of events of `event_type` from `domain` (`*` and `>` work as wildcards).
    pub fn event_subject(&self, domain: &str, event_type: &str) -> String {
        format!("{}.{domain}.{event_type}", self.prefix)
    }

    /// Where consumer `consumer` sends what it gave up on. Four tokens, so the events'
    /// wildcard `<prefix>.*.*` never matches a dead letter.
    pub fn dead_letter_subject(&self, consumer: &str) -> String {
        format!("{}.dlq.{consumer}.letters", self.prefix)
    }
}
