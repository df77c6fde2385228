//! `serve`'s fast path for the most common edit: new text in pages that already exist,
//! with their front matter, link targets and headings as they were. Then nothing that
//! `resolve` computed can change, so the last build is patched instead of rebuilt:
//! only the changed files are read, parsed and rendered to HTML, and only the pages that
//! show them are rendered again (and those whose site-function calls read something a
//! patch can change: a page, a collection, a taxonomy's pages, the newest pages). The
//! work is proportional to the edit, not to the site, except for checking those reads.
//!
//! Invariant: a patched build equals a full build of the same files. Every cache the
//! full path reads (stamps and parses, Markdown, fingerprints, values, rendered pages,
//! search records) is updated here in the same way, so the two paths can alternate;
//! `tests/serve.rs` compares the served site with a fresh build after random edits.

use super::rebuild::{Cache, Parsed, markdown_key};
use super::{Built, Failed, Timer, finish_failed, sorted};
use crate::load::{self, Stamp};
use crate::model::PageId;
use crate::render::fingerprint::{self as fp, Fingerprints};
use crate::{markdown, parse, render, search};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

/// Patches the last build for changed content files (relative to `content/`). `None`
/// when the change is not one a patch can handle; the caller then builds in full.
pub(super) fn patch(
    root: &Path,
    cache: &mut Cache,
    rels: &[String],
    defer: Option<render::Defer<'_>>,
) -> Option<Result<Built, Failed>> {
    let mut t = Timer::new(false);
    if rels.is_empty() || cache.templates.is_none() {
        return None;
    }
    let last = cache.last.as_ref()?;
    // Shortcodes anywhere may show the changed page, and so may the 404 page, feeds and the
    // sitemap when their templates call site functions: the full path handles them.
    if last.shortcodes || cache.templates.as_ref().is_some_and(|(_, set)| set.special_read_site) {
        return None;
    }
    // In a git work tree, a file changed during the session counts as changed today.
    let today = cache.in_git().then(crate::date::today);
    let content_dir = root.join("content");

    // 1. Read and parse the changed files. Anything but new text in a known page (a new or
    // deleted file, a symlink, an error, a change to what `resolve` reads) is left to a full build.
    let mut rels: Vec<&String> = rels.iter().collect();
    rels.sort();
    rels.dedup();
    let mut fresh = Vec::with_capacity(rels.len());
    for rel in rels {
        let &id = last.site.by_rel.get(rel.as_str())?;
        // A page that now counts as changed today has a new date in the sitemap and feeds,
        // which a patch does not render: the full path does.
        if last.site.pages[id].implicit || (today.is_some() && last.site.pages[id].updated != today) {
            return None;
        }
        let abs = content_dir.join(rel);
        if !std::fs::symlink_metadata(&abs).ok()?.is_file() {
            return None;
        }
        let stamp = Stamp::of(&abs);
        let mut file = load::read_source(rel, &abs, &format!("content/{rel}")).ok()?;
        file.stamp = stamp;
        let doc = parse::parse(&file).ok()?;
        // Shortcodes are expanded by the full path (their templates may read anything).
        if doc.shortcodes {
            return None;
        }
        match cache.parsed.get(rel.as_str()).map(|f| &f.result) {
            Some(Ok(old)) if old.resolve_key() == doc.resolve_key() => {}
            _ => return None,
        }
        fresh.push((id, stamp, doc));
    }
    t.lap("parse");

    // From here on the patch cannot fail for a reason a full build would not also report.
    let Cache {
        parsed,
        next_version,
        markdown: md_cache,
        templates,
        values: value_memo,
        rendered_pages,
        records,
        last,
        deferred,
        ..
    } = cache;
    let last_build = last;
    let last = last_build.as_mut().expect("checked above");
    let (template_hash, set) = templates.as_mut().expect("checked above");

    // 2. Markdown of the changed pages.
    let mut changed: Vec<PageId> = Vec::with_capacity(fresh.len());
    let i18n = last.site.config.i18n.clone();
    let words = crate::hash::hash_of(&*i18n);
    // The last build's values were detached when this rebuild began: site and texts are ours.
    let (site, texts) = (Arc::make_mut(&mut last.site), Arc::make_mut(&mut last.rendered));
    for (id, stamp, doc) in fresh {
        *next_version += 1;
        let page = &mut site.pages[id];
        page.take_body(&doc);
        if today.is_some() {
            page.updated = today.clone();
        }
        let key = markdown_key(*next_version, page, *template_hash, words);
        let rendered = markdown::render(&page.body, &page.links, &page.headings, &i18n);
        let resolve_key = doc.resolve_key();
        let parse = Parsed { stamp, version: *next_version, result: Ok(Arc::new(doc)), key: resolve_key };
        parsed.insert(page.rel.clone(), parse);
        md_cache.insert(page.rel.clone(), (key, rendered.clone()));
        texts[id] = rendered;
        last.content_keys[id] = key;
        changed.push(id);
    }
    t.lap("markdown");

    // 3. What else shows them: fingerprints of the changed pages, then of the pages and
    // taxonomies that list a page whose stub (title, summary, ...) changed.
    let site = &last.site;
    let (stubs_changed, full_changed, taxonomies_changed) =
        refingerprint(site, &last.rendered, &last.content_keys, &mut last.fingerprints, &changed);
    let source = render::context::Source { site: last.site.clone(), rendered: last.rendered.clone() };
    let values = Arc::new(render::context::patch(
        &last.values,
        source,
        &last.fingerprints,
        (&stubs_changed, &full_changed, &taxonomies_changed),
        value_memo,
    ));
    let retired = std::mem::replace(&mut last.values, values.clone());
    // Only the edited pages' records change: a record shows no other page's text.
    let record_fps: Vec<(PageId, u64)> =
        changed.iter().map(|&id| (id, fp::record_fp(last.fingerprints.stub[id], last.content_keys[id]))).collect();
    let search = search::defer_patched(site, &last.rendered, &record_fps, records);
    t.lap("values");

    // 4. Render what changed. Feeds, the sitemap, redirects and open data show no page text
    // (checked above: their templates call no site functions, and no page's date changed).
    let pages: HashSet<PageId> = full_changed.iter().copied().collect();
    let incremental = render::Incremental {
        fingerprints: &last.fingerprints,
        templates: *template_hash,
        memo: rendered_pages,
        defer,
    };
    let result = render::render_patch(site, values, set, incremental, &pages, &taxonomies_changed);
    render::drop_elsewhere(retired);
    let (collection_count, page_count) = (site.collections.len(), site.pages.len());
    t.lap("render");
    if !result.diagnostics.is_empty() {
        // Nothing of this patch is published, so the next build must not patch on top of it:
        // without a last build it starts from the caches and publishes every file.
        *last_build = None;
        return Some(finish_failed(result.diagnostics, t));
    }
    *deferred = result.deferred;
    Some(Ok(Built {
        outputs: result.outputs,
        pending: deferred.as_ref().map(render::Deferred::paths).unwrap_or_default(),
        search,
        written: None,
        collection_count,
        page_count,
        timings: t.take(),
        template_metrics: result.metrics,
        patch: true,
        // The warnings stay what they were (site.yaml and the front matter are unchanged).
        warnings: sorted(site.config.warnings.iter().chain(last.memo.warnings()).cloned().collect()),
    }))
}

/// Recomputes the fingerprints touched by new text in `changed` pages and returns what
/// changed: (stubs, full values, taxonomies).
fn refingerprint(
    site: &crate::model::Site,
    rendered: &[markdown::Rendered],
    content_keys: &[u64],
    fps: &mut Fingerprints,
    changed: &[PageId],
) -> (Vec<PageId>, Vec<PageId>, Vec<usize>) {
    let link = |id: PageId| fp::link_fp(&site.pages[id]);
    let mut stubs_changed = Vec::new();
    for &id in changed {
        let stub = fp::stub_fp(site, &site.pages[id], &rendered[id], &link);
        if stub != fps.stub[id] {
            fps.stub[id] = stub;
            stubs_changed.push(id);
        }
    }
    let mut candidates: Vec<PageId> = changed.to_vec();
    if !stubs_changed.is_empty() {
        let readers = fp::stub_readers(site);
        for &id in &stubs_changed {
            candidates.extend(&readers[id]);
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut full_changed = Vec::new();
    for id in candidates {
        let full = fp::full_fp(site, &site.pages[id], content_keys[id], &fps.stub);
        if full != fps.full[id] {
            fps.full[id] = full;
            full_changed.push(id);
        }
    }
    let mut taxonomies: Vec<usize> =
        stubs_changed.iter().flat_map(|&id| site.pages[id].terms.iter().map(|t| t.0)).collect();
    taxonomies.sort_unstable();
    taxonomies.dedup();
    let mut taxonomies_changed = Vec::new();
    for t in taxonomies {
        let f = fp::taxonomy_fp(site, t, &fps.stub);
        if f != fps.taxonomies[t] {
            fps.taxonomies[t] = f;
            taxonomies_changed.push(t);
        }
    }
    let mut collections: Vec<usize> = stubs_changed
        .iter()
        .filter_map(|&id| site.pages[id].collection.as_ref().and_then(|c| site.collections.get_index_of(c)))
        .collect();
    collections.sort_unstable();
    collections.dedup();
    for c in collections {
        fps.collections[c] = fp::collection_fp(site, c, &fps.stub);
    }
    (stubs_changed, full_changed, taxonomies_changed)
}
