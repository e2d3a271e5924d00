//! The orders subgraph (being built).
