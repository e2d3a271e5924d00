//! What a subgraph server runs for events when a broker is configured: its outbox relay and
//! the durable consumers it declares, each restarted after a failure.

use super::{Bus, BusConfig, Consumer, ConsumerConfig, Handler, Relay};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Wait before reconnecting or restarting a consumer after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// A durable consumer a subgraph declares: its name, the events it reads and what it does.
#[derive(Clone)]
pub struct Subscription {
    /// Durable consumer name (no dots), e.g. `payments`.
    pub name: &'static str,
    /// `(domain, type)` of each event read; `*` matches any type of a domain.
    pub events: Vec<(&'static str, &'static str)>,
    pub handler: Arc<dyn Handler>,
}

/// Start, in the background, the relay of `pool`'s outbox (when `produces`) and every
/// subscription's consumer against the platform's stream on `nats_url`. Connecting is
/// retried until the broker answers, so a service starts (and serves) while the broker is
/// down, its events waiting in the outbox. Abort the handle to stop them all.
pub fn spawn(
    pool: PgPool,
    nats_url: String,
    produces: bool,
    subscriptions: Vec<Subscription>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let config = BusConfig::new(nats_url);
        let bus = loop {
            match Bus::connect(&config).await {
                Ok(bus) => break bus,
                Err(err) => {
                    tracing::warn!(error = %err, "events: cannot reach NATS, will retry");
                    tokio::time::sleep(RETRY).await;
                }
            }
        };
        tracing::info!(stream = %config.stream, consumers = subscriptions.len(), "events running");
        let mut tasks = tokio::task::JoinSet::new();
        let names = subscriptions.iter().map(|s| s.name).collect();
        tasks.spawn(super::lag::sample(
            pool.clone(),
            bus.clone(),
            produces,
            names,
        ));
        if produces {
            tasks.spawn(Relay::new(pool.clone(), bus.clone()).run());
        }
        for subscription in subscriptions {
            tasks.spawn(consume(pool.clone(), bus.clone(), subscription));
        }
        while tasks.join_next().await.is_some() {}
    })
}

/// Run one consumer for ever: a broken connection or a deleted consumer (a rebuild's, say)
/// restarts it. It reads
/// every domain's events in stream order (one filter subject, `<prefix>.*.*`, which NATS 2.9
/// supports and which keeps cause before effect across domains) and handles those it
/// declared.
pub async fn consume(pool: PgPool, bus: Bus, subscription: Subscription) {
    let subjects = vec![bus.event_subject("*", "*")];
    let mut config = ConsumerConfig::new(subscription.name, subjects);
    config.accept = subscription
        .events
        .iter()
        .map(|(domain, event_type)| (domain.to_string(), event_type.to_string()))
        .collect();
    loop {
        let consumer = Consumer::new(
            pool.clone(),
            bus.clone(),
            config.clone(),
            subscription.handler.clone(),
        );
        match consumer.run().await {
            Ok(()) => tracing::warn!(
                consumer = subscription.name,
                "event stream ended: restarting"
            ),
            Err(err) => {
                tracing::warn!(consumer = subscription.name, error = %err, "consumer failed: restarting")
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}
