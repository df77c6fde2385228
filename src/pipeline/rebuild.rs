//! `serve`'s path through the stages. A [`Rebuilder`] owns what earlier builds made, and each
//! stage reuses what its inputs say it may: `load` does not read files whose stamps are
//! unchanged, `parse` keeps each file's parse with a version number, `resolve` reuses the last
//! site when only page bodies changed and otherwise redoes what the changed documents affect
//! (`resolve::resolve_again`), Markdown is keyed by file version, link targets and
//! heading ids, and values and pages are built again only when their fingerprints (or, for
//! pages, what their site-function calls returned: `render::deps`) changed. New text in
//! existing pages does not even get that far: `patch.rs` updates the last build.
//!
//! Invariant: a rebuild produces what the one-off [`super::build`] of the same files would;
//! `tests/serve.rs` compares the served site with a fresh build after random edit sequences.

use super::{
    Built, Failed, Timer, compile_templates, configure, dedupe_outputs, finish_failed, markdown_all, patch,
    render_page_markdown, sorted, static_outputs, take_warnings,
};
use crate::diagnostic::Diagnostic;
use crate::hash::hash_of;
use crate::load::{self, SourceFile};
use crate::markdown::Rendered;
use crate::model::Site;
use crate::parse::{self, ParsedDoc};
use crate::render::{self, TemplateSet};
use crate::resolve::{self, ResolveOptions};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// `serve`'s builds of one site, each reusing what the earlier ones made.
pub struct Rebuilder {
    root: PathBuf,
    /// The local address the site is served at.
    base_url: String,
    drafts: bool,
    /// How many changed pages a rebuild renders before it is published (`defer_rendering`).
    render_now: Option<usize>,
    cache: Cache,
}

/// A file's parse, or why it failed.
type ParseResult = Result<Arc<ParsedDoc>, Vec<Diagnostic>>;

/// What the last load and parse made of a content file.
pub(super) struct Parsed {
    /// Its stamp when it was read (`None`: read it again, whatever it looks like now).
    pub(super) stamp: Option<load::Stamp>,
    /// Changes whenever the file is parsed again.
    pub(super) version: u64,
    pub(super) result: ParseResult,
    /// `ParsedDoc::resolve_key` of the parse (0 when it failed), made once.
    pub(super) key: u64,
}

/// Results of earlier builds, reused when their inputs are unchanged.
#[derive(Default)]
pub(super) struct Cache {
    /// When each content file last changed, read from git once per session (`Some(None)`:
    /// not in a git work tree); files the session saw change count as changed today.
    dates: Option<Option<crate::git::Dates>>,
    /// Per content file: its stamp, version and parse. Files whose stamps are unchanged are
    /// not read again; the parses are shared with `resolve`, so a rebuild does not copy
    /// unchanged documents.
    pub(super) parsed: HashMap<String, Parsed>,
    /// The content files that are not pages (relative to `content/`), as the last full
    /// build that got past loading found them.
    assets: HashSet<String>,
    pub(super) next_version: u64,
    /// Per page: (key of the Markdown input, rendered Markdown).
    pub(super) markdown: HashMap<String, (u64, Rendered)>,
    pub(super) templates: Option<(u64, TemplateSet)>,
    pub(super) values: render::context::ValueMemo,
    pub(super) rendered_pages: render::RenderMemo,
    pub(super) data: render::data::DataMemo,
    pub(super) records: crate::search::RecordMemo,
    /// The last successful build: its resolved site (reused as it is when only page bodies
    /// changed, updated by `resolve::resolve_again` otherwise) and what `patch` needs.
    pub(super) last: Option<LastBuild>,
    /// The pages of the last build left for later (`Rebuilder::render_later`).
    pub(super) deferred: Option<render::Deferred>,
}

/// What the last successful build resolved and rendered, and what its inputs looked like.
pub(super) struct LastBuild {
    /// Shared with the values, which make full values from it when pages render.
    pub(super) site: Arc<Site>,
    /// What `resolve` kept for the next one.
    pub(super) memo: resolve::Memo,
    /// Everything `resolve` reads, except the page bodies.
    inputs: u64,
    /// Per page: rendered Markdown and its key.
    pub(super) rendered: Arc<Vec<Rendered>>,
    pub(super) content_keys: Vec<u64>,
    pub(super) fingerprints: render::fingerprint::Fingerprints,
    pub(super) values: Arc<render::context::Values>,
    /// Some page has shortcodes: their output may show other pages, so no page is patched.
    pub(super) shortcodes: bool,
}

impl Rebuilder {
    /// Builds of the site in `root`, served at `base_url`; nothing is built yet.
    pub fn new(root: PathBuf, base_url: String, drafts: bool) -> Rebuilder {
        Rebuilder { root, base_url, drafts, render_now: None, cache: Cache::default() }
    }

    /// Lets rebuilds publish before every changed page is rendered: when more than `limit`
    /// pages must be rendered again, only those at the paths a rebuild is given as open are
    /// rendered at once, the rest are left for [`Rebuilder::render_later`]. The first build,
    /// and the first after site.yaml changed or a build failed, render everything (their
    /// problems are reported before anything is served).
    pub fn defer_rendering(&mut self, limit: usize) {
        self.render_now = Some(limit);
    }

    /// How many pages of the last build are left to render.
    pub fn pending(&self) -> usize {
        self.cache.deferred.as_ref().map_or(0, render::Deferred::len)
    }

    /// Renders the pages the last build left for later, in parallel on a thread of its own,
    /// and hands them to `publish` as they are done (64 at a time, from that thread), with
    /// whether some page failed so far. Meanwhile `wait` is called again and again on this
    /// thread: it waits a little for something to do, may render single pages at once with
    /// the function it is given (for a request for a pending page: when that function
    /// returns, the page is published, by it or by the other thread), and returns false to
    /// stop the rendering (a file changed), which keeps the pages not yet rendered for later.
    /// `None` when pages are left, else what the whole deferred rendering found: no
    /// problems, or every one, grouped. If there are problems, the last build counts as
    /// failed: the next one starts over, as after any failed build.
    pub fn render_later(
        &mut self,
        publish: &(dyn Fn(Vec<crate::output::Output>, Vec<String>, bool) + Sync),
        mut wait: impl FnMut(&dyn Fn(&str)) -> bool,
    ) -> Option<Vec<Diagnostic>> {
        const CHUNK: usize = 64;
        let cache = &mut self.cache;
        let deferred = cache.deferred.as_mut()?;
        let (Some(last), Some((_, set))) = (cache.last.as_ref(), cache.templates.as_ref()) else {
            cache.deferred = None;
            return None;
        };
        let (site, values, fps) = (&*last.site, &*last.values, &last.fingerprints);
        let stop = AtomicBool::new(false);
        // Pages being rendered for a request: the other thread waits meanwhile (it would
        // take two cores of two from the page someone is waiting for).
        let requested = std::sync::atomic::AtomicUsize::new(0);
        let failed = AtomicBool::new(deferred.has_failed());
        let done: Mutex<Vec<render::LateDone>> = Mutex::default();
        // The pages rendered so far. The lock is held while they are published, so a page
        // found here is a published page.
        let taken: Mutex<HashSet<String>> = Mutex::default();
        let list = &*deferred;
        // Publishes rendered pages, unless the other thread took them first.
        let hand_over = |rendered: Vec<render::LateDone>| {
            let Ok(mut seen) = taken.lock() else { return };
            let fresh: Vec<render::LateDone> = rendered.into_iter().filter(|d| seen.insert(d.path.clone())).collect();
            if fresh.is_empty() {
                return;
            }
            if fresh.iter().any(render::LateDone::failed) {
                failed.store(true, Ordering::Relaxed);
            }
            let mut outputs = Vec::with_capacity(fresh.len());
            let mut paths = Vec::with_capacity(fresh.len());
            let mut kept = Vec::with_capacity(fresh.len());
            for mut d in fresh {
                paths.push(d.path.clone());
                outputs.extend(d.output.take());
                kept.push(d);
            }
            publish(outputs, paths, failed.load(Ordering::Relaxed));
            drop(seen);
            if let Ok(mut all) = done.lock() {
                all.extend(kept);
            }
        };
        std::thread::scope(|scope| {
            let background = scope.spawn(|| {
                for chunk in list.jobs().chunks(CHUNK) {
                    let rendered: Vec<render::LateDone> = chunk
                        .par_iter()
                        .filter(|_| {
                            while requested.load(Ordering::Relaxed) > 0 && !stop.load(Ordering::Relaxed) {
                                std::thread::sleep(std::time::Duration::from_micros(200));
                            }
                            !stop.load(Ordering::Relaxed)
                        })
                        .filter(|j| taken.lock().is_ok_and(|seen| !seen.contains(j.path())))
                        .map(|j| list.render(j, site, values, set, fps))
                        .collect();
                    hand_over(rendered);
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                }
            });
            let by_path: HashMap<&str, &render::DeferredJob> = list.jobs().iter().map(|j| (j.path(), j)).collect();
            let now = |path: &str| {
                if let Some(job) = by_path.get(path) {
                    if taken.lock().is_ok_and(|seen| !seen.contains(path)) {
                        requested.fetch_add(1, Ordering::Relaxed);
                        let page = list.render(job, site, values, set, fps);
                        requested.fetch_sub(1, Ordering::Relaxed);
                        hand_over(vec![page]);
                    }
                }
            };
            while !background.is_finished() {
                if !wait(&now) {
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
            }
        });
        let done = done.into_inner().unwrap_or_else(|e| e.into_inner());
        deferred.finish(done, &mut cache.rendered_pages);
        if !deferred.is_empty() {
            return None;
        }
        let problems = sorted(deferred.take_problems(set));
        cache.deferred = None;
        if !problems.is_empty() {
            cache.last = None;
        }
        Some(problems)
    }

    /// Forgets the last build, so that the next one neither patches it nor leaves pages
    /// for later (`serve` went back to an older version after it failed).
    pub fn start_over(&mut self) {
        self.cache.last = None;
        self.cache.deferred = None;
    }

    /// Forgets what is known about a content file (path relative to `content/`), so the
    /// next build reads it again even if its modification time and length look unchanged
    /// (two saves within one clock tick). In a git work tree it now counts as changed today.
    pub fn forget(&mut self, rel: &str) {
        let cache = &mut self.cache;
        if let Some(f) = cache.parsed.get_mut(rel) {
            f.stamp = None;
        }
        if let Some(Some(dates)) = cache.dates.as_mut() {
            dates.insert(rel.to_string(), crate::date::today());
        }
    }

    /// Whether a content path that is gone now (relative to `content/`) may change the site:
    /// the last build found a file there or in a folder there, or there is no last good
    /// build (a file a build rejects, such as a broken symbolic link, is in neither list).
    pub fn gone_may_matter(&self, rel: &str) -> bool {
        let (parsed, assets) = (&self.cache.parsed, &self.cache.assets);
        // A file at once; a folder by a scan (the watcher may report only the folder).
        let inside = |known: &String| known.strip_prefix(rel).is_some_and(|r| r.starts_with('/'));
        self.cache.last.is_none()
            || parsed.contains_key(rel)
            || assets.contains(rel)
            || parsed.keys().any(inside)
            || assets.iter().any(inside)
    }

    /// Forgets everything earlier builds made (site.yaml changed: any of it may be stale).
    pub fn reset(&mut self) {
        self.cache = Cache::default();
    }

    /// Builds the site again. `changed` lists the content files (relative to `content/`) the
    /// watcher reported, when nothing else changed: if they are existing pages whose new text
    /// leaves their front matter, links and headings as they were, the last build is patched
    /// ([`Built::patch`]); anything else is a full build that reuses what it can. `open`: the
    /// output paths of pages open in a browser, rendered at once (see `defer_rendering`), as
    /// are the pages of the changed files (when they are at most the limit). Pages the last
    /// build left for later are considered again.
    pub fn rebuild(&mut self, changed: Option<&[String]>, open: &HashSet<String>) -> Result<Built, Failed> {
        // A left page has no memo entry: whatever this build changes, it renders it again.
        self.cache.deferred = None;
        // Nothing renders with the last build's values from here on: the site may change.
        if let Some(last) = &self.cache.last {
            last.values.detach();
        }
        // The pages of the files that changed are rendered at once too, as if open: the page
        // an editor changed is the one they look at next.
        let mut now = open.clone();
        if let (Some(rels), Some(last), Some(limit)) = (changed, &self.cache.last, self.render_now) {
            if rels.len() <= limit {
                let pages = rels.iter().filter_map(|rel| last.site.by_rel.get(rel.as_str()));
                now.extend(pages.map(|&id| crate::model::output_path(&last.site.pages[id].path)));
            }
        }
        let open = &now;
        let defer = self.render_now.filter(|_| self.cache.last.is_some()).map(|limit| render::Defer { limit, open });
        if let Some(rels) = changed {
            let defer = defer.as_ref().map(|d| render::Defer { limit: d.limit, open: d.open });
            if let Some(result) = patch::patch(&self.root, &mut self.cache, rels, defer) {
                return result;
            }
        }
        self.full(defer)
    }

    fn full(&mut self, defer: Option<render::Defer<'_>>) -> Result<Built, Failed> {
        let cache = &mut self.cache;
        let mut t = Timer::new(false);
        let mut diags = Vec::new();

        // 1. Configuration and files (those whose stamps are unchanged are not read).
        let config = configure(&self.root, Some(&self.base_url))?;
        let parsed = &cache.parsed;
        let (sources, load_diags) = load::load_reusing(&config, Some(&|rel| parsed.get(rel).and_then(|f| f.stamp)));
        diags.extend(load_diags);
        t.lap("load");

        // 2. Parse the files that were read.
        let load::Sources { content, assets, templates, statics } = sources;
        cache.assets = assets.iter().map(|a| a.rel.clone()).collect();
        let (docs, keys) = parse_cached(content, cache, &mut diags);
        t.lap("parse");

        // 3. Resolve; when only page bodies changed since the last good build, its resolved
        // site is reused, and otherwise updated where the changed documents say.
        let inputs = diags.is_empty().then(|| resolve_inputs(&config, self.drafts, &keys, &assets, &statics));
        // The last build's values, freed on another thread once the templates hold new ones;
        // its other per-page results (this build makes its own) are freed there at once.
        let retired = cache.last.as_ref().map(|l| l.values.clone());
        let last = cache.last.take().map(|last| {
            let LastBuild { site, memo, inputs, rendered, content_keys, fingerprints, .. } = last;
            render::drop_elsewhere((rendered, content_keys, fingerprints));
            (site, memo, inputs)
        });
        let mut warnings = config.warnings.clone();
        let (site, memo) = match (last, inputs) {
            (Some((mut site, mut memo, last_inputs)), Some(i)) if last_inputs == i => {
                let dates = cache.dates.as_ref().and_then(|d| d.as_ref());
                let pages = Arc::make_mut(&mut site);
                for doc in &docs {
                    if let Some(&id) = pages.by_rel.get(&doc.rel) {
                        pages.pages[id].take_body(doc);
                        pages.pages[id].updated = dates.and_then(|d| d.get(&doc.rel)).cloned();
                    }
                }
                memo.bodies_changed(&docs);
                warnings.extend(memo.warnings().cloned());
                (site, memo)
            }
            (last, _) => {
                let opts = ResolveOptions { drafts: self.drafts, updated: cache.content_dates(&self.root) };
                let (site, resolve_diags, memo) = match last {
                    Some((site, memo, _)) if inputs.is_some() => {
                        let site = Arc::try_unwrap(site).unwrap_or_else(|shared| (*shared).clone());
                        resolve::resolve_again(&config, docs, &assets, &statics, &opts, (site, memo))
                    }
                    _ => resolve::resolve_keeping(&config, docs, &assets, &statics, &opts),
                };
                take_warnings(resolve_diags, &mut warnings, &mut diags);
                (Arc::new(site), memo)
            }
        };
        diags.extend(crate::links::check(&site, &statics));
        t.lap(if memo.incremental { "resolve (incremental)" } else { "resolve" });

        let (template_hash, compiled) = compile_templates(&templates, &config, cache.templates.take(), &mut diags);
        let mut set = match compiled {
            Some(set) if diags.is_empty() => set,
            compiled => {
                cache.templates = compiled.map(|set| (template_hash, set));
                return finish_failed(diags, t);
            }
        };
        t.lap("templates");

        // 4. Markdown, where its key changed.
        let shortcodes = site.pages.iter().any(|p| p.shortcodes);
        let (rendered, content_keys) = match markdown_cached(&site, &mut set, template_hash, shortcodes, cache) {
            Ok(r) => r,
            Err(d) => {
                cache.templates = Some((template_hash, set));
                return finish_failed(d, t);
            }
        };
        t.lap("markdown");

        // 5. Search records, where the page's record fingerprint changed; `serve`'s worker
        // builds the index from them, off the reload path.
        let fps = render::fingerprint::compute(&site, &rendered, &content_keys);
        let record_fps: Vec<u64> =
            fps.stub.iter().zip(&content_keys).map(|(&s, &c)| render::fingerprint::record_fp(s, c)).collect();
        let search = crate::search::defer_reusing(&site, &rendered, Some((&record_fps, &mut cache.records)));
        t.lap("search records");

        // 6. Values and pages, where their fingerprints changed.
        let rendered = Arc::new(rendered);
        let source = render::context::Source { site: site.clone(), rendered: rendered.clone() };
        let values = Arc::new(render::context::build_reusing(source, &fps, &mut cache.values));
        t.lap("values");
        let incremental = render::Incremental {
            fingerprints: &fps,
            templates: template_hash,
            memo: &mut cache.rendered_pages,
            defer,
        };
        let result =
            render::render_site(&site, values.clone(), &mut set, Some(incremental), Some(&mut cache.data), None);
        render::drop_elsewhere(retired);
        cache.templates = Some((template_hash, set));
        let render::RenderResult { mut outputs, diagnostics, metrics: template_metrics, deferred, .. } = result;
        diags.extend(diagnostics);
        t.lap("render");
        if !diags.is_empty() {
            return finish_failed(diags, t);
        }
        outputs.extend(static_outputs(&statics));
        dedupe_outputs(&mut outputs);

        let (page_count, collection_count) = (site.pages.len(), site.collections.len());
        if let Some(inputs) = inputs {
            cache.last =
                Some(LastBuild { site, memo, inputs, rendered, content_keys, fingerprints: fps, values, shortcodes });
            cache.deferred = deferred;
        }
        Ok(Built {
            outputs,
            pending: cache.deferred.as_ref().map(render::Deferred::paths).unwrap_or_default(),
            search,
            written: None,
            collection_count,
            page_count,
            timings: t.take(),
            template_metrics,
            patch: false,
            warnings: sorted(warnings),
        })
    }
}

impl Cache {
    /// Whether the site is in a git work tree (known once a build has read the dates).
    pub(super) fn in_git(&self) -> bool {
        matches!(self.dates, Some(Some(_)))
    }

    /// The dates of the content files: from git, once per session (see [`crate::git`]).
    fn content_dates(&mut self, root: &std::path::Path) -> crate::git::Dates {
        let today = crate::date::today();
        self.dates.get_or_insert_with(|| crate::git::content_dates(root, Some(&today))).clone().unwrap_or_default()
    }
}

/// Fingerprint of what `resolve` reads, leaving out the page bodies (which it only moves
/// into the pages).
/// `keys`: the documents' `ParsedDoc::resolve_key`s.
fn resolve_inputs(
    config: &crate::config::Config,
    drafts: bool,
    keys: &[u64],
    assets: &[load::Asset],
    statics: &[load::StaticFile],
) -> u64 {
    crate::hash::hash_of(&(resolve::inputs_key(config, drafts, assets, statics), keys))
}

/// Parses the files that were read again (the others keep their parse). Returns the
/// documents and their `resolve_key`s.
fn parse_cached(
    files: Vec<SourceFile>,
    cache: &mut Cache,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Arc<ParsedDoc>>, Vec<u64>) {
    // Per file: its stamp, and (if it was read again) its parse and resolve key.
    type Fresh = Option<(ParseResult, u64)>;
    let results: Vec<(Option<load::Stamp>, Fresh)> = files
        .par_iter()
        .map(|f| {
            if !f.fresh && cache.parsed.contains_key(&f.rel) {
                return (f.stamp, None);
            }
            // Unread files always have a cached parse: stamps are stored with the parses.
            let result = parse::parse(f).map(Arc::new);
            let key = result.as_ref().map_or(0, |d| d.resolve_key());
            (f.stamp, Some((result, key)))
        })
        .collect();
    let mut docs = Vec::with_capacity(files.len());
    let mut keys = Vec::with_capacity(files.len());
    let mut next = HashMap::with_capacity(files.len());
    for (f, (stamp, fresh)) in files.iter().zip(results) {
        let (version, result, key) = match fresh {
            Some((r, key)) => {
                cache.next_version += 1;
                (cache.next_version, r, key)
            }
            None => cache.parsed.remove(&f.rel).map(|p| (p.version, p.result, p.key)).expect("checked above"),
        };
        keys.push(key);
        match &result {
            Ok(doc) => docs.push(doc.clone()),
            Err(d) => {
                diags.extend(d.iter().cloned());
                docs.push(Arc::new(ParsedDoc::placeholder(&f.rel)));
            }
        }
        next.insert(f.rel.clone(), Parsed { stamp, version, result, key });
    }
    cache.parsed = next;
    (docs, keys)
}

/// Renders the Markdown of pages whose key (file version, link targets, heading ids,
/// translations) changed; the others reuse their HTML. Returns the keys too: they stand for
/// the pages' rendered text in the fingerprints.
fn markdown_cached(
    site: &Site,
    set: &mut TemplateSet,
    template_hash: u64,
    shortcodes: bool,
    cache: &mut Cache,
) -> Result<(Vec<Rendered>, Vec<u64>), Vec<Diagnostic>> {
    // Shortcode output may show other pages (`@/` arguments, site functions): a page with
    // shortcodes is rendered anew on every build, never taken from the cache.
    static BUILDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let template_hash = hash_of(&(template_hash, BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
    let words = hash_of(&*site.config.i18n);
    let keys: Vec<u64> = site
        .pages
        .par_iter()
        .map(|p| {
            let version = cache.parsed.get(&p.rel).map(|f| f.version).unwrap_or(0);
            markdown_key(version, p, template_hash, words)
        })
        .collect();
    let memo = &cache.markdown;
    let rendered = markdown_all(site, set, shortcodes, |set, p| match memo.get(&p.rel) {
        Some((old, r)) if *old == keys[p.id] => Ok(r.clone()),
        _ => render_page_markdown(site, set, p),
    })?;
    cache.markdown =
        site.pages.iter().zip(&keys).zip(&rendered).map(|((p, k), r)| (p.rel.clone(), (*k, r.clone()))).collect();
    Ok((rendered, keys))
}

/// What a page's rendered Markdown depends on: the version of its file, its link
/// targets, its heading ids and the site's translations (`words`: callout titles); with
/// shortcodes, also the templates.
pub(super) fn markdown_key(version: u64, p: &crate::model::Page, template_hash: u64, words: u64) -> u64 {
    let mut links: Vec<(&String, &String)> = p.links.iter().collect();
    links.sort();
    let templates = p.shortcodes.then_some(template_hash);
    let ids: Vec<&String> = p.headings.iter().map(|h| &h.id).collect();
    hash_of(&(version, &p.rel, p.implicit, links, ids, templates, words))
}
