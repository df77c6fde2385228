//! Stage 3: validate every page against the content model and resolve the graph.
//!
//! `ParsedDoc`s + `Config` in, an immutable `Site` out: URLs assigned, fields
//! checked and typed, references and body links resolved to pages (with anchors
//! checked), backlinks grouped, taxonomy terms collected, related pages scored,
//! and every list sorted. Everything here is linear in the number of pages and
//! references (related pages skip over-common features to stay that way).
//! Invariant: no HTML is produced here; all problems are returned together.

use crate::config::{CollectionDef, Config, FieldDef, FieldKind, Order, SortBy, TermOrder};
use crate::diagnostic::{Diagnostic, Source, Span, closest, example_page};
use crate::load::{Asset, StaticFile};
use crate::model::{Backlink, BacklinkGroup, CollectionIndex, Page, PageId, Shared, Site, Taxonomy, Term, Value};
use crate::parse::{DocKind, ParsedDoc};
use crate::schema::{Checker, RefLookup};
use crate::slug::{MAX_SEGMENT_BYTES, check_user_slug, slugify};
use crate::yaml::{Seg, Target};
use indexmap::IndexMap;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

mod again;
pub use again::{inputs_key, resolve_again};

/// One page's resolved body links: the link map, the pages they point to and errors.
type LinkResult = (HashMap<String, String>, Vec<PageId>, Vec<Diagnostic>);
/// Terms a page's `[taxonomies]` table gives: (taxonomy, term).
type Terms = Vec<(String, String)>;
/// An incoming reference: (group order, source page, field path, enclosing record).
type Incoming = (usize, PageId, String, Option<IndexMap<String, Value>>);

/// How many related pages each page gets.
const RELATED_COUNT: usize = 5;
/// Features (a reference target, a term) shared by more pages than this say little
/// about relatedness and would make the computation quadratic; they are skipped.
const RELATED_MAX_POSTING: usize = 50;

pub struct ResolveOptions {
    pub drafts: bool,
    /// When each content file last changed (see `crate::git`).
    pub updated: crate::git::Dates,
}

/// The stage's plan: each step is a function below, in the order they run.
pub fn resolve(
    config: &Config,
    docs: Vec<Arc<ParsedDoc>>,
    assets: &[Asset],
    statics: &[StaticFile],
    opts: &ResolveOptions,
) -> (Site, Vec<Diagnostic>) {
    let (site, diags, _) = resolve_keeping(config, docs, assets, statics, opts);
    (site, diags)
}

/// [`resolve`], keeping what [`resolve_again`] needs to redo only what changed documents affect.
pub fn resolve_keeping(
    config: &Config,
    docs: Vec<Arc<ParsedDoc>>,
    assets: &[Asset],
    statics: &[StaticFile],
    opts: &ResolveOptions,
) -> (Site, Vec<Diagnostic>, Memo) {
    let mut diags = Vec::new();
    let (docs, draft_slugs) = leave_out_drafts(config, docs, opts.drafts);
    let mut pages = pages_and_urls(config, &docs, &opts.updated, &mut diags);
    let by_rel: HashMap<String, PageId> = pages.iter().map(|p| (p.rel.clone(), p.id)).collect();
    let home = by_rel["_index.md"];
    diags.extend(duplicate_urls(&pages, &docs));
    let folder_section = assign_parents(&mut pages, home);
    let (extra_terms, warnings) = check_fields(config, &docs, &mut pages, &draft_slugs, &mut diags);
    let body_targets = resolve_body_links(config, &docs, &mut pages, &by_rel, &mut diags);
    let asset_outputs = assign_assets(&mut pages, assets, &folder_section, home);
    let (collections, rank) = sort_collections(config, &mut pages, &folder_section);
    add_backlinks(config, &mut pages, &rank, &body_targets);
    let taxonomies = collect_taxonomies(config, &mut pages, &rank, &extra_terms);
    let mut related = RelatedIndex::new(&pages);
    let all = (0..pages.len()).collect();
    related.set_related(&mut pages, all);
    let site = Site { config: config.clone(), pages, home, by_rel, collections, taxonomies };
    // Two sources written to one file, or a file where a folder is needed.
    diags.extend(crate::collisions::check(&site, &docs, &asset_outputs, statics));
    let memo = Memo {
        incremental: false,
        clean: diags.iter().all(|d| d.warning),
        warnings,
        inputs: again::inputs_key(config, opts.drafts, assets, statics),
        docs,
        draft_slugs,
        folder_section,
        asset_outputs,
        extra_terms,
        body_targets,
        rank,
        related,
    };
    (site, diags, memo)
}

/// What one resolve keeps for the next (`serve`'s rebuilds; see [`resolve_again`]).
pub struct Memo {
    /// Whether [`resolve_again`] made it by updating the one before.
    pub(crate) incremental: bool,
    /// Whether it reported no errors (warnings may be): only then are its results reused.
    clean: bool,
    /// Per page: the warnings of its fields (the only warnings `resolve` gives).
    warnings: Vec<Vec<Diagnostic>>,
    /// Everything it read but the documents: site.yaml, `--drafts`, asset and static paths.
    inputs: u64,
    /// The documents of the pages (page `i` is `docs[i]`), drafts left out.
    docs: Vec<Arc<ParsedDoc>>,
    draft_slugs: HashSet<(String, String)>,
    folder_section: HashMap<String, PageId>,
    asset_outputs: Vec<(String, String)>,
    /// Per page: the terms its `[taxonomies]` table gave.
    extra_terms: Vec<Terms>,
    /// Per page: the pages its text links to (itself left out).
    body_targets: Vec<Vec<PageId>>,
    /// Per page: its place in its collection's order (0 outside collections).
    rank: Vec<usize>,
    related: RelatedIndex,
}

impl Memo {
    /// The warnings the site's pages have (those of their fields).
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.warnings.iter().flatten()
    }

    /// The pages kept their front matter, links and headings and only their bodies changed
    /// (`serve` reused the site as it was): these are the documents now.
    pub fn bodies_changed(&mut self, docs: &[Arc<ParsedDoc>]) {
        self.incremental = true;
        let now: HashMap<&str, &Arc<ParsedDoc>> = docs.iter().map(|d| (d.rel.as_str(), d)).collect();
        for d in self.docs.iter_mut() {
            if let Some(new) = now.get(d.rel.as_str()) {
                *d = Arc::clone(new);
            }
        }
    }
}

/// Drafts are left out unless `--drafts`; returns the other documents and the drafts'
/// (collection, slug), so that a reference to a draft gets its own message.
fn leave_out_drafts(
    config: &Config,
    docs: Vec<Arc<ParsedDoc>>,
    drafts: bool,
) -> (Vec<Arc<ParsedDoc>>, HashSet<(String, String)>) {
    let mut draft_slugs: HashSet<(String, String)> = HashSet::new();
    let mut kept = Vec::with_capacity(docs.len());
    for doc in docs {
        if doc.common.draft && !drafts {
            if let Some(coll) = collection_of(config, &doc.rel) {
                draft_slugs.insert((coll.to_string(), page_slug_candidate(&doc)));
            }
            continue;
        }
        kept.push(doc);
    }
    (kept, draft_slugs)
}

/// Step 1: a page with its URL for every document (page `i` is `docs[i]`), then an implicit
/// section for each collection without `_index.md`, and an implicit home.
fn pages_and_urls(
    config: &Config,
    docs: &[Arc<ParsedDoc>],
    updated: &crate::git::Dates,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Page> {
    let mut pages: Vec<Page> = Vec::with_capacity(docs.len() + 8);
    let section_folders: HashSet<String> =
        docs.iter().filter(|d| d.kind == DocKind::Section).map(|d| folder_of(&d.rel).to_string()).collect();
    for doc in docs.iter() {
        let mut page = skeleton(config, doc, pages.len(), diags);
        page.updated = updated.get(&doc.rel).cloned();
        pages.push(page);
    }
    for (name, def) in &config.collections {
        let folder = def.folder.clone().unwrap_or_else(|| name.clone());
        if !section_folders.contains(&folder) {
            let id = pages.len();
            pages.push(implicit_section(
                config,
                id,
                &folder,
                def.title.clone().unwrap_or_else(|| name.clone()),
                Some(name.clone()),
                def,
            ));
        }
    }
    if !section_folders.contains("") {
        let id = pages.len();
        let mut home = implicit_section(config, id, "", config.title.clone(), None, &CollectionDef::empty());
        home.template = "index.html".into();
        pages.push(home);
    }
    diags.extend(long_segments(&pages, docs));
    pages
}

/// Duplicate URLs (two pages with one slug) are errors naming both files.
fn duplicate_urls(pages: &[Page], docs: &[Arc<ParsedDoc>]) -> Vec<Diagnostic> {
    let mut by_path: BTreeMap<&str, PageId> = BTreeMap::new();
    let mut dup_errors = Vec::new();
    for p in pages {
        if let Some(&first) = by_path.get(p.path.as_str()) {
            dup_errors.push((first, p.id));
        } else {
            by_path.insert(&p.path, p.id);
        }
    }
    dup_errors
        .into_iter()
        .map(|(first, second)| {
            let (a, b) = (&pages[first], &pages[second]);
            let msg = format!("`/{}` is the URL of two pages: content/{} and content/{}", b.path, a.rel, b.rel);
            let d = match docs.get(second) {
                Some(doc) if doc.common.slug.is_some() => doc.diag_at(&[Seg::Key("slug".into())], Target::Value, msg),
                _ => Diagnostic::in_file(format!("content/{}", b.rel), msg),
            };
            d.with_help("give one of them another file name or a different `slug:`")
        })
        .collect()
}

/// Gives every page but the home its parent section: the nearest `_index.md` above it.
/// Returns the section of each folder that has one.
fn assign_parents(pages: &mut [Page], home: PageId) -> HashMap<String, PageId> {
    let folder_section: HashMap<String, PageId> =
        pages.iter().filter(|p| p.is_section()).map(|p| (folder_of(&p.rel).to_string(), p.id)).collect();
    for p in pages.iter_mut() {
        if p.id == home {
            continue;
        }
        let mut folder = folder_of(&p.rel).to_string();
        if p.kind != DocKind::Page {
            // A section's or bundle's own folder is not its parent.
            folder = parent_folder(&folder).to_string();
        }
        loop {
            if let Some(&s) = folder_section.get(&folder) {
                if s != p.id {
                    p.parent = Some(s);
                    break;
                }
            }
            if folder.is_empty() {
                p.parent = Some(home);
                break;
            }
            folder = parent_folder(&folder).to_string();
        }
    }
    folder_section
}

/// Step 2: every page's fields, checked against its collection's schema (in parallel), with
/// references resolved. Returns, per page, the terms its `[taxonomies]` table gave and the
/// warnings of its fields.
fn check_fields(
    config: &Config,
    docs: &[Arc<ParsedDoc>],
    pages: &mut [Page],
    draft_slugs: &HashSet<(String, String)>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Terms>, Vec<Vec<Diagnostic>>) {
    let lookup = Lookup::new(pages, draft_slugs.clone());
    let checked: Vec<Checked> =
        docs.par_iter().enumerate().map(|(i, doc)| check_page(config, doc, &pages[i], &lookup)).collect();
    let mut extra_terms: Vec<Terms> = vec![Vec::new(); pages.len()];
    let mut warnings: Vec<Vec<Diagnostic>> = vec![Vec::new(); pages.len()];
    for (i, c) in checked.into_iter().enumerate() {
        (extra_terms[i], warnings[i]) = take_checked(&mut pages[i], c, diags);
    }
    (extra_terms, warnings)
}

/// One page's fields, checked.
fn check_page(config: &Config, doc: &ParsedDoc, page: &Page, lookup: &Lookup) -> Checked {
    let empty = IndexMap::new();
    let def = page.collection.as_ref().and_then(|c| config.collections.get(c));
    let fields = match (def, page.kind) {
        (Some(d), DocKind::Page | DocKind::Bundle) => &d.fields,
        (Some(d), DocKind::Section) => &d.section_fields,
        _ => &empty,
    };
    if doc.placeholder {
        return Checked::default();
    }
    let policy = def.and_then(|d| d.unknown_fields).unwrap_or(config.unknown_fields);
    let way_out = unknown_field_help(page, fields.is_empty());
    let taxonomy_names: Vec<String> = config.taxonomies.keys().cloned().collect();
    let mut checker = Checker::new(doc, lookup).with_policy(policy, taxonomy_names, way_out);
    let values = checker.check_fields(fields);
    Checked { values, diags: checker.diags, kept: checker.kept, terms: checker.terms }
}

/// Puts a page's checked fields in place, and its problems in `diags`; returns the terms of
/// its `[taxonomies]` table and its warnings.
fn take_checked(page: &mut Page, c: Checked, diags: &mut Vec<Diagnostic>) -> (Terms, Vec<Diagnostic>) {
    page.fields = c.values;
    let warnings = c.diags.iter().filter(|d| d.warning).cloned().collect();
    diags.extend(c.diags);
    if !c.kept.is_empty() {
        keep_in_extra(&mut page.common.extra, c.kept);
    }
    (c.terms, warnings)
}

/// Step 3: body links (`@/path.md`, relative `.md` links and `#anchors`), in parallel.
/// Returns, per page, the pages its links point to (for backlinks).
fn resolve_body_links(
    config: &Config,
    docs: &[Arc<ParsedDoc>],
    pages: &mut [Page],
    by_rel: &HashMap<String, PageId>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Vec<PageId>> {
    let link_results: Vec<LinkResult> =
        docs.par_iter().enumerate().map(|(i, doc)| resolve_links(config, doc, i, pages, by_rel)).collect();
    let mut targets = vec![Vec::new(); pages.len()];
    for (i, (links, to, d)) in link_results.into_iter().enumerate() {
        pages[i].links = links;
        targets[i] = to;
        diags.extend(d);
    }
    targets
}

/// Step 4: each collection's order gives every page a rank (0 outside collections), and
/// every section's pages and subsections are sorted. Returns the collections and the ranks.
fn sort_collections(
    config: &Config,
    pages: &mut [Page],
    folder_section: &HashMap<String, PageId>,
) -> (IndexMap<String, CollectionIndex>, Vec<usize>) {
    let mut collections = IndexMap::new();
    let mut rank = vec![usize::MAX; pages.len()];
    let view: &[Page] = pages;
    let defs: Vec<_> = config.collections.iter().collect();
    let sorted: Vec<Vec<PageId>> = defs
        .par_iter()
        .map(|&(name, def)| {
            let mut members: Vec<PageId> = view
                .iter()
                .filter(|p| !p.is_section() && p.collection.as_deref() == Some(name))
                .map(|p| p.id)
                .collect();
            sort_pages(&mut members, view, &def.sort_by, def.order());
            members
        })
        .collect();
    for ((name, def), members) in defs.into_iter().zip(sorted) {
        let folder = def.folder.clone().unwrap_or_else(|| name.clone());
        let section = folder_section[&folder];
        for (r, &id) in members.iter().enumerate() {
            rank[id] = r;
        }
        let position = members.iter().enumerate().map(|(r, &id)| (id, r)).collect();
        collections.insert(name.clone(), CollectionIndex { section, pages: members, position });
    }
    for p in pages.iter() {
        if rank[p.id] == usize::MAX {
            rank[p.id] = 0;
        }
    }
    let mut children: HashMap<PageId, (Vec<PageId>, Vec<PageId>)> = HashMap::new();
    for p in pages.iter() {
        if let Some(parent) = p.parent {
            let entry = children.entry(parent).or_default();
            if p.is_section() { entry.1.push(p.id) } else { entry.0.push(p.id) }
        }
    }
    let view: &[Page] = pages;
    let children: Vec<(PageId, Vec<PageId>, Vec<PageId>)> = children
        .into_par_iter()
        .map(|(section, (mut kids, mut subs))| {
            let collection = view[section].collection.as_ref();
            match collection.and_then(|c| config.collections.get(c)) {
                // Pages of the section's collection sort as in the collection: by rank.
                Some(_) if kids.iter().all(|&k| view[k].collection.as_ref() == collection) => {
                    kids.sort_unstable_by_key(|&k| rank[k])
                }
                Some(def) => sort_pages(&mut kids, view, &def.sort_by, def.order()),
                None => sort_pages(&mut kids, view, &SortBy::Weight, Order::Asc),
            }
            sort_pages(&mut subs, view, &SortBy::Weight, Order::Asc);
            (section, kids, subs)
        })
        .collect();
    for (section, kids, subs) in children {
        pages[section].pages = kids;
        pages[section].subsections = subs;
    }
    (collections, rank)
}

/// Step 5: backlinks, from fields (through nested records) and from body links, grouped by
/// the source's collection and field in the order the model declares them.
fn add_backlinks(config: &Config, pages: &mut [Page], rank: &[usize], body_targets: &[Vec<PageId>]) {
    let mut incoming: Vec<Vec<Incoming>> = vec![Vec::new(); pages.len()];
    let order = EdgeOrder::new(config);
    for p in pages.iter() {
        outgoing(&order, p, &body_targets[p.id], &mut |target, edge| incoming[target].push(edge));
    }
    for (target, edges) in incoming.into_iter().enumerate() {
        if !edges.is_empty() {
            pages[target].backlinks = group_backlinks(config, pages, rank, edges);
        }
    }
}

/// Where an incoming reference is listed among a page's backlinks: the source's collection
/// in the model's order, then its field in the collection's order, text links last.
struct EdgeOrder<'c> {
    config: &'c Config,
    fields: HashMap<String, HashMap<String, usize>>,
}

impl<'c> EdgeOrder<'c> {
    fn new(config: &'c Config) -> Self {
        EdgeOrder { config, fields: field_orders(config) }
    }

    fn of(&self, collection: &Option<String>, field: Option<&str>) -> usize {
        let position = collection_position(self.config, collection) * 1000;
        let orders = self.fields.get(collection.as_deref().unwrap_or_default());
        position + field.and_then(|f| orders.and_then(|o| o.get(f))).copied().unwrap_or(999)
    }
}

/// Every reference from page `p` (fields, then `body_targets`, the pages its text links to),
/// as (target, incoming edge).
fn outgoing(order: &EdgeOrder, p: &Page, body_targets: &[PageId], out: &mut dyn FnMut(PageId, Incoming)) {
    for (name, value) in &p.fields {
        value.visit_refs(name, None, &mut |target, field, record| {
            out(target, (order.of(&p.collection, Some(field)), p.id, field.to_string(), record.cloned()));
        });
    }
    for &target in body_targets {
        out(target, (order.of(&p.collection, None), p.id, "body".to_string(), None));
    }
}

/// One page's incoming references as sorted groups, each source once per group and record.
fn group_backlinks(config: &Config, pages: &[Page], rank: &[usize], mut edges: Vec<Incoming>) -> Vec<BacklinkGroup> {
    edges.sort_by(|a, b| {
        (a.0, &a.2, rank[a.1], &pages[a.1].title, a.1).cmp(&(b.0, &b.2, rank[b.1], &pages[b.1].title, b.1))
    });
    let mut groups: Vec<BacklinkGroup> = Vec::new();
    for (_, source, field, record) in edges {
        let collection = pages[source].collection.clone();
        let same = groups.last().is_some_and(|g| g.collection == collection && g.field == field);
        if !same {
            let label = field_label(config, collection.as_deref(), &field);
            groups.push(BacklinkGroup { collection, field, label, links: Vec::new() });
        }
        let group = groups.last_mut().expect("pushed above");
        let link = Backlink { source, record, elsewhere: false };
        // Sorted, so the same source's links are together: only those can be the same.
        if !group.links.iter().rev().take_while(|l| l.source == source).any(|l| *l == link) {
            group.links.push(link);
        }
    }
    let by_field: HashSet<PageId> =
        groups.iter().filter(|g| g.field != "body").flat_map(|g| g.links.iter().map(|l| l.source)).collect();
    for g in groups.iter_mut().filter(|g| g.field == "body") {
        for l in g.links.iter_mut() {
            l.elsewhere = by_field.contains(&l.source);
        }
    }
    groups
}

fn collection_of<'c>(config: &'c Config, rel: &str) -> Option<&'c str> {
    let top = rel.split('/').next()?;
    if !rel.contains('/') {
        return None;
    }
    config.collection_for_folder(top).map(|(n, _)| n)
}

fn folder_of(rel: &str) -> &str {
    rel.rfind('/').map(|i| &rel[..i]).unwrap_or("")
}

fn parent_folder(folder: &str) -> &str {
    folder.rfind('/').map(|i| &folder[..i]).unwrap_or("")
}

/// A long name for a message: its first 40 characters and `…`.
fn shorten(name: &str) -> String {
    match name.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &name[..i]),
        None => name.to_string(),
    }
}

/// File and folder names that make URL segments longer than [`MAX_SEGMENT_BYTES`] (a
/// `slug:` of that length is reported at the slug). Each long name is reported once.
fn long_segments(pages: &[Page], docs: &[Arc<ParsedDoc>]) -> Vec<Diagnostic> {
    let mut seen = HashSet::new();
    let mut diags = Vec::new();
    for (doc, p) in docs.iter().zip(pages) {
        let names: Vec<&str> = doc.rel.split('/').collect();
        let segments: Vec<&str> = p.path.split('/').filter(|s| !s.is_empty()).collect();
        for (i, seg) in segments.iter().enumerate() {
            let own = i + 1 == segments.len() && p.kind != DocKind::Section;
            if seg.len() <= MAX_SEGMENT_BYTES || (own && doc.common.slug.is_some()) || i >= names.len() {
                continue;
            }
            let source = format!("content/{}", names[..=i].join("/"));
            if !seen.insert(source.clone()) {
                continue;
            }
            let what = if i + 1 == names.len() { "file" } else { "folder" };
            diags.push(
                Diagnostic::in_file(
                    source,
                    format!(
                        "the {what} name `{}` makes a URL segment of {} bytes; at most {MAX_SEGMENT_BYTES} are allowed (each segment is a folder name in the output, and file names must stay under 255 bytes)",
                        shorten(names[i]),
                        seg.len()
                    ),
                )
                .with_help(if own {
                    format!("rename the {what}, or give the page a shorter `slug:`")
                } else {
                    format!("rename the {what} to a few words that name it")
                }),
            );
        }
    }
    diags
}

/// The slug a page would get from its file name.
fn page_slug_candidate(doc: &ParsedDoc) -> String {
    if let Some(s) = &doc.common.slug {
        return s.clone();
    }
    let name = match doc.kind {
        DocKind::Bundle => folder_of(&doc.rel).rsplit('/').next().unwrap_or(""),
        _ => doc.rel.rsplit('/').next().unwrap_or("").trim_end_matches(".md"),
    };
    slugify(name)
}

fn skeleton(config: &Config, doc: &ParsedDoc, id: PageId, diags: &mut Vec<Diagnostic>) -> Page {
    let collection = collection_of(config, &doc.rel).map(str::to_string);
    let folder = folder_of(&doc.rel);
    let folder_url: String = folder.split('/').filter(|s| !s.is_empty()).map(|s| format!("{}/", slugify(s))).collect();
    let (slug, path) = match doc.kind {
        DocKind::Section => (folder.rsplit('/').next().map(slugify).unwrap_or_default(), folder_url.clone()),
        DocKind::Page | DocKind::Bundle => {
            let own_folder = if doc.kind == DocKind::Bundle { parent_folder(folder) } else { folder };
            let base: String =
                own_folder.split('/').filter(|s| !s.is_empty()).map(|s| format!("{}/", slugify(s))).collect();
            let mut slug = page_slug_candidate(doc);
            if let Some(user) = &doc.common.slug {
                if let Err(e) = check_user_slug(user) {
                    let shown = shorten(user);
                    diags.push(
                        doc.diag_at(
                            &[Seg::Key("slug".into())],
                            Target::Value,
                            format!("invalid slug `{shown}`: {}", e.why),
                        )
                        .with_help(e.help),
                    );
                    // A stand-in, so that the rest of the site is still checked.
                    slug = slugify(user);
                    slug.truncate(MAX_SEGMENT_BYTES);
                    if slug.is_empty() {
                        slug = format!("pagina-{id}");
                    }
                }
            }
            if slug.is_empty() {
                diags.push(
                    Diagnostic::in_file(doc.display_path(), "cannot make a URL from this file name")
                        .with_help("rename the file using letters or digits, or set `slug:`"),
                );
                slug = format!("pagina-{id}");
            }
            (slug.clone(), format!("{base}{slug}/"))
        }
    };
    // (A collection that declares `title` required reports it itself, with its own help.)
    let declared = collection.as_ref().and_then(|c| config.collections.get(c)).and_then(|c| c.fields.get("title"));
    if doc.common.title.as_deref().is_none_or(|t| t.trim().is_empty())
        && !doc.placeholder
        && !declared.is_some_and(|f| f.required)
    {
        diags.push(
            doc.diag_at_fence("missing required field `title`")
                .with_help("every page has a title: add a line `title: ...` to the front matter"),
        );
    }
    let title = doc.common.title.clone().unwrap_or_else(|| {
        let stem = if doc.kind == DocKind::Page {
            doc.rel.rsplit('/').next().unwrap_or("").trim_end_matches(".md")
        } else {
            folder.rsplit('/').next().unwrap_or("")
        };
        if stem.is_empty() { config.title.clone() } else { stem.replace(['-', '_'], " ") }
    });
    let def = collection.as_ref().and_then(|c| config.collections.get(c));
    let template = doc.common.template.clone().unwrap_or_else(|| match doc.kind {
        DocKind::Section if doc.rel == "_index.md" => "index.html".into(),
        DocKind::Section => def.and_then(|d| d.list_template.clone()).unwrap_or_else(|| "section.html".into()),
        _ => def.and_then(|d| d.page_template.clone()).unwrap_or_else(|| "page.html".into()),
    });
    let mut common = doc.common.clone();
    common.aliases = Vec::new();
    for (i, alias) in doc.common.aliases.iter().enumerate() {
        match alias_output_path(alias) {
            Ok(p) => common.aliases.push(p),
            Err(why) => diags.push(
                doc.diag_at(
                    &[Seg::Key("aliases".into()), Seg::Index(i)],
                    Target::Value,
                    format!("invalid alias `{alias}`: {why}"),
                )
                .with_help("an alias is an old path of this page on this site, such as `/oud/adres/`"),
            ),
        }
    }
    let paginate_by =
        if doc.kind == DocKind::Section { def.and_then(|d| d.paginate_by).or(config.paginate_by) } else { None };
    let mut page = Page {
        collection,
        common,
        body_line: doc.body_line,
        headings: match config.heading_ids {
            crate::config::HeadingIds::Github => crate::parse::markdown_scan::scan_with(&doc.body, true).headings,
            crate::config::HeadingIds::Innobieb => doc.headings.clone(),
        },
        paginate_by,
        ..Page::new(id, doc.rel.clone(), doc.kind, title, slug, path, template)
    };
    page.take_body(doc);
    page
}

/// `/oud/pad/` -> `oud/pad/index.html`; `/oud.html` -> `oud.html`. Rejects anything
/// that could leave the output folder.
pub fn alias_output_path(alias: &str) -> Result<String, &'static str> {
    if alias.contains("://") || alias.starts_with("//") {
        return Err("an alias is a path on this site, not a URL");
    }
    if alias.contains('\\') || alias.contains('\0') {
        return Err("an alias cannot contain backslashes");
    }
    let trimmed = alias.trim_start_matches('/');
    if trimmed.split('/').any(|s| s == ".." || s == ".") {
        return Err("an alias cannot contain `.` or `..` segments");
    }
    let clean: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty()).collect();
    if clean.is_empty() {
        return Err("an alias cannot be the home page");
    }
    let joined = clean.join("/");
    let last = clean[clean.len() - 1];
    if alias.ends_with('/') || !last.contains('.') { Ok(format!("{joined}/index.html")) } else { Ok(joined) }
}

fn implicit_section(
    config: &Config,
    id: PageId,
    folder: &str,
    title: String,
    collection: Option<String>,
    def: &CollectionDef,
) -> Page {
    let rel = if folder.is_empty() { "_index.md".to_string() } else { format!("{folder}/_index.md") };
    let path: String = folder.split('/').filter(|s| !s.is_empty()).map(|s| format!("{}/", slugify(s))).collect();
    let template = def.list_template.clone().unwrap_or_else(|| "section.html".into());
    Page {
        collection,
        implicit: true,
        paginate_by: def.paginate_by.or(config.paginate_by),
        ..Page::new(id, rel, DocKind::Section, title, slugify(folder), path, template)
    }
}

/// Slug lookup for references: (collection, slug) -> page.
struct Lookup {
    by_slug: HashMap<(String, String), PageId>,
    slugs: HashMap<String, Vec<String>>,
    drafts: HashSet<(String, String)>,
}

impl Lookup {
    fn new(pages: &[Page], drafts: HashSet<(String, String)>) -> Self {
        let mut by_slug = HashMap::new();
        let mut slugs: HashMap<String, Vec<String>> = HashMap::new();
        for p in pages {
            if let (Some(c), false) = (&p.collection, p.is_section()) {
                by_slug.entry((c.clone(), p.slug.clone())).or_insert(p.id);
                slugs.entry(c.clone()).or_default().push(p.slug.clone());
            }
        }
        for v in slugs.values_mut() {
            v.sort();
        }
        Lookup { by_slug, slugs, drafts }
    }
}

impl RefLookup for Lookup {
    fn find(&self, targets: &[String], slug: &str) -> Option<PageId> {
        if let Some((coll, s)) = slug.split_once('/') {
            if targets.iter().any(|t| t == coll) {
                return self.by_slug.get(&(coll.to_string(), s.to_string())).copied();
            }
            return None;
        }
        targets.iter().find_map(|t| self.by_slug.get(&(t.clone(), slug.to_string())).copied())
    }

    fn suggest(&self, targets: &[String], slug: &str) -> Option<String> {
        let all = targets.iter().filter_map(|t| self.slugs.get(t)).flatten().map(String::as_str);
        closest(slug, all).map(str::to_string)
    }

    fn is_draft(&self, targets: &[String], slug: &str) -> bool {
        targets.iter().any(|t| self.drafts.contains(&(t.clone(), slug.to_string())))
    }
}

/// Resolves one page's body links. Returns the link map, the edges (for backlinks) and errors.
fn resolve_links(
    config: &Config,
    doc: &ParsedDoc,
    id: PageId,
    pages: &[Page],
    by_rel: &HashMap<String, PageId>,
) -> LinkResult {
    let mut links = HashMap::new();
    let mut edges = Vec::new();
    let mut diags = Vec::new();
    // (line, errors on it so far): past what a report shows of one line, errors are not quoted.
    let on_line = std::cell::Cell::new((0, 0));
    for link in doc.links.iter() {
        let dest = link.dest.as_str();
        let (path_part, anchor) = match dest.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (dest, None),
        };
        let target_rel = if let Some(rest) = path_part.strip_prefix("@/") {
            Some(normalize_rel(rest))
        } else if !path_part.is_empty()
            && !has_scheme(path_part)
            && !path_part.starts_with('/')
            && path_part.ends_with(".md")
        {
            let joined = if folder_of(&doc.rel).is_empty() {
                path_part.to_string()
            } else {
                format!("{}/{}", folder_of(&doc.rel), path_part)
            };
            Some(normalize_rel(&joined))
        } else if path_part.is_empty() && anchor.is_some() {
            Some(Some(doc.rel.clone()))
        } else {
            None
        };
        let Some(target_rel) = target_rel else {
            continue;
        };
        let err = |msg: String| {
            let n = match on_line.get() {
                (l, n) if l == link.line => n + 1,
                _ => 1,
            };
            on_line.set((link.line, n));
            if n > crate::diagnostic::MAX_PER_LINE {
                Diagnostic::at_line(doc.display_path(), link.line + doc.body_line - 1, Some(link.col), msg)
            } else {
                let span = Span::at(link.line, link.col).with_len(link.len);
                Diagnostic::at(doc.display_path(), Source::part(&pages[id].body, doc.body_line - 1), span, msg)
            }
        };
        let Some(target_rel) = target_rel else {
            diags.push(err(format!("link `{dest}` points outside content/")));
            continue;
        };
        let Some(&target) = by_rel.get(&target_rel) else {
            let mut d = err(format!("link to a missing page: `{dest}`"));
            let hint = closest_page(&target_rel, by_rel);
            d = match hint {
                Some(h) => d.with_help(format!("did you mean `@/{h}`?")),
                None => d.with_help(format!(
                    "internal links name a file under content/, such as `@/{}`",
                    example_page(by_rel.keys().map(String::as_str))
                )),
            };
            diags.push(d);
            continue;
        };
        let target_page = &pages[target];
        let headings = &target_page.headings;
        if let Some(a) = anchor {
            if !a.is_empty() && !headings.iter().any(|h| h.id == a) {
                let mut d = err(format!("no heading `#{a}` in content/{}", target_page.rel));
                d = match closest(a, headings.iter().map(|h| h.id.as_str())) {
                    Some(h) => d.with_help(format!("did you mean `#{h}`?")),
                    None if headings.is_empty() => {
                        d.with_help("that page has no headings; link to the page without `#...`")
                    }
                    None => d.with_help(format!(
                        "its headings are: {}",
                        headings.iter().map(|h| format!("#{}", h.id)).collect::<Vec<_>>().join(", ")
                    )),
                };
                diags.push(d);
                continue;
            }
        }
        let mut url = format!("{}{}", config.base_path, target_page.path);
        if let Some(a) = anchor {
            if !a.is_empty() {
                url.push('#');
                url.push_str(a);
            }
        }
        links.insert(link.dest.clone(), url);
        if target != id {
            edges.push(target);
        }
    }
    (links, edges, diags)
}

/// One page's checked fields, with what `unknown_fields: keep` and a `[taxonomies]` table gave.
#[derive(Default)]
struct Checked {
    values: IndexMap<String, Value>,
    diags: Vec<Diagnostic>,
    kept: IndexMap<String, serde_yaml::Value>,
    terms: Vec<(String, String)>,
}

/// The help for an undeclared front-matter key where no declared field is close: the
/// real ways out for this kind of page (`None`: the list of declared fields is shown).
fn unknown_field_help(page: &Page, no_fields: bool) -> Option<String> {
    let keep = "or set `unknown_fields: keep` in site.yaml to pass such keys to templates as `page.extra`";
    let common = crate::config::COMMON_FIELDS.join(", ");
    match (&page.collection, page.kind) {
        (Some(c), DocKind::Section) => Some(format!(
            "a collection's `_index.md` takes the common fields ({common}) and those under `collections.{c}.section_fields` in site.yaml: declare it there, {keep}"
        )),
        (Some(c), _) if no_fields => Some(format!(
            "the collection `{c}` declares no fields: declare it under `collections.{c}.fields` in site.yaml, {keep}"
        )),
        (Some(_), _) => None,
        (None, _) => Some(format!(
            "pages here have only the common fields ({common}); declare a collection for this folder in site.yaml, {keep}"
        )),
    }
}

/// Adds the kept keys to the page's `extra` (an `extra` table written in the file wins).
fn keep_in_extra(extra: &mut serde_json::Value, kept: IndexMap<String, serde_yaml::Value>) {
    if !extra.is_object() {
        *extra = serde_json::Value::Object(Default::default());
    }
    if let serde_json::Value::Object(map) = extra {
        for (k, v) in kept {
            if !map.contains_key(&k) {
                map.insert(k, serde_json::to_value(&v).unwrap_or(serde_json::Value::Null));
            }
        }
    }
}

/// The existing page in the same folder whose file name is closest to the wanted one.
fn closest_page<'a>(wanted: &str, by_rel: &'a HashMap<String, PageId>) -> Option<&'a str> {
    let folder = folder_of(wanted);
    let stem = |rel: &str| rel.rsplit('/').next().unwrap_or(rel).trim_end_matches(".md").to_string();
    let wanted_stem = stem(wanted);
    let candidates: Vec<(&str, String)> = by_rel
        .keys()
        .filter(|r| folder_of(r) == folder && !r.ends_with("_index.md"))
        .map(|r| (r.as_str(), stem(r)))
        .collect();
    let best = closest(&wanted_stem, candidates.iter().map(|(_, s)| s.as_str()))?;
    candidates.iter().find(|(_, s)| s == best).map(|(r, _)| *r)
}

fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) => s[..i].chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.') && i > 0,
        None => false,
    }
}

/// Normalizes `a/./b/../c.md`; `None` if it climbs out of content/.
fn normalize_rel(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    // Percent-encoded spaces in links to files with spaces.
    Some(joined.replace("%20", " "))
}

/// Returns where each asset is written: (output path, path under content/).
fn assign_assets(
    pages: &mut [Page],
    assets: &[Asset],
    folder_section: &HashMap<String, PageId>,
    home: PageId,
) -> Vec<(String, String)> {
    let mut outputs = Vec::with_capacity(assets.len());
    let bundles: HashMap<String, PageId> =
        pages.iter().filter(|p| p.kind == DocKind::Bundle).map(|p| (folder_of(&p.rel).to_string(), p.id)).collect();
    for asset in assets {
        let mut folder = folder_of(&asset.rel).to_string();
        let name = asset.rel.rsplit('/').next().unwrap_or(&asset.rel).to_string();
        // Walk up to the nearest bundle or section; the asset keeps its path below it.
        let mut below = vec![name];
        let owner = loop {
            if let Some(&b) = bundles.get(&folder) {
                break b;
            }
            if let Some(&s) = folder_section.get(&folder) {
                break s;
            }
            if folder.is_empty() {
                break home;
            }
            below.push(folder.rsplit('/').next().unwrap_or("").to_string());
            folder = parent_folder(&folder).to_string();
        };
        below.reverse();
        let rel = below.join("/");
        outputs.push((format!("{}{rel}", pages[owner].path), asset.rel.clone()));
        pages[owner].assets.push(Asset { rel, abs: asset.abs.clone() });
    }
    outputs
}

/// Sorts page ids by a collection's `sort_by`, ties broken by title and path.
pub fn sort_pages(ids: &mut [PageId], pages: &[Page], sort_by: &SortBy, order: Order) {
    use std::cmp::Ordering;
    let title_key = |p: &Page| deunicode::deunicode(&p.title).to_lowercase();
    // Each page's title key once, next to its id (not looked up on every comparison).
    let mut keyed: Vec<(PageId, String)> = ids.iter().map(|&i| (i, title_key(&pages[i]))).collect();
    let primary = |a: &Page, b: &Page| -> Ordering {
        match sort_by {
            SortBy::Date => cmp_opt(a.common.date.as_ref(), b.common.date.as_ref()),
            SortBy::Weight => cmp_opt(a.common.weight.as_ref(), b.common.weight.as_ref()),
            SortBy::Title | SortBy::None => Ordering::Equal,
            SortBy::Field(field) => {
                cmp_opt(sort_value(a.fields.get(field)).as_ref(), sort_value(b.fields.get(field)).as_ref())
            }
        }
    };
    keyed.sort_by(|(a, ka), (b, kb)| {
        let (pa, pb) = (&pages[*a], &pages[*b]);
        let mut o = primary(pa, pb);
        if order == Order::Desc {
            o = o.reverse();
        }
        o.then_with(|| if *sort_by == SortBy::None { Ordering::Equal } else { ka.cmp(kb) })
            .then_with(|| pa.rel.cmp(&pb.rel))
    });
    for (slot, (id, _)) in ids.iter_mut().zip(keyed) {
        *slot = id;
    }
}

/// Missing values sort last, in either order.
fn cmp_opt<T: Ord>(a: Option<&T>, b: Option<&T>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortValue {
    Int(i64),
    Date(crate::date::PartialDate),
    Text(String),
}

fn sort_value(v: Option<&Value>) -> Option<SortValue> {
    match v? {
        Value::Integer(i) => Some(SortValue::Int(*i)),
        Value::Date(d) => Some(SortValue::Date(*d)),
        Value::Text(s) | Value::Url(s) | Value::Markdown(s) => {
            Some(SortValue::Text(deunicode::deunicode(s).to_lowercase()))
        }
        Value::Bool(b) => Some(SortValue::Int(*b as i64)),
        _ => None,
    }
}

fn collection_position(config: &Config, coll: &Option<String>) -> usize {
    coll.as_ref().and_then(|c| config.collections.get_index_of(c)).unwrap_or(config.collections.len())
}

/// Collection -> field path -> declaration position, for ordering backlink groups.
fn field_orders(config: &Config) -> HashMap<String, HashMap<String, usize>> {
    fn walk(prefix: &str, fields: &IndexMap<String, FieldDef>, out: &mut HashMap<String, usize>) {
        for (name, def) in fields {
            let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
            let n = out.len();
            out.insert(path.clone(), n);
            let inner = if def.kind == FieldKind::List { def.items.as_deref() } else { Some(def) };
            if let Some(FieldDef { fields: Some(sub), .. }) = inner {
                walk(&path, sub, out);
            }
        }
    }
    let mut out = HashMap::new();
    for (name, def) in &config.collections {
        walk("", &def.fields, out.entry(name.clone()).or_default());
    }
    out
}

/// The label of a field path (its `label:`, or its name).
fn field_label(config: &Config, coll: Option<&str>, path: &str) -> String {
    if path == "body" {
        return String::new();
    }
    let Some(def) = coll.and_then(|c| config.collections.get(c)) else {
        return path.to_string();
    };
    let mut fields = &def.fields;
    let mut label = path.to_string();
    for seg in path.split('.') {
        let Some(f) = fields.get(seg) else { break };
        label = f.label.clone().unwrap_or_else(|| seg.to_string());
        let inner = if f.kind == FieldKind::List { f.items.as_deref() } else { Some(f) };
        match inner.and_then(|i| i.fields.as_ref()) {
            Some(sub) => fields = sub,
            None => break,
        }
    }
    label
}

fn collect_taxonomies(
    config: &Config,
    pages: &mut [Page],
    rank: &[usize],
    extra_terms: &[Vec<(String, String)>],
) -> Vec<Taxonomy> {
    let mut taxonomies: Vec<Taxonomy> = config
        .taxonomies
        .iter()
        .map(|(name, def)| Taxonomy { name: name.clone(), def: def.clone(), terms: Vec::new() })
        .collect();
    // Per page, in parallel: the terms (taxonomy, name, slug) from fields that feed a
    // taxonomy (a reference field feeds the titles of the pages it references), then from a
    // `[taxonomies]` table.
    let view: &[Page] = pages;
    let found: Vec<Vec<(usize, String, String)>> = view
        .par_iter()
        .map(|p| {
            if p.is_section() {
                return Vec::new();
            }
            let mut feeds: Vec<(usize, String)> = Vec::new();
            let def = p.collection.as_ref().and_then(|c| config.collections.get(c));
            for (fname, fdef) in def.map(|d| &d.fields).into_iter().flatten() {
                let Some(tax) = fdef.taxonomy.as_ref().and_then(|t| config.taxonomies.get_index_of(t)) else {
                    continue;
                };
                let mut names = Vec::new();
                if fname == "date" {
                    names.extend(p.common.date.map(|d| d.year.to_string()));
                } else if let Some(v) = p.fields.get(fname) {
                    term_names(v, view, &mut names);
                }
                feeds.extend(names.into_iter().map(|name| (tax, name)));
            }
            for (tax_name, term) in extra_terms.get(p.id).into_iter().flatten() {
                if let Some(tax) = config.taxonomies.get_index_of(tax_name) {
                    feeds.push((tax, term.clone()));
                }
            }
            let slugged = feeds.into_iter().map(|(tax, name)| (tax, slugify(&name), name));
            slugged.filter(|(_, slug, _)| !slug.is_empty()).collect()
        })
        .collect();
    let mut term_index: Vec<HashMap<String, usize>> = vec![HashMap::new(); taxonomies.len()];
    for (p, terms) in pages.iter_mut().zip(found) {
        let mut page_terms: Vec<(usize, usize)> = Vec::new();
        for (tax, slug, name) in terms {
            let idx = match term_index[tax].get(&slug) {
                Some(&idx) => idx,
                None => {
                    taxonomies[tax].terms.push(Term { name, slug: slug.clone(), pages: Vec::new() });
                    term_index[tax].insert(slug, taxonomies[tax].terms.len() - 1);
                    taxonomies[tax].terms.len() - 1
                }
            };
            if !page_terms.contains(&(tax, idx)) {
                page_terms.push((tax, idx));
                taxonomies[tax].terms[idx].pages.push(p.id);
            }
        }
        p.terms = page_terms;
    }
    // Sort terms and remap page term indices.
    for (t, tax) in taxonomies.iter_mut().enumerate() {
        let mut order: Vec<usize> = (0..tax.terms.len()).collect();
        let by_count = tax.def.sort_by == TermOrder::Count;
        // Names compare without accents and case, made once per term.
        let names: Vec<String> = match by_count {
            true => Vec::new(),
            false => tax.terms.iter().map(|t| deunicode::deunicode(&t.name).to_lowercase()).collect(),
        };
        order.sort_by(|&a, &b| {
            let (ta, tb) = (&tax.terms[a], &tax.terms[b]);
            let o = if by_count { ta.pages.len().cmp(&tb.pages.len()) } else { names[a].cmp(&names[b]) };
            let o = if tax.def.order == Order::Desc { o.reverse() } else { o };
            o.then_with(|| ta.slug.cmp(&tb.slug))
        });
        let mut new_pos = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_pos[old] = new;
        }
        let mut unsorted: Vec<Option<Term>> = std::mem::take(&mut tax.terms).into_iter().map(Some).collect();
        let mut terms: Vec<Term> = order.iter().filter_map(|&i| unsorted[i].take()).collect();
        let view: &[Page] = pages;
        terms.par_iter_mut().for_each(|term| {
            // Newest first, then by collection rank.
            term.pages.sort_by(|&a, &b| {
                cmp_opt(view[b].common.date.as_ref(), view[a].common.date.as_ref())
                    .then_with(|| view[a].title.cmp(&view[b].title))
                    .then_with(|| rank[a].cmp(&rank[b]))
            });
        });
        tax.terms = terms;
        for p in pages.iter_mut() {
            for (tt, idx) in p.terms.iter_mut() {
                if *tt == t {
                    *idx = new_pos[*idx];
                }
            }
        }
    }
    taxonomies
}

fn term_names(v: &Value, pages: &[Page], out: &mut Vec<String>) {
    match v {
        Value::Text(s) => out.push(s.clone()),
        Value::Integer(i) => out.push(i.to_string()),
        Value::Date(d) => out.push(d.year.to_string()),
        Value::Ref(id) => out.extend(pages.get(*id).map(|p| p.title.clone())),
        Value::List(items) => items.iter().for_each(|i| term_names(i, pages, out)),
        _ => {}
    }
}

/// What related pages are scored by: each page's features (the pages it references and is
/// referenced by, its terms) and, per feature, the pages that have it. An inverted index, so
/// the cost is bounded by the posting-list cap, not by pages squared.
pub(crate) struct RelatedIndex {
    /// Per page, sorted by [`feature_key`].
    features: Vec<Vec<Feature>>,
    /// Per feature, the pages that have it, in page order.
    postings: crate::hash::FastMap<Feature, Vec<PageId>>,
    /// Per page, the scores of its related pages (`Page::related`) as they were listed.
    scores: Vec<Vec<usize>>,
}

/// A related page, its score and what it shares with the page it is related to.
type Scored = (PageId, usize, Shared);

/// What [`RelatedIndex::update`] changed: the features of the pages whose features differ,
/// and the postings of their features, as they were before.
#[derive(Default)]
pub(crate) struct IndexBefore {
    features: HashMap<PageId, Vec<Feature>>,
    /// `None`: no page had the feature.
    postings: crate::hash::FastMap<Feature, Option<Vec<PageId>>>,
}

#[derive(Hash, PartialEq, Eq, Clone, Copy, Debug)]
enum Feature {
    Page(PageId),
    Term(usize, usize),
}

/// A page's features: the pages it references and is referenced by, and its terms, sorted
/// by [`feature_key`] (none for a section).
fn features_of(p: &Page) -> Vec<Feature> {
    let mut f = Vec::new();
    if p.is_section() {
        return f;
    }
    for v in p.fields.values() {
        v.visit_refs("", None, &mut |t, _, _| f.push(Feature::Page(t)));
    }
    for g in &p.backlinks {
        f.extend(g.links.iter().map(|l| Feature::Page(l.source)));
    }
    f.extend(p.terms.iter().map(|&(t, i)| Feature::Term(t, i)));
    f.sort_by_key(feature_key);
    f.dedup();
    f
}

fn feature_key(x: &Feature) -> (u8, usize, usize) {
    match x {
        Feature::Page(i) => (0, *i, 0),
        Feature::Term(t, i) => (1, *t, *i),
    }
}

impl RelatedIndex {
    fn new(pages: &[Page]) -> RelatedIndex {
        let features: Vec<Vec<Feature>> = pages.par_iter().map(features_of).collect();
        let mut postings: crate::hash::FastMap<Feature, Vec<PageId>> = Default::default();
        for (id, fs) in features.iter().enumerate() {
            for &f in fs {
                postings.entry(f).or_default().push(id);
            }
        }
        RelatedIndex { features, postings, scores: vec![Vec::new(); pages.len()] }
    }

    /// Brings the index up to date with `pages` (the same pages, with term indices that
    /// mean the same terms) when only the `candidates` may have other features: a page's
    /// features are its own references and terms and its backlinks' sources. Returns what
    /// it changed, for [`RelatedIndex::affected`].
    pub(crate) fn update(&mut self, pages: &[Page], candidates: &[PageId]) -> IndexBefore {
        let mut before = IndexBefore::default();
        for &p in candidates {
            let now = features_of(&pages[p]);
            if now == self.features[p] {
                continue;
            }
            let was = std::mem::replace(&mut self.features[p], now);
            for f in was.iter().chain(&self.features[p]) {
                before.postings.entry(*f).or_insert_with(|| self.postings.get(f).cloned());
            }
            for f in &was {
                if let Some(list) = self.postings.get_mut(f) {
                    if let Ok(at) = list.binary_search(&p) {
                        list.remove(at);
                    }
                    if list.is_empty() {
                        self.postings.remove(f);
                    }
                }
            }
            for f in &self.features[p] {
                let list = self.postings.entry(*f).or_default();
                if let Err(at) = list.binary_search(&p) {
                    list.insert(at, p);
                }
            }
            before.features.insert(p, was);
        }
        before
    }

    /// Whether a feature is shared by few enough pages to count.
    fn counts(&self, f: &Feature) -> bool {
        self.postings.get(f).is_some_and(|l| l.len() <= RELATED_MAX_POSTING)
    }

    fn has(&self, p: PageId, f: &Feature) -> bool {
        self.features[p].binary_search_by_key(&feature_key(f), feature_key).is_ok()
    }

    /// What two related pages share, of what made them related: a reference between them,
    /// and the features (pages, terms) both have that are not over-common.
    fn shared(&self, a: PageId, b: PageId) -> Shared {
        let mut s =
            Shared { linked: self.has(a, &Feature::Page(b)) || self.has(b, &Feature::Page(a)), ..Shared::default() };
        for f in self.features[a].iter().filter(|f| self.has(b, f) && self.counts(f)) {
            match *f {
                Feature::Page(x) if x != a && x != b => s.pages.push(x),
                Feature::Term(t, i) => s.terms.push((t, i)),
                Feature::Page(_) => {}
            }
        }
        s
    }

    /// Sets the related pages of every page in `ids` (each once), keeping their scores.
    fn set_related(&mut self, pages: &mut [Page], ids: Vec<PageId>) {
        let view: &[Page] = pages;
        let lists: Vec<(PageId, Vec<Scored>)> = ids.into_par_iter().map(|id| (id, self.related(view, id))).collect();
        for (id, list) in lists {
            let (page, scores) = (&mut pages[id], &mut self.scores[id]);
            (page.related, page.related_shared, *scores) = (Vec::new(), Vec::new(), Vec::new());
            for (related, score, shared) in list {
                page.related.push(related);
                page.related_shared.push(shared);
                scores.push(score);
            }
        }
    }

    /// The pages most related to page `id`, best first, with their scores and what each
    /// shares with it.
    fn related(&self, pages: &[Page], id: PageId) -> Vec<Scored> {
        if pages[id].is_section() {
            return Vec::new();
        }
        // Candidates with multiplicity: sorting and counting runs beats hashing here.
        let mut hits: Vec<PageId> = Vec::new();
        for f in &self.features[id] {
            // A page referenced by this one, or referencing it, is related itself.
            if let Feature::Page(other) = f {
                if !pages[*other].is_section() {
                    hits.push(*other);
                    hits.push(*other);
                }
            }
            match self.postings.get(f) {
                Some(list) if list.len() <= RELATED_MAX_POSTING => hits.extend(list.iter().copied()),
                _ => {}
            }
        }
        hits.sort_unstable();
        let mut ranked: Vec<(u32, PageId)> = Vec::new();
        for run in hits.chunk_by(|a, b| a == b) {
            let p = run[0];
            if p != id && !pages[p].is_section() {
                ranked.push((run.len() as u32, p));
            }
        }
        let order = |a: &(u32, PageId), b: &(u32, PageId)| {
            b.0.cmp(&a.0).then_with(|| pages[a.1].title.cmp(&pages[b.1].title)).then(a.1.cmp(&b.1))
        };
        // Only the best few are kept: select them, then sort just those.
        if ranked.len() > RELATED_COUNT {
            ranked.select_nth_unstable_by(RELATED_COUNT, order);
            ranked.truncate(RELATED_COUNT);
        }
        ranked.sort_by(order);
        ranked.into_iter().map(|(score, p)| (p, score as usize, self.shared(id, p))).collect()
    }
}
