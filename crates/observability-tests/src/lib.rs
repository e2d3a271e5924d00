//! Helpers for the live observability tests: a real OTLP/HTTP trace receiver, the real
//! service binaries started as child processes, and queries over the collected spans.

pub mod receiver;
pub mod service;
pub mod spans;

pub use receiver::OtlpReceiver;
pub use service::{Service, ServiceError};
pub use spans::Span;
