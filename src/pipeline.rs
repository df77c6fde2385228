//! The build, as a table of contents: each stage in the order it runs.
//!
//!   load → parse → resolve → markdown → render (+ search index) → output
//!
//! Every stage is a function of its inputs. `Cache` lets `serve` skip the work
//! whose inputs did not change (a file's parse, a page's Markdown, the compiled
//! templates); a build without a cache does everything once.

use crate::config::Config;
use crate::diagnostic::{Diagnostic, normalize};
use crate::load::{self, SourceFile};
use crate::markdown::{self, Rendered};
use crate::model::Site;
use crate::parse::{self, ParsedDoc};
use crate::render::{self, Output, OutputData, TemplateSet};
use crate::resolve::{self, ResolveOptions};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Overrides `base_url` from site.yaml (used by `serve`).
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Skip rendering (for `check`): validate and resolve only.
    pub check_only: bool,
}

/// A successful build, in memory: the files to write and how long each stage took.
pub struct Built {
    pub site: Site,
    pub outputs: Vec<Output>,
    pub timings: Vec<(&'static str, Duration)>,
    pub page_count: usize,
}

/// Why a build failed: the problems in the input (exit code 1).
#[derive(Debug)]
pub struct Failed {
    pub diagnostics: Vec<Diagnostic>,
    pub timings: Vec<(&'static str, Duration)>,
}

/// Results of earlier builds, reused when their inputs are unchanged.
/// `Cache::none()` (for one-off builds) keeps nothing, so it costs nothing.
#[derive(Default)]
pub struct Cache {
    enabled: bool,
    parsed: HashMap<String, (u64, Result<ParsedDoc, Vec<Diagnostic>>)>,
    markdown: HashMap<u64, Rendered>,
    templates: Option<(u64, TemplateSet)>,
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
}

fn hash_of<T: Hash + ?Sized>(v: &T) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

struct Timer {
    start: Instant,
    timings: Vec<(&'static str, Duration)>,
}

impl Timer {
    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.timings.push((stage, now - self.start));
        self.start = now;
    }
}

/// Builds the site in memory. Writing is the caller's job (`output::write_site`
/// for `build`, the in-memory server for `serve`).
pub fn build_site(opts: &BuildOptions, cache: &mut Cache) -> Result<Built, Failed> {
    let mut t = Timer { start: Instant::now(), timings: Vec::new() };
    let mut diags = Vec::new();

    // 1. Configuration and files.
    let mut config = Config::load(&opts.root).map_err(|d| Failed { diagnostics: d, timings: Vec::new() })?;
    if let Some(base) = &opts.base_url {
        config.base_url = if base.ends_with('/') { base.clone() } else { format!("{base}/") };
        config.base_path = crate::config::base_path_of(&config.base_url);
    }
    let (sources, load_diags) = load::load(&config);
    diags.extend(load_diags);
    t.lap("load");

    // 2. Parse every Markdown file (cached by content hash). The texts are not needed after this.
    let load::Sources { content, assets, templates, statics } = sources;
    let docs = parse_all(content, cache, &mut diags);
    t.lap("parse");

    // 3. Validate against the model and resolve references, links and backlinks.
    let (site, resolve_diags) = resolve::resolve(&config, docs, &assets, &ResolveOptions { drafts: opts.drafts });
    diags.extend(resolve_diags);
    t.lap("resolve");

    // Templates compile even when content has errors, so both kinds are reported together.
    let template_hash = hash_of(&templates.iter().map(|t| (&t.name, &t.text)).collect::<Vec<_>>());
    let templates_ok = match cache.templates.take() {
        Some((h, set)) if h == template_hash => Some(set),
        _ => match render::build_tera(&templates) {
            Ok(set) => Some(set),
            Err(d) => {
                diags.extend(d);
                None
            }
        },
    };
    if !diags.is_empty() || opts.check_only {
        if let Some(set) = templates_ok {
            cache.templates = Some((template_hash, set));
        }
        return finish_failed(diags, t, site);
    }
    let mut set = templates_ok.expect("no diagnostics means templates compiled");
    t.lap("templates");

    // 4. Markdown (cached by body and link targets).
    let rendered = render_markdown(&site, cache);
    t.lap("markdown");

    // 5. Search index, from the content model and the rendered text.
    let search_files = match crate::search::build_index(&site, &rendered) {
        Ok(files) => files,
        Err(d) => {
            diags.push(d);
            Vec::new()
        }
    };
    t.lap("search");

    // 6. Templates, feeds, sitemap, open data. The rendered Markdown moves into the template values.
    let (mut outputs, render_diags) = render::render_site(&site, rendered, &mut set);
    if cache.enabled {
        cache.templates = Some((template_hash, set));
    }
    diags.extend(render_diags);
    outputs.extend(search_files);
    t.lap("render");

    if !diags.is_empty() {
        return finish_failed(diags, t, site);
    }
    for s in &statics {
        outputs.push(Output { path: s.rel.clone(), data: OutputData::Copy(s.abs.clone()) });
    }
    dedupe_outputs(&mut outputs);
    let page_count = site.pages.len();
    Ok(Built { site, outputs, timings: t.timings, page_count })
}

fn finish_failed(mut diags: Vec<Diagnostic>, t: Timer, _site: Site) -> Result<Built, Failed> {
    normalize(&mut diags);
    Err(Failed { diagnostics: diags, timings: t.timings })
}

fn parse_all(files: Vec<SourceFile>, cache: &mut Cache, diags: &mut Vec<Diagnostic>) -> Vec<ParsedDoc> {
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
                Ok(doc) => doc,
                Err(d) => {
                    diags.extend(d);
                    ParsedDoc::placeholder(&rel)
                }
            })
            .collect();
    }
    let hashes: Vec<u64> = files.par_iter().map(|f| hash_of(&f.text)).collect();
    let results: Vec<Result<ParsedDoc, Vec<Diagnostic>>> = files
        .par_iter()
        .zip(&hashes)
        .map(|(f, h)| match cache.parsed.get(&f.rel) {
            Some((ch, r)) if ch == h => r.clone(),
            _ => parse::parse(f),
        })
        .collect();
    let mut docs = Vec::with_capacity(files.len());
    let mut next_cache = HashMap::with_capacity(files.len());
    for ((f, h), r) in files.iter().zip(hashes).zip(results) {
        match &r {
            Ok(doc) => docs.push(doc.clone()),
            Err(d) => {
                diags.extend(d.iter().cloned());
                docs.push(ParsedDoc::placeholder(&f.rel));
            }
        }
        next_cache.insert(f.rel.clone(), (h, r));
    }
    cache.parsed = next_cache;
    docs
}

fn render_markdown(site: &Site, cache: &mut Cache) -> Vec<Rendered> {
    let render = |p: &crate::model::Page| markdown::render(&p.body, &p.links, &p.headings);
    if !cache.enabled {
        return site.pages.par_iter().map(render).collect();
    }
    let keys: Vec<u64> = site
        .pages
        .par_iter()
        .map(|p| {
            let mut links: Vec<(&String, &String)> = p.links.iter().collect();
            links.sort();
            hash_of(&(&p.body, links, &p.headings.iter().map(|h| &h.id).collect::<Vec<_>>()))
        })
        .collect();
    let rendered: Vec<Rendered> = site
        .pages
        .par_iter()
        .zip(&keys)
        .map(|(p, k)| match cache.markdown.get(k) {
            Some(r) => r.clone(),
            None => render(p),
        })
        .collect();
    cache.markdown = keys.into_iter().zip(rendered.iter().cloned()).collect();
    rendered
}

/// The first output for a path wins (pages before static files); later ones are dropped.
fn dedupe_outputs(outputs: &mut Vec<Output>) {
    let mut seen = std::collections::HashSet::with_capacity(outputs.len());
    outputs.retain(|o| seen.insert(o.path.clone()));
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
}
