//! Apollo's persisted-query manifest (`apollo-persisted-query-manifest`,
//! version 1): the documents a first-party client may send, by id.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::Error;

#[derive(Deserialize)]
struct File {
    format: String,
    version: u32,
    operations: Vec<Operation>,
}

#[derive(Deserialize)]
struct Operation {
    id: String,
    body: String,
}

/// The manifest's documents by id and by the SHA-256 of their body (what
/// an automatic persisted query names).
#[derive(Debug, Default)]
pub struct Manifest {
    by_id: HashMap<String, std::sync::Arc<str>>,
    by_hash: HashMap<String, std::sync::Arc<str>>,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: File = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if file.format != "apollo-persisted-query-manifest" || file.version != 1 {
            return Err(format!(
                "not an apollo-persisted-query-manifest version 1 (format {:?}, version {})",
                file.format, file.version
            ));
        }
        let mut manifest = Self::default();
        for op in file.operations {
            let body: std::sync::Arc<str> = op.body.into();
            manifest
                .by_hash
                .insert(super::sha256_hex(&body), body.clone());
            manifest.by_id.insert(op.id, body);
        }
        Ok(manifest)
    }

    /// The document of `id` (an id may carry a `sha256:` prefix).
    pub fn by_id(&self, id: &str) -> Option<&std::sync::Arc<str>> {
        self.by_id
            .get(id)
            .or_else(|| self.by_id.get(id.strip_prefix("sha256:")?))
            .or_else(|| self.by_hash.get(id.strip_prefix("sha256:").unwrap_or(id)))
    }

    /// Whether a document with this body hash is in the manifest.
    pub fn has_hash(&self, hash: &str) -> bool {
        self.by_hash.contains_key(hash)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}
