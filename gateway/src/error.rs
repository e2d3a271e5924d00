//! Errors of the gateway library.

use std::path::PathBuf;

/// Everything that can stop the gateway from starting or reloading.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("invalid supergraph: {0}")]
    Supergraph(String),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
    #[error("cannot build the subgraph HTTP client: {0}")]
    Client(String),
}
