//! The platform as users run it: the `crowdcrunch` launcher binary with its child processes,
//! the committed supergraph, and whole flows through the gateway.

#[path = "platform/support.rs"]
mod support;

// Needs the gateway library in the launcher: on with the `gateway` feature.
#[cfg(feature = "gateway")]
#[path = "platform/access.rs"]
mod access;
#[cfg(feature = "gateway")]
#[path = "platform/access_cases.rs"]
mod access_cases;
// Places orders through the gateway.
#[cfg(feature = "gateway")]
#[path = "platform/broker.rs"]
mod broker;
#[path = "platform/composition.rs"]
mod composition;
// Needs the gateway library in the launcher: on with the `gateway` feature.
#[path = "platform/embedded.rs"]
mod embedded;
// Needs the gateway library in the launcher: on with the `gateway` feature.
#[cfg(feature = "gateway")]
#[path = "platform/demo_orders.rs"]
mod demo_orders;
#[cfg(feature = "gateway")]
#[path = "platform/events.rs"]
mod events;
#[cfg(feature = "gateway")]
#[path = "platform/integrity.rs"]
mod integrity;
#[cfg(feature = "gateway")]
#[path = "platform/invariants.rs"]
mod invariants;
#[cfg(feature = "gateway")]
#[path = "platform/known_customers.rs"]
mod known_customers;
#[path = "platform/plain_messages.rs"]
mod plain_messages;
// Needs the gateway library in the launcher: on with the `gateway` feature.
#[cfg(feature = "gateway")]
#[path = "platform/end_to_end.rs"]
mod end_to_end;
// Needs the gateway library in the launcher: on with the `gateway` feature.
#[cfg(feature = "gateway")]
#[path = "platform/self_healing.rs"]
mod self_healing;
// The README's examples go through the gateway.
#[cfg(feature = "gateway")]
#[path = "platform/readme.rs"]
mod readme;
// The demo's live orders go through the gateway.
#[cfg(feature = "gateway")]
#[path = "platform/live_demo.rs"]
mod live_demo;
// Following an order live through the gateway.
#[cfg(feature = "gateway")]
#[path = "platform/live.rs"]
mod live;
