//! The customers subgraph (being built).
