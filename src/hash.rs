//! 64-bit hashes for cache keys and fingerprints (`parse`, `render::fingerprint`, `serve`).
//!
//! `DefaultHasher::new()` has fixed keys, so a hash is the same for the same value within
//! one build of the binary; it is never written to the output.

use std::hash::{Hash, Hasher};

pub fn hasher() -> std::collections::hash_map::DefaultHasher {
    std::collections::hash_map::DefaultHasher::new()
}

/// A 64-bit hash of anything hashable (stable within one process run).
pub fn hash_of<T: Hash + ?Sized>(v: &T) -> u64 {
    let mut h = hasher();
    v.hash(&mut h);
    h.finish()
}
