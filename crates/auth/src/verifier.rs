//! The token verifier: a key set kept fresh (periodic refresh, refetch on an unknown `kid`,
//! last good set kept on failure) and the signature and claim checks.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

use crate::cache::VerifiedTokens;
use crate::jwks::{KeySet, Source};
use crate::{AuthError, Claims};

/// Tokens longer than this are refused unread (real ones are well under 8 KiB).
const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// An unknown `kid` refetches the key set at most this often, so that tokens naming made-up
/// keys cannot make us hammer the issuer.
const UNKNOWN_KID_REFETCH_EVERY: Duration = Duration::from_secs(10);

/// Where the keys are and what tokens must say.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    /// A local JWKS file (re-read on every refresh). One of `jwks_file` / `jwks_url` is required.
    pub jwks_file: Option<PathBuf>,
    /// A JWKS URL (`https://issuer/.well-known/jwks.json`), fetched with `fetch_timeout_ms`.
    pub jwks_url: Option<String>,
    /// Required `iss`, if set.
    pub issuer: Option<String>,
    /// Accepted `aud` values; empty means the audience is not checked.
    pub audiences: Vec<String>,
    /// Clock skew allowed on `exp` / `nbf`, in seconds.
    pub leeway_s: u64,
    /// How often the key set is reloaded, in seconds (0: never, only on an unknown `kid`).
    pub refresh_s: u64,
    /// Timeout of one JWKS fetch, in milliseconds.
    pub fetch_timeout_ms: u64,
}

impl Default for VerifierConfig {
    fn default() -> Self {
        Self {
            jwks_file: None,
            jwks_url: None,
            issuer: None,
            audiences: Vec::new(),
            leeway_s: 30,
            refresh_s: 300,
            fetch_timeout_ms: 5_000,
        }
    }
}

/// Verifies tokens; cheap to clone (one shared key set).
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    source: Source,
    keys: RwLock<Arc<KeySet>>,
    /// One validation per algorithm, built once.
    validations: [(Algorithm, Validation); 3],
    /// When an unknown `kid` last caused a refetch; the lock also makes concurrent
    /// unknown-`kid` refetches one.
    last_kid_refetch: tokio::sync::Mutex<Option<Instant>>,
    /// Tokens verified with the current key set.
    verified: VerifiedTokens,
    /// Key set loads so far.
    generations: AtomicU64,
    leeway_s: u64,
    /// The runtime the verifier was made on: key fetches run there, whichever runtime
    /// (e.g. a server worker's) asks for them.
    runtime: tokio::runtime::Handle,
}

impl Verifier {
    /// Loads the key set (an error if that fails: a verifier never starts without keys) and,
    /// with `refresh_s > 0`, starts refreshing it on the current Tokio runtime.
    pub async fn new(cfg: VerifierConfig) -> Result<Verifier, AuthError> {
        let source = match (&cfg.jwks_file, &cfg.jwks_url) {
            (Some(path), None) => Source::File(path.clone()),
            (None, Some(url)) => Source::url(url, Duration::from_millis(cfg.fetch_timeout_ms))?,
            _ => {
                return Err(AuthError::Config(
                    "exactly one of jwks_file and jwks_url must be set".into(),
                ))
            }
        };
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| AuthError::Config("Verifier::new needs a Tokio runtime".into()))?;
        let keys = source.load().await.map_err(|e| match e {
            AuthError::JwksUnavailable(why) => AuthError::JwksUnavailable(format!(
                "first load of the JWKS from {} failed: {why}",
                source.describe()
            )),
            other => other,
        })?;
        let validation = |alg| (alg, validation(&cfg, alg));
        let inner = Arc::new(Inner {
            source,
            keys: RwLock::new(Arc::new(keys)),
            validations: [
                validation(Algorithm::RS256),
                validation(Algorithm::ES256),
                validation(Algorithm::EdDSA),
            ],
            last_kid_refetch: tokio::sync::Mutex::new(None),
            verified: VerifiedTokens::default(),
            generations: AtomicU64::new(0),
            leeway_s: cfg.leeway_s,
            runtime,
        });
        if cfg.refresh_s > 0 {
            tokio::spawn(refresh_loop(
                Arc::downgrade(&inner),
                Duration::from_secs(cfg.refresh_s),
            ));
        }
        Ok(Verifier { inner })
    }

    /// Verifies a token with the keys at hand. A token naming a `kid` that is not in the set
    /// is `UnknownKey`, and starts a (rate-limited) refetch in the background so that a
    /// rotated key is known soon; [`Verifier::verify_refreshing`] waits for that refetch.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let result = self.verify_with_current_keys(token);
        if result == Err(AuthError::UnknownKey) && self.inner.may_refetch_for_kid() {
            let inner = self.inner.clone();
            self.inner.runtime.spawn(async move {
                refetch_for_unknown_kid(&inner).await;
            });
        }
        result
    }

    /// Like [`Verifier::verify`], but on an unknown `kid` refetches the key set first
    /// (at most once per 10 s) and verifies again.
    pub async fn verify_refreshing(&self, token: &str) -> Result<Claims, AuthError> {
        match self.verify_with_current_keys(token) {
            Err(AuthError::UnknownKey) => {
                let inner = self.inner.clone();
                // On the verifier's runtime: its HTTP client's connections live there.
                let _ = self
                    .inner
                    .runtime
                    .spawn(async move { refetch_for_unknown_kid(&inner).await })
                    .await;
                self.verify_with_current_keys(token)
            }
            other => other,
        }
    }

    /// Reloads the key set now; on failure the current set stays.
    pub async fn reload(&self) -> Result<(), AuthError> {
        let inner = self.inner.clone();
        self.inner
            .runtime
            .spawn(async move { reload(&inner).await })
            .await
            .map_err(|_| AuthError::JwksUnavailable("the reload task was cancelled".into()))?
    }

    fn verify_with_current_keys(&self, token: &str) -> Result<Claims, AuthError> {
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AuthError::Malformed("longer than 16 KiB"));
        }
        let header = jsonwebtoken::decode_header(token)?;
        refuse_critical_extensions(token)?;
        let Some((_, validation)) = self
            .inner
            .validations
            .iter()
            .find(|(alg, _)| *alg == header.alg)
        else {
            return Err(AuthError::UnsupportedAlgorithm);
        };
        let keys = self.inner.current();
        if let Some(claims) = self.inner.verified.get(token, keys.generation) {
            return Ok(claims);
        }
        let mut last = None;
        for key in keys.candidates(header.kid.as_deref(), header.alg) {
            match jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, validation) {
                Ok(data) => {
                    let claims = Claims::from_map(data.claims);
                    let inner = &self.inner;
                    inner
                        .verified
                        .put(token, &claims, inner.leeway_s, keys.generation);
                    return Ok(claims);
                }
                Err(e) => {
                    let e = AuthError::from(e);
                    // Only a signature mismatch may mean "another key": any other failure
                    // (expired, wrong audience, …) is the token's and final.
                    if e != AuthError::BadSignature {
                        return Err(e);
                    }
                    last = Some(e);
                }
            }
        }
        Err(match (last, header.kid) {
            (Some(e), _) => e,
            (None, Some(kid)) if !keys.has_kid(&kid) => AuthError::UnknownKey,
            // The kid is known but its key is for another algorithm.
            (None, Some(_)) => AuthError::UnsupportedAlgorithm,
            (None, None) => AuthError::UnknownKey,
        })
    }
}

impl Inner {
    fn current(&self) -> Arc<KeySet> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether an unknown-`kid` refetch could run now (none running, none lately): checked
    /// before spawning one, so a flood of made-up `kid`s spawns nothing.
    fn may_refetch_for_kid(&self) -> bool {
        self.last_kid_refetch
            .try_lock()
            .is_ok_and(|last| last.is_none_or(|at| at.elapsed() >= UNKNOWN_KID_REFETCH_EVERY))
    }
}

fn validation(cfg: &VerifierConfig, alg: Algorithm) -> Validation {
    let mut v = Validation::new(alg);
    v.leeway = cfg.leeway_s;
    v.validate_nbf = true;
    // A configured issuer or audience must be in the token, not only right when present: a
    // token minted for another service without `aud` is not one for us.
    let mut required = vec!["exp"];
    if let Some(iss) = &cfg.issuer {
        v.set_issuer(&[iss]);
        required.push("iss");
    }
    if cfg.audiences.is_empty() {
        v.validate_aud = false;
    } else {
        v.set_audience(&cfg.audiences);
        required.push("aud");
    }
    v.set_required_spec_claims(&required);
    v
}

/// RFC 7515 §4.1.11: a header naming extensions in `crit` that the recipient does not
/// understand must be refused, and we understand none. `jsonwebtoken` does not look at `crit`,
/// so the header is read here (it decoded once already, so it is base64url JSON).
fn refuse_critical_extensions(token: &str) -> Result<(), AuthError> {
    use base64::Engine;
    let encoded = token.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| AuthError::Malformed("not base64url"))?;
    let header: Map<String, Value> = serde_json::from_slice(&bytes)
        .map_err(|_| AuthError::Malformed("a part is not the expected JSON"))?;
    if header.contains_key("crit") {
        return Err(AuthError::Malformed(
            "critical header extensions are not supported",
        ));
    }
    Ok(())
}

/// Loads the key set and swaps it in; a failure leaves the last good set in place.
async fn reload(inner: &Inner) -> Result<(), AuthError> {
    match inner.source.load().await {
        Ok(mut keys) => {
            keys.generation = inner.generations.fetch_add(1, Ordering::Relaxed) + 1;
            *inner.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
            Ok(())
        }
        Err(e) => {
            tracing::warn!(source = %inner.source.describe(), error = %e,
                "JWKS reload failed; keeping the last good key set");
            Err(e)
        }
    }
}

async fn refetch_for_unknown_kid(inner: &Inner) {
    let mut last = inner.last_kid_refetch.lock().await;
    if last.is_some_and(|at| at.elapsed() < UNKNOWN_KID_REFETCH_EVERY) {
        return;
    }
    *last = Some(Instant::now());
    let _ = reload(inner).await;
}

async fn refresh_loop(inner: Weak<Inner>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        // The verifier is gone: stop.
        let Some(inner) = inner.upgrade() else { break };
        let _ = reload(&inner).await;
    }
}
