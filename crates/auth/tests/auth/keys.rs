//! Test signing keys (RS256 from a fixture, ES256 and EdDSA generated) and a JWKS server.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};

pub const ISSUER: &str = "https://issuer.test";
pub const AUDIENCE: &str = "shop";

pub struct TestKey {
    pub kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    pub jwk: Value,
}

impl TestKey {
    pub fn rsa() -> Self {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let pem = std::fs::read(format!("{dir}/rsa-private.pem")).unwrap();
        let jwk: Value =
            serde_json::from_slice(&std::fs::read(format!("{dir}/rsa-public.jwk.json")).unwrap())
                .unwrap();
        TestKey {
            kid: jwk["kid"].as_str().unwrap().to_string(),
            alg: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_pem(&pem).unwrap(),
            jwk,
        }
    }

    pub fn ec(kid: &str) -> Self {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let point = pair.public_key().as_ref();
        TestKey {
            kid: kid.into(),
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk: json!({"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig",
                "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
                "y": URL_SAFE_NO_PAD.encode(&point[33..65])}),
        }
    }

    pub fn ed(kid: &str) -> Self {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        TestKey {
            kid: kid.into(),
            alg: Algorithm::EdDSA,
            encoding: EncodingKey::from_ed_der(pkcs8.as_ref()),
            jwk: json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "alg": "EdDSA",
                "x": URL_SAFE_NO_PAD.encode(pair.public_key().as_ref())}),
        }
    }

    /// A token with these claims merged over valid defaults (iss, aud, sub, exp in 5 min);
    /// a claim given as `null` is left out.
    pub fn mint(&self, overrides: Value) -> String {
        self.mint_with_kid(Some(&self.kid), overrides)
    }

    pub fn mint_with_kid(&self, kid: Option<&str>, overrides: Value) -> String {
        let mut claims = json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1",
            "iat": now(), "exp": now() + 300});
        for (k, v) in overrides.as_object().unwrap() {
            // `null` leaves the claim out.
            if v.is_null() {
                claims.as_object_mut().unwrap().remove(k);
            } else {
                claims[k] = v.clone();
            }
        }
        let mut header = Header::new(self.alg);
        header.kid = kid.map(str::to_string);
        jsonwebtoken::encode(&header, &claims, &self.encoding).unwrap()
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn jwks(keys: &[&TestKey]) -> String {
    json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()}).to_string()
}

/// A JWKS served over real HTTP from a document the test can change.
pub struct JwksServer {
    pub url: String,
    pub document: Arc<Mutex<String>>,
    pub hits: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    pub async fn start(document: String) -> Self {
        let document = Arc::new(Mutex::new(document));
        let hits = Arc::new(Mutex::new(0));
        let (doc, count) = (document.clone(), hits.clone());
        let app = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                let (doc, count) = (doc.clone(), count.clone());
                async move {
                    *count.lock().unwrap() += 1;
                    let body = doc.lock().unwrap().clone();
                    // No keep-alive: once stopped, the server is unreachable for every fetch.
                    ([(axum::http::header::CONNECTION, "close")], body)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        JwksServer {
            url,
            document,
            hits,
            task,
        }
    }

    pub fn set(&self, document: String) {
        *self.document.lock().unwrap() = document;
    }

    pub fn hits(&self) -> usize {
        *self.hits.lock().unwrap()
    }

    /// Stops serving: the port refuses connections from now on.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// A URL on which nothing listens.
pub async fn unreachable_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/jwks.json")
}
