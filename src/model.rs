//! The resolved site: the types `resolve` produces and every later stage borrows.
//!
//! Invariant: a `Site` is immutable after `resolve`. Every reference is a checked
//! `PageId`; backlinks, terms and related pages are complete before any HTML exists.

use crate::config::{CollectionDef, Config, TaxonomyDef};
use crate::date::PartialDate;
use crate::load::Asset;
use crate::parse::{Common, DocKind, Heading};
use indexmap::IndexMap;
use std::collections::HashMap;

/// Index of a page in `Site::pages`.
pub type PageId = usize;

/// A checked front-matter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    /// Markdown source (a `markdown` field). Rendered to HTML (`markdown::render_fragment`)
    /// when `render::context` builds the template value; open data gets the source.
    Markdown(String),
    Integer(i64),
    Bool(bool),
    Url(String),
    Date(PartialDate),
    List(Vec<Value>),
    Record(IndexMap<String, Value>),
    Ref(PageId),
}

/// What [`Value::visit_refs`] calls for each reference: (target, field path, innermost record).
pub type RefVisitor<'a, 'b> = dyn FnMut(PageId, &str, Option<&'a IndexMap<String, Value>>) + 'b;

impl Value {
    /// Every page this value references: `f(target, field path, innermost record)`. The
    /// walk over references that `resolve` (backlinks, related pages) and the render stage's
    /// fingerprints share. The path starts as `path` (the field's name) and gains `.key`
    /// inside records (`rollen.regio`); `record` is the record holding the reference.
    pub fn visit_refs<'a>(
        &'a self,
        path: &str,
        record: Option<&'a IndexMap<String, Value>>,
        f: &mut RefVisitor<'a, '_>,
    ) {
        self.visit_refs_in(&mut path.to_string(), record, f);
    }

    /// [`Value::visit_refs`] with one path buffer for the whole walk.
    fn visit_refs_in<'a>(
        &'a self,
        path: &mut String,
        record: Option<&'a IndexMap<String, Value>>,
        f: &mut RefVisitor<'a, '_>,
    ) {
        match self {
            Value::Ref(id) => f(*id, path, record),
            Value::List(items) => items.iter().for_each(|v| v.visit_refs_in(path, record, f)),
            Value::Record(fields) => {
                for (k, v) in fields {
                    let len = path.len();
                    path.push('.');
                    path.push_str(k);
                    v.visit_refs_in(path, Some(fields), f);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
}

/// A page or a section (list page) of the site.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub id: PageId,
    /// Path of the source file relative to `content/`.
    pub rel: String,
    pub kind: DocKind,
    /// Declared collection, if the page's top folder is one.
    pub collection: Option<String>,
    /// The section this page is listed in (`None` for the home page).
    pub parent: Option<PageId>,
    pub title: String,
    pub slug: String,
    /// Site path without the base path: `""` for home, `tijdlijn/x/` for a page.
    pub path: String,
    pub common: Common,
    pub fields: IndexMap<String, Value>,
    pub body: std::sync::Arc<str>,
    pub body_line: usize,
    /// The body's links as written, with where they are (shared with the parse); with the
    /// `@/` arguments of shortcodes.
    pub body_links: std::sync::Arc<[crate::parse::markdown_scan::LinkRef]>,
    /// Whether the body may hold shortcode calls (`ParsedDoc::shortcodes`).
    pub shortcodes: bool,
    pub headings: Vec<Heading>,
    /// Body link destinations as written, with the URL path (base-relative) they resolve to.
    pub links: HashMap<String, String>,
    pub template: String,
    pub assets: Vec<Asset>,
    /// Whether the page exists only because a collection has no `_index.md`.
    pub implicit: bool,
    /// When its file last changed (`YYYY-MM-DD`, from git), if known.
    pub updated: Option<String>,
    // Filled in by later steps of `resolve`:
    pub backlinks: Vec<BacklinkGroup>,
    pub terms: Vec<(usize, usize)>,
    pub related: Vec<PageId>,
    /// Why each of `related` is related (in the same order).
    pub related_shared: Vec<Shared>,
    /// For sections: the pages listed, sorted; and sub-sections.
    pub pages: Vec<PageId>,
    pub subsections: Vec<PageId>,
    pub paginate_by: Option<usize>,
}

impl Page {
    /// A page with what every page has; what `resolve` fills in later is empty.
    pub fn new(
        id: PageId,
        rel: String,
        kind: DocKind,
        title: String,
        slug: String,
        path: String,
        template: String,
    ) -> Page {
        Page {
            id,
            rel,
            kind,
            collection: None,
            parent: None,
            title,
            slug,
            path,
            common: Common::default(),
            fields: IndexMap::new(),
            body: std::sync::Arc::from(""),
            body_line: 1,
            body_links: std::sync::Arc::from([]),
            shortcodes: false,
            headings: Vec::new(),
            links: HashMap::new(),
            template,
            assets: Vec::new(),
            implicit: false,
            updated: None,
            backlinks: Vec::new(),
            terms: Vec::new(),
            related: Vec::new(),
            related_shared: Vec::new(),
            pages: Vec::new(),
            subsections: Vec::new(),
            paginate_by: None,
        }
    }

    /// Takes what the page has of its document's body: the text (shared, not copied; link
    /// errors quote it from here), its links and whether it may hold shortcodes. The one place
    /// for it: a page made from a document, and a page whose text changed (the patch path,
    /// `serve` reusing the last site) take it the same way.
    pub fn take_body(&mut self, doc: &crate::parse::ParsedDoc) {
        self.body = doc.body.clone();
        self.body_links = doc.links.clone();
        self.shortcodes = doc.shortcodes;
    }

    pub fn is_section(&self) -> bool {
        self.kind == DocKind::Section
    }
}

/// The pages that reference one page through one field (or the body).
#[derive(Debug, Clone, PartialEq)]
pub struct BacklinkGroup {
    pub collection: Option<String>,
    /// Field path such as `personen` or `rollen.regio`, or `body` for Markdown links.
    pub field: String,
    pub label: String,
    pub links: Vec<Backlink>,
}

/// What a page shares with a related page: why it is related.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shared {
    /// One references the other (through a field or a link in the text).
    pub linked: bool,
    /// Pages both reference or are referenced by.
    pub pages: Vec<PageId>,
    /// Terms both have: (taxonomy, term).
    pub terms: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Backlink {
    pub source: PageId,
    /// In a `body` group: the source also references this page through a field (so a
    /// theme may list it once).
    pub elsewhere: bool,
    /// The nested record holding the reference (a role, a programme row), if any.
    pub record: Option<IndexMap<String, Value>>,
}

#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub name: String,
    pub def: TaxonomyDef,
    pub terms: Vec<Term>,
}

impl Taxonomy {
    /// The name of one term for readers: `singular`, else `title`, else the taxonomy's name.
    pub fn singular(&self) -> &str {
        self.def.singular.as_deref().or(self.def.title.as_deref()).unwrap_or(&self.name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub name: String,
    pub slug: String,
    /// Sorted like a collection: the pages carrying the term.
    pub pages: Vec<PageId>,
}

/// The whole resolved site.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: Config,
    pub pages: Vec<Page>,
    pub home: PageId,
    /// Content path (`personen/x.md`) -> page.
    pub by_rel: HashMap<String, PageId>,
    /// Collection name -> its section and its pages, sorted by the collection's order.
    pub collections: IndexMap<String, CollectionIndex>,
    pub taxonomies: Vec<Taxonomy>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CollectionIndex {
    pub section: PageId,
    pub pages: Vec<PageId>,
    /// Page -> its place in `pages`.
    pub position: HashMap<PageId, usize>,
}

impl Site {
    pub fn collection_def(&self, name: &str) -> Option<&CollectionDef> {
        self.config.collections.get(name)
    }

    /// The pages before and after `p` in its collection's order (the order its list shows).
    pub fn neighbours(&self, p: &Page) -> (Option<PageId>, Option<PageId>) {
        let Some(idx) = p.collection.as_ref().and_then(|c| self.collections.get(c)) else { return (None, None) };
        let Some(&i) = idx.position.get(&p.id) else { return (None, None) };
        (i.checked_sub(1).map(|j| idx.pages[j]), idx.pages.get(i + 1).copied())
    }

    /// URL of a site path, with the base path: `tijdlijn/` -> `/kb/tijdlijn/`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.base_path, path)
    }

    /// Absolute URL of a site path.
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.config.base_url, path)
    }

    pub fn taxonomy_path(&self, tax: usize) -> String {
        format!("{}/", self.taxonomies[tax].name)
    }

    pub fn term_path(&self, tax: usize, term: usize) -> String {
        format!("{}/{}/", self.taxonomies[tax].name, self.taxonomies[tax].terms[term].slug)
    }

    /// Sections from the home page down to the page's parent.
    pub fn ancestors(&self, p: &Page) -> Vec<PageId> {
        let mut out = Vec::new();
        let mut cur = p.parent;
        while let Some(id) = cur {
            out.push(id);
            cur = self.pages[id].parent;
            if out.len() > 64 {
                break;
            }
        }
        out.reverse();
        out
    }
}

// Where the site's pages are written: `render` writes there and `collisions` checks
// that no two sources claim one file.

/// Site path (`tijdlijn/x/`) to output file (`tijdlijn/x/index.html`).
pub fn output_path(path: &str) -> String {
    if path.is_empty() || path.ends_with('/') { format!("{path}index.html") } else { path.to_string() }
}

/// The site path of page `index` (0-based) of a paginated list at `base`.
pub fn paginated_path(base: &str, index: usize) -> String {
    if index == 0 { base.to_string() } else { format!("{base}page/{}/", index + 1) }
}

/// How many pages a list of `items` takes with `per_page` items per page (at least one).
pub fn page_count(items: usize, per_page: Option<usize>) -> usize {
    match per_page {
        Some(n) if n > 0 => items.div_ceil(n).max(1),
        _ => 1,
    }
}

/// Whether the engine renders the search page: search is on and no content page has its path.
pub fn has_search_page(site: &Site) -> bool {
    let search = &site.config.search;
    search.enabled && cfg!(feature = "search") && !site.pages.iter().any(|p| p.path == search.path)
}

/// Where the iCalendar files are (`render::calendar` writes them; `resolve` checks that nothing
/// else is written there).
pub mod calendar {
    use super::{Page, Site};

    /// The path of a page's own calendar file.
    pub fn page_path(p: &Page) -> String {
        format!("{}calendar.ics", p.path)
    }

    /// The path of a collection's calendar file (its section's path).
    pub fn collection_path(section: &Page) -> String {
        format!("{}calendar.ics", section.path)
    }

    /// Whether a page has an event: it is in a collection with a calendar and its date has a day.
    pub fn has_event(site: &Site, p: &Page) -> bool {
        !p.is_section()
            && p.common.date.is_some_and(|d| d.day.is_some())
            && p.collection.as_ref().and_then(|c| site.config.collections.get(c)).is_some_and(|c| c.calendar)
    }
}
