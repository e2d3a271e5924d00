//! A JSON Web Key Set: parsed into decoding keys, loaded from a file or fetched from a URL.

use std::path::Path;
use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use crate::AuthError;

/// A JWKS larger than this is refused (real ones are a few KiB).
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// One usable verification key.
pub(crate) struct Key {
    pub kid: Option<String>,
    /// The only algorithm this key verifies.
    pub alg: Algorithm,
    pub key: DecodingKey,
}

/// The keys of one JWKS document; keys we cannot use (encryption keys, other curves) are skipped.
#[derive(Default)]
pub(crate) struct KeySet {
    pub keys: Vec<Key>,
    /// Which load this set came from (tokens verified with an older set are checked again).
    pub generation: u64,
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

impl KeySet {
    /// Parses JWKS text; a set with no usable signing key is an error.
    pub fn parse(text: &[u8]) -> Result<Self, AuthError> {
        let raw: RawSet = serde_json::from_slice(text)
            .map_err(|e| AuthError::JwksUnavailable(format!("not a JWKS document: {e}")))?;
        // Keys are parsed one by one, so that one key of a kind we do not know does not
        // make the whole set unreadable.
        let keys: Vec<Key> = raw
            .keys
            .into_iter()
            .filter_map(|v| serde_json::from_value::<Jwk>(v).ok())
            .filter_map(|jwk| usable(&jwk))
            .collect();
        if keys.is_empty() {
            return Err(AuthError::JwksUnavailable(
                "the JWKS has no RS256, ES256 or EdDSA signing key".into(),
            ));
        }
        Ok(Self {
            keys,
            generation: 0,
        })
    }

    /// The keys that may have signed a token with this header: by `kid` when it has one.
    pub fn candidates<'a>(
        &'a self,
        kid: Option<&'a str>,
        alg: Algorithm,
    ) -> impl Iterator<Item = &'a Key> + 'a {
        self.keys
            .iter()
            .filter(move |k| k.alg == alg && (kid.is_none() || k.kid.as_deref() == kid))
    }

    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }
}

fn usable(jwk: &Jwk) -> Option<Key> {
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return None;
    }
    let alg = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        _ => return None,
    };
    // A key that names its algorithm is only used for that one.
    if let Some(declared) = jwk.common.key_algorithm {
        let same = matches!(
            (declared, alg),
            (KeyAlgorithm::RS256, Algorithm::RS256)
                | (KeyAlgorithm::ES256, Algorithm::ES256)
                | (KeyAlgorithm::EdDSA, Algorithm::EdDSA)
        );
        if !same {
            return None;
        }
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some(Key {
        kid: jwk.common.key_id.clone(),
        alg,
        key,
    })
}

/// Where the keys come from.
pub(crate) enum Source {
    File(std::path::PathBuf),
    Url {
        url: String,
        client: reqwest::Client,
    },
}

impl Source {
    pub fn url(url: &str, timeout: Duration) -> Result<Self, AuthError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| AuthError::Config(format!("JWKS HTTP client: {e}")))?;
        Ok(Source::Url {
            url: url.to_string(),
            client,
        })
    }

    /// Reads or fetches the JWKS and parses it.
    pub async fn load(&self) -> Result<KeySet, AuthError> {
        match self {
            Source::File(path) => KeySet::parse(&read_file(path)?),
            Source::Url { url, client } => KeySet::parse(&fetch(client, url).await?),
        }
    }

    /// Where the keys come from, for messages.
    pub fn describe(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Url { url, .. } => url.clone(),
        }
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, AuthError> {
    let unavailable = |e: std::io::Error| {
        AuthError::JwksUnavailable(format!("cannot read {}: {e}", path.display()))
    };
    let len = std::fs::metadata(path).map_err(unavailable)?.len();
    if len > MAX_JWKS_BYTES as u64 {
        return Err(AuthError::JwksUnavailable(format!(
            "{} is larger than {MAX_JWKS_BYTES} bytes",
            path.display()
        )));
    }
    std::fs::read(path).map_err(unavailable)
}

async fn fetch(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, AuthError> {
    let unavailable = |e: reqwest::Error| {
        AuthError::JwksUnavailable(format!("fetching {url}: {}", e.without_url()))
    };
    let mut response = client.get(url).send().await.map_err(unavailable)?;
    if !response.status().is_success() {
        return Err(AuthError::JwksUnavailable(format!(
            "fetching {url}: HTTP {}",
            response.status().as_u16()
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err(AuthError::JwksUnavailable(format!(
                "{url} answered more than {MAX_JWKS_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
