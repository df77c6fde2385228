//! The build, as a table of contents: each stage in the order it runs.
//!
//!   load → parse → resolve → markdown → render (+ search index) → output
//!
//! Two paths run the stages, each a plain list of them:
//! - [`build`], the one-off build of `innobieb build` and `check`: every stage once, pages
//!   streamed into the output folder as they are rendered, the search index built on its own
//!   thread meanwhile, nothing kept afterwards.
//! - [`Rebuilder`] (`rebuild.rs`), `serve`'s: it owns the caches, lets each stage reuse what
//!   its inputs say it may, patches the last build for new text (`patch.rs`), keeps the site
//!   in memory and hands the search index to a worker.
//!
//! The steps both paths take in the same way are the functions below.

mod patch;
mod rebuild;

pub use rebuild::Rebuilder;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, normalize};
use crate::hash::hash_of;
use crate::load::{self, SourceFile, TemplateSource};
use crate::markdown::{self, Rendered};
use crate::model::Site;
use crate::output::{Output, OutputData};
use crate::parse::{self, ParsedDoc};
use crate::render::{self, TemplateSet};
use crate::resolve::{self, ResolveOptions};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to build, once.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Overrides `base_url` from site.yaml.
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Show which stage is running on one terminal line (for long builds).
    pub progress: bool,
    /// Write the site into this folder (atomically), streaming pages as they are rendered.
    /// `None` keeps everything in memory (`check`).
    pub output: Option<PathBuf>,
}

/// A successful build: the files to write and how long each stage took.
pub struct Built {
    /// The files of the site (empty when they were written to `BuildOptions::output`).
    pub outputs: Vec<Output>,
    /// In `serve`: output paths of pages left for later (`Rebuilder::defer_rendering`);
    /// they are not in `outputs`.
    pub pending: Vec<String>,
    /// In `serve`: the search index still to build (off the reload path).
    pub search: Option<crate::search::Deferred>,
    /// What was written, when `BuildOptions::output` was given.
    pub written: Option<crate::output::WriteStats>,
    pub collection_count: usize,
    pub timings: Vec<(&'static str, Duration)>,
    pub page_count: usize,
    /// Render time per template, slowest first: (template, total, pages rendered).
    pub template_metrics: Vec<render::TemplateMetric>,
    /// `outputs` holds only the files that changed since the previous build (see
    /// [`Rebuilder::rebuild`]); every other file stays as it was.
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

/// Builds the site once: in memory, or (with `BuildOptions::output`) into an output folder
/// that is swapped in only when everything succeeded.
pub fn build(opts: &BuildOptions) -> Result<Built, Failed> {
    let mut t = Timer::new(opts.progress);
    let mut diags = Vec::new();

    // 1. Configuration and files. An output folder inside the sources is refused first,
    // before its files are read as sources; one build of an output folder at a time.
    let _lock = match &opts.output {
        Some(out) => {
            match crate::output::check_location(out, &opts.root).and_then(|()| crate::output::Lock::acquire(out)) {
                Ok(lock) => Some(lock),
                Err(e) => return Err(io_failure(e, t)),
            }
        }
        None => None,
    };
    let config = configure(&opts.root, opts.base_url.as_deref())?;
    let (sources, load_diags) = load::load(&config);
    diags.extend(load_diags);
    t.lap("load");

    // 2. Parse every Markdown file. The texts are not needed after this.
    let load::Sources { content, assets, templates, statics } = sources;
    let docs = parse_all(content, &mut diags);
    t.lap("parse");

    // 3. Validate against the model and resolve references, links and backlinks.
    let updated = crate::git::content_dates(&opts.root, None).unwrap_or_default();
    let (site, resolve_diags) =
        resolve::resolve(&config, docs, &assets, &statics, &ResolveOptions { drafts: opts.drafts, updated });
    let mut warnings = config.warnings.clone();
    take_warnings(resolve_diags, &mut warnings, &mut diags);
    diags.extend(crate::links::check(&site, &statics));
    t.lap("resolve");

    // Templates compile even when content has errors, so both kinds are reported together.
    let (_, compiled) = compile_templates(&templates, &config, None, &mut diags);
    let Some(mut set) = compiled.filter(|_| diags.is_empty()) else { return finish_failed(diags, t) };
    t.lap("templates");

    // 4. Markdown. The sources are not needed after this: freed before rendering.
    let shortcodes = site.pages.iter().any(|p| p.shortcodes);
    let mut rendered = markdown_all(&site, &mut set, shortcodes, |set, p| render_page_markdown(&site, set, p))
        .map_err(|d| fail(d, &t))?;
    let mut site = site;
    for p in site.pages.iter_mut() {
        p.body = Arc::from("");
    }
    t.lap("markdown");

    // 5. Search index, from the content model and the rendered text. Pagefind's indexing
    // is serial: it runs on its own thread while the templates render.
    let search_thread = crate::search::defer(&site, &rendered).map(|job| std::thread::spawn(move || job.build()));
    // The records hold their text: the plain texts are not needed any more.
    for r in rendered.iter_mut() {
        r.text = Arc::from("");
    }
    t.lap("search records");

    // 6. Templates, feeds, sitemap, open data; rendered pages go straight to the staging
    // folder of the output stage.
    let staging = match &opts.output {
        Some(out) => match crate::output::Staging::begin(out, &opts.root) {
            Ok(s) => Some(s),
            Err(e) => return Err(io_failure(e, t)),
        },
        None => None,
    };
    let site = Arc::new(site);
    let source = render::context::Source { site: site.clone(), rendered: Arc::new(rendered) };
    let values = Arc::new(render::context::build_once(source));
    t.lap("values");
    let result = render::render_site(&site, values, &mut set, None, None, staging.as_ref());
    // The template values (held by the site functions) are not needed while the search
    // index is finished: free them before it grows.
    drop(set);
    let render::RenderResult { mut outputs, diagnostics, metrics: template_metrics, write_error, .. } = result;
    diags.extend(diagnostics);
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
    outputs.extend(static_outputs(&statics));
    dedupe_outputs(&mut outputs);

    // 7. The rest (feeds, sitemap, data, search index, static files), then the swap.
    let mut written = None;
    if let Some(staging) = staging {
        let result = outputs.par_iter().try_for_each(|o| staging.put(o)).and_then(|()| staging.commit());
        match result {
            Ok(stats) => written = Some(stats),
            Err(e) => return Err(io_failure(e, t)),
        }
        outputs = Vec::new();
        t.lap("write");
    }
    Ok(Built {
        outputs,
        pending: Vec::new(),
        search: None,
        written,
        collection_count: site.collections.len(),
        page_count: site.pages.len(),
        timings: t.take(),
        template_metrics,
        patch: false,
        warnings: sorted(warnings),
    })
}

/// The configuration, with `base_url` overridden (`--base-url`, `serve`'s local address).
fn configure(root: &Path, base_url: Option<&str>) -> Result<Config, Failed> {
    let mut config = Config::load(root).map_err(|d| Failed { diagnostics: d, internal: false, timings: Vec::new() })?;
    if let Some(base) = base_url {
        config.base_url = if base.ends_with('/') { base.to_string() } else { format!("{base}/") };
        config.base_path = crate::config::base_path_of(&config.base_url);
        config.source_text.push_str(&format!("\n# base_url override: {}", config.base_url));
    }
    Ok(config)
}

/// Moves `resolve`'s warnings (`unknown_fields: warn`: reported, but the build goes on)
/// to `warnings`, its errors to `diags`.
fn take_warnings(found: Vec<Diagnostic>, warnings: &mut Vec<Diagnostic>, diags: &mut Vec<Diagnostic>) {
    let (found, errors): (Vec<_>, Vec<_>) = found.into_iter().partition(|d| d.warning);
    warnings.extend(found);
    diags.extend(errors);
}

/// Compiles the templates, or takes `cached` when its hash (of the template texts and the
/// translations) is the same; reports compile errors and templates site.yaml names that no
/// theme has. Returns the hash with the set.
fn compile_templates(
    templates: &[TemplateSource],
    config: &Config,
    cached: Option<(u64, TemplateSet)>,
    diags: &mut Vec<Diagnostic>,
) -> (u64, Option<TemplateSet>) {
    let hash = hash_of(&(templates.iter().map(|t| (&t.name, &t.text)).collect::<Vec<_>>(), &*config.i18n));
    let set = match cached {
        Some((h, set)) if h == hash => Some(set),
        _ => match render::build_tera(templates, config.i18n.clone()) {
            Ok(set) => Some(set),
            Err(d) => {
                diags.extend(d);
                None
            }
        },
    };
    if let Some(set) = &set {
        diags.extend(config.check_templates(&set.names));
    }
    (hash, set)
}

/// Parses every Markdown file (in parallel). A file that fails to parse gets a placeholder
/// page, so that references to it do not cascade into more errors.
fn parse_all(files: Vec<SourceFile>, diags: &mut Vec<Diagnostic>) -> Vec<Arc<ParsedDoc>> {
    let results: Vec<(String, Result<ParsedDoc, Vec<Diagnostic>>)> = files
        .into_par_iter()
        .map(|f| {
            let r = parse::parse(&f);
            (f.rel, r)
        })
        .collect();
    results
        .into_iter()
        .map(|(rel, r)| match r {
            Ok(doc) => Arc::new(doc),
            Err(d) => {
                diags.extend(d);
                Arc::new(ParsedDoc::placeholder(&rel))
            }
        })
        .collect()
}

/// Every page's Markdown, rendered by `render` (in parallel; `render_page_markdown`, or
/// what a cache holds). When some page may have shortcodes (`shortcodes`), shortcode
/// templates that call site functions get them first, with every page's value but without
/// rendered content (that is being made). Errors: shortcodes that could not be expanded.
fn markdown_all(
    site: &Site,
    set: &mut TemplateSet,
    shortcodes: bool,
    render: impl Fn(&TemplateSet, &crate::model::Page) -> Result<Rendered, Vec<Diagnostic>> + Sync,
) -> Result<Vec<Rendered>, Vec<Diagnostic>> {
    if shortcodes && set.shortcodes_read_site {
        let blank = vec![Rendered::default(); site.pages.len()];
        render::templates::register_site_functions(&mut set.tera, Arc::new(render::context::build(site, &blank)));
    }
    let set = &*set;
    let results: Vec<Result<Rendered, Vec<Diagnostic>>> = site.pages.par_iter().map(|p| render(set, p)).collect();
    let mut rendered = Vec::with_capacity(results.len());
    let mut diags = Vec::new();
    for r in results {
        match r {
            Ok(r) => rendered.push(r),
            Err(d) => diags.extend(d),
        }
    }
    if diags.is_empty() { Ok(rendered) } else { Err(diags) }
}

/// One page's Markdown, with its shortcodes expanded; errors at the calls.
pub(crate) fn render_page_markdown(
    site: &Site,
    set: &render::TemplateSet,
    p: &crate::model::Page,
) -> Result<Rendered, Vec<Diagnostic>> {
    let i18n = &site.config.i18n;
    if !p.shortcodes {
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

/// The site's static files, to be copied (or written, for the built-in theme's).
fn static_outputs(statics: &[load::StaticFile]) -> impl Iterator<Item = Output> + '_ {
    statics.iter().map(|s| {
        let data = match &s.source {
            load::StaticSource::File(abs) => OutputData::Copy(abs.clone()),
            load::StaticSource::Embedded(bytes) => OutputData::Shared(Arc::new(bytes.to_vec())),
        };
        Output { path: s.rel.clone(), data }
    })
}

/// A last guard: `resolve` reports two sources written to one path as an error, so a
/// build that gets here has none; should one slip through, the first output for a path
/// wins (pages before static files) and later ones are dropped.
fn dedupe_outputs(outputs: &mut Vec<Output>) {
    let mut seen = std::collections::HashSet::with_capacity(outputs.len());
    outputs.retain(|o| seen.insert(o.path.clone()));
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
}

fn sorted(mut warnings: Vec<Diagnostic>) -> Vec<Diagnostic> {
    normalize(&mut warnings);
    warnings
}

/// How long each stage took; with `progress`, the stage just finished on one terminal line.
struct Timer {
    start: Instant,
    timings: Vec<(&'static str, Duration)>,
    progress: bool,
}

impl Timer {
    fn new(progress: bool) -> Timer {
        Timer { start: Instant::now(), timings: Vec::new(), progress }
    }

    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.timings.push((stage, now - self.start));
        self.start = now;
        if self.progress {
            // One line, rewritten in place: which stage just finished.
            eprint!("\r\x1b[2K  building: {stage} done");
        }
    }

    fn take(mut self) -> Vec<(&'static str, Duration)> {
        std::mem::take(&mut self.timings)
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if self.progress {
            eprint!("\r\x1b[2K");
        }
    }
}

/// The output folder could not be written: an internal failure (exit code 2).
fn io_failure(e: crate::output::OutputError, t: Timer) -> Failed {
    Failed { diagnostics: vec![Diagnostic::new(e.to_string())], internal: true, timings: t.take() }
}

/// Problems in the input (exit code 1), sorted, with the timings so far.
fn fail(mut diags: Vec<Diagnostic>, t: &Timer) -> Failed {
    normalize(&mut diags);
    Failed { diagnostics: diags, internal: false, timings: t.timings.clone() }
}

fn finish_failed(diags: Vec<Diagnostic>, t: Timer) -> Result<Built, Failed> {
    Err(fail(diags, &t))
}
