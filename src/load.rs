//! Stage 1: read the site's files. The only stage that reads content from disk.
//!
//! Produces `Sources`: every Markdown file under `content/` as text, the other
//! files under `content/` as assets to copy, the templates (theme first, then the
//! site's own `templates/`, which override by name) and the static files
//! (likewise). Invariant: no parsing happens here; order is deterministic.

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Span};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// One Markdown file, with its path relative to `content/` (always `/`-separated).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub rel: String,
    pub text: String,
    /// Modification time and length when read, so an unchanged file need not be read again.
    pub stamp: Option<Stamp>,
    /// Whether the text was read in this load (false: reused from the previous one).
    pub fresh: bool,
}

/// What identifies a version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub modified: std::time::SystemTime,
    pub len: u64,
}

impl Stamp {
    pub fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp { modified: m.modified().ok()?, len: m.len() })
    }
}

/// The stamp a file had when a previous load read it (used by `serve`), by path relative to
/// `content/`. A file whose stamp is unchanged is not read again: it comes back with
/// `fresh: false` and no text, and the caller reuses what it made of it last time.
pub type Previous<'a> = &'a (dyn Fn(&str) -> Option<Stamp> + Sync);

/// A file under `content/` that is not Markdown (an image, a PDF): copied next to its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub rel: String,
    pub abs: PathBuf,
}

/// A template, by its name (path under `templates/`), with the path shown in errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSource {
    pub name: String,
    pub display_path: String,
    pub text: String,
}

/// A static file to copy to the output as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFile {
    pub rel: String,
    pub source: StaticSource,
}

/// Where a static file's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticSource {
    File(PathBuf),
    /// A file of the built-in theme, compiled into the binary.
    Embedded(&'static [u8]),
}

#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub content: Vec<SourceFile>,
    pub assets: Vec<Asset>,
    pub templates: Vec<TemplateSource>,
    pub statics: Vec<StaticFile>,
}

/// Reads everything a build needs. Problems (unreadable files, invalid UTF-8,
/// symlink loops) are returned as diagnostics; the rest is still loaded.
pub fn load(config: &Config) -> (Sources, Vec<Diagnostic>) {
    load_reusing(config, None)
}

/// Like [`load`], but does not read Markdown files whose stamp (modification time and
/// length) is the one in `previous`.
pub fn load_reusing(config: &Config, previous: Option<Previous<'_>>) -> (Sources, Vec<Diagnostic>) {
    let root = &config.root;
    let mut diags = Vec::new();
    let content_dir = root.join("content");
    let mut md_paths = Vec::new();
    let mut assets = Vec::new();
    for (rel, abs) in walk_files(&content_dir, root, &mut diags) {
        if !is_published_content(&rel) {
            continue;
        }
        if rel.ends_with(".md") {
            md_paths.push((rel, abs));
        } else {
            assets.push(Asset { rel, abs });
        }
    }
    let read: Vec<Result<SourceFile, Diagnostic>> = md_paths
        .par_iter()
        .map(|(rel, abs)| {
            let stamp = previous.and_then(|_| Stamp::of(abs));
            if let (Some(prev), Some(stamp)) = (previous, stamp) {
                if prev(rel) == Some(stamp) {
                    return Ok(SourceFile { rel: rel.clone(), text: String::new(), stamp: Some(stamp), fresh: false });
                }
            }
            let mut f = read_source(rel, abs, &format!("content/{rel}"))?;
            f.stamp = stamp;
            Ok(f)
        })
        .collect();
    let mut content = Vec::with_capacity(read.len());
    for r in read {
        match r {
            Ok(f) => content.push(f),
            Err(d) => diags.push(d),
        }
    }

    let theme_dir = config.theme.as_ref().filter(|t| *t != crate::theme::NAME).map(|t| root.join("themes").join(t));
    let mut templates: BTreeMap<String, TemplateSource> = BTreeMap::new();
    // The built-in theme is the bottom layer. Its templates are named `default/<name>`;
    // Tera falls back to that prefix for a name no other layer has (see `render::templates`),
    // so a theme can also extend the template it replaces.
    for (rel, bytes) in crate::theme::files_in("templates") {
        let name = format!("{}/{rel}", crate::theme::NAME);
        templates.insert(
            name.clone(),
            TemplateSource {
                name,
                display_path: format!("(built-in theme) templates/{rel}"),
                text: String::from_utf8_lossy(bytes).into_owned(),
            },
        );
    }
    let mut template_dirs = Vec::new();
    if let Some(t) = &theme_dir {
        template_dirs.push(t.join("templates"));
    }
    template_dirs.push(root.join("templates"));
    for dir in &template_dirs {
        for (rel, abs) in walk_files(dir, root, &mut diags) {
            let display = display_path(&abs, root);
            match read_source(&rel, &abs, &display) {
                Ok(f) => {
                    templates.insert(rel.clone(), TemplateSource { name: rel, display_path: display, text: f.text });
                }
                Err(d) => diags.push(d),
            }
        }
    }

    let mut statics: BTreeMap<String, StaticFile> = BTreeMap::new();
    for (rel, bytes) in crate::theme::files_in("static") {
        statics.insert(rel.to_string(), StaticFile { rel: rel.to_string(), source: StaticSource::Embedded(bytes) });
    }
    let mut static_dirs = Vec::new();
    if let Some(t) = &theme_dir {
        static_dirs.push(t.join("static"));
    }
    static_dirs.push(root.join("static"));
    for dir in &static_dirs {
        for (rel, abs) in walk_files(dir, root, &mut diags) {
            statics.insert(rel.clone(), StaticFile { rel, source: StaticSource::File(abs) });
        }
    }

    let sources = Sources {
        content,
        assets,
        templates: templates.into_values().collect(),
        statics: statics.into_values().collect(),
    };
    (sources, diags)
}

/// The largest text file a site may contain. Far beyond any real page; it keeps a
/// mistake (a data dump saved as `.md`) from making the build slow or the site huge.
pub const MAX_TEXT_BYTES: u64 = 8 * 1024 * 1024;

/// Reads one text file; invalid UTF-8 is reported with the line it occurs on.
pub fn read_source(rel: &str, abs: &Path, display: &str) -> Result<SourceFile, Diagnostic> {
    let size = std::fs::metadata(abs).map(|m| m.len()).unwrap_or(0);
    if size > MAX_TEXT_BYTES {
        return Err(Diagnostic::in_file(
            display,
            format!(
                "file is too large: {:.1} MiB (the limit is {} MiB)",
                size as f64 / 1048576.0,
                MAX_TEXT_BYTES / 1048576
            ),
        )
        .with_help("split the text over several pages, or link to the document as a file instead"));
    }
    let bytes = std::fs::read(abs).map_err(|e| Diagnostic::in_file(display, format!("cannot read file: {e}")))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile { rel: rel.to_string(), text, stamp: None, fresh: true }),
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = bytes[..good].iter().filter(|&&b| b == b'\n').count() + 1;
            let col = good - bytes[..good].iter().rposition(|&b| b == b'\n').map(|p| p + 1).unwrap_or(0) + 1;
            // Quote the line with the bad bytes shown as replacement characters.
            let lossy = String::from_utf8_lossy(bytes);
            Err(Diagnostic::at(display, &*lossy, Span::at(line, col), format!("file is not valid UTF-8 (byte {good})"))
                .with_help("save the file as UTF-8 in your editor"))
        }
    }
}

fn display_path(abs: &Path, root: &Path) -> String {
    abs.strip_prefix(root).unwrap_or(abs).to_string_lossy().replace('\\', "/")
}

/// Lists the files under `dir` as (path relative to `dir`, absolute path), sorted.
/// Follows symlinks that stay inside the site (a symlinked folder of content works) but
/// reports loops, and reports a link that points outside the site without following it.
/// Hidden files and editor backups are skipped.
pub fn walk_files(dir: &Path, root: &Path, diags: &mut Vec<Diagnostic>) -> Vec<(String, PathBuf)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    let root_real = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    // Links out of the site, found before they are descended into (a link to `/` would
    // otherwise walk the whole machine).
    let mut outside: Vec<(Vec<u8>, Diagnostic)> = Vec::new();
    let mut found: Vec<(Vec<u8>, String, PathBuf)> = Vec::new();
    let mut errors: Vec<(Vec<u8>, Diagnostic)> = Vec::new();
    // Walked in the folders' own order, then sorted: walkdir's `sort_by_file_name` reads each
    // folder into a list of entries first, which took up to 40 ms instead of 9 for the
    // 10,000 files of the benchmark site (bench/), most of it in fresh memory for the lists.
    let ignored = |name: &std::ffi::OsStr| is_ignored_name(&name.to_string_lossy());
    let walker = WalkDir::new(dir).follow_links(true).into_iter().filter_entry(|e| {
        if e.depth() > 0 && ignored(e.file_name()) {
            return false;
        }
        if e.path_is_symlink() {
            if let Some(d) = outside_link(e.path(), &root_real, root) {
                outside.push((walk_order(e.path()), d));
                return false;
            }
        }
        true
    });
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let Ok(rel) = e.path().strip_prefix(dir) else {
                    continue;
                };
                let order = walk_order(rel);
                let rel = rel.to_string_lossy().replace('\\', "/");
                found.push((order, rel, e.into_path()));
            }
            Ok(_) => {}
            // walkdir reports a broken link before `filter_entry` sees it: Emacs's lock files
            // (`.#page.md`, links to nothing) are skipped like other hidden names.
            Err(err) if err.path().and_then(Path::file_name).is_some_and(ignored) => {}
            Err(err) => {
                let path = err.path().map(|p| display_path(p, root)).unwrap_or_else(|| display_path(dir, root));
                let (msg, help) = if err.loop_ancestor().is_some() {
                    (
                        "symbolic link loop: this folder links back to one of its parents".to_string(),
                        "remove or fix the symbolic link",
                    )
                } else if err.path().is_some_and(|p| p.is_symlink() && !p.exists()) {
                    (
                        "symbolic link points to nothing (its target does not exist)".to_string(),
                        "remove or fix the symbolic link",
                    )
                } else if err.io_error().is_some_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied) {
                    (format!("cannot read: {err}"), "check the folder's permissions")
                } else {
                    (format!("cannot read: {err}"), "check that the file or folder can be read")
                };
                let order = err.path().map(walk_order).unwrap_or_default();
                errors.push((order, Diagnostic::in_file(path, msg).with_help(help)));
            }
        }
    }
    found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    errors.sort_by(|a, b| a.0.cmp(&b.0));
    outside.sort_by(|a, b| a.0.cmp(&b.0));
    diags.extend(errors.into_iter().chain(outside).map(|(_, d)| d));
    found.into_iter().map(|(_, rel, abs)| (rel, abs)).collect()
}

/// A sort key that orders paths as walking with each folder's entries sorted by name does:
/// by component, each compared by its bytes.
fn walk_order(path: &Path) -> Vec<u8> {
    let mut key = Vec::with_capacity(path.as_os_str().len() + 1);
    for c in path.components() {
        key.extend_from_slice(c.as_os_str().as_encoded_bytes());
        // Below every byte of a name: a folder's contents sort before a longer sibling name.
        key.push(0);
    }
    key
}

/// A diagnostic when the symlink at `path` points outside the site folder.
fn outside_link(path: &Path, root_real: &Path, root: &Path) -> Option<Diagnostic> {
    // A link to nothing is reported by the walk itself.
    let target = path.canonicalize().ok()?;
    if target.starts_with(root_real) {
        return None;
    }
    let shown = target.display();
    // Following a link out of the site could publish any file on the machine.
    Some(
        Diagnostic::in_file(
            display_path(path, root),
            format!("symbolic link points outside the site folder (to {shown})"),
        )
        .with_help("copy the file or folder into the site instead of linking to it"),
    )
}

/// Extensions of other tools' templates and style sources: kept in content folders by
/// Hugo, Jekyll, Eleventy and others, never meant to be published as they are.
pub const OTHER_TOOLS_SOURCES: &[&str] =
    &[".gotmpl", ".tmpl", ".tpl", ".liquid", ".njk", ".hbs", ".handlebars", ".mustache", ".scss", ".sass", ".less"];

/// Whether a file under `content/` (path relative to it) is part of the site: not when
/// a folder or file name in its path starts with `_` (except `_index.md`, a section) or
/// `.`, and not another tool's template or style source.
pub fn is_published_content(rel: &str) -> bool {
    let mut parts = rel.split('/').peekable();
    while let Some(part) = parts.next() {
        let last = parts.peek().is_none();
        if part.starts_with('.') || (part.starts_with('_') && !(last && part == "_index.md")) {
            return false;
        }
    }
    let lower = rel.to_ascii_lowercase();
    !OTHER_TOOLS_SOURCES.iter().any(|ext| lower.ends_with(ext))
}

/// Files no build should see: hidden files and the temporary files editors write.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.starts_with('#')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
}

#[cfg(test)]
mod tests {
    use super::{is_published_content, walk_files};

    #[test]
    fn files_are_walked_in_the_order_of_each_folders_names() {
        let dir = std::env::temp_dir().join(format!("innobieb-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // A folder sorts before a longer name that starts with its name ("a" < "a-b.md" < "a.md"),
        // bytes compare as bytes ("B" < "a" < "é").
        for rel in ["a-b.md", "a/z.md", "a/b/c.md", "a.md", "B.md", "ab/x.md", "é.md", "a/a.md"] {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let walked: Vec<String> = walk_files(&dir, &dir, &mut Vec::new()).into_iter().map(|(rel, _)| rel).collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(walked, ["B.md", "a/a.md", "a/b/c.md", "a/z.md", "a-b.md", "a.md", "ab/x.md", "é.md"]);
    }

    #[test]
    fn underscore_names_and_other_tools_sources_are_not_content() {
        for rel in ["a.md", "docs/_index.md", "_index.md", "docs/foto.png", "docs/b/index.md"] {
            assert!(is_published_content(rel), "{rel}");
        }
        for rel in ["_common/x.md", "docs/_x.md", "docs/_index.md/x.png", ".git/x", "docs/_content.gotmpl", "a.SCSS"] {
            assert!(!is_published_content(rel), "{rel}");
        }
    }
}
