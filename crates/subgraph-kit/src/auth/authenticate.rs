//! Verifying the forwarded bearer token of each request and attaching the caller's identity;
//! a token that does not verify is refused with 401 `UNAUTHENTICATED`, counted by reason.

use super::Identity;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use crowdcrunch_auth::{Verifier, VerifierConfig};
use std::path::PathBuf;
use std::sync::Arc;

/// Allowed clock skew on `exp`/`nbf`, seconds.
const LEEWAY_S: u64 = 30;
/// How often a JWKS URL is fetched again, seconds.
const REFRESH_S: u64 = 300;
/// How long one JWKS fetch may take, milliseconds.
const FETCH_TIMEOUT_MS: u64 = 2_000;

/// Where the keys that sign tokens come from and what a token must say. From the environment:
/// `AUTH_JWKS_FILE` or `AUTH_JWKS_URL`, `AUTH_ISSUER`, `AUTH_AUDIENCE` (comma-separated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthSettings {
    /// A JWKS document on disk (the launcher's dev key, a mounted secret).
    pub jwks_file: Option<PathBuf>,
    /// A JWKS URL (the identity provider's), fetched with a timeout and refreshed.
    pub jwks_url: Option<String>,
    /// The `iss` every token must carry.
    pub issuer: Option<String>,
    /// Accepted `aud` values (any one of them).
    pub audiences: Vec<String>,
}

impl AuthSettings {
    pub fn from_env() -> AuthSettings {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        AuthSettings {
            jwks_file: var("AUTH_JWKS_FILE").map(PathBuf::from),
            jwks_url: var("AUTH_JWKS_URL"),
            issuer: var("AUTH_ISSUER"),
            audiences: var("AUTH_AUDIENCE")
                .map(|v| {
                    v.split(',')
                        .map(|a| a.trim().to_string())
                        .filter(|a| !a.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Whether any key source is configured.
    pub fn has_keys(&self) -> bool {
        self.jwks_file.is_some() || self.jwks_url.is_some()
    }

    fn verifier_config(&self) -> VerifierConfig {
        VerifierConfig {
            jwks_file: self.jwks_file.clone(),
            jwks_url: self.jwks_url.clone(),
            issuer: self.issuer.clone(),
            audiences: self.audiences.clone(),
            leeway_s: LEEWAY_S,
            refresh_s: REFRESH_S,
            fetch_timeout_ms: FETCH_TIMEOUT_MS,
        }
    }
}

/// Turns a request's `Authorization` header into an [`Identity`].
///
/// Secure by default without a switch to forget: with no JWKS configured there is nothing to
/// verify against, so every request is anonymous (the catalog at most) and every token is
/// refused (`not_configured`). There is no "trust any token" mode.
pub struct Authenticator {
    verifier: Option<Verifier>,
}

impl Authenticator {
    /// Load the keys named by `settings` (none configured: the closed authenticator).
    pub async fn new(
        settings: &AuthSettings,
    ) -> Result<Authenticator, crowdcrunch_auth::AuthError> {
        if !settings.has_keys() {
            tracing::warn!(
                "no AUTH_JWKS_FILE or AUTH_JWKS_URL: every request is anonymous and every \
                 bearer token is refused"
            );
            return Ok(Authenticator::closed());
        }
        let verifier = Verifier::new(settings.verifier_config()).await?;
        Ok(Authenticator {
            verifier: Some(verifier),
        })
    }

    /// Anonymous requests only.
    pub fn closed() -> Authenticator {
        Authenticator { verifier: None }
    }

    /// The identity of a request with these headers, or why its token is refused.
    pub async fn identify(&self, headers: &HeaderMap) -> Result<Identity, &'static str> {
        let Some(value) = headers.get(AUTHORIZATION) else {
            return Ok(Identity::ANONYMOUS);
        };
        let token = value
            .to_str()
            .ok()
            .and_then(bearer_token)
            .ok_or("malformed")?;
        let verifier = self.verifier.as_ref().ok_or("not_configured")?;
        // On an unknown `kid` this refetches the key set (rate-limited): a rotated key works
        // at once.
        let claims = verifier
            .verify_refreshing(token)
            .await
            .map_err(|e| e.reason())?;
        let exp = claims.extra.get("exp").and_then(|v| v.as_u64());
        Ok(
            Identity::authenticated(claims.sub, claims.customer_id.as_deref(), claims.scopes)
                .expiring_at(exp),
        )
    }
}

/// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Middleware: attach the caller's [`Identity`] to the request, or answer 401.
pub async fn authenticate(
    State(auth): State<Arc<Authenticator>>,
    mut request: Request,
    next: Next,
) -> Response {
    match auth.identify(request.headers()).await {
        Ok(identity) => {
            request.extensions_mut().insert(identity);
            next.run(request).await
        }
        Err(reason) => refuse(reason),
    }
}

/// The 401 answer to a token that does not verify; counted and logged by reason, never with
/// the token.
pub fn refuse(reason: &'static str) -> Response {
    metrics::counter!("subgraph_auth_failures_total", "reason" => reason).increment(1);
    tracing::info!(reason, "bearer token refused");
    let body = serde_json::json!({
        "errors": [{
            "message": "invalid bearer token",
            "extensions": { "code": "UNAUTHENTICATED", "reason": reason }
        }]
    });
    (
        StatusCode::UNAUTHORIZED,
        [(WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        axum::Json(body),
    )
        .into_response()
}

/// Wrap `router` so every request is authenticated by `auth`.
pub fn layer(router: axum::Router, auth: Arc<Authenticator>) -> axum::Router {
    router.layer(axum::middleware::from_fn_with_state(auth, authenticate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_non_empty_bearer_token_is_taken() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }

    #[tokio::test]
    async fn without_keys_requests_are_anonymous_and_tokens_refused() {
        let auth = Authenticator::closed();
        let mut headers = HeaderMap::new();
        assert_eq!(auth.identify(&headers).await, Ok(Identity::ANONYMOUS));
        headers.insert(AUTHORIZATION, "Bearer x.y.z".parse().unwrap());
        assert_eq!(auth.identify(&headers).await, Err("not_configured"));
        headers.insert(AUTHORIZATION, "Basic eA==".parse().unwrap());
        assert_eq!(auth.identify(&headers).await, Err("malformed"));
    }
}
