//! Bounds on the work one GraphQL request may ask of a subgraph, for a caller that skips the
//! gateway (which enforces tighter ones first): a subgraph port reached directly with a valid
//! token must not be a way around them.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextSubscribe};
use async_graphql::{
    ErrorExtensionValues, ObjectType, Response, SchemaBuilder, ServerError, SubscriptionType,
};
use futures::stream::{BoxStream, StreamExt};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Deepest selection, as the gateway allows. (async-graphql also refuses more than 32 levels
/// of nesting of any kind, before this is checked.)
pub const MAX_DEPTH: usize = 32;

/// Fields in one request, aliases and fragments expanded (async-graphql counts each field
/// as 1): the gateway allows 2,000 to a whole operation, and a subgraph gets a part of it.
pub const MAX_COMPLEXITY: usize = 5_000;

/// Directives on one field or fragment: the gateway allows 10.
pub const MAX_DIRECTIVES: usize = 20;

/// Subscriptions one WebSocket connection may hold open at once: the gateway opens one per
/// client subscription, and caps a client's well below this.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 100;

/// Adds the subgraph limits to a schema being built.
pub trait Bounded {
    fn bounded(self) -> Self;
}

impl<Q, M, S> Bounded for SchemaBuilder<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    fn bounded(self) -> Self {
        self.limit_depth(MAX_DEPTH)
            .limit_complexity(MAX_COMPLEXITY)
            .limit_directives(MAX_DIRECTIVES)
            .extension(SubscriptionCap)
    }
}

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
            let mut error = ServerError::new(
                format!("at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection"),
                None,
            );
            let mut extensions = ErrorExtensionValues::default();
            extensions.set("code", "LIMIT_EXCEEDED");
            error.extensions = Some(extensions);
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
