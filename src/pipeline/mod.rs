//! The build, as a table of contents: each stage in the order it runs.
//!
//!   load → parse → resolve → markdown → render (+ search index) → output
//!
//! Every stage is a function of its inputs. `Cache` lets `serve` skip the work
//! whose inputs did not change (a file's parse, a page's Markdown, the compiled
//! templates); a build without a cache does everything once. For the most common
//! edit, new text in existing pages, `patch` updates the last build instead.

mod patch;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, normalize};
use crate::hash::hash_of;
use crate::load::{self, SourceFile};
use crate::markdown::{self, Rendered};
use crate::model::Site;
use crate::output::{Output, OutputData};
use crate::parse::{self, ParsedDoc};
use crate::render::{self, TemplateSet};
use crate::resolve::{self, ResolveOptions};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Overrides `base_url` from site.yaml (used by `serve`).
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Leave the search index out of `Built::outputs` and return its inputs in
    /// `Built::search` instead, to be built off the critical path (`serve`).
    pub defer_search: bool,
    /// Show which stage is running on one terminal line (for long builds).
    pub progress: bool,
    /// Write the site into this folder (atomically), streaming pages as they are rendered.
    /// `None` keeps everything in memory (`serve`, `check`).
    pub output: Option<PathBuf>,
}

/// A successful build, in memory: the files to write and how long each stage took.
pub struct Built {
    /// The files of the site (empty when they were written to `BuildOptions::output`).
    pub outputs: Vec<Output>,
    /// With `BuildOptions::defer_search`: the search index still to build.
    pub search: Option<crate::search::Deferred>,
    /// What was written, when `BuildOptions::output` was given.
    pub written: Option<crate::output::WriteStats>,
    pub collection_count: usize,
    pub timings: Vec<(&'static str, Duration)>,
    pub page_count: usize,
    /// Render time per template, slowest first: (template, total, pages rendered).
    pub template_metrics: Vec<render::TemplateMetric>,
    /// `outputs` holds only the files that changed since the previous build (see
    /// [`rebuild`]); every other file stays as it was.
    pub patch: bool,
    /// Problems that do not fail the build (`unknown_fields: warn`), sorted.
    pub warnings: Vec<Diagnostic>,
}

/// Why a build failed: the problems in the input (exit code 1).
#[derive(Debug)]
pub struct Failed {
    pub diagnostics: Vec<Diagnostic>,
    /// The failure is not in the site's input (the output folder could not be written).
    pub internal: bool,
    pub timings: Vec<(&'static str, Duration)>,
}

/// A file's parse, or why it failed.
type ParseResult = Result<Arc<ParsedDoc>, Vec<Diagnostic>>;

/// Results of earlier builds, reused when their inputs are unchanged.
/// `Cache::none()` (for one-off builds) keeps nothing, so it costs nothing.
#[derive(Default)]
pub struct Cache {
    /// When each content file last changed, read from git once per session (`Some(None)`:
    /// not in a git work tree); files the session saw change count as changed today.
    dates: Option<Option<crate::git::Dates>>,
    enabled: bool,
    /// Stamps of the Markdown files read last time (unchanged files are not read again).
    stamps: load::Previous,
    /// Per file: (version number, parse result). The version changes whenever the file is parsed again.
    /// Shared with `resolve`, so a rebuild does not copy unchanged documents.
    parsed: HashMap<String, (u64, ParseResult)>,
    next_version: u64,
    /// Per page: (key of the Markdown input, rendered Markdown).
    markdown: HashMap<String, (u64, Rendered)>,
    templates: Option<(u64, TemplateSet)>,
    values: render::context::ValueMemo,
    rendered_pages: render::RenderMemo,
    data: render::data::DataMemo,
    records: crate::search::RecordMemo,
    /// The last successful build: its resolved site (reused when only page bodies changed)
    /// and what `patch` needs to update it.
    last: Option<LastBuild>,
}

/// What the last successful build resolved and rendered, and what its inputs looked like.
struct LastBuild {
    site: Site,
    /// Everything `resolve` reads, except the page bodies.
    inputs: u64,
    /// Per page: rendered Markdown and its key.
    rendered: Vec<Rendered>,
    content_keys: Vec<u64>,
    fingerprints: render::fingerprint::Fingerprints,
    values: Arc<render::context::Values>,
    /// Some page has shortcodes: their output may show other pages, so no page is patched.
    shortcodes: bool,
}

/// Fingerprint of what `resolve` reads from the documents, leaving out the bodies
/// (which it only moves into the pages).
fn resolve_inputs(
    config_text: &str,
    drafts: bool,
    docs: &[Arc<ParsedDoc>],
    assets: &[load::Asset],
    statics: &[load::StaticFile],
) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (config_text, drafts, docs.len()).hash(&mut h);
    for d in docs {
        d.resolve_key().hash(&mut h);
    }
    for a in assets {
        (&a.rel, &a.abs).hash(&mut h);
    }
    // Static files only for the collisions with pages checked in `resolve`.
    for s in statics {
        s.rel.hash(&mut h);
    }
    h.finish()
}

/// Rebuilds for `serve`. `changed` lists the content files (relative to `content/`) the
/// watcher reported, when nothing else changed: if they are existing pages whose new text
/// leaves their front matter, links and headings as they were, the last build is patched
/// ([`Built::patch`]); anything else is a (cached) full build.
pub fn rebuild(opts: &BuildOptions, cache: &mut Cache, changed: Option<&[String]>) -> Result<Built, Failed> {
    if let Some(rels) = changed {
        if let Some(result) = patch::patch(opts, cache, rels) {
            return result;
        }
    }
    build_site(opts, cache)
}

impl Cache {
    /// A cache that remembers results between builds (for `serve`).
    pub fn new() -> Cache {
        Cache { enabled: true, ..Default::default() }
    }

    /// No caching: every build does all the work, and nothing is kept.
    pub fn none() -> Cache {
        Cache::default()
    }

    /// Forgets what is known about a content file (path relative to `content/`), so the
    /// next build reads it again even if its modification time and length look unchanged
    /// (two saves within one clock tick).
    pub fn forget(&mut self, rel: &str) {
        self.stamps.remove(rel);
        if let Some(Some(dates)) = self.dates.as_mut() {
            dates.insert(rel.to_string(), crate::date::today());
        }
    }

    /// Whether the site is in a git work tree (known once a build has read the dates).
    pub(crate) fn in_git(&self) -> bool {
        matches!(self.dates, Some(Some(_)))
    }

    /// The dates of the content files: from git, once (see [`crate::git`]); a one-off build
    /// takes commit dates only.
    fn content_dates(&mut self, root: &std::path::Path) -> crate::git::Dates {
        if !self.enabled {
            return crate::git::content_dates(root, None).unwrap_or_default();
        }
        let today = crate::date::today();
        self.dates.get_or_insert_with(|| crate::git::content_dates(root, Some(&today))).clone().unwrap_or_default()
    }
}

struct Timer {
    start: Instant,
    timings: Vec<(&'static str, Duration)>,
    progress: bool,
}

impl Timer {
    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.timings.push((stage, now - self.start));
        self.start = now;
        if self.progress {
            // One line, rewritten in place: which stage just finished.
            eprint!("\r\x1b[2K  building: {stage} done");
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if self.progress {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Builds the site: in memory, or (with `BuildOptions::output`) into an output folder
/// that is swapped in only when everything succeeded.
pub fn build_site(opts: &BuildOptions, cache: &mut Cache) -> Result<Built, Failed> {
    let mut t = Timer { start: Instant::now(), timings: Vec::new(), progress: opts.progress };
    let mut diags = Vec::new();

    // 1. Configuration and files. An output folder inside the sources is refused first,
    // before its files are read as sources.
    if let Some(Err(e)) = opts.output.as_ref().map(|out| crate::output::check_location(out, &opts.root)) {
        return Err(io_failure(e, t));
    }
    // One build of an output folder at a time (held until this function returns).
    let _lock = match (&opts.output, cache.enabled) {
        (Some(out), false) => match crate::output::Lock::acquire(out) {
            Ok(lock) => Some(lock),
            Err(e) => return Err(io_failure(e, t)),
        },
        _ => None,
    };
    let mut config =
        Config::load(&opts.root).map_err(|d| Failed { diagnostics: d, internal: false, timings: Vec::new() })?;
    if let Some(base) = &opts.base_url {
        config.base_url = if base.ends_with('/') { base.clone() } else { format!("{base}/") };
        config.base_path = crate::config::base_path_of(&config.base_url);
        config.source_text.push_str(&format!("\n# base_url override: {}", config.base_url));
    }
    let (sources, load_diags) =
        if cache.enabled { load::load_reusing(&config, Some(&cache.stamps)) } else { load::load(&config) };
    diags.extend(load_diags);
    t.lap("load");

    // 2. Parse every Markdown file (with a cache: only files that changed). The texts are not
    // needed after this.
    let load::Sources { content, assets, templates, statics } = sources;
    let docs = parse_all(content, cache, &mut diags);
    t.lap("parse");

    // 3. Validate against the model and resolve references, links and backlinks. When
    // only page bodies changed since the last good build, its resolved site is reused.
    let inputs = if cache.enabled && diags.is_empty() {
        Some(resolve_inputs(&config.source_text, opts.drafts, &docs, &assets, &statics))
    } else {
        None
    };
    // Warnings of the configuration (translations missing) come first.
    let mut warnings = config.warnings.clone();
    let mut site = match (cache.last.take(), inputs) {
        (Some(mut last), Some(i)) if last.inputs == i => {
            for doc in docs {
                if let Some(&id) = last.site.by_rel.get(&doc.rel) {
                    last.site.pages[id].body = doc.body.clone();
                    last.site.pages[id].updated =
                        cache.dates.as_ref().and_then(|d| d.as_ref()).and_then(|d| d.get(&doc.rel)).cloned();
                }
            }
            last.site
        }
        _ => {
            let (site, resolve_diags) = resolve::resolve(
                &config,
                docs,
                &assets,
                &statics,
                &ResolveOptions { drafts: opts.drafts, updated: cache.content_dates(&opts.root) },
            );
            // Warnings (`unknown_fields: warn`) are reported but do not fail the build.
            let (found, resolve_diags): (Vec<_>, Vec<_>) = resolve_diags.into_iter().partition(|d| d.warning);
            warnings.extend(found);
            diags.extend(resolve_diags);
            site
        }
    };
    // Root-relative and relative links, against everything the build writes.
    diags.extend(crate::links::check(&site, &statics));
    t.lap("resolve");

    // Templates compile even when content has errors, so both kinds are reported together.
    let template_hash = hash_of(&(templates.iter().map(|t| (&t.name, &t.text)).collect::<Vec<_>>(), &*config.i18n));
    let templates_ok = match cache.templates.take() {
        Some((h, set)) if h == template_hash => Some(set),
        _ => match render::build_tera(&templates, config.i18n.clone()) {
            Ok(set) => Some(set),
            Err(d) => {
                diags.extend(d);
                None
            }
        },
    };
    // A template named in site.yaml that no theme has is an error at its key.
    if let Some(set) = &templates_ok {
        diags.extend(config.check_templates(&set.names));
    }
    if !diags.is_empty() {
        if let Some(set) = templates_ok {
            cache.templates = Some((template_hash, set));
        }
        return finish_failed(diags, t);
    }
    let mut set = templates_ok.expect("no diagnostics means templates compiled");
    t.lap("templates");

    // 4. Markdown (with a cache: keyed by file version, link targets and heading ids).
    let (rendered, content_keys) = match render_markdown(&site, &mut set, template_hash, cache) {
        Ok(r) => r,
        Err(d) => {
            cache.templates = Some((template_hash, set));
            return finish_failed(d, t);
        }
    };
    if !cache.enabled {
        // A one-off build needs the Markdown sources no longer: free them before rendering.
        for p in site.pages.iter_mut() {
            p.body = std::sync::Arc::from("");
        }
    }
    t.lap("markdown");

    // 5. Search index, from the content model and the rendered text. Pagefind's indexing
    // is serial: it runs on its own thread while the templates render (or, for `serve`,
    // after the pages are published).
    let fps = cache.enabled.then(|| render::fingerprint::compute(&site, &rendered, &content_keys));
    let mut search = match &fps {
        Some(f) => {
            let record_fps: Vec<u64> =
                f.stub.iter().zip(&content_keys).map(|(&s, &c)| render::fingerprint::record_fp(s, c)).collect();
            crate::search::defer_reusing(&site, &rendered, Some((&record_fps, &mut cache.records)))
        }
        None => crate::search::defer(&site, &rendered),
    };
    let search_thread = match opts.defer_search {
        true => None,
        false => search.take().map(|job| std::thread::spawn(move || job.build())),
    };
    t.lap("search records");

    // 6. Templates, feeds, sitemap, open data. With a cache, only pages whose inputs
    // changed are built and rendered again.
    // A one-off build writes as it renders: the output folder is staged now.
    let staging = match (&opts.output, cache.enabled) {
        (Some(out), false) => match crate::output::Staging::begin(out, &opts.root) {
            Ok(s) => Some(s),
            Err(e) => return Err(io_failure(e, t)),
        },
        _ => None,
    };
    let mut kept = None;
    let rendered_site = if cache.enabled {
        let fps = fps.expect("computed above when caching");
        let values = Arc::new(render::context::build(&site, &rendered, Some((&fps, &mut cache.values))));
        t.lap("values");
        let incremental = render::Incremental {
            fingerprints: &fps,
            templates: template_hash,
            memo: &mut cache.rendered_pages,
            data: &mut cache.data,
        };
        let result = render::render_site(&site, values.clone(), &mut set, Some(incremental), None);
        cache.templates = Some((template_hash, set));
        kept = Some((rendered, content_keys, fps, values));
        result
    } else {
        let values = Arc::new(render::context::build(&site, &rendered, None));
        drop(rendered);
        t.lap("values");
        let result = render::render_site(&site, values, &mut set, None, staging.as_ref());
        // The template values (held by the site functions) are not needed while the
        // search index is finished: free them before it grows.
        drop(set);
        result
    };
    let render::RenderResult { mut outputs, diagnostics: render_diags, metrics: template_metrics, write_error } =
        rendered_site;
    diags.extend(render_diags);
    t.lap("render");
    if let Some(thread) = search_thread {
        match thread.join() {
            Ok(Ok(files)) => outputs.extend(files),
            Ok(Err(d)) => diags.push(d),
            Err(_) => diags.push(Diagnostic::new("the search index could not be built (the indexer stopped)")),
        }
        // Only the part of the indexing that rendering did not hide.
        t.lap("search");
    }
    if let Some(e) = write_error {
        return Err(io_failure(e, t));
    }

    if !diags.is_empty() {
        return finish_failed(diags, t);
    }
    for s in &statics {
        let data = match &s.source {
            load::StaticSource::File(abs) => OutputData::Copy(abs.clone()),
            load::StaticSource::Embedded(bytes) => OutputData::Shared(Arc::new(bytes.to_vec())),
        };
        outputs.push(Output { path: s.rel.clone(), data });
    }
    dedupe_outputs(&mut outputs);
    let mut written = None;
    if let Some(staging) = staging {
        // The rest (feeds, sitemap, data, search index, static files), then the swap.
        let result = outputs.par_iter().try_for_each(|o| staging.put(o)).and_then(|()| staging.commit());
        match result {
            Ok(stats) => written = Some(stats),
            Err(e) => return Err(io_failure(e, t)),
        }
        outputs = Vec::new();
        t.lap("write");
    }
    let page_count = site.pages.len();
    let collection_count = site.collections.len();
    if let (Some(inputs), Some((rendered, content_keys, fingerprints, values))) = (inputs, kept) {
        let shortcodes = site.pages.iter().any(|p| crate::parse::shortcodes::may_contain(&p.body));
        cache.last = Some(LastBuild { site, inputs, rendered, content_keys, fingerprints, values, shortcodes });
    }
    Ok(Built {
        outputs,
        search,
        written,
        collection_count,
        timings: take_timings(t),
        page_count,
        template_metrics,
        patch: false,
        warnings: {
            normalize(&mut warnings);
            warnings
        },
    })
}

fn take_timings(mut t: Timer) -> Vec<(&'static str, Duration)> {
    std::mem::take(&mut t.timings)
}

/// The output folder could not be written: an internal failure (exit code 2).
fn io_failure(e: crate::output::OutputError, t: Timer) -> Failed {
    Failed { diagnostics: vec![Diagnostic::new(e.to_string())], internal: true, timings: take_timings(t) }
}

fn finish_failed(mut diags: Vec<Diagnostic>, t: Timer) -> Result<Built, Failed> {
    normalize(&mut diags);
    Err(Failed { diagnostics: diags, internal: false, timings: take_timings(t) })
}

fn parse_all(files: Vec<SourceFile>, cache: &mut Cache, diags: &mut Vec<Diagnostic>) -> Vec<Arc<ParsedDoc>> {
    if !cache.enabled {
        let results: Vec<(String, Result<ParsedDoc, Vec<Diagnostic>>)> = files
            .into_par_iter()
            .map(|f| {
                let r = parse::parse(&f);
                (f.rel, r)
            })
            .collect();
        return results
            .into_iter()
            .map(|(rel, r)| match r {
                Ok(doc) => Arc::new(doc),
                Err(d) => {
                    diags.extend(d);
                    Arc::new(ParsedDoc::placeholder(&rel))
                }
            })
            .collect();
    }
    // Files that were not read again (same stamp) reuse their parse.
    let results: Vec<(Option<load::Stamp>, Option<ParseResult>)> = files
        .par_iter()
        .map(|f| {
            if !f.fresh && cache.parsed.contains_key(&f.rel) {
                return (f.stamp, None);
            }
            // Unread files always have a cached parse: stamps and parses are stored together.
            (f.stamp, Some(parse::parse(f).map(Arc::new)))
        })
        .collect();
    let mut docs = Vec::with_capacity(files.len());
    let mut next = HashMap::with_capacity(files.len());
    let mut stamps = load::Previous::with_capacity(files.len());
    for (f, (stamp, fresh)) in files.iter().zip(results) {
        let (version, r) = match fresh {
            Some(r) => {
                cache.next_version += 1;
                (cache.next_version, r)
            }
            None => cache.parsed.remove(&f.rel).expect("checked above"),
        };
        match &r {
            Ok(doc) => docs.push(doc.clone()),
            Err(d) => {
                diags.extend(d.iter().cloned());
                docs.push(Arc::new(ParsedDoc::placeholder(&f.rel)));
            }
        }
        if let Some(stamp) = stamp {
            stamps.insert(f.rel.clone(), stamp);
        }
        next.insert(f.rel.clone(), (version, r));
    }
    cache.parsed = next;
    cache.stamps = stamps;
    docs
}

/// Renders every page's Markdown, expanding shortcodes with the templates in `set`; with a
/// cache, a page whose key (file version, link targets, heading ids, translations) is
/// unchanged reuses its HTML. Returns the keys too: they stand for the page's rendered text
/// in the fingerprints. Errors: shortcodes that could not be expanded.
fn render_markdown(
    site: &Site,
    set: &mut render::TemplateSet,
    template_hash: u64,
    cache: &mut Cache,
) -> Result<(Vec<Rendered>, Vec<u64>), Vec<Diagnostic>> {
    // Shortcode templates that call site functions get them now, with every page's value
    // but without rendered content (that is being made); such pages are never cached.
    let shortcodes_read_site = set
        .uses_site_functions
        .iter()
        .any(|t| t.strip_prefix(&format!("{}/", crate::theme::NAME)).unwrap_or(t).starts_with("shortcodes/"))
        && site.pages.iter().any(|p| crate::parse::shortcodes::may_contain(&p.body));
    if shortcodes_read_site {
        let blank = vec![Rendered::default(); site.pages.len()];
        render::templates::register_site_functions(
            &mut set.tera,
            std::sync::Arc::new(render::context::build(site, &blank, None)),
        );
    }
    // Shortcode output may show other pages (`@/` arguments, site functions): a page with
    // shortcodes is rendered anew on every build, never taken from the cache.
    static BUILDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let template_hash = hash_of(&(template_hash, BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
    let set = &*set;
    let render = |p: &crate::model::Page| render_page_markdown(site, set, p);
    let results: Vec<Result<Rendered, Vec<Diagnostic>>> = if !cache.enabled {
        site.pages.par_iter().map(render).collect()
    } else {
        let words = hash_of(&*site.config.i18n);
        let keys: Vec<u64> = site
            .pages
            .par_iter()
            .map(|p| {
                let version = cache.parsed.get(&p.rel).map(|(v, _)| *v).unwrap_or(0);
                markdown_key(version, p, template_hash, words)
            })
            .collect();
        let results: Vec<Result<Rendered, Vec<Diagnostic>>> = site
            .pages
            .par_iter()
            .zip(&keys)
            .map(|(p, k)| match cache.markdown.get(&p.rel) {
                Some((old, r)) if old == k => Ok(r.clone()),
                _ => render(p),
            })
            .collect();
        if results.iter().all(Result::is_ok) {
            let rendered: Vec<Rendered> = results.into_iter().flatten().collect();
            cache.markdown = site
                .pages
                .iter()
                .zip(&keys)
                .zip(rendered.iter())
                .map(|((p, k), r)| (p.rel.clone(), (*k, r.clone())))
                .collect();
            return Ok((rendered, keys));
        }
        results
    };
    let mut rendered = Vec::with_capacity(results.len());
    let mut diags = Vec::new();
    for r in results {
        match r {
            Ok(r) => rendered.push(r),
            Err(d) => diags.extend(d),
        }
    }
    if diags.is_empty() { Ok((rendered, Vec::new())) } else { Err(diags) }
}

/// One page's Markdown, with its shortcodes expanded; errors at the calls.
pub(crate) fn render_page_markdown(
    site: &Site,
    set: &render::TemplateSet,
    p: &crate::model::Page,
) -> Result<Rendered, Vec<Diagnostic>> {
    let i18n = &site.config.i18n;
    if !crate::parse::shortcodes::may_contain(&p.body) {
        return Ok(markdown::render(&p.body, &p.links, &p.headings, i18n));
    }
    let expander = render::shortcodes::Expander::new(site, set, p);
    markdown::render_with_shortcodes(&p.body, &p.links, &p.headings, i18n, &|c, inner| expander.expand(c, inner))
        .map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let body = crate::diagnostic::Source::part(&p.body, p.body_line - 1);
                    let span = crate::diagnostic::Span::at(e.line, e.col).with_len(2);
                    let d = Diagnostic::at(format!("content/{}", p.rel), body, span, e.message);
                    match e.help {
                        Some(h) => d.with_help(h),
                        None => d,
                    }
                })
                .collect()
        })
}

/// What a page's rendered Markdown depends on: the version of its file, its link
/// targets, its heading ids and the site's translations (`words`: callout titles); with
/// shortcodes, also the templates.
fn markdown_key(version: u64, p: &crate::model::Page, template_hash: u64, words: u64) -> u64 {
    let mut links: Vec<(&String, &String)> = p.links.iter().collect();
    links.sort();
    let templates = crate::parse::shortcodes::may_contain(&p.body).then_some(template_hash);
    let ids: Vec<&String> = p.headings.iter().map(|h| &h.id).collect();
    hash_of(&(version, &p.rel, p.implicit, links, ids, templates, words))
}

/// A last guard: `resolve` reports two sources written to one path as an error, so a
/// build that gets here has none; should one slip through, the first output for a path
/// wins (pages before static files) and later ones are dropped.
fn dedupe_outputs(outputs: &mut Vec<Output>) {
    let mut seen = std::collections::HashSet::with_capacity(outputs.len());
    outputs.retain(|o| seen.insert(o.path.clone()));
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
}
