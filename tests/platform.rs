//! The platform as users run it: the `crowdcrunch` launcher binary with its child processes,
//! the committed supergraph, and whole flows through the gateway.

#[path = "platform/support.rs"]
mod support;

#[path = "platform/composition.rs"]
mod composition;
#[path = "platform/embedded.rs"]
mod embedded;
// Needs the gateway library in the launcher: on with the `gateway` feature.
#[cfg(feature = "gateway")]
#[path = "platform/end_to_end.rs"]
mod end_to_end;
