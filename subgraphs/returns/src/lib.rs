//! The returns subgraph (being built).
