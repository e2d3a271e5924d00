//! Why a token (or the key set) was refused, with a stable reason for metrics labels.

/// A verification failure. Messages never contain the token or claim values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no token was presented")]
    Missing,
    #[error("the token is malformed: {0}")]
    Malformed(&'static str),
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token is signed by a key that is not in the key set")]
    UnknownKey,
    #[error("the token's signing algorithm is not accepted (RS256, ES256, EdDSA are)")]
    UnsupportedAlgorithm,
    #[error("the token's issuer is not accepted")]
    WrongIssuer,
    #[error("the token's audience is not accepted")]
    WrongAudience,
    #[error("the token lacks the required claim `{0}`")]
    MissingClaim(String),
    #[error("no signing keys are available: {0}")]
    JwksUnavailable(String),
    #[error("invalid verifier configuration: {0}")]
    Config(String),
    #[error("dev signing key: {0}")]
    DevKey(String),
}

impl AuthError {
    /// A short stable label (for `..._failures_total{reason}` metrics).
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing",
            AuthError::Malformed(_) => "malformed",
            AuthError::Expired => "expired",
            AuthError::NotYetValid => "not_yet_valid",
            AuthError::BadSignature => "bad_signature",
            AuthError::UnknownKey => "unknown_key",
            AuthError::UnsupportedAlgorithm => "unsupported_algorithm",
            AuthError::WrongIssuer => "wrong_issuer",
            AuthError::WrongAudience => "wrong_audience",
            AuthError::MissingClaim(_) => "missing_claim",
            AuthError::JwksUnavailable(_) => "jwks_unavailable",
            AuthError::Config(_) => "config",
            AuthError::DevKey(_) => "dev_key",
        }
    }
}

impl From<jsonwebtoken::errors::Error> for AuthError {
    fn from(e: jsonwebtoken::errors::Error) -> Self {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::ExpiredSignature => AuthError::Expired,
            K::ImmatureSignature => AuthError::NotYetValid,
            K::InvalidSignature | K::InvalidEcdsaKey | K::InvalidRsaKey(_) => {
                AuthError::BadSignature
            }
            K::InvalidIssuer => AuthError::WrongIssuer,
            K::InvalidAudience => AuthError::WrongAudience,
            K::InvalidAlgorithm | K::InvalidAlgorithmName | K::MissingAlgorithm => {
                AuthError::UnsupportedAlgorithm
            }
            K::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim.clone()),
            K::Base64(_) => AuthError::Malformed("not base64url"),
            K::Json(_) => AuthError::Malformed("a part is not the expected JSON"),
            K::Utf8(_) => AuthError::Malformed("a part is not UTF-8"),
            _ => AuthError::Malformed("not a JWT"),
        }
    }
}
