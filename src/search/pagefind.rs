//! The Pagefind adapter: records in, the index files out (under `pagefind/`). Only this
//! module knows Pagefind's API; it is compiled with the `search` feature.
//!
//! A large site is split into shards (`shard_count`): each is
//! a Pagefind index of its own, built on its own thread, and the search page merges them
//! with Pagefind's `mergeIndex`. The first shard is the bundle in `pagefind/` (with
//! Pagefind's JavaScript and wasm); shard `i` has only its index files, in
//! `pagefind/shard-i/`. `facets.json` lists the shard folders, and `pagefind/order.json`
//! says how the shards' sort orders interleave (see `docs/search.md`).

use super::{OUTPUT_DIR, Record};
use crate::diagnostic::Diagnostic;
use crate::output::{Output, OutputData};
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Files of Pagefind's bundle that only its own ready-made UIs use; `zoeken.js`
/// talks to `pagefind.js` directly, so these are not written.
const UNUSED: &[&str] = &[
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
];

/// Records per shard when the number of shards is chosen automatically.
const RECORDS_PER_SHARD: usize = 1_000;
/// At most this many shards (also the limit of `INNOBIEB_SEARCH_SHARDS`): a shard is
/// one digit (base 36) in `order.json`.
const MAX_SHARDS: usize = 16;
/// The file that says how the shards' sort orders interleave.
pub(super) const ORDER_FILE: &str = "order.json";
/// Sort values of a shard get this prefix when they are not all numbers, so that every
/// shard sorts them as text, as one index of all records would (Pagefind sorts a key
/// numerically when all of an index's values are numbers).
const TEXT_SORT_PREFIX: &str = "~";
/// The metadata field and filter of a shard's vocabulary record (`add_vocabularies`).
const VOCABULARY: &str = "_vocabulary";

/// The number of shards for `records` records: `INNOBIEB_SEARCH_SHARDS` when set (for
/// tests and benchmarks), else one per 1,000 records, at most 16. Depends on the site
/// only (not on the machine), so builds stay byte-identical everywhere.
pub(super) fn shard_count(records: usize) -> usize {
    let wanted = match std::env::var("INNOBIEB_SEARCH_SHARDS").ok().and_then(|v| v.trim().parse::<usize>().ok()) {
        Some(n) => n,
        None => records.div_ceil(RECORDS_PER_SHARD),
    };
    wanted.clamp(1, MAX_SHARDS)
}

/// The shard of a record: a hash of its URL (FNV-1a, fixed forever), so a page stays in
/// its shard whatever else changes on the site.
pub(super) fn shard_of(url: &str, shards: usize) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in url.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % shards as u64) as usize
}

/// Pagefind's files for `records` (the first shard's under `pagefind/`, the others'
/// under `pagefind/shard-N/`, and `order.json` when there is more than one shard) and
/// the other shards' folders relative to `pagefind/` (`shard-1/`, ...).
/// `cache`: the shards of an earlier build by folder (`""`, `shard-1/`, ...), with a
/// fingerprint of their records; a shard whose fingerprint is unchanged is not built again.
pub(super) fn files(
    language: &str,
    records: Vec<Arc<Record>>,
    cache: &mut Cache,
) -> Result<(Vec<Output>, Vec<String>), Diagnostic> {
    // Pagefind reads the working directory when it starts (and unwraps the result).
    if let Err(e) = std::env::current_dir() {
        return Err(failed(format!("the current directory is not readable: {e}")));
    }
    let language = language.to_string();
    let shards = shard_count(records.len());
    // Pagefind unwraps in places; a panic in it must not take the build (or `serve`) down.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        build_shards(&language, records, shards, &mut *cache)
    }));
    if !matches!(result, Ok(Ok(_))) {
        cache.clear();
    }
    match result {
        Ok(Ok(files)) => Ok(files),
        Ok(Err(e)) => Err(failed(e)),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown error".into());
            Err(failed(format!("Pagefind panicked: {msg}")))
        }
    }
}

fn failed(detail: String) -> Diagnostic {
    Diagnostic::new(format!("cannot build the search index: {detail}"))
        .with_help("set `search: { enabled: false }` in site.yaml to build without search")
}

/// An error with its causes (`{:#}` on an `anyhow::Error`).
fn pf(e: impl std::fmt::Display) -> String {
    format!("{e:#}")
}

/// Built shards by folder: the fingerprint of their records, and their files.
pub(super) type Cache = std::collections::HashMap<String, (u64, Vec<Output>)>;

fn build_shards(
    language: &str,
    records: Vec<Arc<Record>>,
    shards: usize,
    cache: &mut Cache,
) -> Result<(Vec<Output>, Vec<String>), String> {
    // Without records there is nothing to split, but the search page still needs a bundle.
    let (parts, order) = if shards <= 1 || records.is_empty() {
        (vec![records], None)
    } else {
        let (parts, order) = split(records, shards);
        (parts, Some(order))
    };
    let fingerprints: Vec<u64> = {
        use rayon::prelude::*;
        parts.par_iter().map(|part| fingerprint(language, part)).collect()
    };
    // Unchanged shards come from the cache; the others are built, in parallel.
    let mut files: Vec<Option<Vec<Output>>> = vec![None; parts.len()];
    let mut stale: Vec<(usize, Vec<Arc<Record>>)> = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        match cache.get(&shard_dir(i)) {
            Some((fp, built)) if *fp == fingerprints[i] => files[i] = Some(built.clone()),
            _ => stale.push((i, part)),
        }
    }
    let (indexes, stale): (Vec<usize>, Vec<Vec<Arc<Record>>>) = stale.into_iter().unzip();
    let built = in_parallel(stale, |j, part| run(language, part, &shard_dir(indexes[j])));
    for (i, b) in indexes.into_iter().zip(built) {
        files[i] = Some(b?);
    }
    cache.clear();
    let mut out = Vec::new();
    for (i, f) in files.into_iter().enumerate() {
        let f = f.unwrap_or_default();
        out.extend(f.iter().cloned());
        cache.insert(shard_dir(i), (fingerprints[i], f));
    }
    let dirs: Vec<String> = (1..fingerprints.len()).map(shard_dir).collect();
    if let Some(order) = order {
        out.push(Output { path: format!("{OUTPUT_DIR}/{ORDER_FILE}"), data: OutputData::Bytes(order.into_bytes()) });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((out, dirs))
}

/// What a shard's files are made of: the language and every field of its records.
fn fingerprint(language: &str, records: &[Arc<Record>]) -> u64 {
    let mut h = crate::hash::hasher();
    std::hash::Hash::hash(language, &mut h);
    for r in records {
        std::hash::Hash::hash(&(&r.url, &r.content, &r.meta, &r.filters, &r.sort), &mut h);
    }
    std::hash::Hasher::finish(&h)
}

/// The folder of shard `i` under `pagefind/`: `""` for the first, else `shard-i/`.
fn shard_dir(i: usize) -> String {
    if i == 0 { String::new() } else { format!("shard-{i}/") }
}

/// `build(i, part)` for every part, on as many threads of their own as there are cores
/// (not on rayon's pool, which the templates render on meanwhile), each taking the next
/// part when it is done: at most that many shards are in Pagefind's memory at once.
fn in_parallel<T: Send>(
    parts: Vec<Vec<Arc<Record>>>,
    build: impl Fn(usize, Vec<Arc<Record>>) -> Result<T, String> + Sync,
) -> Vec<Result<T, String>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let n = parts.len();
    let parts: Vec<Mutex<Option<Vec<Arc<Record>>>>> = parts.into_iter().map(|p| Mutex::new(Some(p))).collect();
    let results: Vec<Mutex<Option<Result<T, String>>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |c| c.get()).clamp(1, n.max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n {
                        break;
                    }
                    let part = parts[i].lock().ok().and_then(|mut p| p.take()).unwrap_or_default();
                    let result = build(i, part);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().ok().flatten().unwrap_or_else(|| Err("a shard of the index was not built".to_string())))
        .collect()
}

/// The records of each non-empty shard (in page order) and `order.json`: for every sort
/// key, one character per record that has it, in the order one index of all records
/// sorts them (by value, ties in page order): the record's shard in base 36. Pagefind
/// sorts each shard the same way, so the `n`-th record of shard `s` in a sorted search is
/// the `n`-th `s` of the string, and the search page merges the shards' sorted results
/// by that position.
fn split(records: Vec<Arc<Record>>, shards: usize) -> (Vec<Vec<Arc<Record>>>, String) {
    let mut of: Vec<usize> = records.iter().map(|r| shard_of(&r.url, shards)).collect();
    // Shards without records are left out, the rest numbered from 0.
    let mut used: Vec<usize> = of.clone();
    used.sort_unstable();
    used.dedup();
    for s in &mut of {
        *s = used.binary_search(s).unwrap_or(0);
    }
    let keys: std::collections::BTreeSet<&String> = records.iter().flat_map(|r| r.sort.keys()).collect();
    let mut order = BTreeMap::new();
    let mut numeric_keys = std::collections::HashSet::new();
    for key in keys {
        let mut with: Vec<(usize, &str)> =
            records.iter().enumerate().filter_map(|(i, r)| r.sort.get(key).map(|v| (i, v.as_str()))).collect();
        let numbers: Option<Vec<f32>> = with.iter().map(|(_, v)| number(v)).collect();
        match numbers {
            Some(_) => {
                numeric_keys.insert(key.clone());
                // As Pagefind: by the number, ties in page order (a stable sort).
                with.sort_by(|a, b| number(a.1).unwrap_or_default().total_cmp(&number(b.1).unwrap_or_default()));
            }
            None => with.sort_by(|a, b| a.1.cmp(b.1)),
        }
        let digits: String = with.iter().map(|(i, _)| char::from_digit(of[*i] as u32, 36).unwrap_or('0')).collect();
        order.insert(key.clone(), digits);
    }
    let mut parts: Vec<Vec<Arc<Record>>> = vec![Vec::new(); used.len()];
    for (r, s) in records.into_iter().zip(of) {
        let mut r = Arc::unwrap_or_clone(r);
        for (key, v) in r.sort.iter_mut() {
            if !numeric_keys.contains(key) {
                v.insert_str(0, TEXT_SORT_PREFIX);
            }
        }
        parts[s].push(Arc::new(r));
    }
    add_vocabularies(&mut parts);
    let order = serde_json::json!({ "shards": used.len(), "sort": order });
    (parts, order.to_string())
}

/// Gives every shard the words of the others, in one extra record (`VOCABULARY`).
///
/// Pagefind leaves out a query word that its index does not know (`digitale inclusie`
/// is `digitale` to an index without `inclusie`), and matches a word it does not know
/// by its longest known prefix. So a shard must know every word one index of all records
/// would know, or it would find pages one index does not. The extra record holds the
/// words the shard's own records lack in a metadata field (indexed as words, but not
/// counted in the page lengths that ranking uses; its text is the one word
/// `_vocabulary`) and has the filter `_vocabulary`,
/// which the search page excludes from every search and every count.
fn add_vocabularies(parts: &mut [Vec<Arc<Record>>]) {
    use rayon::prelude::*;
    use std::collections::{BTreeSet, HashSet};
    let sets: Vec<HashSet<String>> = parts
        .par_iter()
        .map(|part| {
            let mut set = HashSet::new();
            let mut word = String::new();
            for r in part {
                for text in std::iter::once(&r.content).chain(r.meta.values()) {
                    for w in text.split_whitespace() {
                        word.clear();
                        word.extend(
                            w.trim_matches(|c: char| !c.is_alphanumeric()).chars().flat_map(char::to_lowercase),
                        );
                        if !word.is_empty() && !set.contains(word.as_str()) {
                            set.insert(word.clone());
                        }
                    }
                }
            }
            set
        })
        .collect();
    let all: BTreeSet<&String> = sets.iter().flatten().collect();
    for (part, own) in parts.iter_mut().zip(&sets) {
        let missing: Vec<&str> = all.iter().filter(|w| !own.contains(w.as_str())).map(|w| w.as_str()).collect();
        if missing.is_empty() {
            continue;
        }
        part.push(Arc::new(Record {
            url: format!("/{VOCABULARY}/"),
            // Pagefind leaves out a record without a word in its text.
            content: VOCABULARY.to_string(),
            meta: BTreeMap::from([(VOCABULARY.to_string(), missing.join(" "))]),
            filters: BTreeMap::from([(VOCABULARY.to_string(), vec!["1".to_string()])]),
            sort: BTreeMap::new(),
        }));
    }
}

/// A sort value as Pagefind reads a number (an `i32`, else an `f32`).
fn number(v: &str) -> Option<f32> {
    v.parse::<i32>().ok().map(|i| i as f32).or_else(|| v.parse::<f32>().ok())
}

/// One Pagefind index: its files under `pagefind/{dir}`. A shard other than the first
/// (`dir` not empty) gets only the index files: the search page loads Pagefind's
/// JavaScript and wasm once, from the first.
fn run(language: &str, records: Vec<Arc<Record>>, dir: &str) -> Result<Vec<Output>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("cannot start the indexing runtime: {e}"))?;
    runtime.block_on(async {
        let config = PagefindServiceConfig::builder().force_language(language.to_string()).build();
        let mut index = PagefindIndex::new(Some(config)).map_err(pf)?;
        // One at a time, in page order: the page numbers in the index follow this order.
        for r in records {
            let r = Arc::unwrap_or_clone(r);
            index
                .add_custom_record(r.url, r.content, language.to_string(), Some(r.meta), Some(r.filters), Some(r.sort))
                .await
                .map_err(pf)?;
        }
        let files = index.get_files().await.map_err(pf)?;
        drop(index);
        let mut outputs = Vec::with_capacity(files.len());
        for f in files {
            let rel = f.filename.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            if UNUSED.contains(&rel.as_str()) || rel.starts_with("playground/") {
                continue;
            }
            if !dir.is_empty() && !merged_shard_file(&rel) {
                continue;
            }
            // Shared, so that a shard kept for the next build (`Cache`) is not copied.
            let data = OutputData::Shared(Arc::new(f.contents));
            outputs.push(Output { path: format!("{OUTPUT_DIR}/{dir}{rel}"), data });
        }
        outputs.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(outputs)
    })
}

/// What `mergeIndex` reads from a merged bundle: the entry, the metadata and the
/// index, filter and fragment files (not the JavaScript or the wasm).
fn merged_shard_file(rel: &str) -> bool {
    rel == "pagefind-entry.json"
        || (rel.starts_with("pagefind.") && rel.ends_with(".pf_meta"))
        || ["index/", "filter/", "fragment/"].iter().any(|d| rel.starts_with(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(url: &str, sort: &[(&str, &str)]) -> Arc<Record> {
        Arc::new(Record {
            url: url.into(),
            content: String::new(),
            meta: BTreeMap::new(),
            filters: BTreeMap::new(),
            sort: sort.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        })
    }

    #[test]
    fn every_shard_sorts_as_one_index_would() {
        let urls: Vec<String> = (0..40).map(|i| format!("/p/{i}/")).collect();
        let records: Vec<Arc<Record>> = urls
            .iter()
            .enumerate()
            .map(|(i, u)| record(u, &[("title", &format!("{}", 40 - i)), ("date", &format!("20{:02}", i % 7))]))
            .collect();
        let (parts, order) = split(records.clone(), 3);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.iter().map(Vec::len).sum::<usize>(), 40);
        let order: serde_json::Value = serde_json::from_str(&order).unwrap();
        // Titles are all numbers: sorted as numbers (40, 39, ... ascending: 1 first), as one index would.
        let title = order["sort"]["title"].as_str().unwrap();
        let expected: String =
            (0..40).rev().map(|i| char::from_digit(shard_of(&urls[i], 3) as u32, 36).unwrap()).collect::<String>();
        // All 3 shards are used here, so shard numbers are unchanged.
        assert_eq!(title, expected);
        // Years: ties keep page order.
        let date = order["sort"]["date"].as_str().unwrap();
        let mut by_year: Vec<usize> = (0..40).collect();
        by_year.sort_by_key(|i| i % 7);
        let expected: String =
            by_year.iter().map(|&i| char::from_digit(shard_of(&urls[i], 3) as u32, 36).unwrap()).collect();
        assert_eq!(date, expected);
        // Numbers stay numbers; text gets the prefix that keeps every shard sorting it as text.
        assert!(parts.iter().flatten().all(|r| !r.sort["title"].starts_with(TEXT_SORT_PREFIX)));
        let (parts, _) = split(vec![record("/a/", &[("title", "12")]), record("/b/", &[("title", "b")])], 2);
        assert!(parts.iter().flatten().all(|r| r.sort["title"].starts_with(TEXT_SORT_PREFIX)));
    }

    #[test]
    fn only_the_shard_of_a_changed_record_is_built_again() {
        let text = |i: usize| format!("een bibliotheek in plaats {} met boeken", i % 5);
        let records = |changed: Option<usize>| -> Vec<Arc<Record>> {
            (0..30)
                .map(|i| {
                    let mut r = Arc::unwrap_or_clone(record(&format!("/p/{i}/"), &[("title", &format!("t{i}"))]));
                    // The changed record's words are all used elsewhere: no vocabulary changes.
                    r.content = if changed == Some(i) { "boeken met een bibliotheek".into() } else { text(i) };
                    Arc::new(r)
                })
                .collect()
        };
        let mut cache = Cache::new();
        let (first, dirs) = build_shards("nl", records(None), 3, &mut cache).unwrap();
        assert_eq!(dirs, ["shard-1/", "shard-2/"]);
        let (again, _) = build_shards("nl", records(Some(7)), 3, &mut cache).unwrap();
        let shard_of_7 = shard_dir(shard_of("/p/7/", 3));
        let same = |o: &Output| match (&o.data, first.iter().find(|f| f.path == o.path).map(|f| &f.data)) {
            (OutputData::Shared(a), Some(OutputData::Shared(b))) => Arc::ptr_eq(a, b),
            _ => false,
        };
        for o in &again {
            let dir = o.path.strip_prefix("pagefind/").unwrap();
            let in_shard = |d: &str| if d.is_empty() { !dir.starts_with("shard-") } else { dir.starts_with(d) };
            if dir == ORDER_FILE {
                continue;
            }
            if in_shard(&shard_of_7) {
                assert!(!same(o), "{} was reused, though a record of its shard changed", o.path);
            } else {
                assert!(same(o), "{} was built again, though its records are unchanged", o.path);
            }
        }
    }

    #[test]
    fn shards_are_stable_and_balanced() {
        assert_eq!(shard_of("/personen/x/", 4), shard_of("/personen/x/", 4));
        let mut counts = [0usize; 4];
        for i in 0..4000 {
            counts[shard_of(&format!("/tijdlijn/item-{i}/"), 4)] += 1;
        }
        assert!(counts.iter().all(|&c| (900..1100).contains(&c)), "{counts:?}");
    }
}
