//! The files besides pages and lists: the 404 page, the sitemap, robots.txt, Atom feeds (per
//! collection and per taxonomy term), iCalendar files and alias redirects.

use super::context::{self, Obj, Values};
use super::templates::{self, TemplateSet};
use super::{calendar, plain_page};
use crate::diagnostic::Diagnostic;
use crate::model::{PageId, Site, has_search_page, page_count, paginated_path};
use crate::output::{Output, OutputData};
use tera::{Context, Value};

/// An Atom feed of `pages` (those with a date, newest first, at most `feed_limit`) for the
/// list page at `list_path`: (the feed's path, its template value). An entry was published on
/// its date and updated when its file last changed (git), if that is later.
fn feed_value(site: &Site, title: &str, list_path: &str, pages: &[PageId]) -> (String, Value) {
    let mut dated: Vec<PageId> = pages.iter().copied().filter(|&i| site.pages[i].common.date.is_some()).collect();
    dated.sort_by(|&a, &b| {
        site.pages[b].common.date.cmp(&site.pages[a].common.date).then(site.pages[a].title.cmp(&site.pages[b].title))
    });
    dated.truncate(site.config.feed_limit);
    let times: Vec<(String, String)> = dated
        .iter()
        .map(|&i| {
            let p = &site.pages[i];
            let published = p.common.date.map(|d| d.rfc3339()).unwrap_or_default();
            let changed = p.updated.as_ref().map(|u| format!("{u}T00:00:00Z")).filter(|u| *u > published);
            (published.clone(), changed.unwrap_or(published))
        })
        .collect();
    let updated = times.iter().map(|(_, u)| u.clone()).max().unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let entries: Vec<Value> = dated
        .iter()
        .zip(&times)
        .map(|(&i, (published, updated))| {
            let p = &site.pages[i];
            Obj::new()
                .set("title", p.title.as_str())
                .set("permalink", site.permalink(&p.path))
                .set("published", published.as_str())
                .set("updated", updated.as_str())
                .set("summary", p.common.description.clone().unwrap_or_default())
                .build()
        })
        .collect();
    let path = format!("{list_path}atom.xml");
    let feed = Obj::new()
        .set("title", title)
        .set("url", site.permalink(list_path))
        .set("self_url", site.permalink(&path))
        .set("updated", updated)
        .set("entries", entries)
        .build();
    (path, feed)
}

/// 404, sitemap, robots.txt, feeds, calendars and alias redirects.
pub(super) fn outputs(site: &Site, values: &Values, set: &TemplateSet, diags: &mut Vec<Diagnostic>) -> Vec<Output> {
    let mut out = Vec::new();
    let mut render = |tpl: &str, path: &str, ctx: Context, out: &mut Vec<Output>| match set.tera.render(tpl, &ctx) {
        Ok(s) => out.push(Output { path: path.to_string(), data: OutputData::Bytes(s.into_bytes()) }),
        Err(error) => diags.extend(templates::template_errors(
            vec![templates::Failure { source: path.to_string(), template: tpl.to_string(), error }],
            set,
        )),
    };
    let base_ctx = || {
        let mut c = Context::new();
        c.insert_value("site", values.site.clone());
        c
    };

    let mut ctx = base_ctx();
    ctx.insert_value("page", plain_page(site, "404", "404.html", "404"));
    ctx.insert_value("current_path", Value::from("/404.html"));
    ctx.insert_value("current_url", Value::from(site.url("404.html")));
    render("404.html", "404.html", ctx, &mut out);

    // Sitemap: every page and list page, sorted by URL.
    let mut entries: Vec<(String, Option<String>)> = Vec::new();
    for p in &site.pages {
        // When the file last changed (git), else a date with a day.
        let lastmod = p.updated.clone().or_else(|| p.common.date.filter(|d| d.day.is_some()).map(|d| d.to_string()));
        entries.push((site.permalink(&p.path), lastmod));
        if p.is_section() {
            for i in 1..page_count(p.pages.len(), p.paginate_by) {
                entries.push((site.permalink(&paginated_path(&p.path, i)), None));
            }
        }
    }
    if has_search_page(site) {
        entries.push((site.permalink(&site.config.search.path), None));
    }
    for (t, tax) in site.taxonomies.iter().enumerate() {
        entries.push((site.permalink(&site.taxonomy_path(t)), None));
        for i in 0..tax.terms.len() {
            entries.push((site.permalink(&site.term_path(t, i)), None));
        }
    }
    entries.sort();
    entries.dedup();
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|(loc, lastmod)| {
            Obj::new().set("permalink", loc).set("lastmod", context::opt_str(lastmod.as_deref())).build()
        })
        .collect();
    let mut ctx = base_ctx();
    ctx.insert_value("entries", Value::from(entries));
    render("sitemap.xml", "sitemap.xml", ctx, &mut out);
    render("robots.txt", "robots.txt", base_ctx(), &mut out);

    // Atom feeds for collections and taxonomies that ask for one (a taxonomy: one per term),
    // made and rendered in parallel, in this order.
    let mut feeds: Vec<(String, &[PageId], String)> = Vec::new();
    for (name, idx) in &site.collections {
        if site.config.collections[name].feed {
            let section = &site.pages[idx.section];
            feeds.push((section.title.clone(), &idx.pages, section.path.clone()));
        }
    }
    for (t, tax) in site.taxonomies.iter().enumerate() {
        if !tax.def.feed {
            continue;
        }
        for (i, term) in tax.terms.iter().enumerate() {
            let title = format!("{}: {}", tax.def.title.as_deref().unwrap_or(&tax.name), term.name);
            feeds.push((title, &term.pages, site.term_path(t, i)));
        }
    }
    let rendered: Vec<(String, Result<String, tera::Error>)> = {
        use rayon::prelude::*;
        feeds
            .par_iter()
            .map(|(title, pages, list_path)| {
                let (path, feed) = feed_value(site, title, list_path, pages);
                let mut ctx = base_ctx();
                ctx.insert_value("feed", feed);
                let result = set.tera.render("atom.xml", &ctx);
                (path, result)
            })
            .collect()
    };
    let mut feed_failures = Vec::new();
    for (path, result) in rendered {
        match result {
            Ok(s) => out.push(Output { path, data: OutputData::Bytes(s.into_bytes()) }),
            Err(error) => feed_failures.push(templates::Failure { source: path, template: "atom.xml".into(), error }),
        }
    }

    // iCalendar files: one per collection that asks for one, one per page with an event.
    for (name, idx) in &site.collections {
        if !site.config.collections[name].calendar {
            continue;
        }
        let section = &site.pages[idx.section];
        let path = calendar::collection_path(section);
        out.push(Output {
            path,
            data: OutputData::Bytes(calendar::calendar(site, &section.title, &idx.pages).into_bytes()),
        });
        for &id in &idx.pages {
            let p = &site.pages[id];
            if calendar::has_event(site, p) {
                let data = OutputData::Bytes(calendar::calendar(site, &p.title, &[id]).into_bytes());
                out.push(Output { path: calendar::page_path(p), data });
            }
        }
    }

    // Redirect pages for aliases (checked and normalized in `resolve`).
    for p in &site.pages {
        for alias in &p.common.aliases {
            let mut ctx = base_ctx();
            ctx.insert_value("target", Value::from(site.url(&p.path)));
            render("alias.html", alias, ctx, &mut out);
        }
    }
    diags.extend(templates::template_errors(feed_failures, set));
    out
}
