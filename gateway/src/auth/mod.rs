//! Authentication: the request's JWT (from a header or a cookie) verified against the
//! configured JWKS with `crowdcrunch-auth`; the result is the request's [`Identity`].
//! A missing token is anonymous; an invalid one is a 401 `UNAUTHENTICATED` or, if so
//! configured, anonymous too. Failures are counted by reason; the token is never logged.

mod token;

use std::path::PathBuf;
use std::sync::Arc;

use crowdcrunch_auth::{AuthError, Claims, Verifier, VerifierConfig};
use http::HeaderMap;
use serde::Deserialize;

use crate::authorization::{AuthorizationConfig, ClaimPolicies, PolicyEvaluator};
use crate::operation::RequestFailure;
use crate::Error;

/// The `[authentication]` section; without it every request is anonymous.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthenticationConfig {
    /// A local JWKS file (re-read every `refresh_s`). One of `jwks_file` / `jwks_url`.
    pub jwks_file: Option<PathBuf>,
    /// The issuer's JWKS URL, e.g. `https://issuer.example/.well-known/jwks.json`.
    pub jwks_url: Option<String>,
    /// Required `iss` claim, if set.
    pub issuer: Option<String>,
    /// Accepted `aud` values (any one); empty: not checked. From the environment: a
    /// comma-separated list.
    #[serde(deserialize_with = "crate::config::names")]
    pub audiences: Vec<String>,
    /// Request header carrying the token.
    pub header: String,
    /// Scheme before the token in that header (`Bearer`, matched case-insensitively);
    /// empty: the whole header value is the token.
    pub prefix: String,
    /// A cookie carrying the token when the header is absent (e.g. for browsers).
    pub cookie: Option<String>,
    /// What an invalid token gets: `reject` (HTTP 401, `UNAUTHENTICATED`) or `anonymous`.
    pub on_invalid: OnInvalid,
    /// Clock skew allowed on `exp` / `nbf`, in seconds.
    pub leeway_s: u64,
    /// How often the JWKS is reloaded, in seconds (an unknown `kid` also reloads it, at most
    /// every 10 s).
    pub refresh_s: u64,
    /// Timeout of one JWKS fetch, in milliseconds.
    pub fetch_timeout_ms: u64,
}

impl Default for AuthenticationConfig {
    fn default() -> Self {
        Self {
            jwks_file: None,
            jwks_url: None,
            issuer: None,
            audiences: Vec::new(),
            header: "authorization".into(),
            prefix: "Bearer".into(),
            cookie: None,
            on_invalid: OnInvalid::Reject,
            leeway_s: 30,
            refresh_s: 300,
            fetch_timeout_ms: 5_000,
        }
    }
}

/// What an invalid token gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnInvalid {
    /// HTTP 401 with `UNAUTHENTICATED`.
    Reject,
    /// The request goes on as anonymous.
    Anonymous,
}

/// Who is asking, and how `@policy` names are judged for them.
#[derive(Clone)]
pub struct Identity {
    /// The verified token's claims; `None` for an anonymous request.
    pub claims: Option<Claims>,
    pub policies: Arc<dyn PolicyEvaluator>,
}

/// Authenticates requests; shared by every server worker.
#[derive(Clone)]
pub struct Authentication {
    verifier: Option<Arc<Configured>>,
    policies: Arc<dyn PolicyEvaluator>,
}

struct Configured {
    verifier: Verifier,
    config: AuthenticationConfig,
}

/// A request's identity, and the headers to pass on to subgraphs when they differ from the
/// client's (a token from a cookie or another header travels as `Authorization: Bearer`).
pub struct Authenticated {
    pub identity: Identity,
    pub forward: Option<HeaderMap>,
}

impl Authentication {
    /// Loads the JWKS (a gateway does not start with authentication configured but no keys).
    pub async fn new(
        config: Option<&AuthenticationConfig>,
        authorization: &AuthorizationConfig,
    ) -> Result<Self, Error> {
        let policies: Arc<dyn PolicyEvaluator> = Arc::new(ClaimPolicies::new(authorization));
        let Some(config) = config else {
            return Ok(Self::anonymous(policies));
        };
        let verifier = Verifier::new(VerifierConfig {
            jwks_file: config.jwks_file.clone(),
            jwks_url: config.jwks_url.clone(),
            issuer: config.issuer.clone(),
            audiences: config.audiences.clone(),
            leeway_s: config.leeway_s,
            refresh_s: config.refresh_s,
            fetch_timeout_ms: config.fetch_timeout_ms,
        })
        .await
        .map_err(|e| Error::Config(format!("authentication: {e}")))?;
        Ok(Self {
            verifier: Some(Arc::new(Configured {
                verifier,
                config: config.clone(),
            })),
            policies,
        })
    }

    /// Every request anonymous, `@policy` judged by `policies`.
    pub fn anonymous(policies: Arc<dyn PolicyEvaluator>) -> Self {
        Self {
            verifier: None,
            policies,
        }
    }

    /// Replaces the `@policy` evaluator (for embedders with their own rules).
    pub fn with_policies(mut self, policies: Arc<dyn PolicyEvaluator>) -> Self {
        self.policies = policies;
        self
    }

    /// The request's identity, or the 401 its invalid token earns.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Authenticated, RequestFailure> {
        let anonymous = || Authenticated {
            identity: Identity {
                claims: None,
                policies: self.policies.clone(),
            },
            forward: None,
        };
        let Some(configured) = &self.verifier else {
            return Ok(anonymous());
        };
        let config = &configured.config;
        let found = match token::find(headers, config) {
            Ok(Some(found)) => found,
            Ok(None) => return Ok(anonymous()),
            Err(e) => return refuse(config, e).map(|()| anonymous()),
        };
        match configured.verifier.verify_refreshing(found.token).await {
            Ok(claims) => Ok(Authenticated {
                forward: found.forward(headers),
                identity: Identity {
                    claims: Some(claims),
                    policies: self.policies.clone(),
                },
            }),
            Err(e) => refuse(config, e).map(|()| anonymous()),
        }
    }
}

/// Counts and logs (without the token) a refused token; `Err` is the 401 to answer.
fn refuse(config: &AuthenticationConfig, e: AuthError) -> Result<(), RequestFailure> {
    let reason = e.reason();
    metrics::counter!("gateway_auth_failures_total", "reason" => reason).increment(1);
    tracing::debug!(reason, error = %e, "request token refused");
    match config.on_invalid {
        OnInvalid::Anonymous => Ok(()),
        OnInvalid::Reject => Err(RequestFailure::new(
            401,
            format!("the request's token is not valid: {e}"),
            "UNAUTHENTICATED",
        )),
    }
}

/// The headers subgraphs get: `authorization` joins `propagate_headers` when authentication
/// is configured, so each subgraph can verify the caller itself.
pub fn propagated_headers(config: &crate::Config) -> Vec<String> {
    let mut names = config.propagate_headers.clone();
    let has = |n: &Vec<String>| n.iter().any(|h| h.eq_ignore_ascii_case("authorization"));
    if config.authentication.is_some() && !has(&names) {
        names.push("authorization".into());
    }
    names
}
