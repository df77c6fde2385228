//! Sorts file-system events into what has to be rebuilt. Pure and unit-tested;
//! it sees only paths: the `notify` types stop at the watch loop in `serve/mod.rs`.

use crate::load::is_ignored_name;
use std::path::{Path, PathBuf};

/// What a batch of changed paths means for the site.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChangeSet {
    /// `site.yaml` changed: everything is rebuilt from scratch.
    pub config: bool,
    pub content: bool,
    pub templates: bool,
    pub statics: bool,
    /// Only stylesheets changed: open tabs can swap styles without a reload.
    pub css_only: bool,
    /// A top-level folder appeared or vanished (new watches may be needed).
    pub layout: bool,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        !(self.config || self.content || self.templates || self.statics || self.layout)
    }
}

/// Classifies changed paths under `root`. Paths elsewhere (the output folder,
/// `target/`) and editor temp files are ignored.
pub fn classify(root: &Path, paths: &[PathBuf]) -> ChangeSet {
    let mut set = ChangeSet::default();
    let mut only_css = true;
    let mut any = false;
    for path in paths {
        let Ok(rel) = path.strip_prefix(root) else { continue };
        let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let Some(first) = parts.first() else { continue };
        let name = parts.last().map(String::as_str).unwrap_or("");
        if is_ignored_name(name) {
            continue;
        }
        let kind = match (first.as_str(), parts.len()) {
            ("site.yaml", 1) => Kind::Config,
            ("content", 1) | ("templates", 1) | ("static", 1) | ("themes", 1) => Kind::Layout,
            ("content", _) => Kind::Content,
            ("templates", _) => Kind::Templates,
            ("static", _) => Kind::Static,
            ("themes", n) if n >= 3 && parts[2] == "templates" => Kind::Templates,
            ("themes", n) if n >= 3 && parts[2] == "static" => Kind::Static,
            ("themes", _) => Kind::Layout,
            _ => continue,
        };
        any = true;
        match kind {
            Kind::Config => set.config = true,
            Kind::Layout => set.layout = true,
            Kind::Content => set.content = true,
            Kind::Templates => set.templates = true,
            Kind::Static => set.statics = true,
        }
        if !(kind == Kind::Static && name.ends_with(".css")) {
            only_css = false;
        }
    }
    set.css_only = any && only_css;
    set
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Config,
    Layout,
    Content,
    Templates,
    Static,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(paths: &[&str]) -> ChangeSet {
        let root = Path::new("/site");
        classify(root, &paths.iter().map(|p| root.join(p)).collect::<Vec<_>>())
    }

    #[test]
    fn classifies_each_kind_of_change() {
        let table: &[(&[&str], ChangeSet)] = &[
            (&["site.yaml"], ChangeSet { config: true, ..Default::default() }),
            (&["content/personen/a.md"], ChangeSet { content: true, ..Default::default() }),
            (&["content/project/foto.png"], ChangeSet { content: true, ..Default::default() }),
            (&["templates/page.html"], ChangeSet { templates: true, ..Default::default() }),
            (&["themes/t/templates/base.html"], ChangeSet { templates: true, ..Default::default() }),
            (&["themes/t/static/css/style.css"], ChangeSet { statics: true, css_only: true, ..Default::default() }),
            (&["static/style.css", "static/app.js"], ChangeSet { statics: true, ..Default::default() }),
            (&["static/style.css", "content/a.md"], ChangeSet { content: true, statics: true, ..Default::default() }),
            (&["templates"], ChangeSet { layout: true, ..Default::default() }),
        ];
        for (paths, expected) in table {
            assert_eq!(&c(paths), expected, "{paths:?}");
        }
    }

    #[test]
    fn ignores_output_editor_files_and_strangers() {
        for p in [
            "public/index.html",
            "target/debug/x",
            "content/.a.md.swp",
            "content/a.md~",
            "content/#a.md#",
            "README.md",
            "/elders/x.md",
        ] {
            assert!(c(&[p]).is_empty(), "{p}");
        }
    }
}
