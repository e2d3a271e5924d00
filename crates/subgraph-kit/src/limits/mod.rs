//! Bounds on the work one GraphQL request may ask of a subgraph, for a caller that skips the
//! gateway (which enforces tighter ones first): a subgraph port reached directly with a valid
//! token must not be a way around them.

mod document;
mod subscriptions;

pub use document::DocumentBounds;
pub use subscriptions::{ConnectionSubscriptions, SubscriptionCap};

use async_graphql::{
    ErrorExtensionValues, ObjectType, SchemaBuilder, ServerError, SubscriptionType,
};

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
            .extension(DocumentBounds)
            .extension(SubscriptionCap)
    }
}

/// A refusal of the whole request with `code`.
fn refusal(message: String, code: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}
