//! Persisted documents: automatic persisted queries (APQ) and a safelist
//! loaded from an Apollo persisted-query manifest, resolved before parsing.

mod apq;
mod manifest;

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use apq::ApqCache;
pub use manifest::Manifest;

use crate::operation::RequestFailure;

/// The `[persisted_documents]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PersistedConfig {
    /// Automatic persisted queries: a client sends
    /// `extensions.persistedQuery {version: 1, sha256Hash}` alone, and the
    /// document itself only when the gateway answers `PERSISTED_QUERY_NOT_FOUND`.
    pub apq: bool,
    /// Documents the APQ cache keeps (least recently used out first).
    pub apq_cache_entries: usize,
    /// Bytes of documents the APQ cache keeps.
    pub apq_cache_bytes: usize,
    /// An Apollo persisted-query manifest (JSON, `apollo-persisted-query-manifest`
    /// version 1); its documents are served by `documentId` or by
    /// `extensions.persistedQuery.sha256Hash`.
    pub manifest: Option<PathBuf>,
    /// Serve only the manifest's documents: any other document (sent whole
    /// or registered by APQ) is refused with `PERSISTED_QUERY_NOT_IN_LIST`.
    /// The production setting for first-party clients.
    pub safelist: bool,
}

impl Default for PersistedConfig {
    fn default() -> Self {
        Self {
            apq: true,
            apq_cache_entries: 4096,
            apq_cache_bytes: 32 * 1024 * 1024,
            manifest: None,
            safelist: false,
        }
    }
}

/// Lower-case hex SHA-256 of `text`.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Resolves the document of a request (one per engine: a supergraph reload
/// starts an empty APQ cache and re-reads the manifest).
pub struct Persisted {
    config: PersistedConfig,
    manifest: Option<Manifest>,
    apq: ApqCache,
}

fn refuse(message: &str, code: &str) -> RequestFailure {
    RequestFailure::new(400, message, code)
}

impl Persisted {
    pub fn new(config: PersistedConfig) -> Result<Self, crate::Error> {
        let manifest = config.manifest.as_deref().map(Manifest::load).transpose()?;
        if config.safelist && manifest.is_none() {
            return Err(crate::Error::Config(
                "persisted_documents.safelist needs persisted_documents.manifest".into(),
            ));
        }
        let apq = ApqCache::new(config.apq_cache_entries, config.apq_cache_bytes);
        Ok(Self {
            config,
            manifest,
            apq,
        })
    }

    /// The document to run: the request's own `query` (passed through: the
    /// common case costs nothing), or the one its `documentId` /
    /// persisted-query hash names. `None` when there is none.
    pub fn resolve(
        &self,
        query: Option<String>,
        document_id: Option<&str>,
        extensions: Option<&Value>,
    ) -> Result<Option<String>, RequestFailure> {
        if let Some(id) = document_id {
            return match self.manifest.as_ref().and_then(|m| m.by_id(id)) {
                Some(doc) => Ok(Some(doc.to_string())),
                None => Err(refuse(
                    "no persisted document has this id",
                    "PERSISTED_QUERY_NOT_FOUND",
                )),
            };
        }
        let pq = extensions.and_then(|e| e.get("persistedQuery"));
        let Some(pq) = pq else {
            return self.plain(query);
        };
        if pq.get("version").and_then(Value::as_i64) != Some(1) {
            return Err(refuse(
                "only persisted query version 1 is supported",
                "PERSISTED_QUERY_VERSION_NOT_SUPPORTED",
            ));
        }
        let Some(hash) = pq.get("sha256Hash").and_then(Value::as_str) else {
            return Err(refuse(
                "persistedQuery needs a sha256Hash",
                "PERSISTED_QUERY_HASH_MISMATCH",
            ));
        };
        let hash = hash.to_ascii_lowercase();
        if let Some(query) = query.filter(|q| !q.is_empty()) {
            if sha256_hex(&query) != hash {
                return Err(refuse(
                    "the query does not match its sha256Hash",
                    "PERSISTED_QUERY_HASH_MISMATCH",
                ));
            }
            let listed = self.manifest.as_ref().is_some_and(|m| m.has_hash(&hash));
            if self.config.safelist && !listed {
                return Err(not_in_list());
            }
            if self.config.apq && !listed {
                self.apq.insert(hash, &query);
            }
            return Ok(Some(query));
        }
        if let Some(doc) = self.manifest.as_ref().and_then(|m| m.by_id(&hash)) {
            return Ok(Some(doc.to_string()));
        }
        if !self.config.apq || self.config.safelist {
            return Err(refuse(
                "this document is not persisted here",
                "PERSISTED_QUERY_NOT_FOUND",
            ));
        }
        match self.apq.get(&hash) {
            Some(doc) => Ok(Some(doc.to_string())),
            None => Err(refuse(
                "PersistedQueryNotFound",
                "PERSISTED_QUERY_NOT_FOUND",
            )),
        }
    }

    /// A request with its document in `query` and nothing persisted.
    fn plain(&self, query: Option<String>) -> Result<Option<String>, RequestFailure> {
        let Some(query) = query else { return Ok(None) };
        if self.config.safelist
            && !self
                .manifest
                .as_ref()
                .is_some_and(|m| m.has_hash(&sha256_hex(&query)))
        {
            return Err(not_in_list());
        }
        Ok(Some(query))
    }
}

fn not_in_list() -> RequestFailure {
    refuse(
        "only persisted documents are served here",
        "PERSISTED_QUERY_NOT_IN_LIST",
    )
}

#[cfg(test)]
mod tests;
