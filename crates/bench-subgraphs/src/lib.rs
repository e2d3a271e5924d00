//! The public federation benchmark's four subgraphs (being built).
