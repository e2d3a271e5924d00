//! The automatic persisted query cache: documents registered by hash,
//! bounded by entries and by bytes (least recently used out first).

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

/// Bounded LRU from SHA-256 (hex) to document.
pub struct ApqCache {
    inner: Mutex<(lru::LruCache<String, Arc<str>>, usize)>,
    max_bytes: usize,
}

impl ApqCache {
    pub fn new(entries: usize, max_bytes: usize) -> Self {
        let cap = NonZeroUsize::new(entries.max(1)).unwrap_or(NonZeroUsize::MIN);
        Self {
            inner: Mutex::new((lru::LruCache::new(cap), 0)),
            max_bytes,
        }
    }

    pub fn get(&self, hash: &str) -> Option<Arc<str>> {
        self.lock().0.get(hash).cloned()
    }

    /// Registers `document` under `hash`; one larger than the byte budget
    /// is served but not kept.
    pub fn insert(&self, hash: String, document: &str) {
        if document.len() > self.max_bytes {
            return;
        }
        let mut guard = self.lock();
        let (cache, bytes) = &mut *guard;
        if cache.contains(&hash) {
            return;
        }
        if let Some((_, evicted)) = cache.push(hash, document.into()) {
            *bytes -= evicted.len();
        }
        *bytes += document.len();
        while *bytes > self.max_bytes {
            match cache.pop_lru() {
                Some((_, evicted)) => *bytes -= evicted.len(),
                None => break,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (lru::LruCache<String, Arc<str>>, usize)> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}
