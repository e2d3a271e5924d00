//! The local development signing key: an Ed25519 key and its `jwks.json`, created once in a
//! directory (the launcher's data directory) and reused, and tokens minted with it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{json, Map, Value};

use crate::{AuthError, VerifierConfig};

/// `iss` of dev tokens.
pub const DEV_ISSUER: &str = "crowdcrunch-dev";
/// `aud` of dev tokens.
pub const DEV_AUDIENCE: &str = "crowdcrunch";
const KEY_FILE: &str = "dev-signing-key.pk8";
const JWKS_FILE: &str = "jwks.json";

/// What a minted token says.
#[derive(Debug, Clone, Default)]
pub struct TokenSpec {
    pub sub: String,
    /// Set for a customer's token.
    pub customer_id: Option<String>,
    /// Written space-separated into `scope`.
    pub scopes: Vec<String>,
    /// Lifetime in seconds.
    pub ttl_s: u64,
}

/// The dev key pair, with its JWKS written next to it.
pub struct DevKey {
    kid: String,
    encoding: EncodingKey,
    jwks_path: PathBuf,
}

impl DevKey {
    /// Loads the key in `dir`, or creates it (and `dir`) on first use; (re)writes `jwks.json`
    /// when it does not match the key. Safe when several processes start at once: the key file
    /// is created without overwriting, and the loser reads the winner's key.
    pub fn ensure(dir: &Path) -> Result<DevKey, AuthError> {
        let io = |what: &str, e: std::io::Error| AuthError::DevKey(format!("{what}: {e}"));
        std::fs::create_dir_all(dir).map_err(|e| io(&dir.display().to_string(), e))?;
        let key_path = dir.join(KEY_FILE);
        let pkcs8 = match std::fs::read(&key_path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key(&key_path)?,
            Err(e) => return Err(io(&key_path.display().to_string(), e)),
        };
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&pkcs8).map_err(|_| {
            AuthError::DevKey(format!(
                "{} is not an Ed25519 PKCS#8 key",
                key_path.display()
            ))
        })?;
        let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        let kid = thumbprint(&x);
        let jwks = serde_json::to_vec_pretty(&json!({"keys": [{
            "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"
        }]}))
        .map_err(|e| AuthError::DevKey(e.to_string()))?;
        let jwks_path = dir.join(JWKS_FILE);
        if std::fs::read(&jwks_path).ok().as_deref() != Some(&jwks[..]) {
            write_atomically(&jwks_path, &jwks)
                .map_err(|e| io(&jwks_path.display().to_string(), e))?;
        }
        Ok(DevKey {
            kid,
            encoding: EncodingKey::from_ed_der(&pkcs8),
            jwks_path,
        })
    }

    /// The public key set, for verifiers (`jwks_file`).
    pub fn jwks_path(&self) -> &Path {
        &self.jwks_path
    }

    /// The key's id (its RFC 7638 thumbprint).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A verifier configuration that accepts this key's tokens.
    pub fn verifier_config(&self) -> VerifierConfig {
        VerifierConfig {
            jwks_file: Some(self.jwks_path.clone()),
            issuer: Some(DEV_ISSUER.into()),
            audiences: vec![DEV_AUDIENCE.into()],
            ..VerifierConfig::default()
        }
    }

    /// Signs a token: issuer `crowdcrunch-dev`, audience `crowdcrunch`.
    pub fn mint(&self, spec: &TokenSpec) -> Result<String, AuthError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| AuthError::DevKey(e.to_string()))?
            .as_secs();
        let mut claims = Map::new();
        claims.insert("iss".into(), DEV_ISSUER.into());
        claims.insert("aud".into(), DEV_AUDIENCE.into());
        claims.insert("sub".into(), spec.sub.clone().into());
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), now.saturating_add(spec.ttl_s).into());
        if !spec.scopes.is_empty() {
            claims.insert("scope".into(), spec.scopes.join(" ").into());
        }
        if let Some(id) = &spec.customer_id {
            claims.insert("customer_id".into(), id.clone().into());
        }
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &Value::Object(claims), &self.encoding)
            .map_err(|e| AuthError::DevKey(format!("signing: {e}")))
    }
}

/// Generates a key and publishes it at `path` unless another process got there first.
fn create_key(path: &Path) -> Result<Vec<u8>, AuthError> {
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
        .map_err(|_| AuthError::DevKey("cannot generate an Ed25519 key".into()))?;
    let io = |e: std::io::Error| AuthError::DevKey(format!("{}: {e}", path.display()));
    let tmp = temp_name(path);
    write_private(&tmp, pkcs8.as_ref()).map_err(io)?;
    // A hard link never replaces an existing file: exactly one process's key wins.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(pkcs8.as_ref().to_vec()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read(path).map_err(io),
        Err(e) => Err(io(e)),
    }
}

fn temp_name(path: &Path) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    path.with_extension(format!("tmp{}.{nanos}", std::process::id()))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_name(path);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// RFC 7638 JWK thumbprint of an Ed25519 public key.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    let digest = ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = DevKey::ensure(dir.path()).unwrap();
        let second = DevKey::ensure(dir.path()).unwrap();
        assert_eq!(first.kid(), second.kid());
        let jwks: Value =
            serde_json::from_slice(&std::fs::read(first.jwks_path()).unwrap()).unwrap();
        assert_eq!(jwks["keys"][0]["kid"], first.kid());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "the private key is readable by others");
        }
    }

    #[test]
    fn a_deleted_jwks_is_written_again_from_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let first = DevKey::ensure(dir.path()).unwrap();
        std::fs::remove_file(first.jwks_path()).unwrap();
        let again = DevKey::ensure(dir.path()).unwrap();
        assert_eq!(again.kid(), first.kid());
        assert!(again.jwks_path().exists());
    }
}
