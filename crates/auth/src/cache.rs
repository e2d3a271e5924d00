//! Tokens already verified, so that a client presenting the same token on every request pays
//! for one signature check, not one per request. An entry is used only while the token is
//! unexpired and the key set it was verified with is still the current one.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::Claims;

/// Entries kept; when full, the cache starts over (cheap, and bounded whatever clients send).
const CAPACITY: usize = 4096;

struct Entry {
    claims: Claims,
    /// `exp` plus the leeway, in Unix seconds.
    valid_until: u64,
    /// The key set generation the token was verified with.
    generation: u64,
}

#[derive(Default)]
pub(crate) struct VerifiedTokens {
    entries: Mutex<HashMap<String, Entry>>,
}

impl VerifiedTokens {
    /// The claims of `token` if it was verified with key set `generation` and has not expired.
    pub fn get(&self, token: &str, generation: u64) -> Option<Claims> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get(token)?;
        (entry.generation == generation && now() < entry.valid_until).then(|| entry.claims.clone())
    }

    /// Remembers a verified token (only one with an `exp`; the verifier requires it).
    pub fn put(&self, token: &str, claims: &Claims, leeway_s: u64, generation: u64) {
        let Some(exp) = claims.extra.get("exp").and_then(serde_json::Value::as_u64) else {
            return;
        };
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(
            token.to_string(),
            Entry {
                claims: claims.clone(),
                valid_until: exp.saturating_add(leeway_s),
                generation,
            },
        );
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
