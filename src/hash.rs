//! 64-bit hashes for cache keys and fingerprints (`parse`, `render::fingerprint`, `serve`).
//!
//! foldhash (the hash of `hashbrown`) with a fixed seed: the same value hashes the same within
//! one build of the binary, and faster than std's SipHash on what `serve` hashes on every
//! rebuild (the bytes of re-rendered pages, every page's model). Hashes are never written to
//! the output.

use std::hash::{BuildHasher, Hash, Hasher};

/// A hash map keyed with foldhash (fixed seed) instead of SipHash, for maps built or read on
/// every rebuild whose keys come from the site, not from a network.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// What [`hasher`] returns.
pub type FixedHasher = foldhash::quality::FoldHasher<'static>;

pub fn hasher() -> FixedHasher {
    foldhash::quality::FixedState::with_seed(0x1bb0_b1eb).build_hasher()
}

/// A 64-bit hash of anything hashable (stable within one process run).
pub fn hash_of<T: Hash + ?Sized>(v: &T) -> u64 {
    let mut h = hasher();
    v.hash(&mut h);
    h.finish()
}
