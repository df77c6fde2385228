//! Output collisions: two sources that the build would write to one file (two pages
//! with the same alias, an alias at a page's URL, a bundle file named `index.html`, a
//! static file at a page's path), or a file where another source needs a folder.
//! Part of `resolve`: it knows every page, alias, asset and static file, and reports
//! each collision at the source that is easiest to change, naming both.

use crate::diagnostic::Diagnostic;
use crate::load::{StaticFile, StaticSource};
use crate::model::{PageId, Site, has_search_page, output_path, page_count, paginated_path};
use crate::parse::ParsedDoc;
use crate::yaml::{Seg, Target};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What writes one output file.
#[derive(Clone, Copy)]
enum Writer<'a> {
    /// A file the build makes itself (404 page, sitemap, feed, taxonomy page), described.
    Generated(&'a str),
    Page(PageId),
    /// Page `n` (2, 3, ...) of a section's list.
    Pagination(PageId, usize),
    /// A file under content/ (its path there), copied next to its page.
    Asset(&'a str),
    Static(&'a StaticFile),
    /// The `i`th alias of a page.
    Alias(PageId, usize),
}

struct Ctx<'a> {
    site: &'a Site,
    docs: &'a [Arc<ParsedDoc>],
}

impl Ctx<'_> {
    fn page_name(&self, id: PageId) -> String {
        let p = &self.site.pages[id];
        if !p.implicit {
            return format!("content/{}", p.rel);
        }
        match &p.collection {
            Some(c) => format!("the list page of `{c}`"),
            None => "the home page".to_string(),
        }
    }

    fn describe(&self, w: Writer<'_>) -> String {
        match w {
            Writer::Generated(what) => what.to_string(),
            Writer::Page(id) if self.site.pages[id].implicit => self.page_name(id),
            Writer::Page(id) => format!("the page {}", self.page_name(id)),
            Writer::Pagination(id, n) => format!("page {n} of the list {}", self.page_name(id)),
            Writer::Asset(rel) => format!("the file content/{rel}"),
            Writer::Static(s) => match static_path(self.site, s) {
                Some(p) => format!("the static file {p}"),
                None => format!("the built-in theme's static file {}", s.rel),
            },
            Writer::Alias(id, _) => format!("an alias of {}", self.page_name(id)),
        }
    }

    /// A diagnostic at the source of `w`, if it has one.
    fn place(&self, w: Writer<'_>, msg: &str) -> Option<Diagnostic> {
        let doc = |id: PageId| self.docs.get(id).filter(|_| !self.site.pages[id].implicit);
        match w {
            Writer::Generated(_) => None,
            Writer::Page(id) | Writer::Pagination(id, _) => {
                let doc = doc(id)?;
                Some(match doc.common.slug {
                    Some(_) => doc.diag_at(&[Seg::Key("slug".into())], Target::Value, msg),
                    None => Diagnostic::in_file(doc.display_path(), msg),
                })
            }
            Writer::Asset(rel) => Some(Diagnostic::in_file(format!("content/{rel}"), msg)),
            Writer::Static(s) => static_path(self.site, s).map(|p| Diagnostic::in_file(p, msg)),
            Writer::Alias(id, i) => {
                Some(doc(id)?.diag_at(&[Seg::Key("aliases".into()), Seg::Index(i)], Target::Value, msg))
            }
        }
    }

    fn help(&self, w: Writer<'_>) -> &'static str {
        match w {
            Writer::Alias(..) => "remove the alias: an alias is an old address of the page, where nothing else is now",
            Writer::Asset(_) => "rename or move the file: the page's own HTML is written to `index.html`",
            Writer::Static(_) => "rename or move the static file, or give the page another file name or `slug:`",
            Writer::Page(_) | Writer::Pagination(..) => "give the page another file name or a different `slug:`",
            Writer::Generated(_) => "rename the other file",
        }
    }
}

/// The static file's path under the site folder (`static/x`, `themes/t/static/x`), or
/// `None` for a file of the built-in theme.
fn static_path(site: &Site, s: &StaticFile) -> Option<String> {
    match &s.source {
        StaticSource::File(abs) => {
            let rel = abs.strip_prefix(&site.config.root).unwrap_or(abs);
            Some(rel.to_string_lossy().replace('\\', "/"))
        }
        StaticSource::Embedded(_) => None,
    }
}

/// `old/index.html` -> `/old/`, `a.html` -> `/a.html`: an output file as the URL it serves.
fn url_of(out: &str) -> String {
    format!("/{}", out.strip_suffix("index.html").unwrap_or(out))
}

/// Every collision between what the pages, aliases, assets (`(output path, path under
/// content/)`) and static files would write.
pub fn check(
    site: &Site,
    docs: &[Arc<ParsedDoc>],
    assets: &[(String, String)],
    statics: &[StaticFile],
) -> Vec<Diagnostic> {
    let ctx = Ctx { site, docs };
    let mut taken: BTreeMap<String, Writer<'_>> = BTreeMap::new();
    let mut diags = Vec::new();
    // Registered from what is hardest to change to what is easiest: a later writer is
    // the one reported.
    let mut generated: Vec<(String, String)> = vec![
        ("404.html".into(), "the generated 404.html".into()),
        ("sitemap.xml".into(), "the generated sitemap.xml".into()),
        ("robots.txt".into(), "the generated robots.txt".into()),
        ("data/index.json".into(), "the open data file data/index.json".into()),
    ];
    if has_search_page(site) {
        generated.push((output_path(&site.config.search.path), "the search page".into()));
    }
    for (name, idx) in &site.collections {
        generated.push((format!("data/{name}.json"), format!("the open data of `{name}`")));
        if site.config.collections[name].feed {
            generated.push((format!("{}atom.xml", site.pages[idx.section].path), format!("the feed of `{name}`")));
        }
        if site.config.collections[name].calendar {
            let section = &site.pages[idx.section];
            generated.push((crate::model::calendar::collection_path(section), format!("the calendar of `{name}`")));
            for &id in &idx.pages {
                let p = &site.pages[id];
                if crate::model::calendar::has_event(site, p) {
                    generated.push((
                        crate::model::calendar::page_path(p),
                        format!("the calendar file of content/{}", p.rel),
                    ));
                }
            }
        }
    }
    for (t, tax) in site.taxonomies.iter().enumerate() {
        generated.push((output_path(&site.taxonomy_path(t)), format!("the page of the taxonomy `{}`", tax.name)));
        for (i, term) in tax.terms.iter().enumerate() {
            let base = site.term_path(t, i);
            if tax.def.feed {
                generated.push((
                    format!("{base}atom.xml"),
                    format!("the feed of `{}` in the taxonomy `{}`", term.name, tax.name),
                ));
            }
            for n in 0..page_count(term.pages.len(), tax.def.paginate_by) {
                let what = format!("the page of `{}` in the taxonomy `{}`", term.name, tax.name);
                generated.push((output_path(&paginated_path(&base, n)), what));
            }
        }
    }
    let mut writers: Vec<(String, Writer<'_>)> =
        generated.iter().map(|(out, what)| (out.clone(), Writer::Generated(what))).collect();
    for p in &site.pages {
        writers.push((output_path(&p.path), Writer::Page(p.id)));
        if p.is_section() {
            for n in 1..page_count(p.pages.len(), p.paginate_by) {
                writers.push((output_path(&paginated_path(&p.path, n)), Writer::Pagination(p.id, n + 1)));
            }
        }
    }
    writers.extend(assets.iter().map(|(out, rel)| (out.clone(), Writer::Asset(rel))));
    writers.extend(statics.iter().map(|s| (s.rel.clone(), Writer::Static(s))));
    for p in &site.pages {
        writers.extend(p.common.aliases.iter().enumerate().map(|(i, a)| (a.clone(), Writer::Alias(p.id, i))));
    }
    for (out, w) in writers {
        match taken.get(&out) {
            None => {
                taken.insert(out, w);
            }
            // Two pages at one URL are reported by `resolve` already.
            Some(Writer::Page(_)) if matches!(w, Writer::Page(_)) => {}
            Some(&first) => diags.push(collision(&ctx, &out, first, w)),
        }
    }
    // A file where another writer needs a folder (`a/index.html` and `a/index.html/b.png`).
    for (out, &w) in &taken {
        let mut end = 0;
        while let Some(i) = out[end..].find('/') {
            end += i;
            if let Some(&file) = taken.get(&out[..end]) {
                diags.push(file_in_the_way(&ctx, out, &out[..end], file, w));
                break;
            }
            end += 1;
        }
    }
    diags
}

fn collision(ctx: &Ctx<'_>, out: &str, first: Writer<'_>, second: Writer<'_>) -> Diagnostic {
    let url = url_of(out);
    let msg = match (first, second) {
        (Writer::Alias(a, _), Writer::Alias(b, _)) if a == b => {
            format!("`{url}` is twice an alias of {}", ctx.page_name(b))
        }
        (Writer::Alias(a, _), Writer::Alias(b, _)) => {
            format!("`{url}` is an alias of both {} and {}", ctx.page_name(a), ctx.page_name(b))
        }
        (Writer::Page(a), Writer::Alias(b, _)) if a == b => {
            format!("`{url}` is an alias of {}, but it is the page's own URL", ctx.page_name(b))
        }
        (Writer::Page(a), Writer::Alias(b, _)) => {
            format!("`{url}` is an alias of {}, but it is the URL of {}", ctx.page_name(b), ctx.page_name(a))
        }
        (_, Writer::Alias(b, _)) => {
            format!("`{url}` is an alias of {}, but {} is written there", ctx.page_name(b), ctx.describe(first))
        }
        _ => format!("{} and {} are both written to `/{out}`", ctx.describe(second), ctx.describe(first)),
    };
    let help = match (first, second) {
        (Writer::Alias(a, _), Writer::Alias(b, _)) if a == b => "remove one of the two".to_string(),
        (Writer::Alias(..), Writer::Alias(..)) => format!("keep `{url}` as an alias of one page only"),
        _ => ctx.help(second).to_string(),
    };
    at_either(ctx, first, second, &msg).with_help(help)
}

fn file_in_the_way(ctx: &Ctx<'_>, out: &str, file_path: &str, file: Writer<'_>, inner: Writer<'_>) -> Diagnostic {
    let msg = format!(
        "{} is written to `/{out}`, but {} is written to `/{file_path}`: a file where a folder is needed",
        ctx.describe(inner),
        ctx.describe(file)
    );
    // The one registered later is the easier to change.
    let later = |w: Writer<'_>| match w {
        Writer::Generated(_) => 0,
        Writer::Page(_) | Writer::Pagination(..) => 1,
        Writer::Asset(_) => 2,
        Writer::Static(_) => 3,
        Writer::Alias(..) => 4,
    };
    let (first, second) = if later(file) > later(inner) { (inner, file) } else { (file, inner) };
    at_either(ctx, first, second, &msg).with_help(ctx.help(second))
}

/// The diagnostic at `second`'s source, else at `first`'s, else without a place.
fn at_either(ctx: &Ctx<'_>, first: Writer<'_>, second: Writer<'_>, msg: &str) -> Diagnostic {
    ctx.place(second, msg).or_else(|| ctx.place(first, msg)).unwrap_or_else(|| Diagnostic::new(msg))
}
