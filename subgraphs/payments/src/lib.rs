//! The payments subgraph (being built).
