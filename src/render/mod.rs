//! Stage 6: templates. The resolved `Site`, its rendered Markdown and the compiled
//! templates in; `Output`s (path + bytes) and diagnostics out. A one-off build hands
//! rendered pages to `output::Staging` as they are done (the output stage writes them).
//!
//! Invariant: writes nothing itself (static files and assets become `OutputData::Copy`
//! entries that the output stage copies) and reads no file, with one exception: when a
//! page's `template:` names a template that does not exist, `at_template_key` reads that
//! page file again to point the error at the line. Templates see only the values of
//! `context`, never internal types. `data` makes the open-data JSON.

pub mod calendar;
pub mod chart;
pub mod context;
pub mod data;
pub mod deps;
pub mod fingerprint;
pub mod shortcodes;
mod special;
pub mod structured;
pub mod templates;

use crate::diagnostic::Diagnostic;
use crate::model::{PageId, Site, has_search_page, output_path, page_count, paginated_path};
use crate::output::{Output, OutputData, OutputError, Staging};
use context::{Obj, Values, term_value};
use rayon::prelude::*;
use std::sync::Arc;
pub use templates::{TemplateSet, build_tera};
use tera::{Context, Tera, Value};

/// What one rendering job produces.
enum Job {
    Page(PageId),
    SectionPage {
        section: PageId,
        index: usize,
        total: usize,
    },
    Taxonomy(usize),
    TermPage {
        tax: usize,
        term: usize,
        index: usize,
        total: usize,
    },
    /// The search page, when search is on and no content page is at its path.
    Search,
}

/// A rendered page, or the page that failed with its error.
type JobResult = Result<Output, templates::Failure>;

/// Pages rendered by an earlier build, by output path.
pub type RenderMemo = std::collections::HashMap<String, Memoized>;

/// A page rendered by an earlier build, with everything its output depends on.
pub struct Memoized {
    /// The job's fingerprint: its template, its context values and the site value.
    fp: u64,
    /// What the site functions it called returned ([`deps`]), and their fingerprint then.
    reads: Arc<[deps::Read]>,
    reads_fp: u64,
    bytes: Arc<Vec<u8>>,
}

impl Memoized {
    /// Whether the page would render the same now: same context, and every site function
    /// it called returns what it returned then.
    fn still_valid(&self, fp: u64, values: &Values, fps: &fingerprint::Fingerprints) -> bool {
        self.fp == fp
            && (self.reads.is_empty() || deps::reads_fingerprint(&self.reads, &values.lookup, fps) == self.reads_fp)
    }
}

/// What `serve` passes to render only what changed.
pub struct Incremental<'a> {
    pub fingerprints: &'a fingerprint::Fingerprints,
    /// Fingerprint of the compiled template set.
    pub templates: u64,
    pub memo: &'a mut RenderMemo,
    /// Render only some of the pages that changed now, and leave the others for later.
    pub defer: Option<Defer<'a>>,
}

/// Which of the pages that must be rendered again are rendered before a rebuild is
/// published: all of them when they are at most `limit`, else only those at the `open`
/// output paths (pages open in a browser). The rest are left for later ([`Deferred`]).
pub struct Defer<'a> {
    pub limit: usize,
    pub open: &'a std::collections::HashSet<String>,
}

/// Pages an incremental render left for later, with their job fingerprints: they have no
/// entry in the memo until they are rendered ([`Deferred::render`], [`Deferred::finish`]),
/// so the next build considers them again whatever it changes.
pub struct Deferred {
    /// In job order.
    jobs: Vec<DeferredJob>,
    missing: Vec<(String, String)>,
    /// The pages that failed to render so far (reported together, grouped, at the end).
    failures: Vec<templates::Failure>,
}

/// A page left for later: its job, output path and job fingerprint.
pub struct DeferredJob {
    job: Job,
    path: String,
    fp: u64,
}

impl DeferredJob {
    /// The output path (`a/index.html`).
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// A page left for later, rendered: its output to publish, and what goes into the memo.
pub struct LateDone {
    pub path: String,
    pub output: Option<Output>,
    memo: Option<Memoized>,
    failure: Option<templates::Failure>,
}

impl LateDone {
    /// Whether the page failed to render.
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }
}

impl Deferred {
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    pub fn jobs(&self) -> &[DeferredJob] {
        &self.jobs
    }

    /// The output paths still to render (what `serve` marks pending).
    pub fn paths(&self) -> Vec<String> {
        self.jobs.iter().map(|j| j.path.clone()).collect()
    }

    /// Renders one of its jobs with the values and templates of the build that left it
    /// (recording what the page reads through the site functions).
    pub fn render(
        &self,
        job: &DeferredJob,
        site: &Site,
        values: &Values,
        set: &TemplateSet,
        fingerprints: &fingerprint::Fingerprints,
    ) -> LateDone {
        let metrics = &Metrics::default();
        let done = render_recording(site, values, set, &job.job, job.fp, fingerprints, &self.missing, metrics);
        let path = job.path.clone();
        match done {
            Some(Done { result: Ok(o), memo, .. }) => LateDone { path, output: Some(o), memo, failure: None },
            Some(Done { result: Err(e), .. }) => LateDone { path, output: None, memo: None, failure: Some(e) },
            None => LateDone { path, output: None, memo: None, failure: None },
        }
    }

    /// Takes rendered jobs off the list and puts them in the memo (those that failed: in
    /// the list of failures).
    pub fn finish(&mut self, done: Vec<LateDone>, memo: &mut RenderMemo) {
        let paths: std::collections::HashSet<&str> = done.iter().map(|d| d.path.as_str()).collect();
        self.jobs.retain(|j| !paths.contains(j.path.as_str()));
        for d in done {
            if let Some(m) = d.memo {
                memo.insert(d.path, m);
            }
            self.failures.extend(d.failure);
        }
    }

    /// Whether some page failed to render so far.
    pub fn has_failed(&self) -> bool {
        !self.failures.is_empty()
    }

    /// The problems of the pages that failed, grouped as a build reports them.
    pub fn take_problems(&mut self, set: &TemplateSet) -> Vec<Diagnostic> {
        templates::template_errors(std::mem::take(&mut self.failures), set)
    }
}

/// Every rendering job of the site, in a fixed order.
fn all_jobs(site: &Site) -> Vec<Job> {
    let mut jobs = Vec::new();
    for p in &site.pages {
        if p.is_section() {
            let total = page_count(p.pages.len(), p.paginate_by);
            for index in 0..total {
                jobs.push(Job::SectionPage { section: p.id, index, total });
            }
        } else {
            jobs.push(Job::Page(p.id));
        }
    }
    for (t, tax) in site.taxonomies.iter().enumerate() {
        jobs.push(Job::Taxonomy(t));
        for (i, term) in tax.terms.iter().enumerate() {
            let total = page_count(term.pages.len(), tax.def.paginate_by);
            for index in 0..total {
                jobs.push(Job::TermPage { tax: t, term: i, index, total });
            }
        }
    }
    if has_search_page(site) {
        jobs.push(Job::Search);
    }
    jobs
}

/// Whether a job has output: a taxonomy's pages have none when their template does not exist.
fn renders_something(site: &Site, set: &TemplateSet, job: &Job) -> bool {
    !matches!(job, Job::Taxonomy(_) | Job::TermPage { .. }) || set.tera.contains_template(job_template(site, job))
}

/// The template a job renders with.
fn job_template<'a>(site: &'a Site, job: &Job) -> &'a str {
    match *job {
        Job::Page(id) => &site.pages[id].template,
        Job::SectionPage { section, .. } => &site.pages[section].template,
        Job::Taxonomy(t) => site.taxonomies[t].def.template.as_deref().unwrap_or("taxonomy.html"),
        Job::TermPage { tax, .. } => site.taxonomies[tax].def.term_template.as_deref().unwrap_or("term.html"),
        Job::Search => "search.html",
    }
}

/// Fingerprint of the small site-wide value every page sees.
fn site_fingerprint(values: &Values) -> u64 {
    use std::hash::Hasher;
    let mut h = crate::hash::hasher();
    fingerprint::hash_tera(&values.site, &mut h);
    h.finish()
}

/// Fingerprint of everything one job's output depends on.
fn job_fingerprint(site: &Site, job: &Job, site_fp: u64, inc: &Incremental<'_>) -> u64 {
    use std::hash::{Hash, Hasher};
    let fps = inc.fingerprints;
    let mut h = crate::hash::hasher();
    (site_fp, inc.templates).hash(&mut h);
    match *job {
        Job::Page(id) => (1u8, fps.full[id]).hash(&mut h),
        Job::SectionPage { section, index, total } => {
            (2u8, fps.full[section], index, total, site.pages[section].paginate_by).hash(&mut h)
        }
        Job::Taxonomy(t) => (3u8, t, fps.taxonomies[t]).hash(&mut h),
        Job::TermPage { tax, term, index, total } => (4u8, tax, term, index, total, fps.taxonomies[tax]).hash(&mut h),
        Job::Search => 5u8.hash(&mut h),
    }
    job_template(site, job).hash(&mut h);
    h.finish()
}

/// Templates that are referenced but do not exist: (template, a page that uses it).
fn missing_templates(site: &Site, set: &TemplateSet) -> (Vec<(String, String)>, Vec<Diagnostic>) {
    let mut missing: Vec<(String, String)> = Vec::new();
    for p in &site.pages {
        if !set.tera.contains_template(&p.template) && !missing.iter().any(|(t, _)| t == &p.template) {
            missing.push((p.template.clone(), format!("content/{}", p.rel)));
        }
    }
    let mut diags = Vec::new();
    for (tpl, used_by) in &missing {
        let mut d = at_template_key(site, used_by, tpl, format!("template `{tpl}` not found"));
        if let Some(c) = crate::diagnostic::closest(tpl, set.names.iter().map(String::as_str)) {
            d = d.with_help(format!("did you mean `{c}`?"));
        } else {
            d = d.with_help("add it to the theme's templates/ folder or the site's templates/ folder");
        }
        diags.push(d);
    }
    (missing, diags)
}

/// An error at the `template:` line of `file`'s front matter (read again: this runs only when
/// there is an error), or naming the file when no such line is found.
fn at_template_key(site: &Site, file: &str, tpl: &str, msg: String) -> Diagnostic {
    let text = std::fs::read_to_string(site.config.root.join(file)).unwrap_or_default();
    let found = text.lines().enumerate().find_map(|(i, l)| {
        let rest = l.strip_prefix("template")?.trim_start();
        (rest.starts_with(':') || rest.starts_with('=')).then(|| (i + 1, l.find(tpl).map_or(1, |c| c + 1)))
    });
    match found {
        Some((line, col)) => {
            Diagnostic::at(file, &text, crate::diagnostic::Span::at(line, col).with_len(tpl.len()), msg)
        }
        None => Diagnostic::in_file(file, msg),
    }
}

/// One job of an incremental build: its output, the memo entry for it (`None` when it
/// failed), and whether the output is the memo's (`reused`).
struct Done {
    result: JobResult,
    memo: Option<Memoized>,
    reused: bool,
}

/// The job's output from the memo when it would render the same ([`Memoized::still_valid`]
/// with its fingerprint `fp`); `None` when it must be rendered again.
fn reused(
    site: &Site,
    values: &Values,
    set: &TemplateSet,
    (job, path): (&Job, &str),
    fp: u64,
    inc: &Incremental<'_>,
    missing: &[(String, String)],
) -> Option<Done> {
    let old = inc.memo.get(path)?;
    if !old.still_valid(fp, values, inc.fingerprints) {
        return None;
    }
    // Debug builds (the test suite) check the promise behind that: the page would render to
    // the same bytes.
    if cfg!(debug_assertions) {
        if let Some(Ok(Output { data: OutputData::Bytes(b), .. })) =
            render_job(site, values, &set.tera, job, missing, &Metrics::default())
        {
            assert!(*b == **old.bytes, "{path} was kept from the last build but renders differently now");
        }
    }
    let memo = Memoized { fp, reads: old.reads.clone(), reads_fp: old.reads_fp, bytes: old.bytes.clone() };
    let result = Ok(Output { path: path.to_string(), data: OutputData::Shared(old.bytes.clone()) });
    Some(Done { result, memo: Some(memo), reused: true })
}

/// Renders a job, recording what it reads through the site functions, and makes its memo
/// entry (job fingerprint `fp`). `None` when the job renders nothing (a taxonomy without
/// its template).
#[allow(clippy::too_many_arguments)]
fn render_recording(
    site: &Site,
    values: &Values,
    set: &TemplateSet,
    job: &Job,
    fp: u64,
    fingerprints: &fingerprint::Fingerprints,
    missing: &[(String, String)],
    metrics: &Metrics,
) -> Option<Done> {
    let (r, reads) = deps::recording(|| render_job(site, values, &set.tera, job, missing, metrics));
    let reads_fp = deps::reads_fingerprint(&reads, &values.lookup, fingerprints);
    let reads: Arc<[deps::Read]> = reads.into();
    Some(match r? {
        Ok(Output { path, data: OutputData::Bytes(b) }) => {
            let bytes = Arc::new(b);
            let memo = Memoized { fp, reads, reads_fp, bytes: bytes.clone() };
            Done { result: Ok(Output { path, data: OutputData::Shared(bytes) }), memo: Some(memo), reused: false }
        }
        other => Done { result: other, memo: None, reused: false },
    })
}

/// The incremental render of `jobs` (with their output paths): each is taken from the memo
/// when it would render the same, else rendered, now or (as `inc.defer` says) later.
/// Returns what was done and the jobs left for later. When a page rendered now fails, the
/// others are rendered too, so that every problem is reported at once.
#[allow(clippy::too_many_arguments)]
fn render_jobs(
    site: &Site,
    values: &Values,
    set: &TemplateSet,
    jobs: Vec<(Job, String)>,
    site_fp: u64,
    inc: &Incremental<'_>,
    missing: &[(String, String)],
    metrics: &Metrics,
) -> (Vec<Done>, Vec<DeferredJob>) {
    let checked: Vec<Result<Done, (Job, String, u64)>> = jobs
        .into_par_iter()
        // A taxonomy without its template renders nothing: no output, no memo entry, never pending.
        .filter(|(job, _)| renders_something(site, set, job))
        .map(|(job, path)| {
            let fp = job_fingerprint(site, &job, site_fp, inc);
            reused(site, values, set, (&job, &path), fp, inc, missing).ok_or((job, path, fp))
        })
        .collect();
    let mut done = Vec::with_capacity(checked.len());
    let mut now = Vec::new();
    for c in checked {
        match c {
            Ok(d) => done.push(d),
            Err(dirty) => now.push(dirty),
        }
    }
    let mut later = Vec::new();
    if let Some(defer) = inc.defer.as_ref().filter(|d| now.len() > d.limit) {
        (now, later) = now.into_iter().partition(|(_, path, _)| defer.open.contains(path));
    }
    let render = |(job, _, fp): (Job, String, u64)| {
        render_recording(site, values, set, &job, fp, inc.fingerprints, missing, metrics)
    };
    let rendered: Vec<Done> = now.into_par_iter().filter_map(render).collect();
    let failed = rendered.iter().any(|d| d.result.is_err());
    done.extend(rendered);
    if failed {
        done.extend(std::mem::take(&mut later).into_par_iter().filter_map(render).collect::<Vec<_>>());
    }
    (done, later.into_iter().map(|(job, path, fp)| DeferredJob { job, path, fp }).collect())
}

/// Renders the pages of an earlier build that a patch (`pipeline::patch`) affected: those
/// showing a page whose full value changed, the pages of changed taxonomies, and pages that
/// read something through the site functions that a patch can change. Jobs whose
/// fingerprint and reads are unchanged are skipped; only the rendered files are returned.
pub fn render_patch(
    site: &Site,
    values: Arc<Values>,
    set: &mut TemplateSet,
    inc: Incremental<'_>,
    pages: &std::collections::HashSet<PageId>,
    taxonomies: &[usize],
) -> RenderResult {
    templates::register_site_functions(&mut set.tera, values.clone());
    let set = &*set;
    // The patched build succeeded before, so no template is missing.
    let missing = Vec::new();
    let site_fp = site_fingerprint(&values);
    let metrics = &Metrics::default();
    // Besides the pages showing what changed: every page that read something a patch can
    // change through the site functions (whether it still returns the same is checked per page).
    let affected = |(job, path): &(Job, String)| {
        let shows_a_change = match *job {
            Job::Page(id) => pages.contains(&id),
            Job::SectionPage { section, .. } => pages.contains(&section),
            Job::Taxonomy(t) | Job::TermPage { tax: t, .. } => taxonomies.contains(&t),
            Job::Search => false,
        };
        shows_a_change || inc.memo.get(path).is_none_or(|m| m.reads.iter().any(deps::patch_may_change))
    };
    let jobs: Vec<(Job, String)> = all_jobs(site)
        .into_par_iter()
        .map(|job| {
            let path = output_path(&job_path(site, &job));
            (job, path)
        })
        .filter(affected)
        .collect();
    let (done, later) = render_jobs(site, &values, set, jobs, site_fp, &inc, &missing, metrics);
    for j in &later {
        inc.memo.remove(&j.path);
    }
    let mut outputs = Vec::new();
    let mut failures = Vec::new();
    for Done { result, memo, .. } in done.into_iter().filter(|d| !d.reused) {
        match result {
            Ok(o) => {
                if let Some(m) = memo {
                    inc.memo.insert(o.path.clone(), m);
                }
                outputs.push(o);
            }
            Err(e) => failures.push(e),
        }
    }
    let metrics = std::mem::take(&mut *metrics.0.lock().unwrap_or_else(|e| e.into_inner()));
    RenderResult {
        outputs,
        diagnostics: templates::template_errors(failures, set),
        metrics: Metrics(std::sync::Mutex::new(metrics)).slowest(),
        write_error: None,
        deferred: (!later.is_empty()).then_some(Deferred { jobs: later, missing, failures: Vec::new() }),
    }
}

/// Renders every HTML page, feed, sitemap, redirect and data file of the site.
/// With `incremental`, a page whose job fingerprint is unchanged is not rendered again.
pub fn render_site(
    site: &Site,
    values: Arc<Values>,
    set: &mut TemplateSet,
    incremental: Option<Incremental<'_>>,
    data_memo: Option<&mut data::DataMemo>,
    sink: Option<&Staging>,
) -> RenderResult {
    let write_error: std::sync::Mutex<Option<OutputError>> = Default::default();
    let metrics = &Metrics::default();
    templates::register_site_functions(&mut set.tera, values.clone());
    let set = &*set;
    let tera = &set.tera;
    let jobs = all_jobs(site);
    // Missing templates are reported once per template, naming a page that uses it.
    let (missing, mut diags) = missing_templates(site, set);
    let site_fp = site_fingerprint(&values);
    let pages = || match &incremental {
        // A one-off build streams rendered pages straight to the output stage's staging
        // folder instead of holding them all in memory.
        None => (
            jobs.par_iter()
                .filter_map(|job| render_job(site, &values, tera, job, &missing, metrics))
                .filter_map(|r| match (r, sink) {
                    (Ok(o), Some(s)) => {
                        if let Err(e) = s.put(&o) {
                            if let Ok(mut w) = write_error.lock() {
                                w.get_or_insert(e);
                            }
                        }
                        None
                    }
                    (r, _) => Some(r),
                })
                .collect(),
            None,
            None,
        ),
        Some(inc) => {
            let jobs: Vec<(Job, String)> = jobs
                .into_par_iter()
                .map(|job| {
                    let path = output_path(&job_path(site, &job));
                    (job, path)
                })
                .collect();
            let (done, later) = render_jobs(site, &values, set, jobs, site_fp, inc, &missing, metrics);
            let deferred =
                (!later.is_empty()).then(|| Deferred { jobs: later, missing: missing.clone(), failures: Vec::new() });
            let mut memo = RenderMemo::with_capacity(done.len());
            let mut results = Vec::with_capacity(done.len());
            for Done { result, memo: m, .. } in done {
                if let (Ok(o), Some(m)) = (&result, m) {
                    memo.insert(o.path.clone(), m);
                }
                results.push(result);
            }
            (results, Some(memo), deferred)
        }
    };
    // The other files read no page's HTML: they are made while the pages render.
    let others = || {
        let mut diags = Vec::new();
        let mut outputs = special::outputs(site, &values, set, &mut diags);
        outputs.extend(data::open_data(site, data_memo));
        (outputs, diags)
    };
    let ((results, new_memo, deferred), (others, other_diags)): ((Vec<JobResult>, Option<RenderMemo>, _), _) =
        rayon::join(pages, others);
    if let (Some(inc), Some(memo)) = (incremental, new_memo) {
        drop_elsewhere(std::mem::replace(inc.memo, memo));
    }
    let mut outputs = Vec::with_capacity(results.len() + others.len() + 64);
    let mut failures: Vec<templates::Failure> = Vec::new();
    for r in results {
        match r {
            Ok(o) => outputs.push(o),
            Err(e) => failures.push(e),
        }
    }
    diags.extend(templates::template_errors(failures, set));
    diags.extend(other_diags);
    outputs.extend(others);
    for p in &site.pages {
        for asset in &p.assets {
            outputs
                .push(Output { path: format!("{}{}", p.path, asset.rel), data: OutputData::Copy(asset.abs.clone()) });
        }
    }
    let metrics = std::mem::take(&mut *metrics.0.lock().unwrap_or_else(|e| e.into_inner()));
    RenderResult {
        outputs,
        diagnostics: diags,
        metrics: Metrics(std::sync::Mutex::new(metrics)).slowest(),
        write_error: write_error.into_inner().unwrap_or(None),
        deferred,
    }
}

/// What rendering produced.
pub struct RenderResult {
    /// Files not yet written (all of them, without a sink).
    pub outputs: Vec<Output>,
    pub diagnostics: Vec<Diagnostic>,
    pub metrics: Vec<TemplateMetric>,
    /// The first failure to write a streamed page.
    pub write_error: Option<OutputError>,
    /// The pages left for later (`Incremental::defer`).
    pub deferred: Option<Deferred>,
}

/// The site path a job renders to.
fn job_path(site: &Site, job: &Job) -> String {
    match *job {
        Job::Page(id) => site.pages[id].path.clone(),
        Job::SectionPage { section, index, .. } => paginated_path(&site.pages[section].path, index),
        Job::Taxonomy(t) => site.taxonomy_path(t),
        Job::TermPage { tax, term, index, .. } => paginated_path(&site.term_path(tax, term), index),
        Job::Search => site.config.search.path.clone(),
    }
}

fn render_job(
    site: &Site,
    values: &Values,
    tera: &Tera,
    job: &Job,
    missing: &[(String, String)],
    metrics: &Metrics,
) -> Option<JobResult> {
    let mut ctx = Context::new();
    ctx.insert_value("site", values.site.clone());
    let (template, path, source) = match *job {
        Job::Page(id) => {
            let p = &site.pages[id];
            ctx.insert_value("page", values.own(id));
            (p.template.clone(), p.path.clone(), format!("content/{}", p.rel))
        }
        Job::SectionPage { section, index, total } => {
            let p = &site.pages[section];
            let value = values.own(section);
            ctx.insert_value("page", value.clone());
            ctx.insert_value("section", value);
            let path = paginated_path(&p.path, index);
            ctx.insert_value("paginator", paginator(site, &p.path, &p.pages, p.paginate_by, index, total, values));
            (p.template.clone(), path, format!("content/{}", p.rel))
        }
        Job::Taxonomy(t) => {
            let tax = &site.taxonomies[t];
            let tpl = tax.def.template.clone().unwrap_or_else(|| "taxonomy.html".into());
            if !tera.contains_template(&tpl) {
                return None;
            }
            let tv = values.taxonomies[t].clone();
            ctx.insert_value("taxonomy", tv);
            let title = tax.def.title.clone().unwrap_or_else(|| tax.name.clone());
            ctx.insert_value("page", plain_page(site, &title, &site.taxonomy_path(t), "taxonomy"));
            (tpl, site.taxonomy_path(t), format!("taxonomy {}", tax.name))
        }
        Job::TermPage { tax: t, term, index, total } => {
            let tax = &site.taxonomies[t];
            let tpl = tax.def.term_template.clone().unwrap_or_else(|| "term.html".into());
            if !tera.contains_template(&tpl) {
                return None;
            }
            let base = site.term_path(t, term);
            let name = &tax.terms[term].name;
            ctx.insert_value("taxonomy", values.taxonomies[t].clone());
            ctx.insert_value("term", term_value(site, t, term, &values.stubs, false));
            ctx.insert_value("page", plain_page(site, name, &base, "term"));
            ctx.insert_value(
                "paginator",
                paginator(site, &base, &tax.terms[term].pages, tax.def.paginate_by, index, total, values),
            );
            (tpl, paginated_path(&base, index), format!("taxonomy {} term {}", tax.name, name))
        }
        Job::Search => {
            let path = site.config.search.path.clone();
            let title = site.config.i18n.t("ui.search", &[]);
            ctx.insert_value("page", plain_page(site, &title, &path, "search"));
            ("search.html".to_string(), path, "the search page".to_string())
        }
    };
    if missing.iter().any(|(t, _)| t == &template) {
        return None;
    }
    ctx.insert_value("current_path", Value::from(format!("/{path}")));
    ctx.insert_value("current_url", Value::from(site.url(&path)));
    let start = std::time::Instant::now();
    let result = tera.render(&template, &ctx);
    metrics.record(&template, start.elapsed());
    Some(match result {
        Ok(html) => Ok(Output { path: output_path(&path), data: OutputData::Bytes(html.into_bytes()) }),
        Err(error) => Err(templates::Failure { source, template, error }),
    })
}

/// Drops `value` on a thread of its own, at a low priority: freeing what thousands of pages
/// were made of takes tens of milliseconds that a rebuild (and the pages rendered after it)
/// need not wait for.
pub fn drop_elsewhere<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new().name("innobieb-free".into()).spawn(move || {
        #[cfg(target_os = "linux")]
        // SAFETY: setpriority only reads its arguments; 0 names the calling thread on Linux.
        unsafe {
            libc::setpriority(libc::PRIO_PROCESS, 0, 19);
        }
        drop(value)
    });
}

/// (template, total render time, pages rendered with it).
pub type TemplateMetric = (String, std::time::Duration, usize);

/// Time spent per template (shown by `-v`), to find the slow parts of a theme.
#[derive(Default)]
pub struct Metrics(std::sync::Mutex<std::collections::HashMap<String, (std::time::Duration, usize)>>);

impl Metrics {
    fn record(&self, template: &str, d: std::time::Duration) {
        if let Ok(mut m) = self.0.lock() {
            let e = m.entry(template.to_string()).or_default();
            e.0 += d;
            e.1 += 1;
        }
    }

    /// (template, total time, pages), slowest first.
    pub fn slowest(self) -> Vec<TemplateMetric> {
        let mut v: Vec<_> = self.0.into_inner().unwrap_or_default().into_iter().map(|(t, (d, n))| (t, d, n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

/// A minimal `page` value for pages that have no source file (taxonomies, terms, 404).
pub(super) fn plain_page(site: &Site, title: &str, path: &str, kind: &str) -> Value {
    Obj::new()
        .set("title", title)
        .set("url", site.url(path))
        .set("permalink", site.permalink(path))
        .set("path", format!("/{path}"))
        .set("kind", kind)
        .set("description", Value::none())
        .set("collection", Value::none())
        .set("ancestors", Vec::<Value>::new())
        .build()
}

fn paginator(
    site: &Site,
    base: &str,
    items: &[PageId],
    per_page: Option<usize>,
    index: usize,
    total: usize,
    values: &Values,
) -> Value {
    let n = per_page.filter(|&n| n > 0).unwrap_or(items.len().max(1));
    let start = (index * n).min(items.len());
    let end = ((index + 1) * n).min(items.len());
    let url_of = |i: usize| Value::from(site.url(&paginated_path(base, i)));
    let pagers: Vec<Value> = (0..total)
        .map(|i| Obj::new().set("index", i + 1).set("url", site.url(&paginated_path(base, i))).build())
        .collect();
    Obj::new()
        .set("pages", items[start..end].iter().map(|&i| values.stubs[i].clone()).collect::<Vec<_>>())
        .set("current_index", index + 1)
        .set("number_pagers", total)
        .set("total_pages", items.len())
        .set("paginate_by", n)
        .set("first", url_of(0))
        .set("last", url_of(total.saturating_sub(1)))
        .set("previous", if index > 0 { url_of(index - 1) } else { Value::none() })
        .set("next", if index + 1 < total { url_of(index + 1) } else { Value::none() })
        .set("pagers", pagers)
        .build()
}
