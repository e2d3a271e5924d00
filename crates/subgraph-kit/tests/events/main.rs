//! Domain events on the real PostgreSQL and the real NATS JetStream. Every test has a stream
//! and subjects of its own (or a broker of its own), so they run in parallel.

mod broker_restart;
mod fixture;
mod pipeline;
mod rebuild;
