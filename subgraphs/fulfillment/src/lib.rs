//! The fulfillment subgraph (being built).
