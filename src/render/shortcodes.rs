//! Shortcodes rendered by templates: `shortcodes/<name>.html` (HTML output) or
//! `shortcodes/<name>.md` (Markdown output), from the site, its theme or the built-in theme.
//!
//! A template sees its arguments as variables, `body` (for a call with a body: the rendered
//! body in an `.html` template, its Markdown in an `.md` one), `page` (the page it is on:
//! `title`, `url`, `permalink`, `slug`, `collection`, `source`), `site` (`title`,
//! `base_url`, `base_path`, `language`) and `nth` (how many calls of this shortcode on the
//! page so far, from 1). An argument written `@/path.md` was checked like a link, and
//! arrives as the page it names: `{title, url, permalink, slug, collection, singular,
//! description, date, summary}`. Site functions work (see `pipeline::render_markdown`).

use super::context::{Obj, opt_str};
use super::templates::TemplateSet;
use crate::markdown::{BODY, Expansion, ShortcodeError};
use crate::model::{Page, Site};
use crate::parse::shortcodes::{Arg, Shortcode};
use std::cell::RefCell;
use std::collections::HashMap;
use tera::{Context, Value};

/// Expands the shortcodes of one page.
pub struct Expander<'a> {
    site: &'a Site,
    set: &'a TemplateSet,
    page: &'a Page,
    /// Calls so far per shortcode name (`nth`).
    counts: RefCell<HashMap<String, usize>>,
}

impl<'a> Expander<'a> {
    pub fn new(site: &'a Site, set: &'a TemplateSet, page: &'a Page) -> Self {
        Expander { site, set, page, counts: RefCell::new(HashMap::new()) }
    }

    /// The template of a shortcode: `(name, Markdown output?)`.
    fn template(&self, name: &str) -> Option<(String, bool)> {
        let has = |t: &str| self.set.tera.contains_template(t);
        [(format!("shortcodes/{name}.html"), false), (format!("shortcodes/{name}.md"), true)]
            .into_iter()
            .find(|(t, _)| has(t))
    }

    /// The shortcodes there are, for did-you-mean hints.
    fn known(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .set
            .names
            .iter()
            .filter_map(|n| n.strip_prefix(&format!("{}/", crate::theme::NAME)).or(Some(n.as_str())))
            .filter_map(|n| n.strip_prefix("shortcodes/"))
            .filter_map(|n| n.strip_suffix(".html").or_else(|| n.strip_suffix(".md")))
            .map(str::to_string)
            .collect();
        names.sort();
        names.dedup();
        names
    }

    pub fn expand(&self, call: &Shortcode, inner: Option<&str>) -> Result<Expansion, ShortcodeError> {
        let error =
            |message: String, help: Option<String>| ShortcodeError { line: call.line, col: call.col, message, help };
        let Some((template, markdown)) = self.template(&call.name) else {
            let known = self.known();
            let help = match crate::diagnostic::closest(&call.name, known.iter().map(String::as_str)) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!(
                    "the shortcodes are {}; add templates/shortcodes/{}.html for a new one",
                    known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                    call.name
                ),
            };
            return Err(error(format!("unknown shortcode `{}`", call.name), Some(help)));
        };
        // The template itself, or the built-in theme's that Tera falls back to.
        let found = self
            .set
            .sources
            .get(&template)
            .or_else(|| self.set.sources.get(&format!("{}/{template}", crate::theme::NAME)));
        let source = found.map(|(_, t)| t.as_str()).unwrap_or("");
        let display = found.map(|(d, _)| d.clone()).unwrap_or_else(|| template.clone());
        let code = without_comments(source);
        for (key, _) in &call.args {
            if ["page", "site", "nth", "body"].contains(&key.as_str()) {
                return Err(error(
                    format!("`{key}` cannot be an argument of a shortcode"),
                    Some(format!("`{key}` is given to every shortcode template already: choose another name")),
                ));
            }
            if !mentions(&code, key) {
                return Err(error(
                    format!("shortcode `{}` has no argument `{key}`", call.name),
                    Some(format!("{display} does not use `{key}`: remove it, or check its spelling")),
                ));
            }
        }
        if inner.is_some() && !markdown && !mentions(&code, "body") {
            return Err(error(
                format!("shortcode `{}` takes no body", call.name),
                Some(format!("write it inline, `{{{{ {}(...) }}}}`, or show the text another way", call.name)),
            ));
        }
        let nth = {
            let mut counts = self.counts.borrow_mut();
            let n = counts.entry(call.name.clone()).or_insert(0);
            *n += 1;
            *n
        };
        let mut ctx = Context::new();
        ctx.insert_value("site", self.site_value());
        ctx.insert_value("page", self.page_value());
        ctx.insert_value("nth", Value::from(nth));
        for (key, arg) in &call.args {
            ctx.insert_value(key.clone(), self.arg_value(arg));
        }
        match inner {
            Some(md) if markdown => ctx.insert_value("body", Value::from(md)),
            Some(_) => ctx.insert_value("body", Value::safe_string(BODY)),
            None => {}
        }
        match self.set.tera.render(&template, &ctx) {
            Ok(out) if markdown => Ok(Expansion::Markdown(out)),
            Ok(out) => Ok(Expansion::Html(out)),
            Err(e) => {
                let d = super::templates::template_errors(
                    vec![super::templates::Failure {
                        source: format!("content/{}", self.page.rel),
                        template: template.clone(),
                        error: e,
                    }],
                    self.set,
                )
                .into_iter()
                .next();
                let text = d.as_ref().map(|d| d.message.clone()).unwrap_or_default();
                // An argument the template needs and the call does not give.
                if let Some(var) = text.split('`').nth(1).filter(|_| text.contains("Variable `")) {
                    if var == "body" && inner.is_none() {
                        return Err(error(
                            format!("shortcode `{}` needs a body", call.name),
                            Some(format!(
                                "write it as `{{% {}(...) %}}`, then the text, then `{{% end %}}`",
                                call.name
                            )),
                        ));
                    }
                    if text.contains("is not defined") && !call.args.iter().any(|(k, _)| k == var) {
                        return Err(error(
                            format!("shortcode `{}` needs the argument `{var}`", call.name),
                            Some(format!("add `{var}=...` to the call")),
                        ));
                    }
                }
                let place = d
                    .as_ref()
                    .map(|d| match (&d.path, d.line) {
                        (Some(p), Some(l)) => format!(" ({p}:{l})"),
                        (Some(p), None) => format!(" ({p})"),
                        _ => String::new(),
                    })
                    .unwrap_or_default();
                let message = text.split(" (while rendering").next().unwrap_or(&text).to_string();
                Err(error(format!("shortcode `{}`: {message}{place}", call.name), d.and_then(|d| d.help)))
            }
        }
    }

    fn site_value(&self) -> Value {
        let c = &self.site.config;
        Obj::new()
            .set("title", c.title.as_str())
            .set("base_url", c.base_url.as_str())
            .set("base_path", c.base_path.as_str())
            .set("language", c.language.as_str())
            .build()
    }

    fn page_value(&self) -> Value {
        let p = self.page;
        Obj::new()
            .set("title", p.title.as_str())
            .set("url", self.site.url(&p.path))
            .set("permalink", self.site.permalink(&p.path))
            .set("slug", p.slug.as_str())
            .set("collection", opt_str(p.collection.as_deref()))
            .set("source", format!("content/{}", p.rel))
            .build()
    }

    fn arg_value(&self, arg: &Arg) -> Value {
        match arg {
            Arg::Text(t) if t.starts_with("@/") => self.linked_page(t).unwrap_or_else(|| Value::from(t.as_str())),
            Arg::Text(t) => Value::from(t.as_str()),
            Arg::Integer(n) => Value::from(*n),
            Arg::Float(f) => Value::from(*f),
            Arg::Bool(b) => Value::from(*b),
            Arg::List(items) => Value::from(items.iter().map(|i| self.arg_value(i)).collect::<Vec<_>>()),
        }
    }

    /// The page an `@/path.md#anchor` argument names.
    fn linked_page(&self, dest: &str) -> Option<Value> {
        let (rel, anchor) = match dest[2..].split_once('#') {
            Some((r, a)) => (r, Some(a)),
            None => (&dest[2..], None),
        };
        let &id = self.site.by_rel.get(rel)?;
        let p = &self.site.pages[id];
        let fragment = anchor.map(|a| format!("#{a}")).unwrap_or_default();
        let coll = p.collection.as_ref().and_then(|c| self.site.config.collections.get(c));
        Some(
            super::context::link_obj(self.site, p)
                .set("url", format!("{}{fragment}", self.site.url(&p.path)))
                .set("permalink", self.site.permalink(&p.path))
                .set("singular", opt_str(coll.and_then(|c| c.singular.as_deref().or(c.title.as_deref()))))
                .set("description", opt_str(p.common.description.as_deref()))
                .set("summary", self.summary_of(p))
                .build(),
        )
    }
}

impl Expander<'_> {
    /// The summary of a linked page (HTML), rendered from its Markdown; none when it has
    /// shortcodes of its own (they are not expanded inside another page's shortcode).
    fn summary_of(&self, p: &Page) -> Value {
        if p.shortcodes || p.body.trim().is_empty() {
            return Value::none();
        }
        let r = crate::markdown::render(&p.body, &p.links, &p.headings, &self.site.config.i18n);
        Value::safe_string(&r.summary)
    }
}

/// A template's text without its `{# comments #}`.
fn without_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(i) = rest.find("{#") {
        out.push_str(&rest[..i]);
        rest = rest[i..].find("#}").map_or("", |e| &rest[i + e + 2..]);
    }
    out.push_str(rest);
    out
}

/// Whether `source` uses the name `key` (as a whole word): a cheap check that an argument
/// means something to the template.
fn mentions(source: &str, key: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    source.match_indices(key).any(|(i, _)| {
        let before = source[..i].chars().next_back();
        let after = source[i + key.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}
