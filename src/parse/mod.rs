//! Stage 2: parse one Markdown file into a `ParsedDoc`. Pure: text in, value out.
//!
//! Splits the front matter (BOM and CRLF tolerated), parses it as YAML with
//! positions relative to the file, takes out the common fields, and scans the
//! Markdown body for links and headings (no HTML yet), so that `resolve` owns
//! the whole link graph before anything is rendered.

pub mod markdown_scan;
pub mod shortcodes;
pub mod toml_fm;

use crate::date::PartialDate;
use crate::diagnostic::{Diagnostic, Source, Span};
use crate::load::SourceFile;
use crate::yaml::{Seg, Target, locate, yaml_error};
use indexmap::IndexMap;
pub use markdown_scan::{Heading, LinkRef};
use std::sync::Arc;

/// What a Markdown file is, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// `_index.md`: a section (list page) for its folder.
    Section,
    /// `index.md`: a page bundle; the folder's other files belong to the page.
    Bundle,
    /// Any other `*.md`.
    Page,
}

/// The fields every page has.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Common {
    pub title: Option<String>,
    pub date: Option<PartialDate>,
    pub draft: bool,
    pub slug: Option<String>,
    pub weight: Option<i64>,
    pub description: Option<String>,
    pub template: Option<String>,
    pub aliases: Vec<String>,
    pub extra: serde_json::Value,
}

/// A parsed Markdown file: front matter split into common and other fields, the
/// body, and what the body links to.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDoc {
    pub rel: String,
    pub kind: DocKind,
    /// The front matter as YAML text (for locating errors later).
    pub yaml: String,
    /// Lines before the YAML text in the file (the opening `---` and any BOM line).
    pub yaml_offset: usize,
    pub common: Common,
    /// Every other front-matter key, in file order; checked against the schema in `resolve`.
    pub fields: IndexMap<String, serde_yaml::Value>,
    /// Shared, so that caches and pages hold it without copying.
    pub body: Arc<str>,
    /// 1-based line of the body's first line in the file.
    pub body_line: usize,
    pub links: Arc<[LinkRef]>,
    /// Whether the body may hold shortcode calls (`{{` or `{%`; see `shortcodes::may_contain`).
    pub shortcodes: bool,
    pub headings: Vec<Heading>,
    /// A stand-in for a file that failed to parse: it keeps the page's URL and slug
    /// known (so references to it do not fail too), and is not checked further.
    pub placeholder: bool,
    /// The front matter (`yaml`) is TOML (`+++` fences), not YAML.
    pub toml: bool,
}

impl ParsedDoc {
    /// Fingerprint of what `resolve` reads from the document: everything except the body
    /// text and where in it the links are (positions only matter for error messages, and
    /// `resolve` reports no errors for inputs that resolved before).
    pub fn resolve_key(&self) -> u64 {
        let dests: Vec<&str> = self.links.iter().map(|l| l.dest.as_str()).collect();
        crate::hash::hash_of(&(
            (&self.rel, self.kind, &self.yaml, self.yaml_offset, self.body_line, self.placeholder, self.toml),
            dests,
            &self.headings,
        ))
    }

    /// A stand-in for a file that could not be parsed (see `placeholder`).
    pub fn placeholder(rel: &str) -> ParsedDoc {
        let file_name = rel.rsplit('/').next().unwrap_or(rel);
        ParsedDoc {
            rel: rel.to_string(),
            kind: match file_name {
                "_index.md" => DocKind::Section,
                "index.md" => DocKind::Bundle,
                _ => DocKind::Page,
            },
            yaml: String::new(),
            yaml_offset: 1,
            common: Common::default(),
            fields: IndexMap::new(),
            body: Arc::from(""),
            body_line: 1,
            links: Arc::from([]),
            headings: Vec::new(),
            placeholder: true,
            shortcodes: false,
            toml: false,
        }
    }

    /// The file's path as shown in messages.
    pub fn display_path(&self) -> String {
        format!("content/{}", self.rel)
    }

    /// The front matter, as a part of the file for [`Diagnostic::at`].
    pub fn front_matter(&self) -> Source<'_> {
        Source::part(&self.yaml, self.yaml_offset)
    }

    /// The body, as a part of the file for [`Diagnostic::at`].
    pub fn body_source(&self) -> Source<'_> {
        Source::part(&self.body, self.body_line - 1)
    }

    /// A diagnostic pointing at a front-matter key or value (`path` into the YAML).
    pub fn diag_at(&self, path: &[Seg], target: Target, message: impl Into<String>) -> Diagnostic {
        let found =
            if self.toml { toml_fm::locate_toml(&self.yaml, path, target) } else { locate(&self.yaml, path, target) };
        match found {
            Some(span) => Diagnostic::at(self.display_path(), self.front_matter(), span, message),
            None => Diagnostic::at_line(self.display_path(), self.yaml_offset, None, message),
        }
    }

    /// A diagnostic at the opening `---` of the front matter, for what is missing from it.
    pub fn diag_at_fence(&self, message: impl Into<String>) -> Diagnostic {
        let fence = Source::part("---", self.yaml_offset.max(1) - 1);
        Diagnostic::at(self.display_path(), fence, Span::at(1, 1).with_len(3), message)
    }
}

/// The result of splitting a file into front matter and body.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// Lines before the YAML (1 for the opening `---`).
    pub yaml_offset: usize,
    pub body: &'a str,
    pub body_line: usize,
    /// The front matter is TOML (`+++` fences).
    pub toml: bool,
}

/// Splits normalized text (no BOM, `\n` line ends) at the `---` fences.
pub fn split_front_matter<'a>(text: &'a str, display: &str) -> Result<Split<'a>, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::at(display, text, Span::at(1, 1), "file is empty")
            .with_help("a page starts with front matter: a line `---`, `title: ...`, and a closing `---`"));
    }
    let first_line = text.lines().next().unwrap_or("");
    let fence = match first_line.trim_end() {
        "---" => "---",
        "+++" => "+++",
        _ => {
            return Err(Diagnostic::at(
                display,
                text,
                Span::at(1, 1).with_len(first_line.chars().count()),
                "missing front matter",
            )
                .with_help("start the file with a line `---`, then `title: ...`, then a closing `---` (YAML); or with `+++`, `title = \"...\"`, `+++` (TOML)"));
        }
    };
    let toml = fence == "+++";
    let after_open = first_line.len() + 1;
    let rest = text.get(after_open..).unwrap_or("");
    let mut pos = 0;
    for (line_no, line) in (2..).zip(rest.split_inclusive('\n')) {
        let trimmed = line.trim_end();
        if trimmed == fence || (!toml && trimmed == "...") {
            let yaml = &rest[..pos];
            let body_start = (pos + line.len()).min(rest.len());
            return Ok(Split { yaml, yaml_offset: 1, body: &rest[body_start..], body_line: line_no + 1, toml });
        }
        pos += line.len();
    }
    Err(Diagnostic::at(display, text, Span::at(1, 1).with_len(3), "front matter is not closed")
        .with_help(format!("add a line `{fence}` after the last front-matter line")))
}

/// Parses one source file. All problems in the file are returned together.
pub fn parse(file: &SourceFile) -> Result<ParsedDoc, Vec<Diagnostic>> {
    let display = format!("content/{}", file.rel);
    let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    let normalized;
    let text = if text.contains('\r') {
        normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        normalized.as_str()
    } else {
        text
    };
    let split = split_front_matter(text, &display).map_err(|d| vec![d])?;
    let value: serde_yaml::Value = if split.yaml.trim().is_empty() {
        serde_yaml::Value::Mapping(Default::default())
    } else if split.toml {
        toml_fm::parse_toml(&display, split.yaml, split.yaml_offset).map_err(|d| vec![d])?
    } else {
        serde_yaml::from_str(split.yaml).map_err(|e| vec![yaml_error(&display, split.yaml, split.yaml_offset, &e)])?
    };
    let mapping = match value {
        serde_yaml::Value::Mapping(m) => m,
        serde_yaml::Value::Null => Default::default(),
        _ => {
            let d = Diagnostic::at(&display, text, Span::at(2, 1), "front matter must be a list of `key: value` lines")
                .with_help("write for example `title: Mijn pagina`");
            return Err(vec![d]);
        }
    };
    let file_name = file.rel.rsplit('/').next().unwrap_or(&file.rel);
    let kind = match file_name {
        "_index.md" => DocKind::Section,
        "index.md" => DocKind::Bundle,
        _ => DocKind::Page,
    };
    let mut doc = ParsedDoc {
        rel: file.rel.clone(),
        kind,
        yaml: split.yaml.to_string(),
        yaml_offset: split.yaml_offset,
        common: Common::default(),
        fields: IndexMap::new(),
        body: Arc::from(split.body),
        body_line: split.body_line,
        links: Arc::from([]),
        headings: Vec::new(),
        placeholder: false,
        shortcodes: false,
        toml: split.toml,
    };
    let mut diags = Vec::new();
    for (k, v) in mapping {
        let key = match k {
            serde_yaml::Value::String(s) => s,
            other => {
                let shown = serde_yaml::to_string(&other).unwrap_or_default().trim().to_string();
                diags.push(doc.diag_at(&[], Target::Value, format!("front-matter key `{shown}` is not text")));
                continue;
            }
        };
        if let Some(c) = control_char(&v) {
            diags.push(
                doc.diag_at(
                    &[Seg::Key(key.clone())],
                    Target::Value,
                    format!("`{key}` contains the control character U+{:04X}", c as u32),
                )
                .with_help("remove it: an escape such as `\\0` or `\\x07` in a quoted value writes one"),
            );
            continue;
        }
        take_field(&mut doc, key, v, &mut diags);
    }
    let scan = markdown_scan::scan(&doc.body);
    let mut links = scan.links;
    doc.headings = scan.headings;
    doc.shortcodes = shortcodes::may_contain(&doc.body);
    if doc.shortcodes {
        match shortcodes::split(&doc.body) {
            // `@/` arguments are links to check (and backlinks), like Markdown links.
            Ok(pieces) => {
                for p in &pieces {
                    if let shortcodes::Piece::Call(c) = p {
                        for dest in shortcodes::page_args(c) {
                            links.push(LinkRef { dest: dest.to_string(), line: c.line, col: c.col, len: 2 });
                        }
                    }
                }
            }
            Err(problems) => {
                for p in problems {
                    let span = Span::at(p.line, p.col).with_len(p.len);
                    diags.push(Diagnostic::at(&display, doc.body_source(), span, p.message).with_help(p.help));
                }
            }
        }
    }
    doc.links = links.into();
    if diags.is_empty() { Ok(doc) } else { Err(diags) }
}

fn take_field(doc: &mut ParsedDoc, key: String, v: serde_yaml::Value, diags: &mut Vec<Diagnostic>) {
    use serde_yaml::Value as Y;
    let wrong = |doc: &ParsedDoc, expected: &str| {
        doc.diag_at(&[Seg::Key(key.clone())], Target::Value, format!("`{key}` must be {expected}"))
    };
    match key.as_str() {
        "title" | "slug" | "description" | "template" => {
            let s = match &v {
                Y::String(s) => Some(s.clone()),
                Y::Number(n) => Some(n.to_string()),
                Y::Null => None,
                _ => {
                    diags.push(wrong(doc, "text"));
                    return;
                }
            };
            if let Some(text) = &s {
                if has_script(text) {
                    diags.push(script_error(doc, &key));
                    return;
                }
            }
            match key.as_str() {
                "title" => doc.common.title = s,
                "slug" => doc.common.slug = s,
                "description" => doc.common.description = s,
                _ => doc.common.template = s,
            }
        }
        "date" => match scalar_text(&v) {
            Some(s) => match PartialDate::parse(&s) {
                Ok(d) => doc.common.date = Some(d),
                Err(msg) => diags.push(doc.diag_at(&[Seg::Key(key.clone())], Target::Value, msg)),
            },
            None if v.is_null() => {}
            None => diags.push(wrong(doc, "a date such as `2016`, `2016-06` or `2016-06-30`")),
        },
        "draft" => match v {
            Y::Bool(b) => doc.common.draft = b,
            _ => diags.push(wrong(doc, "`true` or `false`")),
        },
        "weight" => match v.as_i64() {
            Some(w) => doc.common.weight = Some(w),
            None => diags.push(wrong(doc, "a whole number")),
        },
        "aliases" => match v {
            Y::Sequence(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Y::String(s) => doc.common.aliases.push(s),
                        _ => diags.push(doc.diag_at(
                            &[Seg::Key(key.clone()), Seg::Index(i)],
                            Target::Value,
                            "an alias must be a path such as `/oud/adres/`",
                        )),
                    }
                }
            }
            Y::String(s) => doc.common.aliases.push(s),
            _ => diags.push(wrong(doc, "a list of paths")),
        },
        "extra" => doc.common.extra = serde_json::to_value(&v).unwrap_or(serde_json::Value::Null),
        _ => {
            doc.fields.insert(key, v);
        }
    }
}

/// The first control character (other than tab and line breaks) in a value's texts: they
/// are invisible in an editor and not allowed in HTML.
fn control_char(v: &serde_yaml::Value) -> Option<char> {
    use serde_yaml::Value as Y;
    match v {
        Y::String(s) => s.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
        Y::Sequence(items) => items.iter().find_map(control_char),
        Y::Mapping(m) => m.iter().find_map(|(k, v)| control_char(k).or_else(|| control_char(v))),
        Y::Tagged(t) => control_char(&t.value),
        _ => None,
    }
}

/// Whether front-matter text contains a `<script>` tag. Front matter is plain text
/// (templates escape it), so a script there is a paste error or an attack: refused.
pub fn has_script(text: &str) -> bool {
    text.to_ascii_lowercase().contains("<script")
}

pub fn script_error(doc: &ParsedDoc, key: &str) -> Diagnostic {
    doc.diag_at(&[Seg::Key(key.to_string())], Target::Value, format!("`{key}` contains a <script> tag"))
        .with_help("front matter is plain text: remove the HTML; scripts belong in the theme")
}

/// The text of a scalar (dates may come as numbers: `date: 2016`).
pub fn scalar_text(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(rel: &str, text: &str) -> SourceFile {
        SourceFile { rel: rel.into(), text: text.into(), stamp: None, fresh: true }
    }

    #[test]
    fn splits_front_matter_and_counts_lines() {
        let s = split_front_matter("---\ntitle: A\n---\nBody\n", "a.md").unwrap();
        assert_eq!(s.yaml, "title: A\n");
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn accepts_bom_and_crlf() {
        let doc = parse(&src("a.md", "\u{feff}---\r\ntitle: Hallo\r\ndate: 2016-06\r\n---\r\nTekst\r\n")).unwrap();
        assert_eq!(doc.common.title.as_deref(), Some("Hallo"));
        assert_eq!(doc.common.date.unwrap().to_string(), "2016-06");
        assert_eq!(&*doc.body, "Tekst\n");
    }

    #[test]
    fn yaml_error_line_is_relative_to_file() {
        let errs = parse(&src("a.md", "---\ntitle: A\nfoo: \"unclosed\n---\n")).unwrap_err();
        let d = &errs[0];
        assert_eq!(d.path.as_deref(), Some("content/a.md"));
        assert!(d.line.unwrap() >= 3, "{}", d.render());
    }

    #[test]
    fn unclosed_front_matter_and_empty_files_are_errors() {
        assert!(parse(&src("a.md", "---\ntitle: A\n")).unwrap_err()[0].message.contains("not closed"));
        assert!(parse(&src("a.md", "")).unwrap_err()[0].message.contains("empty"));
        assert!(parse(&src("a.md", "# Kop\n")).unwrap_err()[0].message.contains("missing front matter"));
    }

    #[test]
    fn wrong_common_types_point_at_the_value() {
        let errs = parse(&src("a.md", "---\ntitle: A\nweight: zwaar\ndate: 2016-02-30\n---\n")).unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].line, Some(3));
        assert_eq!(errs[0].col, Some(9));
        assert!(errs[1].message.contains("does not exist"), "{}", errs[1].message);
        assert_eq!(errs[1].line, Some(4));
    }

    #[test]
    fn front_matter_only_is_a_page_without_body() {
        let doc = parse(&src("a.md", "---\ntitle: A\n---")).unwrap();
        assert_eq!(&*doc.body, "");
    }
}
