//! The cap on subscriptions per WebSocket connection.

use super::{refusal, MAX_SUBSCRIPTIONS_PER_CONNECTION};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextSubscribe};
use async_graphql::Response;
use futures::stream::{BoxStream, StreamExt};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The subscriptions open on one WebSocket connection: the server puts one in each
/// connection's data, and [`SubscriptionCap`] counts against it.
#[derive(Debug, Clone, Default)]
pub struct ConnectionSubscriptions(Arc<AtomicUsize>);

/// Refuses a subscription over [`MAX_SUBSCRIPTIONS_PER_CONNECTION`] on its connection with one
/// `LIMIT_EXCEEDED` result (the others go on).
pub struct SubscriptionCap;

impl ExtensionFactory for SubscriptionCap {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SubscriptionCap)
    }
}

/// Gives the connection's slot back when its subscription's stream is dropped.
struct Slot(ConnectionSubscriptions);

impl Drop for Slot {
    fn drop(&mut self) {
        (self.0).0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for SubscriptionCap {
    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let Some(open) = ctx.data_opt::<ConnectionSubscriptions>().cloned() else {
            return next.run(ctx, stream);
        };
        if open.0.fetch_add(1, Ordering::SeqCst) >= MAX_SUBSCRIPTIONS_PER_CONNECTION {
            open.0.fetch_sub(1, Ordering::SeqCst);
            let error = refusal(
                format!("at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection"),
                "LIMIT_EXCEEDED",
            );
            return futures::stream::once(async move { Response::from_errors(vec![error]) })
                .boxed();
        }
        let slot = Slot(open);
        next.run(ctx, stream)
            .map(move |response| {
                let _held = &slot;
                response
            })
            .boxed()
    }
}
