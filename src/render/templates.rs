//! Tera setup: compiling the templates once, the filters and functions themes
//! use, and turning Tera errors into diagnostics with file, line and page.

use super::context::Values;
use super::deps::{Read, note};
use crate::date::PartialDate;
use crate::diagnostic::Diagnostic;
use crate::i18n::Translations;
use crate::load::TemplateSource;
use crate::slug::slugify;
use std::collections::HashMap;
use std::sync::Arc;
use tera::{Kwargs, State, Tera, TeraResult, Value};

/// The functions templates can call to look things up in the site.
const SITE_FUNCTIONS: [&str; 8] =
    ["get_page", "get_section", "url", "collection", "taxonomy", "recent_pages", "chart", "tile_map"];

/// Templates every site has unless its theme overrides them.
const BUILTIN: &[(&str, &str)] = &[
    ("sitemap.xml", include_str!("builtin/sitemap.xml")),
    ("atom.xml", include_str!("builtin/atom.xml")),
    ("robots.txt", include_str!("builtin/robots.txt")),
    ("alias.html", include_str!("builtin/alias.html")),
];

/// Compiled templates plus what is needed to point errors at their files.
pub struct TemplateSet {
    pub tera: Tera,
    pub names: Vec<String>,
    /// Template name -> (path shown in errors, source text).
    pub sources: HashMap<String, (String, String)>,
    /// Some shortcode template calls site functions (`get_page`, `collection`, ...),
    /// directly or through what it extends or includes: Markdown with shortcodes then needs
    /// them. (Pages record what they read while they render: `deps`.)
    pub shortcodes_read_site: bool,
    /// The template of the 404 page, a feed, the sitemap, robots.txt or a redirect calls site
    /// functions (their output is made by `special`, outside the memoized pages).
    pub special_read_site: bool,
}

impl TemplateSet {
    /// A set used only to format errors from an already-built Tera.
    pub fn names_only(tera: &Tera) -> TemplateSet {
        TemplateSet {
            tera: Tera::new(),
            names: tera.get_template_names().map(str::to_string).collect(),
            sources: HashMap::new(),
            shortcodes_read_site: false,
            special_read_site: false,
        }
    }
}

/// Compiles all templates (built-ins first, so themes override them).
pub fn build_tera(templates: &[TemplateSource], i18n: Arc<Translations>) -> Result<TemplateSet, Vec<Diagnostic>> {
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".xml", ".htm"]);
    // A name no theme or site template has comes from the built-in theme.
    // It cannot fail: no template has been added yet.
    let _ = tera.set_fallback_prefixes(vec![format!("{}/", crate::theme::NAME)]);
    register_filters(&mut tera, i18n);
    // Tera checks function names when it compiles templates, so the site functions must
    // exist now; `register_site_functions` replaces them with the real ones for each build.
    for name in SITE_FUNCTIONS {
        tera.register_function(name, move |_: Kwargs, _: &State| -> TeraResult<Value> {
            Err(tera::Error::message(format!("{name} is not available here")))
        });
    }
    let mut all: Vec<(String, String)> = BUILTIN.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    let mut sources: HashMap<String, (String, String)> =
        BUILTIN.iter().map(|(n, t)| (n.to_string(), (format!("(built-in) {n}"), t.to_string()))).collect();
    for t in templates {
        all.retain(|(n, _)| n != &t.name);
        all.push((t.name.clone(), t.text.clone()));
        sources.insert(t.name.clone(), (t.display_path.clone(), t.text.clone()));
    }
    let names: Vec<String> = all.iter().map(|(n, _)| n.clone()).collect();
    let users = site_function_users(&all);
    let own_name = |t: &str| t.strip_prefix(&format!("{}/", crate::theme::NAME)).unwrap_or(t).to_string();
    let shortcodes_read_site = users.iter().any(|t| own_name(t).starts_with("shortcodes/"));
    let special_read_site = users
        .iter()
        .any(|t| ["404.html", "atom.xml", "sitemap.xml", "robots.txt", "alias.html"].contains(&&*own_name(t)));
    let set_for_errors = TemplateSet {
        tera: Tera::new(),
        names: names.clone(),
        sources: sources.clone(),
        shortcodes_read_site: false,
        special_read_site: false,
    };
    match tera.add_raw_templates(all.iter().map(|(n, t)| (n.as_str(), t.as_str()))) {
        Ok(()) => Ok(TemplateSet { tera, names, sources, shortcodes_read_site, special_read_site }),
        Err(e) => Err(compile_errors(&e, &all, &set_for_errors)),
    }
}

/// Every error of a failed compile. Tera stops at the first syntax error, so each template
/// is parsed on its own to find them all; errors found later (blocks, unknown functions)
/// come as one message of several reports, which are split into one diagnostic each.
fn compile_errors(err: &tera::Error, all: &[(String, String)], set: &TemplateSet) -> Vec<Diagnostic> {
    let syntax: Vec<Diagnostic> = all
        .iter()
        .filter_map(|(name, text)| {
            let e = Tera::new().add_raw_template(name, text).err()?;
            matches!(e.kind(), tera::ErrorKind::SyntaxError(_)).then(|| to_diagnostic(&e, set, None))
        })
        .collect();
    if !syntax.is_empty() {
        return syntax;
    }
    let tera::ErrorKind::Msg(text) = err.kind() else { return vec![to_diagnostic(err, set, None)] };
    let reports: Vec<Option<Diagnostic>> = text.split("\n\n").map(|r| report_diagnostic(r, set)).collect();
    if reports.len() > 1 && reports.iter().all(Option::is_some) {
        reports.into_iter().flatten().collect()
    } else {
        vec![to_diagnostic(err, set, None)]
    }
}

/// One of Tera's text reports (`error: <message>` then ` --> <template>:<line>:<col>`) as a
/// diagnostic at that place in the template's file.
fn report_diagnostic(report: &str, set: &TemplateSet) -> Option<Diagnostic> {
    let mut lines = report.lines();
    let message = lines.next()?.trim().strip_prefix("error: ")?;
    let place = lines.next()?.trim().strip_prefix("--> ")?;
    let mut parts = place.rsplitn(3, ':');
    let col: usize = parts.next()?.parse().ok()?;
    let line: usize = parts.next()?.parse().ok()?;
    let name = parts.next()?;
    let (display, text) = set.sources.get(name)?;
    Some(Diagnostic::at(
        display.clone(),
        text,
        crate::diagnostic::Span::at(line, col),
        format!("template error: {message}"),
    ))
}

/// Which templates may call site functions: those that call one, or extend or include one
/// that does. Components are global, so if a template that defines components calls site
/// functions, every template counts (conservative: it only costs building the values early).
fn site_function_users(all: &[(String, String)]) -> std::collections::HashSet<String> {
    let calls: Vec<String> = SITE_FUNCTIONS.iter().map(|f| format!("{f}(")).collect();
    let code: Vec<(&str, String)> = all.iter().map(|(n, t)| (n.as_str(), without_comments(t))).collect();
    let direct: std::collections::HashSet<&str> =
        code.iter().filter(|(_, t)| calls.iter().any(|c| t.contains(c.as_str()))).map(|(n, _)| *n).collect();
    if code.iter().any(|(n, t)| direct.contains(n) && t.contains("{% component")) {
        return all.iter().map(|(n, _)| n.clone()).collect();
    }
    let deps: HashMap<&str, Vec<String>> = code.iter().map(|(n, t)| (*n, referenced_templates(t))).collect();
    let mut users = std::collections::HashSet::new();
    for (name, _) in all {
        let mut stack = vec![name.clone()];
        let mut seen = std::collections::HashSet::new();
        while let Some(t) = stack.pop() {
            if !seen.insert(t.clone()) {
                continue;
            }
            if direct.contains(t.as_str()) {
                users.insert(name.clone());
                break;
            }
            let fallback = format!("{}/{t}", crate::theme::NAME);
            if let Some(d) = deps.get(t.as_str()).or_else(|| deps.get(fallback.as_str())) {
                stack.extend(d.iter().cloned());
            }
            if !deps.contains_key(t.as_str()) && direct.contains(fallback.as_str()) {
                users.insert(name.clone());
                break;
            }
        }
    }
    users
}

/// The template text without `{# ... #}` comments (which may mention function names).
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{#") {
        out.push_str(&rest[..start]);
        match rest[start..].find("#}") {
            Some(end) => rest = &rest[start + end + 2..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// Names in `{% extends "x" %}`, `{% include "x" %}` and `{% import "x" %}` tags.
fn referenced_templates(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for tag in ["extends", "include", "import"] {
        let mut rest = text;
        while let Some(i) = rest.find(tag) {
            rest = &rest[i + tag.len()..];
            let trimmed = rest.trim_start();
            let quote = trimmed.chars().next();
            if let Some(q @ ('"' | '\'')) = quote {
                if let Some(end) = trimmed[1..].find(q) {
                    out.push(trimmed[1..1 + end].to_string());
                }
            }
        }
    }
    out
}

/// A page that could not be rendered.
pub struct Failure {
    /// What was being rendered (`content/x.md`, `taxonomy jaren`).
    pub source: String,
    pub template: String,
    pub error: tera::Error,
}

/// Turns render failures into diagnostics. The same error on many pages is
/// reported once, naming the first page and the number of others.
pub fn template_errors(failures: Vec<Failure>, set: &TemplateSet) -> Vec<Diagnostic> {
    let mut grouped: Vec<(Diagnostic, String, usize)> = Vec::new();
    let mut failures = failures;
    failures.sort_by(|a, b| a.source.cmp(&b.source));
    for Failure { source: page, template, error: err } in failures {
        let mut d = to_diagnostic(&err, set, None);
        if d.path.is_none() {
            // Tera gave no position (a filter's argument error): name the template at least.
            d.path = Some(set.sources.get(&template).map(|(p, _)| p.clone()).unwrap_or(template));
        }
        if let Some(entry) =
            grouped.iter_mut().find(|(g, _, _)| g.message == d.message && g.line == d.line && g.path == d.path)
        {
            entry.2 += 1;
            continue;
        }
        grouped.push((d, page, 0));
    }
    grouped
        .into_iter()
        .map(|(mut d, page, others)| {
            let what = if others > 0 { format!("{page} and {others} other page(s)") } else { page };
            d.message = format!("{} (while rendering {what})", d.message);
            d
        })
        .collect()
}

/// An error at the `{% <tag> "<name>" %}` of `template` (its file, line and column), or naming
/// the template's file when the tag is not found in its source.
fn at_tag(set: &TemplateSet, template: &str, tag: &str, name: &str, msg: String) -> Diagnostic {
    let Some((display, text)) = set.sources.get(template) else {
        let mut d = Diagnostic::new(msg);
        d.path = Some(template.to_string());
        return d;
    };
    let found = text.lines().enumerate().find_map(|(i, l)| {
        let t = l.find(tag)?;
        let n = l[t..].find(name).map(|c| t + c)?;
        Some((i + 1, l[..n].chars().count() + 1))
    });
    match found {
        Some((line, col)) => {
            Diagnostic::at(display.clone(), text, crate::diagnostic::Span::at(line, col).with_len(name.len()), msg)
        }
        None => Diagnostic::in_file(display.clone(), msg),
    }
}

fn to_diagnostic(err: &tera::Error, set: &TemplateSet, page: Option<&str>) -> Diagnostic {
    use tera::ErrorKind;
    let suffix = page.map(|p| format!(" (while rendering {p})")).unwrap_or_default();
    let mut d = match err.kind() {
        ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => {
            let (display, text) =
                set.sources.get(r.filename()).cloned().unwrap_or_else(|| (r.filename().to_string(), String::new()));
            let span = r.span();
            let kind = if matches!(err.kind(), ErrorKind::SyntaxError(_)) {
                "template syntax error"
            } else {
                "template error"
            };
            let msg = format!("{kind}: {}{suffix}", r.message());
            let len = if span.end_line == span.start_line { span.end_col.saturating_sub(span.start_col) } else { 1 };
            let at = crate::diagnostic::Span::at(span.start_line, span.start_col + 1).with_len(len);
            let mut d = Diagnostic::at(display, &text, at, msg);
            let report = err.to_string();
            if let Some(i) = report.find("\n\nnote:") {
                d = d.with_detail(report[i + 2..].to_string());
            }
            d
        }
        ErrorKind::CircularInclude { tpl, include_chain } => {
            let mut d = Diagnostic::new(format!(
                "templates include each other in a loop: {}{suffix}",
                include_chain.join(" -> ")
            ))
            .with_help("remove one of the {% include %} tags in the loop");
            d.path = set.sources.get(tpl).map(|(p, _)| p.clone()).or_else(|| Some(tpl.clone()));
            d
        }
        ErrorKind::CircularExtend { tpl, inheritance_chain } => {
            let mut chain = inheritance_chain.clone();
            if chain.last() != Some(tpl) {
                chain.push(tpl.clone());
            }
            if chain.first() != chain.last() {
                chain.push(chain[0].clone());
            }
            let first = chain[0].clone();
            let next = chain.get(1).cloned().unwrap_or_default();
            at_tag(
                set,
                &first,
                "extends",
                &next,
                format!("templates extend each other in a loop: {}{suffix}", chain.join(" -> ")),
            )
            .with_help("remove one of the {% extends %} tags in the loop")
        }
        ErrorKind::MissingParent { current, parent } => {
            let mut d = at_tag(
                set,
                current,
                "extends",
                parent,
                format!("template `{current}` extends `{parent}`, which does not exist{suffix}"),
            );
            if let Some(c) =
                crate::diagnostic::closest(parent, set.names.iter().map(String::as_str).filter(|n| n != current))
            {
                d = d.with_help(format!("did you mean `{c}`?"));
            }
            d
        }
        ErrorKind::TemplateNotFound(name) => {
            let mut d = Diagnostic::new(format!("template `{name}` not found{suffix}"));
            if let Some(c) = crate::diagnostic::closest(name, set.names.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean `{c}`?"));
            }
            d
        }
        _ => {
            let mut msg = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(s) = source {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                source = s.source();
            }
            Diagnostic::new(format!("template error: {msg}{suffix}"))
        }
    };
    if d.help.is_none() && d.message.contains("not found in context") {
        d = d.with_help("test optional values first: `{% if page.fields.x %}` or `{{ x | default(value=\"\") }}`");
    }
    d
}

fn register_filters(tera: &mut Tera, i18n: Arc<Translations>) {
    // `{{ page.date | format_date }}` -> "30 June 2016" (in the site's language); style="month"
    // -> "June", "year" -> "2016", "month_year" -> "June 2016", "iso" -> "2016-06-30".
    // `datum` is the same filter under the name older themes use.
    let t = i18n.clone();
    let format_date = move |value: &str, kwargs: Kwargs, _: &State| -> TeraResult<String> {
        let d = PartialDate::parse(value).map_err(tera::Error::message)?;
        let style: Option<&str> = kwargs.get("style")?;
        Ok(t.format_date(&d, style.unwrap_or("long")))
    };
    tera.register_filter("format_date", format_date.clone());
    tera.register_filter("datum", format_date);
    tera.register_filter("slugify", |value: &str, _: Kwargs, _: &State| slugify(value));
    tera.register_filter("date_precision", |value: &str, _: Kwargs, _: &State| -> TeraResult<String> {
        Ok(PartialDate::parse(value).map_err(tera::Error::message)?.precision().to_string())
    });
    // `{{ trans(key="ui.search") }}`, `{{ trans(key="ui.pages", count=3) }}`: a text of the
    // site's language (i18n/<language>.yaml), with `{name}` placeholders filled from the
    // other arguments. A key no language has is an error, never empty text.
    tera.register_function("trans", move |kwargs: Kwargs, _: &State| -> TeraResult<String> {
        let key: &str = kwargs.must_get("key")?;
        let mut args: Vec<(String, String)> = Vec::new();
        for (k, v) in kwargs.iter() {
            let Some(name) = k.as_str() else { continue };
            if name != "key" {
                let text = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                args.push((name.to_string(), text));
            }
        }
        let args: Vec<(&str, String)> = args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        i18n.text(key, &args).ok_or_else(|| {
            tera::Error::message(format!(
                "trans: no translation `{key}` in i18n/{}.yaml or the built-in i18n/en.yaml",
                i18n.language
            ))
        })
    });
}

/// The value under `key` of a map value.
fn attr<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_map()?.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, x)| x)
}

/// Functions that look things up in the site: registered anew for each build.
pub fn register_site_functions(tera: &mut Tera, values: Arc<Values>) {
    let lookup = values.lookup.clone();
    let (v, r) = (values.clone(), lookup.clone());
    let get_page = move |kwargs: Kwargs, _: &State| -> TeraResult<Value> {
        let path: &str = kwargs.must_get("path")?;
        let key = path.trim_start_matches("@/");
        note(|| Read::Page(key.to_string()));
        match r.by_rel.get(key) {
            Some(&id) => Ok(v.full(id)),
            None => Err(tera::Error::message(format!(
                "get_page: no page at `{path}` (paths are relative to content/, such as `{}`)",
                crate::diagnostic::example_page(r.by_rel.keys().map(String::as_str))
            ))),
        }
    };
    tera.register_function("get_page", get_page.clone());
    tera.register_function("get_section", get_page);

    let r = lookup.clone();
    tera.register_function("url", move |kwargs: Kwargs, _: &State| -> TeraResult<String> {
        let path: &str = kwargs.must_get("path")?;
        if path.starts_with("@/") {
            note(|| Read::Url(path.to_string()));
            return r.page_url(path).ok_or_else(|| tera::Error::message(format!("url: no page at `{path}`")));
        }
        if path.contains("://") {
            return Ok(path.to_string());
        }
        Ok(format!("{}{}", r.base_path, path.trim_start_matches('/')))
    });

    let v = values.clone();
    tera.register_function("collection", move |kwargs: Kwargs, _: &State| -> TeraResult<Value> {
        let name: &str = kwargs.must_get("name")?;
        let limit: Option<usize> = kwargs.get("limit")?;
        note(|| Read::Collection(name.to_string(), limit));
        let Some(list) = v.collections.get(name) else {
            return Err(tera::Error::message(format!("collection: no collection `{name}` in site.yaml")));
        };
        Ok(match (limit, list.as_array()) {
            (Some(n), Some(items)) => Value::from(items.iter().take(n).cloned().collect::<Vec<_>>()),
            _ => list.clone(),
        })
    });

    let v = values.clone();
    let l = lookup.clone();
    tera.register_function("chart", move |kwargs: Kwargs, _: &State| -> TeraResult<Value> {
        let name: &str = kwargs.must_get("collection")?;
        note(|| Read::Chart(name.to_string()));
        let Some((title, counts)) = l.years.get(name) else {
            return Err(tera::Error::message(format!("chart: no collection `{name}` in site.yaml")));
        };
        let id = format!("chart-{}", slugify(name));
        Ok(Value::safe_string(&super::chart::per_year(&id, title, counts, &l.i18n)))
    });
    tera.register_function("recent_pages", move |kwargs: Kwargs, _: &State| -> TeraResult<Value> {
        let limit: usize = kwargs.get("limit")?.unwrap_or(10);
        note(|| Read::Recent(limit));
        Ok(Value::from(v.lookup.dated.iter().take(limit).map(|&id| v.stubs[id].clone()).collect::<Vec<_>>()))
    });

    let v = values.clone();
    tera.register_function("tile_map", move |kwargs: Kwargs, _: &State| -> TeraResult<Value> {
        let name: &str = kwargs.must_get("taxonomy")?;
        let pages: Option<Value> = kwargs.get("pages")?;
        let l = &v.lookup;
        note(|| Read::TaxonomyTerms(name.to_string()));
        let Some(t) = l.taxonomies.iter().position(|n| n == name) else {
            return Err(tera::Error::message(format!("tile_map: no taxonomy `{name}` in site.yaml")));
        };
        if l.tiles[t].is_empty() {
            return Err(tera::Error::message(format!(
                "tile_map: the taxonomy `{name}` has no `tiles` in site.yaml (term name -> [column, row])"
            )));
        }
        let taxonomy = &l.taxonomy_terms[t].0;
        // Per term slug: how many pages, and (for given pages) their titles.
        let mut held: HashMap<String, (usize, Vec<String>)> = HashMap::new();
        match &pages {
            None => {
                for term in attr(taxonomy, "terms").and_then(Value::as_array).unwrap_or_default() {
                    let slug = attr(term, "slug").and_then(Value::as_str).unwrap_or_default();
                    let count = attr(term, "count").and_then(Value::as_u64).unwrap_or(0) as usize;
                    held.insert(slug.to_string(), (count, Vec::new()));
                }
            }
            Some(list) => {
                let Some(list) = list.as_array() else {
                    return Err(tera::Error::message("tile_map: `pages` must be a list of pages"));
                };
                for page in list {
                    let title = attr(page, "title").and_then(Value::as_str).unwrap_or_default();
                    let terms = attr(page, "terms").and_then(|ts| attr(ts, name)).and_then(Value::as_array);
                    for term in terms.unwrap_or_default() {
                        let slug = attr(term, "slug").and_then(Value::as_str).unwrap_or_default();
                        let e = held.entry(slug.to_string()).or_default();
                        e.0 += 1;
                        e.1.push(title.to_string());
                    }
                }
            }
        }
        let tiles: Vec<super::chart::Tile<'_>> = l.tiles[t]
            .iter()
            .map(|(slug, term, at)| {
                let (count, titles) = held.get(slug).cloned().unwrap_or_default();
                super::chart::Tile { name: term, column: at[0], row: at[1], count, titles }
            })
            .collect();
        let default_title = attr(taxonomy, "title").and_then(Value::as_str).unwrap_or(name).to_string();
        let title: String = kwargs.get::<&str>("title")?.map(str::to_string).unwrap_or(default_title);
        let caption: String = kwargs.get::<&str>("caption")?.map(str::to_string).unwrap_or_else(|| title.clone());
        let id: String = kwargs.get::<&str>("id")?.map(str::to_string).unwrap_or_else(|| slugify(&caption));
        Ok(Value::safe_string(&super::chart::tile_map(&format!("tile-map-{id}"), &title, &caption, &tiles, &l.i18n)))
    });

    let v = values.clone();
    tera.register_function("taxonomy", move |kwargs: Kwargs, _: &State| -> TeraResult<Value> {
        let name: &str = kwargs.must_get("name")?;
        let pages: bool = kwargs.get("pages")?.unwrap_or(true);
        note(|| if pages { Read::Taxonomy(name.to_string()) } else { Read::TaxonomyTerms(name.to_string()) });
        match v.lookup.taxonomies.iter().position(|n| n == name) {
            Some(t) if pages => Ok(v.taxonomies[t].clone()),
            Some(t) => Ok(v.lookup.taxonomy_terms[t].0.clone()),
            None => Err(tera::Error::message(format!("taxonomy: no taxonomy `{name}` in site.yaml"))),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_templates_that_depend_on_the_whole_site() {
        let t = |n: &str, s: &str| (n.to_string(), s.to_string());
        let all = vec![
            t("base.html", "{# get_page( only mentioned #}<main>{% block main %}{% endblock %}</main>"),
            t("index.html", "{% extends \"base.html\" %}{% set x = collection(name=\"a\") %}"),
            t("home2.html", "{% extends \"index.html\" %}"),
            t("page.html", "{% extends \"base.html\" %}{% include \"part.html\" %}"),
            t("part.html", "{{ page.title }}"),
        ];
        let users = site_function_users(&all);
        let mut v: Vec<&str> = users.iter().map(String::as_str).collect();
        v.sort();
        assert_eq!(v, ["home2.html", "index.html"]);
    }
}
