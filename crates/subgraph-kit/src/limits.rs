//! Bounds on the work one GraphQL request may ask of a subgraph, for a caller that skips the
//! gateway (which enforces tighter ones first): a subgraph port reached directly with a valid
//! token must not be a way around them.

use async_graphql::{ObjectType, SchemaBuilder, SubscriptionType};

/// Deepest selection: the gateway allows 32, and the entity queries it plans add a level or
/// two (`_entities`, the type condition) to the part of the client's selection they carry.
pub const MAX_DEPTH: usize = 40;

/// Fields in one request, aliases and fragments expanded (async-graphql counts each field
/// as 1): the gateway allows 2,000 to a whole operation, and a subgraph gets a part of it.
pub const MAX_COMPLEXITY: usize = 5_000;

/// Directives on one field or fragment: the gateway allows 10.
pub const MAX_DIRECTIVES: usize = 20;

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
    }
}
