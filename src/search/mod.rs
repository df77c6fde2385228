//! Stage 5: the search index, built from the content model (not by re-parsing HTML).
//!
//! Every page that is not a section becomes one Pagefind "custom record": its text
//! (title, description, the rendered body as plain text, its text fields and the titles
//! of the pages it references), display metadata, the values of the facets declared
//! under `search.facets` in site.yaml, and sort keys. Pagefind turns the records into
//! the static index files under `pagefind/`, which `zoeken.js` in the theme queries.
//! The records are made in `records.rs` (the body's text is `Rendered::text`, from the
//! Markdown stage's event walk); `pagefind.rs` is the adapter that hands them to Pagefind.
//!
//! Record URLs are site paths (`/tijdlijn/x/`) *without* the base path: the browser
//! side sets Pagefind's `baseUrl` to the base path, which Pagefind prefixes to every
//! result URL. So the index does not change with `--base-url`.
//!
//! Invariant: pure (site in, files out); never touches the filesystem. The same site
//! gives byte-identical files: records are added in page order, one at a time, and
//! Pagefind sorts everything it writes (its file names are content hashes).
//! A page is left out with `extra: { search: false }` in its front matter.

// As in the rest of the crate: a Diagnostic is returned on the cold path only.
#![allow(clippy::result_large_err)]

use crate::diagnostic::Diagnostic;
use crate::markdown::Rendered;
use crate::model::{Page, PageId, Site};
use crate::output::Output;
use std::sync::Arc;

#[cfg(feature = "search")]
mod pagefind;
mod records;
mod words;

pub use records::{Record, records};
use records::{indexed, record};

/// Folder of the index in the output.
pub const OUTPUT_DIR: &str = "pagefind";

/// The facet list for the search page, next to Pagefind's files.
pub const FACETS_FILE: &str = "facets.json";

/// Meta keys every record has (`date` only when the page has one).
pub const META_TITLE: &str = "title";
pub const META_COLLECTION: &str = "collection";
pub const META_DATE: &str = "date";

/// The search index's inputs, taken from a build so the (slow, serial) indexing can run
/// later on another thread: `serve` publishes pages first and the index when it is ready.
pub struct Deferred {
    pub language: String,
    /// Shared with the cache of `serve`, which rebuilds only the records of changed pages.
    pub records: Vec<Arc<Record>>,
    pub facets: Output,
}

/// The inputs of the search index, without building it. `None` when search is off
/// (in site.yaml, or the `search` feature).
pub fn defer(site: &Site, rendered: &[Rendered]) -> Option<Deferred> {
    defer_reusing(site, rendered, None)
}

/// Records of an earlier build, by page source path: (page fingerprint, record).
pub type RecordMemo = std::collections::HashMap<String, (u64, Arc<Record>)>;

/// Like [`defer`]; with `(fingerprints, memo)` (in `serve`) a page whose record
/// fingerprint (`fingerprint::record_fp`) is unchanged reuses its record.
pub fn defer_reusing(site: &Site, rendered: &[Rendered], memo: Option<(&[u64], &mut RecordMemo)>) -> Option<Deferred> {
    if !site.config.search.enabled || !cfg!(feature = "search") {
        return None;
    }
    let records = match memo {
        None => records(site, rendered).into_iter().map(Arc::new).collect(),
        Some((fps, memo)) => {
            use rayon::prelude::*;
            let pages: Vec<&Page> = site.pages.iter().filter(|p| indexed(p)).collect();
            let records: Vec<Arc<Record>> = pages
                .par_iter()
                .map(|p| match memo.get(&p.rel) {
                    Some((fp, r)) if *fp == fps[p.id] => r.clone(),
                    _ => Arc::new(record(site, p, rendered.get(p.id))),
                })
                .collect();
            memo.clear();
            for (p, r) in pages.iter().zip(&records) {
                memo.insert(p.rel.clone(), (fps[p.id], r.clone()));
            }
            records
        }
    };
    Some(Deferred { language: site.config.language.clone(), records, facets: facets_file(site) })
}

/// Like [`defer_reusing`] after a patch (`pipeline::patch`): only the records of the
/// `changed` pages (with their new fingerprints) are made again; the others come from
/// the memo, which must hold every page's record from the previous build.
pub fn defer_patched(
    site: &Site,
    rendered: &[Rendered],
    changed: &[(PageId, u64)],
    memo: &mut RecordMemo,
) -> Option<Deferred> {
    if !site.config.search.enabled || !cfg!(feature = "search") {
        return None;
    }
    for &(id, fp) in changed {
        let p = &site.pages[id];
        if indexed(p) {
            memo.insert(p.rel.clone(), (fp, Arc::new(record(site, p, rendered.get(id)))));
        }
    }
    let mut records = Vec::with_capacity(memo.len());
    for p in site.pages.iter().filter(|p| indexed(p)) {
        records.push(memo.get(&p.rel)?.1.clone());
    }
    Some(Deferred { language: site.config.language.clone(), records, facets: facets_file(site) })
}

/// The shards of the last index a `serve` worker built (per shard folder: a fingerprint of
/// its records and its files), so that the next build makes again only the shards whose
/// records changed. A page stays in its shard (a hash of its URL), so an edit changes one
/// shard, and the others too only when it brings a word no other page had or takes away
/// the last use of one (each shard holds the words it lacks, `pagefind::add_vocabularies`).
#[derive(Default)]
pub struct ShardCache {
    #[cfg_attr(not(feature = "search"), allow(dead_code))]
    shards: std::collections::HashMap<String, (u64, Vec<Output>)>,
}

impl Deferred {
    /// Builds the index files (Pagefind's, the facets file and the vocabulary), sorted by path.
    pub fn build(self) -> Result<Vec<Output>, Diagnostic> {
        self.build_reusing(&mut ShardCache::default())
    }

    /// Like [`Deferred::build`], reusing the shards in `cache` whose records are unchanged
    /// (and leaving this build's shards there).
    pub fn build_reusing(self, cache: &mut ShardCache) -> Result<Vec<Output>, Diagnostic> {
        #[cfg(feature = "search")]
        {
            let words = words::file(&self.records);
            let (mut files, shards) = pagefind::files(&self.language, self.records, &mut cache.shards)?;
            files.push(with_shards(self.facets, &shards));
            files.push(words);
            files.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(files)
        }
        #[cfg(not(feature = "search"))]
        {
            let _ = cache;
            Ok(Vec::new())
        }
    }
}

/// `facets.json` with the folders of the other shards (`"shards": ["shard-1/", ...]`,
/// relative to `pagefind/`) when the index has more than one.
#[cfg(feature = "search")]
fn with_shards(facets: Output, shards: &[String]) -> Output {
    if shards.is_empty() {
        return facets;
    }
    let crate::output::OutputData::Bytes(bytes) = &facets.data else {
        return facets;
    };
    let Ok(serde_json::Value::Object(mut json)) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return facets;
    };
    json.insert("shards".into(), serde_json::json!(shards));
    let json = serde_json::Value::Object(json).to_string().into_bytes();
    Output { path: facets.path, data: crate::output::OutputData::Bytes(json) }
}

/// `pagefind/facets.json`: the facets in site.yaml order with their titles, for the
/// search page (Pagefind's own files only know the facet names).
pub fn facets_file(site: &Site) -> Output {
    let facets: Vec<serde_json::Value> =
        site.config.search.facets.iter().map(|f| serde_json::json!({ "name": f.name, "title": f.title })).collect();
    let json = serde_json::json!({ "language": site.config.language, "facets": facets });
    Output {
        path: format!("{OUTPUT_DIR}/{FACETS_FILE}"),
        data: crate::output::OutputData::Bytes(json.to_string().into_bytes()),
    }
}
