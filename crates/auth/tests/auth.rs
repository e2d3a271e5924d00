//! Verification tests with real keys of each algorithm and a real local HTTP JWKS server.

#[path = "auth/keys.rs"]
mod keys;

#[path = "auth/checks.rs"]
mod checks;

#[path = "auth/jwks_url.rs"]
mod jwks_url;

#[path = "auth/dev_tokens.rs"]
mod dev_tokens;
