//! JWT verification against a JWKS (from a file or a URL), shared by the gateway and the subgraphs.
//!
//! [`Verifier`] checks a token's signature (RS256, ES256 or EdDSA, key chosen by `kid`), issuer,
//! audience and expiry, and returns its [`Claims`]. Keys are loaded once at start, refreshed every
//! `refresh_s`, refetched (rate-limited) when a token names an unknown `kid`, and the last good set
//! is kept when a refresh fails. [`dev`] creates the local development signing key.

mod cache;
mod claims;
pub mod dev;
mod error;
mod jwks;
mod verifier;

pub use claims::Claims;
pub use error::AuthError;
pub use verifier::{Verifier, VerifierConfig};
