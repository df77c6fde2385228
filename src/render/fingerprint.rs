//! Fingerprints of everything a rendered page depends on, for `serve`'s
//! incremental rebuilds: a page is rendered again only when its fingerprint
//! changed. Computed from the model (not from the rendered text), so they are
//! cheap: the page body enters only through the key of its rendered Markdown.
//!
//! Invariant: every input of a page's template context is covered. The serve
//! tests compare the served site with a fresh build after random edit sequences.

use crate::hash::{hash_of, hasher};
use crate::markdown::Rendered;
use crate::model::{Page, PageId, Site, Value as V};
use std::hash::{Hash, Hasher};

pub struct Fingerprints {
    /// What a page looks like in a list or as a reference target.
    pub stub: Vec<u64>,
    /// The page's whole template value.
    pub full: Vec<u64>,
    /// Each taxonomy's value (its terms and their pages).
    pub taxonomies: Vec<u64>,
    /// Each collection's list of stubs (what `collection(name)` returns), in `site.collections` order.
    pub collections: Vec<u64>,
}

/// `rendered[p]` is page `p`'s rendered Markdown and `content[p]` a key of it (see `pipeline`):
/// the stub fingerprint covers the summary (all a stub shows of the text), the full one the key.
pub fn compute(site: &Site, rendered: &[Rendered], content: &[u64]) -> Fingerprints {
    use rayon::prelude::*;
    let pages = &site.pages;
    let link: Vec<u64> = pages.iter().map(link_fp).collect();
    let stub: Vec<u64> = pages.par_iter().map(|p| stub_fp(site, p, &rendered[p.id], &|id| link[id])).collect();
    let full: Vec<u64> = pages.par_iter().map(|p| full_fp(site, p, content[p.id], &stub)).collect();
    let taxonomies: Vec<u64> = (0..site.taxonomies.len()).map(|t| taxonomy_fp(site, t, &stub)).collect();
    let collections: Vec<u64> = (0..site.collections.len()).map(|c| collection_fp(site, c, &stub)).collect();
    Fingerprints { stub, full, taxonomies, collections }
}

/// A collection's pages as stubs, in order (`c` indexes `site.collections`).
pub fn collection_fp(site: &Site, c: usize, stub: &[u64]) -> u64 {
    let mut h = hasher();
    if let Some((name, index)) = site.collections.get_index(c) {
        (name, index.pages.len()).hash(&mut h);
        for &p in &index.pages {
            stub[p].hash(&mut h);
        }
    }
    h.finish()
}

/// What a reference to the page shows: title, URL, collection, date.
pub fn link_fp(p: &Page) -> u64 {
    let mut h = hasher();
    (&p.title, &p.path, &p.slug, &p.rel, &p.collection, p.common.date).hash(&mut h);
    h.finish()
}

/// The page as a stub; `link(id)` is the link fingerprint of a referenced page.
pub fn stub_fp(site: &Site, p: &Page, r: &Rendered, link: &dyn Fn(PageId) -> u64) -> u64 {
    let mut h = hasher();
    (&r.summary, r.has_more).hash(&mut h);
    (&p.title, &p.path, &p.slug, &p.rel, &p.collection, p.kind as u8, &p.template, p.implicit, &p.updated).hash(&mut h);
    let c = &p.common;
    (c.date, c.weight, &c.description, &c.aliases, c.draft, c.extra.to_string()).hash(&mut h);
    for (k, v) in &p.fields {
        k.hash(&mut h);
        hash_value(v, &mut h, link);
    }
    for &(t, i) in &p.terms {
        (t, &site.taxonomies[t].terms[i].slug, &site.taxonomies[t].terms[i].name).hash(&mut h);
    }
    for a in &p.assets {
        (&a.rel, &a.abs).hash(&mut h);
    }
    h.finish()
}

/// The page's whole value: its stub, rendered text (by its key) and every page it shows.
pub fn full_fp(site: &Site, p: &Page, content: u64, stub: &[u64]) -> u64 {
    let mut h = hasher();
    (stub[p.id], content).hash(&mut h);
    for (k, v) in &p.fields {
        k.hash(&mut h);
        hash_value(v, &mut h, &|id| stub[id]);
    }
    for hd in &p.headings {
        (hd.level, &hd.id, &hd.title).hash(&mut h);
    }
    for g in &p.backlinks {
        (&g.collection, &g.field, &g.label, g.links.len()).hash(&mut h);
        for l in &g.links {
            (stub[l.source], l.elsewhere).hash(&mut h);
            if let Some(rec) = &l.record {
                for (k, v) in rec {
                    k.hash(&mut h);
                    hash_value(v, &mut h, &|id| stub[id]);
                }
            }
        }
    }
    let ids = |h: &mut crate::hash::FixedHasher, list: &[PageId]| {
        list.len().hash(h);
        for &i in list {
            stub[i].hash(h);
        }
    };
    ids(&mut h, &p.related);
    for shared in &p.related_shared {
        shared.linked.hash(&mut h);
        ids(&mut h, &shared.pages);
        for &(t, i) in &shared.terms {
            (t, &site.taxonomies[t].terms[i].name, &site.taxonomies[t].terms[i].slug).hash(&mut h);
        }
    }
    ids(&mut h, &site.ancestors(p));
    ids(&mut h, p.parent.as_slice());
    let (previous, next) = site.neighbours(p);
    (previous.map(|i| stub[i]), next.map(|i| stub[i])).hash(&mut h);
    ids(&mut h, &p.pages);
    ids(&mut h, &p.subsections);
    h.finish()
}

/// A taxonomy with its terms and the stubs of their pages.
pub fn taxonomy_fp(site: &Site, t: usize, stub: &[u64]) -> u64 {
    let tax = &site.taxonomies[t];
    let mut h = hasher();
    (&tax.name, tax.terms.len()).hash(&mut h);
    for term in &tax.terms {
        (&term.name, &term.slug, term.pages.len()).hash(&mut h);
        for &p in &term.pages {
            stub[p].hash(&mut h);
        }
    }
    h.finish()
}

/// What a page's search record is made of: its stub (title, description, date, fields with
/// the titles of the pages they reference) and its text. Its neighbours do not matter.
pub fn record_fp(stub: u64, content: u64) -> u64 {
    hash_of(&(stub, content))
}

/// For each page, the pages whose full value shows its stub: the reverse of what
/// [`full_fp`] reads. Linear in the number of references.
pub fn stub_readers(site: &Site) -> Vec<Vec<PageId>> {
    let mut readers: Vec<Vec<PageId>> = vec![Vec::new(); site.pages.len()];
    for p in &site.pages {
        let mut shown = Vec::new();
        for v in p.fields.values() {
            v.visit_refs("", None, &mut |id, _, _| shown.push(id));
        }
        for g in &p.backlinks {
            for l in &g.links {
                shown.push(l.source);
                if let Some(rec) = &l.record {
                    for v in rec.values() {
                        v.visit_refs("", None, &mut |id, _, _| shown.push(id));
                    }
                }
            }
        }
        shown.extend(&p.related);
        shown.extend(p.related_shared.iter().flat_map(|s| &s.pages));
        shown.extend(site.ancestors(p));
        shown.extend(p.parent);
        let (previous, next) = site.neighbours(p);
        shown.extend(previous.into_iter().chain(next));
        shown.extend(&p.pages);
        shown.extend(&p.subsections);
        shown.push(p.id);
        shown.sort_unstable();
        shown.dedup();
        for id in shown {
            readers[id].push(p.id);
        }
    }
    readers
}

/// Hashes a field value; a reference contributes `target(id)`.
pub fn hash_value(v: &V, h: &mut impl Hasher, target: &dyn Fn(PageId) -> u64) {
    match v {
        V::Null => 0u8.hash(h),
        V::Text(s) => (1u8, s).hash(h),
        V::Markdown(s) => (2u8, s).hash(h),
        V::Integer(i) => (3u8, i).hash(h),
        V::Bool(b) => (4u8, b).hash(h),
        V::Url(s) => (5u8, s).hash(h),
        V::Date(d) => (6u8, d).hash(h),
        V::List(items) => {
            (7u8, items.len()).hash(h);
            for i in items {
                hash_value(i, h, target);
            }
        }
        V::Record(fields) => {
            (8u8, fields.len()).hash(h);
            for (k, x) in fields {
                k.hash(h);
                hash_value(x, h, target);
            }
        }
        V::Ref(id) => (9u8, target(*id)).hash(h),
    }
}

/// Hashes a template value (used for the small site-wide value).
pub fn hash_tera(v: &tera::Value, h: &mut impl Hasher) {
    if let Some(m) = v.as_map() {
        (1u8, m.len()).hash(h);
        for (k, x) in m {
            k.as_str().hash(h);
            hash_tera(x, h);
        }
    } else if let Some(a) = v.as_array() {
        (2u8, a.len()).hash(h);
        for x in a {
            hash_tera(x, h);
        }
    } else if let Some(s) = v.as_str() {
        (3u8, s, v.is_safe()).hash(h);
    } else if let Some(i) = v.as_i64() {
        (4u8, i).hash(h);
    } else if let Some(b) = v.as_bool() {
        (5u8, b).hash(h);
    } else if let Some(f) = v.as_f64() {
        (6u8, f.to_bits()).hash(h);
    } else {
        (7u8, v.is_none()).hash(h);
    }
}
