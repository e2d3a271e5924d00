//! Who is asking: the caller's [`Identity`] (anonymous, a customer, staff with scopes), taken
//! from the forwarded bearer token on every request and checked by each subgraph's domain.
//!
//! [`authenticate`] verifies the token (with `crowdcrunch-auth`) and puts the identity on the
//! HTTP request; the GraphQL handler hands it to resolvers as request data, where
//! [`identity`] finds it. A request without a token is anonymous; a token that does not verify
//! is refused with 401 `UNAUTHENTICATED` before any resolver runs.

pub mod authenticate;
pub mod identity;
pub mod scopes;

pub use authenticate::{AuthSettings, Authenticator};
pub use identity::{Identity, Visibility};

/// The identity of the request `ctx` belongs to; anonymous when none was attached (a schema
/// executed outside the HTTP handler), so a missing identity can never grant anything.
pub fn identity<'a>(ctx: &async_graphql::Context<'a>) -> &'a Identity {
    static ANONYMOUS: Identity = Identity::ANONYMOUS;
    ctx.data_opt::<Identity>().unwrap_or(&ANONYMOUS)
}
