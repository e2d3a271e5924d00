//! Persisted-document resolution: APQ registration and misses, hash checks,
//! the manifest by id and hash, the safelist.

use serde_json::json;

use super::{sha256_hex, ApqCache, Manifest, Persisted, PersistedConfig};

const DOC: &str = "{ me { name } }";

fn manifest_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("pq-unit-{}.json", std::process::id()));
    let manifest = json!({"format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{"id": "me-v1", "name": "Me", "type": "query", "body": DOC}]});
    std::fs::write(&path, manifest.to_string()).unwrap();
    path
}

fn code(r: Result<Option<String>, crate::operation::RequestFailure>) -> String {
    match r {
        Ok(_) => "OK".into(),
        Err(f) => f.errors[0].code().unwrap_or("").to_string(),
    }
}

#[test]
fn apq_registers_then_serves_by_hash_and_refuses_a_mismatch() {
    let p = Persisted::new(PersistedConfig::default()).unwrap();
    let hash = sha256_hex(DOC);
    let ext = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
    assert_eq!(
        code(p.resolve(None, None, Some(&ext))),
        "PERSISTED_QUERY_NOT_FOUND"
    );
    assert_eq!(
        p.resolve(Some(DOC.into()), None, Some(&ext))
            .unwrap()
            .as_deref(),
        Some(DOC)
    );
    assert_eq!(
        p.resolve(None, None, Some(&ext)).unwrap().as_deref(),
        Some(DOC)
    );
    let wrong = Some("{ __typename }".to_string());
    assert_eq!(
        code(p.resolve(wrong, None, Some(&ext))),
        "PERSISTED_QUERY_HASH_MISMATCH"
    );
    let v2 = json!({"persistedQuery": {"version": 2, "sha256Hash": hash}});
    assert_eq!(
        code(p.resolve(None, None, Some(&v2))),
        "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"
    );
}

#[test]
fn the_manifest_serves_by_id_and_the_safelist_refuses_the_rest() {
    let p = Persisted::new(PersistedConfig {
        manifest: Some(manifest_file()),
        safelist: true,
        ..PersistedConfig::default()
    })
    .unwrap();
    assert_eq!(
        p.resolve(None, Some("me-v1"), None).unwrap().as_deref(),
        Some(DOC)
    );
    assert_eq!(
        code(p.resolve(None, Some("nope"), None)),
        "PERSISTED_QUERY_NOT_FOUND"
    );
    // The listed document sent whole is fine; anything else is not.
    assert_eq!(code(p.resolve(Some(DOC.into()), None, None)), "OK");
    let other = Some("{ __typename }".to_string());
    assert_eq!(
        code(p.resolve(other.clone(), None, None)),
        "PERSISTED_QUERY_NOT_IN_LIST"
    );
    let ext = json!({"persistedQuery": {"version": 1, "sha256Hash": sha256_hex("{ __typename }")}});
    assert_eq!(
        code(p.resolve(other, None, Some(&ext))),
        "PERSISTED_QUERY_NOT_IN_LIST"
    );
}

#[test]
fn a_safelist_without_a_manifest_is_a_configuration_error() {
    let config = PersistedConfig {
        safelist: true,
        ..PersistedConfig::default()
    };
    assert!(Persisted::new(config).is_err());
    assert!(Manifest::parse(r#"{"format": "other", "version": 1, "operations": []}"#).is_err());
}

#[test]
fn the_apq_cache_stays_within_its_byte_budget() {
    let cache = ApqCache::new(100, 10);
    cache.insert("a".into(), "12345");
    cache.insert("b".into(), "12345");
    cache.insert("c".into(), "12345");
    assert!(cache.get("a").is_none());
    assert!(cache.get("b").is_some() && cache.get("c").is_some());
    cache.insert("big".into(), "12345678901");
    assert!(cache.get("big").is_none());
}
