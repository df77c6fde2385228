//! What a page read from the site while it rendered, for `serve`'s incremental rebuilds.
//!
//! A template's context (`page`, `section`, `paginator`, `term`, `site`) is covered by the
//! page's fingerprint. The site functions (`get_page`, `get_section`, `url`, `collection`,
//! `taxonomy`, `recent_pages`, `chart`, `tile_map`) can reach anything else, so while `serve`
//! renders a page each call notes what it was asked for ([`Read`]), keyed by its argument (a
//! path, a name), never by page number, since numbers shift when pages come and go. A
//! rendered page is reused only while its own fingerprint is unchanged *and* every read
//! would still return what it returned then ([`reads_fingerprint`] derives that from the
//! fingerprints); that is the whole of its inputs, because a template is a deterministic
//! function of its context and of what its calls return.
//!
//! Recording is per thread: a page renders on one thread from start to end, and the site
//! functions run inside that render. Outside [`recording`] (a one-off build, shortcodes)
//! nothing is noted and it costs nothing.

use super::context::Lookup;
use super::fingerprint::Fingerprints;
use crate::hash::hasher;
use std::cell::RefCell;
use std::hash::{Hash, Hasher};

/// One site-function call's result, by what it was asked for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Read {
    /// `get_page` / `get_section`: the whole value of the page at this path (or that there is none).
    Page(String),
    /// `url(path="@/…")`: that page's URL.
    Url(String),
    /// `collection(name, limit)`: the collection's (first `limit`) pages as stubs, in order.
    Collection(String, Option<usize>),
    /// `taxonomy(name)`: the taxonomy with its terms and their pages.
    Taxonomy(String),
    /// `taxonomy(name, pages=false)` and `tile_map(taxonomy=name)`: the taxonomy's terms
    /// (names, URLs, counts) without their pages.
    TaxonomyTerms(String),
    /// `recent_pages(limit)`: the first `limit` dated pages as stubs.
    Recent(usize),
    /// `chart(collection)`: the collection's pages per year.
    Chart(String),
}

thread_local! {
    static READS: RefCell<Option<Vec<Read>>> = const { RefCell::new(None) };
}

/// Notes what a site function was asked for, for the page rendering on this thread (if one is recorded).
pub(super) fn note(read: impl FnOnce() -> Read) {
    READS.with(|r| {
        if let Some(reads) = r.borrow_mut().as_mut() {
            reads.push(read());
        }
    });
}

/// Runs `f` (a render) and returns what the site functions it called read, sorted and
/// without repeats. A recording already under way on this thread is put back afterwards,
/// also when `f` panics.
pub(super) fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<Read>) {
    /// Puts the outer recording back when dropped.
    struct Restore(Option<Vec<Read>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            READS.with(|r| *r.borrow_mut() = outer);
        }
    }
    let restore = Restore(READS.with(|r| r.borrow_mut().replace(Vec::new())));
    let out = f();
    let mut reads = READS.with(|r| r.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    reads.sort_unstable();
    reads.dedup();
    (out, reads)
}

/// Whether a patch (new text in pages, `pipeline/patch.rs`) can change what `read`
/// returns: URLs, terms and counts per year are made by `resolve`, which a patch leaves as it was.
pub(super) fn patch_may_change(read: &Read) -> bool {
    matches!(read, Read::Page(_) | Read::Collection(..) | Read::Taxonomy(_) | Read::Recent(_))
}

/// What `reads` return in the site described by `lookup` and `fps`: equal to an earlier
/// value exactly when (up to hash collisions) every call would return what it returned then.
pub(super) fn reads_fingerprint(reads: &[Read], lookup: &Lookup, fps: &Fingerprints) -> u64 {
    let mut h = hasher();
    for read in reads {
        std::mem::discriminant(read).hash(&mut h);
        match read {
            Read::Page(path) => {
                lookup.by_rel.get(path.trim_start_matches("@/")).map(|&id| fps.full[id]).hash(&mut h);
            }
            Read::Url(path) => lookup.page_url(path).hash(&mut h),
            Read::Collection(name, limit) => match lookup.collections.iter().position(|(c, _)| c == name) {
                None => 0u8.hash(&mut h),
                Some(c) => match *limit {
                    Some(n) if n < lookup.collections[c].1.len() => {
                        for &id in &lookup.collections[c].1[..n] {
                            fps.stub[id].hash(&mut h);
                        }
                    }
                    _ => fps.collections[c].hash(&mut h),
                },
            },
            Read::Taxonomy(name) => {
                lookup.taxonomies.iter().position(|t| t == name).map(|t| fps.taxonomies[t]).hash(&mut h)
            }
            Read::TaxonomyTerms(name) => {
                lookup.taxonomies.iter().position(|t| t == name).map(|t| lookup.taxonomy_terms[t].1).hash(&mut h)
            }
            Read::Recent(limit) => {
                for &id in lookup.dated.iter().take(*limit) {
                    fps.stub[id].hash(&mut h);
                }
            }
            Read::Chart(name) => lookup.years.get(name).hash(&mut h),
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_only_inside_a_recording_and_restores_an_outer_one() {
        note(|| Read::Recent(1));
        let ((), outer) = recording(|| {
            note(|| Read::Page("b.md".into()));
            let ((), inner) = recording(|| note(|| Read::Taxonomy("t".into())));
            assert_eq!(inner, [Read::Taxonomy("t".into())]);
            note(|| Read::Page("a.md".into()));
            note(|| Read::Page("b.md".into()));
        });
        assert_eq!(outer, [Read::Page("a.md".into()), Read::Page("b.md".into())]);
        // A render that panics leaves the outer recording as it was.
        let ((), outer) = recording(|| {
            note(|| Read::Recent(2));
            let _ = std::panic::catch_unwind(|| recording(|| -> () { panic!("in a template") }));
            note(|| Read::Recent(3));
        });
        assert_eq!(outer, [Read::Recent(2), Read::Recent(3)]);
        // Outside a recording nothing is kept.
        let ((), after) = recording(|| {});
        assert!(after.is_empty());
    }
}
