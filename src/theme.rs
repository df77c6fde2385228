//! The built-in default theme, compiled into the binary from `themes/default/`.
//!
//! It is the bottom layer of every site: a named theme (`themes/<name>/`) lies on top of
//! it and the site's own `templates/` and `static/` on top of that, each overriding by
//! path. So every kind of page has a template, and a site with no theme of its own
//! renders any content model. Its templates are also available as `default/<name>`, so
//! a theme can extend the template it replaces (`{% extends "default/base.html" %}`).

/// Name of the built-in theme in `site.yaml` (`theme: default`, or no `theme:` at all).
pub const NAME: &str = "default";

/// Every file of the theme: (path under `themes/default/`, bytes).
pub static FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/default_theme.rs"));

/// The files under `folder/` (`templates`, `static`, `i18n`): (path below it, bytes).
pub fn files_in(folder: &str) -> impl Iterator<Item = (&'static str, &'static [u8])> + '_ {
    FILES.iter().filter_map(move |(path, bytes)| {
        let rest = path.strip_prefix(folder)?.strip_prefix('/')?;
        Some((rest, *bytes))
    })
}
