//! Every internal link checked, not only `@/...md` ones: root-relative links (`/x/y/`)
//! and relative links without `.md` (`../y/`, `foto.png`) are resolved the way a
//! browser would (against the page's URL) and looked up, with exact letter case, in
//! what the build writes: pages, their pagination, aliases, taxonomies and terms,
//! page assets and static files. Generated files (feeds, sitemap, open data, search
//! index) are not checked; external links are never fetched.
//!
//! Runs after `resolve` on the immutable `Site`, from the links the parse stage found
//! (`Page::body_links`).

use crate::diagnostic::{Diagnostic, Source, Span, closest};
use crate::load::StaticFile;
use crate::model::Site;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// Paths under the base path the build writes, without a leading `/`: `docs/a/` for a
/// page, `docs/a/foto.png` for a file.
pub struct Published {
    paths: HashSet<String>,
    /// Page path -> page, for checking `#anchors`.
    pages: HashMap<String, usize>,
    /// Lowercase path -> the path as written, for "did you mean" on a letter-case slip.
    folded: HashMap<String, String>,
}

impl Published {
    pub fn of(site: &Site, statics: &[StaticFile]) -> Published {
        let mut paths = HashSet::new();
        let pages = site.pages.iter().map(|p| (p.path.clone(), p.id)).collect();
        for p in &site.pages {
            paths.insert(p.path.clone());
            for a in &p.assets {
                paths.insert(format!("{}{}", p.path, a.rel));
            }
            for alias in &p.common.aliases {
                paths.insert(alias.strip_suffix("index.html").unwrap_or(alias).to_string());
            }
        }
        for (t, tax) in site.taxonomies.iter().enumerate() {
            paths.insert(site.taxonomy_path(t).trim_start_matches('/').to_string());
            for term in 0..tax.terms.len() {
                paths.insert(site.term_path(t, term).trim_start_matches('/').to_string());
            }
        }
        for s in statics {
            paths.insert(s.rel.clone());
        }
        let folded = paths.iter().map(|p| (p.to_lowercase(), p.clone())).collect();
        Published { paths, pages, folded }
    }

    /// Whether `path` (no leading `/`, no query or anchor) is written by the build.
    fn contains(&self, path: &str) -> bool {
        if self.paths.contains(path) || is_generated(path) {
            return true;
        }
        // `docs/a` and `docs/a/index.html` are the page `docs/a/`.
        let dir = path.strip_suffix("index.html").unwrap_or(path);
        if self.paths.contains(dir) || self.paths.contains(&format!("{dir}/")) {
            return true;
        }
        // Pagination: `docs/page/2/` of the section `docs/`.
        if let Some(i) = dir.trim_end_matches('/').rfind("page/") {
            let (base, n) = dir.split_at(i);
            let n = n.trim_start_matches("page/").trim_end_matches('/');
            if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && self.paths.contains(base) {
                return true;
            }
        }
        false
    }

    fn suggest(&self, path: &str) -> Option<String> {
        let lower = path.to_lowercase();
        for candidate in [lower.clone(), format!("{}/", lower.trim_end_matches('/'))] {
            if let Some(p) = self.folded.get(&candidate) {
                return Some(p.clone());
            }
        }
        closest(path, self.paths.iter().map(String::as_str)).map(str::to_string)
    }
}

/// Feeds, the sitemap, open data and the search index: written by the build, not listed.
fn is_generated(path: &str) -> bool {
    path.starts_with("pagefind/")
        || path.starts_with("data/")
        || path.ends_with("atom.xml")
        || matches!(path, "sitemap.xml" | "robots.txt" | "404.html")
}

/// Checks the root-relative and relative links of every page.
pub fn check(site: &Site, statics: &[StaticFile]) -> Vec<Diagnostic> {
    let published = Published::of(site, statics);
    let base = site.config.base_path.as_str();
    let mut diags: Vec<Diagnostic> = site
        .pages
        .par_iter()
        .filter(|p| !p.implicit && !p.body_links.is_empty())
        .flat_map_iter(|page| {
            let mut out = Vec::new();
            for link in page.body_links.iter() {
                let Some(target) = target_path(&link.dest, &page.path, base) else {
                    continue;
                };
                // An error at the link, with its line counted in the whole file.
                let at = |msg: String| {
                    let body = Source::part(&page.body, page.body_line - 1);
                    Diagnostic::at(
                        format!("content/{}", page.rel),
                        body,
                        Span::at(link.line, link.col).with_len(link.len),
                        msg,
                    )
                };
                if published.contains(&target) {
                    let anchor = link.dest.split_once('#').map(|(_, a)| a).unwrap_or("");
                    let dir = target.strip_suffix("index.html").unwrap_or(&target);
                    let page_id = published.pages.get(dir).or_else(|| published.pages.get(&format!("{dir}/")));
                    if let (false, Some(&id)) = (anchor.is_empty(), page_id) {
                        let target_page = &site.pages[id];
                        if !target_page.headings.iter().any(|h| h.id == anchor) {
                            let mut d = at(format!("no heading `#{anchor}` in content/{}", target_page.rel));
                            if let Some(h) = closest(anchor, target_page.headings.iter().map(|h| h.id.as_str())) {
                                d = d.with_help(format!("did you mean `#{h}`?"));
                            }
                            out.push(d);
                        }
                    }
                    continue;
                }
                let mut d = at(format!("link to a missing page: `{}`", link.dest));
                d = match published.suggest(&target) {
                    Some(s) => d.with_help(format!("did you mean `{base}{s}`?")),
                    None => d.with_help("link to a page with `@/path/to/file.md`, or to a file under static/"),
                };
                out.push(d);
            }
            out
        })
        .collect();
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags
}

/// The published path (no leading `/`) a link points to, or `None` when it is not checked
/// here: external links, `@/` and `.md` links (checked by `resolve`), anchors on the page.
fn target_path(dest: &str, page_path: &str, base: &str) -> Option<String> {
    let path = dest.split(['#', '?']).next().unwrap_or("");
    if path.is_empty() || path.starts_with("@/") || path.starts_with("//") || has_scheme(path) {
        return None;
    }
    if !path.starts_with('/') && path.ends_with(".md") {
        return None;
    }
    let joined = if let Some(abs) = path.strip_prefix('/') {
        // With a base path, `/kb/x/` and `/x/` both mean the page `x/`.
        let under = base.trim_start_matches('/');
        abs.strip_prefix(under).filter(|_| !under.is_empty()).unwrap_or(abs).to_string()
    } else {
        format!("{page_path}{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut out = parts.join("/").trim_start_matches('/').to_string();
    if out.contains('%') {
        out = out.replace("%20", " ");
    }
    Some(out)
}

fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) if i > 0 => s[..i].chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_like_a_browser() {
        assert_eq!(target_path("/docs/a/", "x/", "/").as_deref(), Some("docs/a/"));
        assert_eq!(target_path("/kb/docs/a/#k", "x/", "/kb/").as_deref(), Some("docs/a/"));
        assert_eq!(target_path("../b/", "docs/a/", "/").as_deref(), Some("docs/b/"));
        assert_eq!(target_path("g", "docs/a/", "/").as_deref(), Some("docs/a/g"));
        assert_eq!(target_path("https://x.org/", "", "/"), None);
        assert_eq!(target_path("mailto:a@b", "", "/"), None);
        assert_eq!(target_path("b.md", "", "/"), None);
        assert_eq!(target_path("#kop", "", "/"), None);
    }
}
