//! The values templates see, built once per page and shared.
//!
//! Tera 2 values hold maps and arrays behind `Arc`, so a page's stub (used in
//! every list and reference) and its full value are built once and cloned for
//! free into every context that shows them. Internal types never reach templates.

use crate::markdown::{Rendered, render_fragment};
use crate::model::{Page, PageId, Site, Value as V};
use tera::Value;

/// A small helper for building ordered maps.
pub struct Obj(Vec<(&'static str, Value)>);

impl Obj {
    pub fn new() -> Self {
        Obj(Vec::with_capacity(24))
    }
    pub fn set(mut self, k: &'static str, v: impl Into<Value>) -> Self {
        self.0.push((k, v.into()));
        self
    }
    pub fn build(self) -> Value {
        let map: indexmap::IndexMap<&'static str, Value> = self.0.into_iter().collect();
        Value::from(map)
    }
}

impl Default for Obj {
    fn default() -> Self {
        Self::new()
    }
}

pub fn opt_str(s: Option<&str>) -> Value {
    s.map(Value::from).unwrap_or_else(Value::none)
}

/// Everything the render stage precomputes about the site.
pub struct Values {
    /// Per page: title, URL, date, summary and fields with references as small links.
    pub stubs: Vec<Value>,
    /// Per page: the full value (content, backlinks, related, deep references), made when
    /// first asked for ([`Values::full`]) where `build_reusing` left it empty.
    full: Vec<Slot>,
    /// What the full values left empty are made from, until [`Values::detach`].
    source: std::sync::RwLock<Option<Source>>,
    /// Whether a page's own render keeps the full value it made (`serve`, which reuses it in
    /// the next build). A one-off build renders each page once: it keeps only the values
    /// other pages ask for (`get_page`) and those of sections (rendered once per page of
    /// their list), so that the values of every page are never all in memory at once.
    keep_own: bool,
    pub site: Value,
    /// Collection name -> its pages as stubs, sorted.
    pub collections: indexmap::IndexMap<String, Value>,
    /// Per taxonomy: the taxonomy value with its terms.
    pub taxonomies: Vec<Value>,
    /// For the site functions: pages by source path, their URLs, taxonomy and collection
    /// names, terms without pages, tiles. It depends only on the resolved site, so patched
    /// values share it.
    pub lookup: std::sync::Arc<Lookup>,
}

/// A page's full value, shared between builds whose fingerprint of it is the same.
type Slot = std::sync::Arc<std::sync::OnceLock<Value>>;

/// What a page's full value is made from: in `serve`, where most full values that changed
/// are not needed before the rebuild is published, they are made when a page renders.
#[derive(Clone)]
pub struct Source {
    pub site: std::sync::Arc<Site>,
    pub rendered: std::sync::Arc<Vec<Rendered>>,
}

impl Values {
    /// Page `id`'s full value, made now if it has not been.
    pub fn full(&self, id: PageId) -> Value {
        if let Some(v) = self.full[id].get() {
            return v.clone();
        }
        let source = self.source.read().unwrap_or_else(|e| e.into_inner());
        match source.as_ref() {
            Some(s) => {
                self.full[id].get_or_init(|| full(&s.site, &s.site.pages[id], &s.rendered[id], &self.stubs)).clone()
            }
            // Values are detached only when a rebuild begins, after the last render. The slot
            // stays empty: later builds that share it make the value themselves.
            None => {
                debug_assert!(false, "the full value of page {id} was asked for after `detach`");
                Value::none()
            }
        }
    }

    /// Page `id`'s full value for its own render (see `keep_own`).
    pub fn own(&self, id: PageId) -> Value {
        if let Some(v) = self.full[id].get() {
            return v.clone();
        }
        if self.keep_own {
            return self.full(id);
        }
        let source = self.source.read().unwrap_or_else(|e| e.into_inner());
        match source.as_ref() {
            Some(s) if !s.site.pages[id].is_section() => full(&s.site, &s.site.pages[id], &s.rendered[id], &self.stubs),
            _ => {
                drop(source);
                self.full(id)
            }
        }
    }

    /// Lets go of the site the full values are made from, so that a rebuild may change it.
    /// Values not made by then are never asked for (the next build has values of its own).
    pub fn detach(&self) {
        *self.source.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

pub struct Lookup {
    pub by_rel: std::collections::HashMap<String, PageId>,
    pub urls: Vec<String>,
    pub base_path: String,
    pub taxonomies: Vec<String>,
    /// Per taxonomy: its value without the terms' pages, and a fingerprint of it.
    pub taxonomy_terms: Vec<(Value, u64)>,
    /// Per taxonomy: its `tiles` from site.yaml, as (term slug, name as written, [column, row]).
    pub tiles: Vec<Vec<(String, String, [u16; 2])>>,
    /// The collections' names and their pages in order, in site.yaml's order.
    pub collections: Vec<(String, Vec<PageId>)>,
    /// Pages of collections that have a date, newest first (for `recent_pages`).
    pub dated: Vec<PageId>,
    /// Per collection: its title and its pages per year of their date (for `chart`).
    pub years: std::collections::HashMap<String, (String, std::collections::BTreeMap<i32, usize>)>,
    /// The site's texts (for the text alternative of `chart`).
    pub i18n: std::sync::Arc<crate::i18n::Translations>,
}

impl Lookup {
    /// The URL of the page at `@/path#anchor` (what `url(path="@/…")` returns), if there is one.
    pub fn page_url(&self, path: &str) -> Option<String> {
        let rel = path.strip_prefix("@/").unwrap_or(path);
        let (file, anchor) = rel.split_once('#').map(|(f, a)| (f, Some(a))).unwrap_or((rel, None));
        let url = &self.urls[*self.by_rel.get(file)?];
        Some(match anchor {
            Some(a) => format!("{url}#{a}"),
            None => url.clone(),
        })
    }

    fn of(site: &Site) -> Lookup {
        let mut dated: Vec<PageId> = site
            .pages
            .iter()
            .filter(|p| !p.is_section() && p.collection.is_some() && p.common.date.is_some())
            .map(|p| p.id)
            .collect();
        dated.sort_by(|&a, &b| {
            let (pa, pb) = (&site.pages[a], &site.pages[b]);
            pb.common.date.cmp(&pa.common.date).then_with(|| pa.title.cmp(&pb.title)).then(a.cmp(&b))
        });
        let mut years: std::collections::HashMap<String, (String, std::collections::BTreeMap<i32, usize>)> = site
            .collections
            .keys()
            .map(|c| {
                (c.clone(), (site.config.collections[c].title.clone().unwrap_or_else(|| c.clone()), Default::default()))
            })
            .collect();
        for &id in &dated {
            let p = &site.pages[id];
            if let (Some(c), Some(d)) = (&p.collection, p.common.date) {
                if let Some((_, counts)) = years.get_mut(c) {
                    *counts.entry(d.year).or_default() += 1;
                }
            }
        }
        Lookup {
            years,
            i18n: site.config.i18n.clone(),
            by_rel: site.by_rel.clone(),
            urls: site.pages.iter().map(|p| site.url(&p.path)).collect(),
            base_path: site.config.base_path.clone(),
            taxonomies: site.taxonomies.iter().map(|t| t.name.clone()).collect(),
            taxonomy_terms: (0..site.taxonomies.len())
                .map(|t| {
                    let v = taxonomy_value_with(site, t, &[], false);
                    let mut h = crate::hash::hasher();
                    super::fingerprint::hash_tera(&v, &mut h);
                    (v, std::hash::Hasher::finish(&h))
                })
                .collect(),
            collections: site.collections.iter().map(|(name, c)| (name.clone(), c.pages.clone())).collect(),
            tiles: site
                .taxonomies
                .iter()
                .map(|t| t.def.tiles.iter().map(|(name, &at)| (crate::slug::slugify(name), name.clone(), at)).collect())
                .collect(),
            dated,
        }
    }
}

/// Values of an earlier build, by page source path: (stub fingerprint, stub, full
/// fingerprint, full value, made or not).
pub type ValueMemo = std::collections::HashMap<String, (u64, Value, u64, Slot)>;

/// Builds every value at once (for shortcodes, which see every page while the Markdown of
/// the pages is being rendered).
pub fn build(site: &Site, rendered: &[Rendered]) -> Values {
    use rayon::prelude::*;
    let stubs = stubs(site, rendered);
    let full: Vec<Slot> =
        site.pages.par_iter().map(|p| std::sync::Arc::new(full(site, p, &rendered[p.id], &stubs).into())).collect();
    finish(site, stubs, full, None, true)
}

/// The values of a one-off build: the stubs now, full values as pages render.
pub fn build_once(source: Source) -> Values {
    let site = source.site.clone();
    let stubs = stubs(&site, &source.rendered);
    let full = std::iter::repeat_with(Slot::default).take(site.pages.len()).collect();
    finish(&site, stubs, full, Some(source), false)
}

/// Every page's stub.
fn stubs(site: &Site, rendered: &[Rendered]) -> Vec<Value> {
    use rayon::prelude::*;
    let links: Vec<Value> = site.pages.iter().map(|p| link_value(site, p)).collect();
    site.pages.par_iter().map(|p| stub(site, p, &rendered[p.id], &|id| links[id].clone())).collect()
}

/// Builds the values of `serve`'s site: a page whose fingerprints are unchanged since the
/// previous build reuses its values; the other stubs are built now, the other full values
/// when a page renders (most pages are rendered after the rebuild is published).
pub fn build_reusing(source: Source, fps: &super::fingerprint::Fingerprints, memo: &mut ValueMemo) -> Values {
    use rayon::prelude::*;
    let (site, rendered) = (&*source.site, &*source.rendered);
    let old = |p: &Page| memo.get(&p.rel);
    // Only changed stubs are made, so links are made when one needs them, once each (the
    // stubs of every page that references a renamed page are made again).
    let links: Vec<std::sync::OnceLock<Value>> = site.pages.iter().map(|_| std::sync::OnceLock::new()).collect();
    let link = |id: PageId| links[id].get_or_init(|| link_value(site, &site.pages[id])).clone();
    let stubs: Vec<Value> = site
        .pages
        .par_iter()
        .map(|p| {
            let make = || stub(site, p, &rendered[p.id], &link);
            match old(p) {
                Some((fp, v, _, _)) if *fp == fps.stub[p.id] => reuse(v, make, "stub", &p.rel),
                _ => make(),
            }
        })
        .collect();
    let full: Vec<Slot> = site
        .pages
        .par_iter()
        .map(|p| match old(p) {
            Some((_, _, fp, slot)) if *fp == fps.full[p.id] => {
                if let Some(v) = slot.get() {
                    reuse(v, || full(site, p, &rendered[p.id], &stubs), "value", &p.rel);
                }
                slot.clone()
            }
            _ => Slot::default(),
        })
        .collect();
    memo.clear();
    for p in &site.pages {
        memo.insert(p.rel.clone(), (fps.stub[p.id], stubs[p.id].clone(), fps.full[p.id], full[p.id].clone()));
    }
    finish(site, stubs, full, Some(source.clone()), true)
}

/// The values of the site with these stubs and full values.
fn finish(site: &Site, stubs: Vec<Value>, full: Vec<Slot>, source: Option<Source>, keep_own: bool) -> Values {
    let collections =
        site.collections.keys().map(|name| (name.clone(), collection_value(site, name, &stubs))).collect();
    let taxonomies = (0..site.taxonomies.len()).map(|t| taxonomy_value(site, t, &stubs)).collect();
    Values {
        site: site_value(site),
        stubs,
        full,
        source: std::sync::RwLock::new(source),
        keep_own,
        collections,
        taxonomies,
        lookup: std::sync::Arc::new(Lookup::of(site)),
    }
}

/// A value kept from the last build because its fingerprint is unchanged. Debug builds
/// (the test suite) check the promise behind that: equal fingerprints mean equal values.
fn reuse(old: &Value, make: impl FnOnce() -> Value, what: &str, rel: &str) -> Value {
    if cfg!(debug_assertions) {
        assert!(make() == *old, "the {what} of {rel} has an unchanged fingerprint but a different value");
    }
    old.clone()
}

/// A collection's pages as stubs, in the collection's order.
fn collection_value(site: &Site, name: &str, stubs: &[Value]) -> Value {
    let pages = site.collections.get(name).map(|idx| idx.pages.as_slice()).unwrap_or_default();
    Value::from(pages.iter().map(|&i| stubs[i].clone()).collect::<Vec<_>>())
}

/// The values of an earlier build, updated after page texts changed (`pipeline::patch`):
/// the stubs of `stubs_changed`, then the full values of `full_changed` (made when a page
/// renders), the collections that list a changed stub and the `taxonomies_changed`. The
/// memo is kept in step.
pub fn patch(
    old: &Values,
    source: Source,
    fps: &super::fingerprint::Fingerprints,
    (stubs_changed, full_changed, taxonomies_changed): (&[PageId], &[PageId], &[usize]),
    memo: &mut ValueMemo,
) -> Values {
    let (site, rendered) = (&*source.site, &*source.rendered);
    let mut values = Values {
        stubs: old.stubs.clone(),
        full: old.full.clone(),
        source: std::sync::RwLock::new(Some(source.clone())),
        keep_own: true,
        site: old.site.clone(),
        collections: old.collections.clone(),
        taxonomies: old.taxonomies.clone(),
        lookup: old.lookup.clone(),
    };
    for &id in stubs_changed {
        let p = &site.pages[id];
        values.stubs[id] = stub(site, p, &rendered[id], &|i| link_value(site, &site.pages[i]));
    }
    for &id in full_changed {
        values.full[id] = Slot::default();
    }
    let mut collections: Vec<&str> =
        stubs_changed.iter().filter_map(|&id| site.pages[id].collection.as_deref()).collect();
    collections.sort_unstable();
    collections.dedup();
    for name in collections {
        if let Some(v) = values.collections.get_mut(name) {
            *v = collection_value(site, name, &values.stubs);
        }
    }
    for &t in taxonomies_changed {
        values.taxonomies[t] = taxonomy_value(site, t, &values.stubs);
    }
    for &id in stubs_changed.iter().chain(full_changed) {
        let p = &site.pages[id];
        memo.insert(p.rel.clone(), (fps.stub[id], values.stubs[id].clone(), fps.full[id], values.full[id].clone()));
    }
    values
}

/// The smallest view of a page: enough to link to it.
fn link_value(site: &Site, p: &Page) -> Value {
    link_obj(site, p).build()
}

/// The keys of a small link to a page (`title`, `url`, `slug`, `relative_path`, `collection`,
/// `date`), for a caller to add to; a later `set` of a key replaces its value.
pub(super) fn link_obj(site: &Site, p: &Page) -> Obj {
    Obj::new()
        .set("title", p.title.as_str())
        .set("url", site.url(&p.path))
        .set("slug", p.slug.as_str())
        .set("relative_path", p.rel.as_str())
        .set("collection", opt_str(p.collection.as_deref()))
        .set("date", date_value(p))
}

fn date_value(p: &Page) -> Value {
    p.common.date.map(|d| Value::from(d.to_string())).unwrap_or_else(Value::none)
}

fn common_values(site: &Site, p: &Page, r: &Rendered, obj: Obj) -> Obj {
    let coll_def = p.collection.as_ref().and_then(|c| site.config.collections.get(c));
    obj.set("title", p.title.as_str())
        .set("url", site.url(&p.path))
        .set("permalink", site.permalink(&p.path))
        .set("path", format!("/{}", p.path))
        .set("slug", p.slug.as_str())
        .set("relative_path", p.rel.as_str())
        .set("kind", if p.is_section() { "section" } else { "page" })
        .set("collection", opt_str(p.collection.as_deref()))
        .set("collection_title", opt_str(coll_def.and_then(|d| d.title.as_deref()).or(p.collection.as_deref())))
        .set(
            "singular",
            opt_str(coll_def.and_then(|d| d.singular.as_deref().or(d.title.as_deref())).or(p.collection.as_deref())),
        )
        .set("date", date_value(p))
        .set("year", p.common.date.map(|d| Value::from(d.year as i64)).unwrap_or_else(Value::none))
        .set("weight", p.common.weight.map(Value::from).unwrap_or_else(Value::none))
        .set("description", opt_str(p.common.description.as_deref()))
        .set("summary", Value::safe_string(&r.summary))
        .set("has_more", r.has_more)
        .set("source", format!("content/{}", p.rel))
        .set("updated", opt_str(p.updated.as_deref()))
        .set(
            "calendar",
            if super::calendar::has_event(site, p) {
                Value::from(site.url(&super::calendar::page_path(p)))
            } else {
                Value::none()
            },
        )
        .set(
            "edit_url",
            opt_str(
                site.config
                    .edit_url
                    .as_ref()
                    .filter(|_| !p.implicit)
                    .map(|u| u.replace("{path}", &format!("content/{}", p.rel)))
                    .as_deref(),
            ),
        )
        .set("extra", tera_from_json(&p.common.extra))
}

/// A page as shown in lists and as the target of a reference.
fn stub(site: &Site, p: &Page, r: &Rendered, link: &dyn Fn(PageId) -> Value) -> Value {
    let fields: indexmap::IndexMap<String, Value> =
        p.fields.iter().map(|(k, v)| (k.clone(), field_value(v, link))).collect();
    common_values(site, p, r, Obj::new()).set("fields", Value::from(fields)).set("terms", terms_value(site, p)).build()
}

/// A page with everything: content, deep references, backlinks, related pages.
fn full(site: &Site, p: &Page, r: &Rendered, stubs: &[Value]) -> Value {
    let fields: indexmap::IndexMap<String, Value> =
        p.fields.iter().map(|(k, v)| (k.clone(), field_value(v, &|id| stubs[id].clone()))).collect();
    let toc: Vec<Value> = p
        .headings
        .iter()
        .map(|h| {
            Obj::new().set("level", h.level as i64).set("id", h.id.as_str()).set("title", h.title.as_str()).build()
        })
        .collect();
    let backlinks: Vec<Value> = p
        .backlinks
        .iter()
        .map(|g| {
            let coll_def = g.collection.as_ref().and_then(|c| site.config.collections.get(c));
            let links: Vec<Value> = g
                .links
                .iter()
                .map(|l| {
                    let record = l
                        .record
                        .as_ref()
                        .map(|rec| {
                            let m: indexmap::IndexMap<String, Value> =
                                rec.iter().map(|(k, v)| (k.clone(), field_value(v, &|id| stubs[id].clone()))).collect();
                            Value::from(m)
                        })
                        .unwrap_or_else(Value::none);
                    Obj::new()
                        .set("page", stubs[l.source].clone())
                        .set("record", record)
                        .set("elsewhere", l.elsewhere)
                        .build()
                })
                .collect();
            let pages: Vec<Value> = g.links.iter().map(|l| stubs[l.source].clone()).collect();
            Obj::new()
                .set("collection", opt_str(g.collection.as_deref()))
                .set("collection_title", opt_str(coll_def.and_then(|d| d.title.as_deref()).or(g.collection.as_deref())))
                .set("field", g.field.as_str())
                .set("label", g.label.as_str())
                .set("count", g.links.len())
                .set("links", links)
                .set("pages", pages)
                .build()
        })
        .collect();
    let related: Vec<Value> = p.related.iter().map(|&i| stubs[i].clone()).collect();
    let related_reasons: Vec<Value> = p
        .related
        .iter()
        .zip(&p.related_shared)
        .map(|(&i, shared)| {
            let terms: Vec<Value> = shared
                .terms
                .iter()
                .map(|&(t, term)| {
                    let tax = &site.taxonomies[t];
                    Obj::new()
                        .set("taxonomy", tax.name.as_str())
                        .set("singular", tax.singular())
                        .set("name", tax.terms[term].name.as_str())
                        .set("url", site.url(&site.term_path(t, term)))
                        .build()
                })
                .collect();
            Obj::new()
                .set("page", stubs[i].clone())
                .set("linked", shared.linked)
                .set("pages", shared.pages.iter().map(|&x| stubs[x].clone()).collect::<Vec<_>>())
                .set("terms", terms)
                .build()
        })
        .collect();
    let ancestors: Vec<Value> = site.ancestors(p).into_iter().map(|i| stubs[i].clone()).collect();
    let assets: Vec<Value> = p.assets.iter().map(|a| Value::from(site.url(&format!("{}{}", p.path, a.rel)))).collect();
    let (previous, next) = site.neighbours(p);
    let neighbour = |n: Option<PageId>| n.map(|i| stubs[i].clone()).unwrap_or_else(Value::none);
    let mut obj = common_values(site, p, r, Obj::new())
        .set("content", Value::safe_string(&r.content))
        .set("toc", toc)
        .set("json_ld", super::structured::json_ld(site, p).map_or_else(Value::none, |j| Value::safe_string(&j)))
        .set("word_count", r.word_count)
        .set("reading_time", r.word_count.div_ceil(200))
        .set("fields", Value::from(fields))
        .set("terms", terms_value(site, p))
        .set("backlinks", backlinks)
        .set("backlink_count", p.backlinks.iter().map(|g| g.links.len()).sum::<usize>())
        .set("related", related)
        .set("related_reasons", related_reasons)
        .set("ancestors", ancestors)
        .set("assets", assets)
        .set("parent", p.parent.map(|i| stubs[i].clone()).unwrap_or_else(Value::none))
        .set("previous", neighbour(previous))
        .set("next", neighbour(next));
    if p.is_section() {
        obj = obj
            .set("pages", p.pages.iter().map(|&i| stubs[i].clone()).collect::<Vec<_>>())
            .set("subsections", p.subsections.iter().map(|&i| stubs[i].clone()).collect::<Vec<_>>());
    }
    obj.build()
}

fn terms_value(site: &Site, p: &Page) -> Value {
    let mut by_tax: indexmap::IndexMap<String, Vec<Value>> = indexmap::IndexMap::new();
    for &(t, i) in &p.terms {
        let tax = &site.taxonomies[t];
        let term = &tax.terms[i];
        by_tax.entry(tax.name.clone()).or_default().push(
            Obj::new()
                .set("name", term.name.as_str())
                .set("slug", term.slug.as_str())
                .set("url", site.url(&site.term_path(t, i)))
                .build(),
        );
    }
    Value::from(by_tax)
}

/// A field value for templates; references become whatever `page` gives for the target.
pub fn field_value(v: &V, page: &dyn Fn(PageId) -> Value) -> Value {
    match v {
        V::Null => Value::none(),
        V::Text(s) | V::Url(s) => Value::from(s.as_str()),
        V::Markdown(s) => Value::safe_string(&render_fragment(s)),
        V::Integer(i) => Value::from(*i),
        V::Bool(b) => Value::from(*b),
        V::Date(d) => Value::from(d.to_string()),
        V::List(items) => Value::from(items.iter().map(|i| field_value(i, page)).collect::<Vec<_>>()),
        V::Record(fields) => {
            let m: indexmap::IndexMap<String, Value> =
                fields.iter().map(|(k, v)| (k.clone(), field_value(v, page))).collect();
            Value::from(m)
        }
        V::Ref(id) => page(*id),
    }
}

fn site_value(site: &Site) -> Value {
    let c = &site.config;
    let menus: indexmap::IndexMap<String, Value> = c
        .menus
        .iter()
        .map(|(name, items)| {
            let items: Vec<Value> = items
                .iter()
                .map(|m| Obj::new().set("name", m.name.as_str()).set("url", menu_url(site, &m.url)).build())
                .collect();
            (name.clone(), Value::from(items))
        })
        .collect();
    let collections: Vec<Value> = site
        .collections
        .iter()
        .map(|(name, idx)| {
            let def = &c.collections[name];
            let fields: Vec<Value> = def.fields.iter().map(|(fname, f)| field_def_value(fname, f)).collect();
            Obj::new()
                .set("name", name.as_str())
                .set("title", def.title.clone().unwrap_or_else(|| name.clone()))
                .set("singular", def.singular.clone().or_else(|| def.title.clone()).unwrap_or_else(|| name.clone()))
                .set("url", site.url(&site.pages[idx.section].path))
                .set("count", idx.pages.len())
                .set(
                    "feed",
                    if def.feed {
                        Value::from(site.url(&format!("{}atom.xml", site.pages[idx.section].path)))
                    } else {
                        Value::none()
                    },
                )
                .set(
                    "calendar",
                    if def.calendar {
                        Value::from(site.url(&super::calendar::collection_path(&site.pages[idx.section])))
                    } else {
                        Value::none()
                    },
                )
                .set("fields", fields)
                .build()
        })
        .collect();
    let taxonomies: Vec<Value> = site
        .taxonomies
        .iter()
        .enumerate()
        .map(|(t, tax)| {
            Obj::new()
                .set("name", tax.name.as_str())
                .set("title", tax.def.title.clone().unwrap_or_else(|| tax.name.clone()))
                .set("singular", tax.singular())
                .set("url", site.url(&site.taxonomy_path(t)))
                .set("count", tax.terms.len())
                .build()
        })
        .collect();
    let facets: Vec<Value> = c
        .search
        .facets
        .iter()
        .map(|f| Obj::new().set("name", f.name.as_str()).set("title", f.title.as_str()).build())
        .collect();
    Obj::new()
        .set("title", c.title.as_str())
        .set("description", c.description.as_str())
        .set("base_url", c.base_url.as_str())
        .set("base_path", c.base_path.as_str())
        .set("language", c.language.as_str())
        .set("menus", Value::from(menus))
        .set("collections", collections)
        .set("taxonomies", taxonomies)
        .set(
            "search",
            Obj::new()
                .set("enabled", c.search.enabled && cfg!(feature = "search"))
                .set("url", site.url(&c.search.path))
                .set("facets", facets)
                .build(),
        )
        .set("page_count", site.pages.iter().filter(|p| !p.is_section()).count())
        .set("extra", tera_from_json(&c.extra))
        .build()
}

/// A declared field for templates: name, label, a readable `title`, type and, for lists
/// and records, what they hold; themes render any content model from these.
fn field_def_value(name: &str, f: &crate::config::FieldDef) -> Value {
    let fields: Option<Vec<Value>> =
        f.fields.as_ref().map(|fs| fs.iter().map(|(n, d)| field_def_value(n, d)).collect());
    Obj::new()
        .set("name", name)
        .set("label", f.label.clone().unwrap_or_else(|| name.to_string()))
        .set("title", f.label.clone().unwrap_or_else(|| humanize(name)))
        .set("type", f.kind.name())
        .set("description", opt_str(f.description.as_deref()))
        .set("many", f.many)
        .set("to", f.targets().iter().map(|t| Value::from(t.as_str())).collect::<Vec<_>>())
        .set("taxonomy", opt_str(f.taxonomy.as_deref()))
        .set("items", f.items.as_deref().map(|i| field_def_value(name, i)).unwrap_or_else(Value::none))
        .set("fields", fields.map(Value::from).unwrap_or_else(Value::none))
        .build()
}

/// `born_in` -> `Born in`: a field name as a heading when it has no `label`.
pub fn humanize(name: &str) -> String {
    let spaced = name.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Resolves a menu URL: `@/x.md` to the page's URL, `/x/` under the base path.
pub fn menu_url(site: &Site, url: &str) -> String {
    if let Some(rel) = url.strip_prefix("@/") {
        if let Some(&id) = site.by_rel.get(rel) {
            return site.url(&site.pages[id].path);
        }
        return url.to_string();
    }
    if let Some(rest) = url.strip_prefix('/') {
        return site.url(rest);
    }
    url.to_string()
}

pub fn taxonomy_value(site: &Site, t: usize, stubs: &[Value]) -> Value {
    taxonomy_value_with(site, t, stubs, true)
}

/// The taxonomy value; without pages, its terms have names, URLs and counts only (what
/// `taxonomy(name, pages=false)` returns: it changes only when `resolve` makes it change).
fn taxonomy_value_with(site: &Site, t: usize, stubs: &[Value], with_pages: bool) -> Value {
    let tax = &site.taxonomies[t];
    let terms: Vec<Value> =
        tax.terms.iter().enumerate().map(|(i, _)| term_value(site, t, i, stubs, with_pages)).collect();
    Obj::new()
        .set("name", tax.name.as_str())
        .set("title", tax.def.title.clone().unwrap_or_else(|| tax.name.clone()))
        .set("singular", tax.singular())
        .set("url", site.url(&site.taxonomy_path(t)))
        .set("terms", terms)
        .build()
}

pub fn term_value(site: &Site, t: usize, i: usize, stubs: &[Value], with_pages: bool) -> Value {
    let term = &site.taxonomies[t].terms[i];
    let mut obj = Obj::new()
        .set("name", term.name.as_str())
        .set("slug", term.slug.as_str())
        .set("url", site.url(&site.term_path(t, i)))
        .set("count", term.pages.len())
        .set(
            "feed",
            if site.taxonomies[t].def.feed {
                Value::from(site.url(&format!("{}atom.xml", site.term_path(t, i))))
            } else {
                Value::none()
            },
        );
    if with_pages {
        obj = obj.set("pages", term.pages.iter().map(|&p| stubs[p].clone()).collect::<Vec<_>>());
    }
    obj.build()
}

pub fn tera_from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::none(),
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => {
            n.as_i64().map(Value::from).or_else(|| n.as_f64().map(Value::from)).unwrap_or_else(Value::none)
        }
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(a) => Value::from(a.iter().map(tera_from_json).collect::<Vec<_>>()),
        serde_json::Value::Object(o) => {
            let m: indexmap::IndexMap<String, Value> = o.iter().map(|(k, v)| (k.clone(), tera_from_json(v))).collect();
            Value::from(m)
        }
    }
}
