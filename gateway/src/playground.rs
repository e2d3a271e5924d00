//! The offline GraphiQL playground, every asset inside the binary.
//! Owned by the playground work; the server merges `routes()`.

use axum::Router;

/// Routes serving the playground page and its assets.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
}
