//! Incremental resolve, for `serve`: after some documents changed, the last resolved site is
//! updated in place, redoing only what the changed documents affect.
//!
//! - The changed pages get a new skeleton, new fields and new body links; every other page
//!   keeps its own, which depend only on the documents and on what is checked below to be
//!   unchanged (the set of pages, their URLs and heading ids).
//! - The orders (collections, sections, taxonomies) are made again: they are cheap and any
//!   title or date may move a page.
//! - Backlinks are grouped again only for the pages the changed ones referenced, before or
//!   now, and those referenced by a page that came to or left the first place of its
//!   collection (where it ties with the collection's sections); the others keep theirs: two
//!   unchanged pages of one collection keep their relative order.
//! - The related-pages index is updated for the pages whose features may differ
//!   ([`RelatedIndex::update`]): the changed pages, those whose backlinks were grouped again
//!   and those whose terms changed (a reference field may feed referenced pages' titles into
//!   a taxonomy). Related pages are scored again only for pages whose features, postings or
//!   candidates changed ([`RelatedIndex::affected`]); when every page's features are as they were (and
//!   few pages changed), only where a changed page's new title moves it past a page it ties
//!   with in the list, or may move it into or out of the list
//!   ([`RelatedIndex::keeps_related`]: a title only breaks ties).
//!
//! Anything else falls back to the full [`resolve_keeping`]: pages added, removed or turned
//! into drafts, a changed URL, slug or heading id, and any error (so that error messages are
//! always those of a full resolve). Warnings (of fields, `unknown_fields: warn`) are kept per
//! page and given again. When the taxonomies' terms changed (term indices then mean other
//! terms), every page's related pages are scored again. Debug builds check every incremental
//! result against a full resolve.

use super::*;
use crate::hash::hash_of;

/// [`resolve_keeping`] for `serve`, given the last site and memo: redoes only what the
/// documents that changed since (those that are not the same `Arc`) affect, when it can.
pub fn resolve_again(
    config: &Config,
    docs: Vec<Arc<ParsedDoc>>,
    assets: &[Asset],
    statics: &[StaticFile],
    opts: &ResolveOptions,
    last: (Site, Memo),
) -> (Site, Vec<Diagnostic>, Memo) {
    match again(config, &docs, assets, statics, opts, last) {
        Some((site, memo)) => {
            // The only problems left are warnings of fields, in page order like a full resolve's.
            let warnings: Vec<Diagnostic> = memo.warnings.iter().flatten().cloned().collect();
            #[cfg(debug_assertions)]
            check_against_full(config, docs, assets, statics, opts, &site, &warnings);
            (site, warnings, memo)
        }
        None => resolve_keeping(config, docs, assets, statics, opts),
    }
}

/// What a resolve reads besides the documents: site.yaml, `--drafts`, the assets' and static
/// files' paths.
pub fn inputs_key(config: &Config, drafts: bool, assets: &[Asset], statics: &[StaticFile]) -> u64 {
    let assets: Vec<(&str, &std::path::Path)> = assets.iter().map(|a| (a.rel.as_str(), a.abs.as_path())).collect();
    let statics: Vec<&str> = statics.iter().map(|s| s.rel.as_str()).collect();
    hash_of(&(&config.source_text, drafts, assets, statics))
}

fn again(
    config: &Config,
    docs: &[Arc<ParsedDoc>],
    assets: &[Asset],
    statics: &[StaticFile],
    opts: &ResolveOptions,
    (mut site, mut memo): (Site, Memo),
) -> Option<(Site, Memo)> {
    // A top-level page field named `body` would share the text links' group (see `EdgeOrder`;
    // section fields have no place in the field orders, so both paths give them 999).
    let body_field = config.collections.values().any(|c| c.fields.contains_key("body"));
    if !memo.clean || body_field || memo.inputs != inputs_key(config, opts.drafts, assets, statics) {
        return None;
    }
    let (docs, draft_slugs) = leave_out_drafts(config, docs.to_vec(), opts.drafts);
    if draft_slugs != memo.draft_slugs
        || docs.len() != memo.docs.len()
        || docs.iter().zip(&memo.docs).any(|(a, b)| a.rel != b.rel)
    {
        return None;
    }
    let changed: Vec<PageId> = (0..docs.len()).filter(|&i| !Arc::ptr_eq(&docs[i], &memo.docs[i])).collect();
    for p in site.pages.iter_mut().take(docs.len()) {
        p.updated = opts.updated.get(&p.rel).cloned();
    }

    // 1. The changed pages' skeletons, in place; what later steps fill in is kept for now.
    let mut diags = Vec::new();
    let mut before: Vec<PageId> = Vec::new();
    // The changed pages' titles before: where a title breaks a tie, the order may stay.
    let mut titles_before: Vec<(PageId, String)> = Vec::with_capacity(changed.len());
    for &i in &changed {
        let doc = &docs[i];
        let mut page = skeleton(config, doc, i, &mut diags);
        let old = &mut site.pages[i];
        let ids = |p: &Page| p.headings.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
        if (page.kind, &page.collection, &page.slug, &page.path) != (old.kind, &old.collection, &old.slug, &old.path)
            || ids(&page) != ids(old)
        {
            return None;
        }
        for v in old.fields.values() {
            v.visit_refs("", None, &mut |t, _, _| before.push(t));
        }
        before.extend(&memo.body_targets[i]);
        titles_before.push((i, std::mem::take(&mut old.title)));
        page.updated = old.updated.take();
        page.parent = old.parent;
        page.assets = std::mem::take(&mut old.assets);
        page.backlinks = std::mem::take(&mut old.backlinks);
        page.related = std::mem::take(&mut old.related);
        page.related_shared = std::mem::take(&mut old.related_shared);
        page.pages = std::mem::take(&mut old.pages);
        page.subsections = std::mem::take(&mut old.subsections);
        *old = page;
    }

    // 2. Their fields and body links.
    let lookup = Lookup::new(&site.pages, draft_slugs.clone());
    for &i in &changed {
        let checked = check_page(config, &docs[i], &site.pages[i], &lookup);
        (memo.extra_terms[i], memo.warnings[i]) = take_checked(&mut site.pages[i], checked, &mut diags);
        let (links, targets, d) = resolve_links(config, &docs[i], i, &site.pages, &site.by_rel);
        site.pages[i].links = links;
        memo.body_targets[i] = targets;
        diags.extend(d);
    }
    if diags.iter().any(|d| !d.warning) {
        return None;
    }

    // 3. The orders.
    let (collections, rank) = sort_collections(config, &mut site.pages, &memo.folder_section);

    // 4. Backlinks of every page a changed page referenced, before or now. Sources of one
    // collection sort by rank, and a section shares its collection's group at rank 0: a page
    // that comes to or leaves rank 0 may change places with a section (it ties with it, and
    // then the titles decide), so what it references is grouped again too.
    let order = EdgeOrder::new(config);
    let is_changed: HashSet<PageId> = changed.iter().copied().collect();
    let mut fresh: Vec<(PageId, Incoming)> = Vec::new();
    for &i in &changed {
        outgoing(&order, &site.pages[i], &memo.body_targets[i], &mut |t, edge| fresh.push((t, edge)));
    }
    let mut incoming: HashMap<PageId, Vec<Incoming>> =
        before.into_iter().chain(fresh.iter().map(|(t, _)| *t)).map(|t| (t, Vec::new())).collect();
    let flipped = (0..rank.len()).filter(|&i| rank[i] != memo.rank[i] && (rank[i] == 0 || memo.rank[i] == 0));
    for i in flipped.filter(|i| !is_changed.contains(i)) {
        outgoing(&order, &site.pages[i], &memo.body_targets[i], &mut |t, _| {
            incoming.entry(t).or_default();
        });
    }
    for (&target, edges) in incoming.iter_mut() {
        for g in &site.pages[target].backlinks {
            let field = (g.field != "body").then_some(g.field.as_str());
            for l in g.links.iter().filter(|l| !is_changed.contains(&l.source)) {
                let at = order.of(&site.pages[l.source].collection, field);
                edges.push((at, l.source, g.field.clone(), l.record.clone()));
            }
        }
    }
    for (t, edge) in fresh {
        incoming.get_mut(&t).expect("every target has an entry").push(edge);
    }
    let mut targets: Vec<(PageId, Vec<Incoming>)> = incoming.into_iter().collect();
    targets.sort_by_key(|(t, _)| *t);
    // The pages whose features (references, backlinks, terms) may differ; those whose terms
    // changed are added below.
    let mut candidates = changed.clone();
    for (target, edges) in targets {
        site.pages[target].backlinks = group_backlinks(config, &site.pages, &rank, edges);
        candidates.push(target);
    }

    // 5. Taxonomies; then related pages, where they may have changed.
    let old_terms = term_lists(&site.taxonomies);
    // Every page's terms are found again (a reference field may feed the titles of the pages
    // it references into a taxonomy: an unchanged page may get other terms).
    let terms_before: Vec<Vec<(usize, usize)>> = site.pages.iter_mut().map(|p| std::mem::take(&mut p.terms)).collect();
    let taxonomies = collect_taxonomies(config, &mut site.pages, &rank, &memo.extra_terms);
    let index = &mut memo.related;
    let redo: Vec<PageId> = if term_lists(&taxonomies) == old_terms {
        // Term indices mean the same terms as before: pages with other ones have other features.
        candidates.extend(site.pages.iter().filter(|p| p.terms != terms_before[p.id]).map(|p| p.id));
        let before = index.update(&site.pages, &candidates);
        let redo = index.affected(&before, &changed);
        // Checking costs each page up to a score per changed page: for many changed titles
        // (a checkout), scoring the pages again is as cheap.
        if before.is_empty() && titles_before.len() <= KEEPS_RELATED_MAX {
            // Only the changed pages' titles can matter, and a title only breaks ties.
            let (index, pages) = (&*index, &site.pages);
            redo.into_par_iter().filter(|&x| !index.keeps_related(pages, x, &titles_before)).collect()
        } else {
            redo
        }
    } else {
        *index = RelatedIndex::new(&site.pages);
        (0..site.pages.len()).collect()
    };
    index.set_related(&mut site.pages, redo);
    #[cfg(debug_assertions)]
    index.check_against_new(&site.pages);
    memo.rank = rank;
    site.collections = collections;
    site.taxonomies = taxonomies;
    site.config = config.clone();

    diags.extend(crate::collisions::check(&site, &docs, &memo.asset_outputs, statics));
    if diags.iter().any(|d| !d.warning) {
        return None;
    }
    memo.docs = docs;
    memo.incremental = true;
    Some((site, memo))
}

/// At most this many changed pages for [`RelatedIndex::keeps_related`] to be worth asking.
const KEEPS_RELATED_MAX: usize = 16;

/// Each taxonomy's terms (name and slug), in order: what term indices mean.
fn term_lists(taxonomies: &[Taxonomy]) -> Vec<Vec<(&str, &str)>> {
    taxonomies.iter().map(|t| t.terms.iter().map(|x| (x.name.as_str(), x.slug.as_str())).collect()).collect()
}

impl RelatedIndex {
    /// How often page `p` is among page `x`'s candidates: its score in `related` (a page
    /// `x` links to, or that links to `x`, counts twice; each feature both share that is
    /// not over-common, once).
    fn score(&self, pages: &[Page], x: PageId, p: PageId) -> usize {
        let direct = if self.has(x, &Feature::Page(p)) && !pages[p].is_section() { 2 } else { 0 };
        direct + self.features[x].iter().filter(|f| self.counts(f) && self.has(p, f)).count()
    }

    /// Whether page `x`'s related pages stay as they are (`pages[x].related`, from the last
    /// resolve) when every page has the features it had and only the titles of the `changed`
    /// pages (with their titles before) may differ. Pages rank by score, then title, then
    /// id, and only a changed page's rank can move. The list stays when each changed
    /// candidate that is listed keeps its side of every other listed page and, in a full
    /// list, does not move down unless it scores above the last (a page below the list
    /// scores at most the last's score: moving down past one, it would come in); and when
    /// each unlisted one stays below the last of a full list. Where two changed pages meet,
    /// the page is scored again.
    fn keeps_related(&self, pages: &[Page], x: PageId, changed: &[(PageId, String)]) -> bool {
        let list = &pages[x].related;
        if pages[x].is_section() || list.is_empty() {
            return pages[x].is_section();
        }
        let is_changed = |p: PageId| changed.iter().any(|&(c, _)| c == p);
        // The listed pages' scores are as they were: every page has the features it had.
        let key = |p: PageId, score: usize| (std::cmp::Reverse(score), pages[p].title.as_str(), p);
        let listed: Vec<_> = list.iter().zip(&self.scores[x]).map(|(&p, &score)| key(p, score)).collect();
        debug_assert!(list.iter().zip(&self.scores[x]).all(|(&p, &score)| score == self.score(pages, x, p)));
        let full = list.len() == super::RELATED_COUNT;
        let (last, last_key) = (list[list.len() - 1], listed[listed.len() - 1]);
        changed.iter().filter(|&&(c, _)| c != x && !pages[c].is_section()).all(|(c, was)| {
            let Some(at) = list.iter().position(|&p| p == *c) else {
                // Not a candidate (then it was not one before either), or below a full list's last.
                let now = key(*c, self.score(pages, x, *c));
                return now.0.0 == 0 || (full && !is_changed(last) && last_key < now);
            };
            let now = listed[at];
            let before = (now.0, was.as_str(), *c);
            (!full || now <= before || now.0 < last_key.0)
                && list.iter().zip(&listed).all(|(&p, k)| p == *c || (!is_changed(p) && (*k < now) == (*k < before)))
        })
    }

    /// The pages whose related pages may differ since [`RelatedIndex::update`] made
    /// `before` (term indices meaning the same terms on both sides), when `changed` pages
    /// may also have new titles: the pages whose features changed or that changed, and
    /// everything that has one of those pages as a feature or shares a counted feature with
    /// it, before or now.
    fn affected(&self, before: &IndexBefore, changed: &[PageId]) -> Vec<PageId> {
        let mut moved: Vec<PageId> = changed.iter().chain(before.features.keys()).copied().collect();
        moved.sort_unstable();
        moved.dedup();
        let was_posting = |f: &Feature| match before.postings.get(f) {
            Some(saved) => saved.as_ref(),
            None => self.postings.get(f),
        };
        let mut out: HashSet<PageId> = moved.iter().copied().collect();
        let members = |f: &Feature| self.postings.get(f).into_iter().chain(was_posting(f)).flatten().copied();
        for &p in &moved {
            out.extend(members(&Feature::Page(p)));
            let was = before.features.get(&p).unwrap_or(&self.features[p]);
            for f in self.features[p].iter().chain(was) {
                if let Feature::Page(q) = f {
                    out.insert(*q);
                }
                if self.counts(f) || was_posting(f).is_some_and(|l| l.len() <= RELATED_MAX_POSTING) {
                    out.extend(members(f));
                }
            }
        }
        let mut out: Vec<PageId> = out.into_iter().collect();
        out.sort_unstable();
        out
    }

    /// Debug builds: an updated index must be the one made from the pages anew.
    #[cfg(debug_assertions)]
    fn check_against_new(&self, pages: &[Page]) {
        let new = RelatedIndex::new(pages);
        assert!(self.features == new.features, "the updated index has other features than a new one");
        assert!(self.postings == new.postings, "the updated index has other postings than a new one");
    }
}

impl IndexBefore {
    /// Whether every page kept its features.
    fn is_empty(&self) -> bool {
        self.features.is_empty()
    }
}

/// Debug builds: the incremental result must be what a full resolve makes.
#[cfg(debug_assertions)]
fn check_against_full(
    config: &Config,
    docs: Vec<Arc<ParsedDoc>>,
    assets: &[Asset],
    statics: &[StaticFile],
    opts: &ResolveOptions,
    site: &Site,
    warnings: &[Diagnostic],
) {
    let (full, diags, _) = resolve_keeping(config, docs, assets, statics, opts);
    let shown = |d: &[Diagnostic]| d.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>();
    assert_eq!(shown(&diags), shown(warnings), "an incremental resolve's problems differ from a full one's");
    if let Some(what) = difference(site, &full) {
        panic!("an incremental resolve differs from a full one: {what}");
    }
}

/// Where two resolved sites differ, if they do (the configuration is not compared).
#[cfg(any(debug_assertions, test))]
fn difference(a: &Site, b: &Site) -> Option<String> {
    if a.pages.len() != b.pages.len() {
        return Some(format!("{} pages against {}", a.pages.len(), b.pages.len()));
    }
    if let Some((x, y)) = a.pages.iter().zip(&b.pages).find(|(x, y)| x != y) {
        return Some(format!("page content/{}:\n{x:#?}\nagainst\n{y:#?}", x.rel));
    }
    if a.home != b.home || a.by_rel != b.by_rel {
        return Some("the page index".into());
    }
    if a.collections != b.collections {
        return Some("the collections".into());
    }
    let terms = |s: &Site| s.taxonomies.iter().map(|t| (t.name.clone(), t.terms.clone())).collect::<Vec<_>>();
    if terms(a) != terms(b) {
        return Some("the taxonomies".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::SourceFile;

    /// xorshift: deterministic, so a failure replays.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    fn parsed(rel: &str, text: &str) -> Option<Arc<ParsedDoc>> {
        let file = SourceFile { rel: rel.into(), text: text.into(), stamp: None, fresh: true };
        crate::parse::parse(&file).ok().map(Arc::new)
    }

    /// One edit of a document's front matter or text: a new title (which moves it in
    /// title orders), a reference to another page of the same collection, a new year, or a
    /// link in the text to some page.
    fn edit(rng: &mut Rng, text: &str, slugs: &HashMap<String, Vec<String>>, rels: &[String]) -> String {
        let Some(end) = text[3..].find("\n---").map(|e| e + 3) else { return text.to_string() };
        let (front, body) = text.split_at(end);
        match rng.below(4) {
            0 => {
                let word = ["Aa", "Mm", "Zz", "Nieuw"][rng.below(4)];
                let front = front
                    .lines()
                    .map(|l| match l.strip_prefix("title: ") {
                        Some(t) => format!("title: \"{word} {}\"", t.trim_matches('"')),
                        None => l.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                format!("{front}{body}")
            }
            1 => {
                // A word of the front matter that is some collection's slug.
                let words: Vec<(usize, &str, &Vec<String>)> = front
                    .match_indices(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    .fold(Vec::<(usize, usize)>::new(), |mut runs, (i, _)| {
                        match runs.last_mut() {
                            Some((start, len)) if *start + *len == i => *len += 1,
                            _ => runs.push((i, 1)),
                        }
                        runs
                    })
                    .into_iter()
                    .filter_map(|(i, len)| {
                        let w = &front[i..i + len];
                        let mut holders = slugs.values().filter(|list| list.iter().any(|s| s == w));
                        match (holders.next(), holders.next()) {
                            (Some(list), None) if list.len() > 1 => Some((i, w, list)),
                            _ => None,
                        }
                    })
                    .collect();
                if words.is_empty() {
                    return text.to_string();
                }
                let (at, word, list) = words[rng.below(words.len())];
                let other = &list[rng.below(list.len())];
                format!("{}{other}{}{body}", &front[..at], &front[at + word.len()..])
            }
            2 => match front.find("\ndate: 20") {
                Some(at) => {
                    let year = 2010 + rng.below(16);
                    format!("{}\ndate: {year}{}{body}", &front[..at], &front[at + 11..])
                }
                None => text.to_string(),
            },
            _ => format!("{front}{body}\nZie ook [deze pagina](@/{}).\n", rels[rng.below(rels.len())]),
        }
    }

    /// The bundled site's documents, resolved in full, for edits to be resolved again.
    struct Bundled {
        config: Config,
        sources: crate::load::Sources,
        texts: Vec<(String, String)>,
        docs: Vec<Arc<ParsedDoc>>,
        last: Option<(Site, Memo)>,
        opts: ResolveOptions,
    }

    impl Bundled {
        fn new() -> Bundled {
            Bundled::with(|_| {})
        }

        /// The bundled site with its site.yaml changed by `change`.
        fn with(change: impl FnOnce(&mut Config)) -> Bundled {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let mut config = Config::load(root).expect("the bundled site.yaml loads");
            change(&mut config);
            let (sources, diags) = crate::load::load(&config);
            assert!(diags.is_empty(), "{diags:?}");
            let texts: Vec<(String, String)> =
                sources.content.iter().map(|f| (f.rel.clone(), f.text.clone())).collect();
            let docs = texts.iter().map(|(r, t)| parsed(r, t).expect("parses")).collect();
            let opts = ResolveOptions { drafts: false, updated: Default::default() };
            let mut b = Bundled { config, sources, texts, docs, last: None, opts };
            let (site, diags, memo) = b.full();
            assert!(diags.is_empty(), "{diags:?}");
            b.last = Some((site, memo));
            b
        }

        fn full(&self) -> (Site, Vec<Diagnostic>, Memo) {
            resolve_keeping(&self.config, self.docs.clone(), &self.sources.assets, &self.sources.statics, &self.opts)
        }

        fn site(&self) -> &Site {
            &self.last.as_ref().expect("resolved").0
        }

        fn index(&self, rel: &str) -> usize {
            self.texts.iter().position(|(r, _)| r == rel).expect("a document of the site")
        }

        /// Replaces document `i`; false when the new text does not parse. Like `serve` in a
        /// git work tree, it counts as changed today.
        fn set(&mut self, i: usize, text: String) -> bool {
            let Some(doc) = parsed(&self.texts[i].0, &text) else { return false };
            self.opts.updated.insert(self.texts[i].0.clone(), "2026-12-03".to_string());
            self.texts[i].1 = text;
            self.docs[i] = doc;
            true
        }

        /// Resolves again and checks the result against a full resolve; returns the
        /// problems and whether the resolve was incremental.
        fn again(&mut self, what: &str) -> (Vec<Diagnostic>, bool) {
            let last = self.last.take().expect("resolved");
            let b = &*self;
            let (site, diags, memo) =
                resolve_again(&b.config, b.docs.clone(), &b.sources.assets, &b.sources.statics, &b.opts, last);
            let (full, full_diags, _) = self.full();
            let shown = |d: &[Diagnostic]| d.iter().map(|d| d.to_string()).collect::<Vec<_>>();
            assert_eq!(shown(&diags), shown(&full_diags), "{what}");
            if let Some(difference) = difference(&site, &full) {
                panic!("{what}: {difference}");
            }
            let incremental = memo.incremental;
            self.last = Some((site, memo));
            (diags, incremental)
        }
    }

    #[test]
    fn edits_resolved_incrementally_give_what_a_full_resolve_gives() {
        let mut b = Bundled::new();
        let site = b.site();
        let mut slugs: HashMap<String, Vec<String>> = HashMap::new();
        for p in site.pages.iter().filter(|p| !p.is_section()) {
            if let Some(c) = &p.collection {
                slugs.entry(c.clone()).or_default().push(p.slug.clone());
            }
        }
        let rels: Vec<String> = site.pages.iter().filter(|p| !p.implicit).map(|p| p.rel.clone()).collect();
        // `INNOBIEB_SEED` and `INNOBIEB_STEPS` run other or longer sequences (as in tests/serve.rs).
        let env = |name: &str| std::env::var(name).ok().and_then(|s| s.parse().ok());
        let seed: u64 = env("INNOBIEB_SEED").unwrap_or(0x5eed_2026_1203);
        let mut rng = Rng(seed);
        let (steps, mut incremental) = (env("INNOBIEB_STEPS").map_or(40, |s: u64| s as usize), 0);
        for step in 0..steps {
            let before = (b.texts.clone(), b.docs.clone());
            for _ in 0..1 + rng.below(2) {
                let i = rng.below(b.texts.len());
                let new = edit(&mut rng, &b.texts[i].1, &slugs, &rels);
                b.set(i, new);
            }
            let (diags, again) = b.again(&format!("step {step} (seed {seed})"));
            incremental += usize::from(again);
            if !diags.is_empty() {
                // An edit the model rejects: take it back (the next resolve is a full one).
                (b.texts, b.docs) = before;
            }
        }
        assert!(incremental * 3 >= steps * 2, "only {incremental} of {steps} resolves were incremental");
    }

    #[test]
    fn pages_whose_terms_come_from_a_renamed_pages_title_get_their_new_terms_and_related_pages() {
        // `onderdeel_van` feeds the titles of the programmes it references into a taxonomy.
        // Two of them swap titles: the taxonomy keeps its terms, but a page that references
        // one of them (and is neither edited nor referenced by them) has the other's term now.
        let mut b = Bundled::with(|config| {
            let field = config.collections["programmas"].fields.get_mut("onderdeel_van").expect("a field");
            field.taxonomy = Some("provincies".into());
        });
        let edited = |b: &Bundled, rel: &str, key: &str, value: &str| {
            let text = &b.texts[b.index(rel)].1;
            let line = text.lines().find(|l| l.starts_with(&format!("{key}:"))).expect("the key");
            text.replacen(line, &format!("{key}: {value}"), 1)
        };
        let rel = "programmas/actielijn-ondernemen-en-samenwerken.md";
        let text = edited(&b, rel, "onderdeel_van", "innovatiebieb-nl");
        let i = b.index(rel);
        assert!(b.set(i, text));
        assert!(b.again("a page becomes part of Innovatiebieb.nl").0.is_empty());
        let referring = b.site().by_rel[rel];
        let terms_before = b.site().pages[referring].terms.clone();
        let (one, other) = ("programmas/innovatiebieb-nl.md", "programmas/actieagenda.md");
        let (one_text, other_text) =
            (edited(&b, one, "title", "\"Actieagenda\""), edited(&b, other, "title", "\"Innovatiebieb.nl\""));
        let (i, j) = (b.index(one), b.index(other));
        assert!(b.set(i, one_text) && b.set(j, other_text));
        let (diags, incremental) = b.again("two programmes swap titles");
        assert!(diags.is_empty() && incremental, "{diags:?}");
        assert_ne!(b.site().pages[referring].terms, terms_before, "the referring page has other terms");
    }

    #[test]
    fn a_page_that_moves_to_the_front_of_its_collection_changes_places_with_its_section_in_backlinks() {
        // The collection's section and its first page both link to one page: as sources of
        // one group, both have rank 0, so the titles decide. Then another page moves first.
        let mut b = Bundled::new();
        let site = b.site();
        let order = &site.collections["tijdlijn"].pages;
        let (first, second) = (site.pages[order[0]].rel.clone(), site.pages[order[1]].rel.clone());
        let newest_first = site.config.collections["tijdlijn"].order() == crate::config::Order::Desc;
        for rel in ["tijdlijn/_index.md", first.as_str()] {
            let i = b.index(rel);
            let text = format!("{}\n[Over](@/over.md)\n", b.texts[i].1);
            assert!(b.set(i, text));
        }
        assert_eq!(b.again("the links"), (Vec::new(), true));
        let i = b.index(&second);
        let at = b.texts[i].1.find("\ndate: ").expect("a timeline entry has a date") + 7;
        let date = if newest_first { "2090-01-01" } else { "1900-01-01" };
        let end = at + b.texts[i].1[at..].find('\n').expect("the front matter goes on");
        let text = format!("{}{date}{}", &b.texts[i].1[..at], &b.texts[i].1[end..]);
        assert!(b.set(i, text));
        assert_eq!(b.again("the move"), (Vec::new(), true));
    }

    #[test]
    fn warnings_of_unchanged_pages_are_given_again_and_do_not_stop_incremental_resolves() {
        let mut b = Bundled::new();
        b.config.unknown_fields = crate::config::UnknownFields::Warn;
        for c in b.config.collections.values_mut() {
            c.unknown_fields = None;
        }
        let (site, diags, memo) = b.full();
        assert!(diags.is_empty(), "{diags:?}");
        b.last = Some((site, memo));
        let first = b.index("over.md");
        let with_key = b.texts[first].1.replacen("---\n", "---\nonbekend: ja\n", 1);
        assert!(b.set(first, with_key));
        let (diags, _) = b.again("an unknown key");
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].warning && diags[0].to_string().contains("onbekend"), "{diags:?}");
        // Another page changes: the warning is still there, from the memo.
        let other = (0..b.texts.len()).find(|&i| b.texts[i].0.starts_with("personen/")).expect("people");
        let renamed = b.texts[other].1.replacen("title: \"", "title: \"Aa ", 1);
        assert!(b.set(other, renamed));
        let (diags, incremental) = b.again("a new title elsewhere");
        assert!(incremental);
        assert_eq!(diags.len(), 1, "{diags:?}");
    }
}
