//! User-facing errors: one `Diagnostic` type for every problem in a site's input.
//!
//! Stages collect diagnostics instead of stopping at the first problem, so one
//! run reports everything (`check` lists every broken reference at once).
//! Rendering is compiler style (`--> path:line:col`, the quoted line, a caret and
//! an optional `help:`), via annotate-snippets, so editors and terminals can jump to it.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;
use std::fmt;

/// One problem found in the input (content, configuration or templates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub message: String,
    /// Where the problem is; `None` for problems that concern no one file.
    pub path: Option<String>,
    pub line: Option<usize>,
    pub col: Option<usize>,
    /// The text of the offending line, quoted under the message (a window of a long line,
    /// see [`QUOTE_CHARS`]).
    pub source_line: Option<String>,
    /// Characters of the line left out before `source_line`: the caret is at
    /// `col - 1 - quote_offset` in the quote.
    #[serde(skip)]
    pub quote_offset: usize,
    /// Length of the underlined part of `source_line` (in characters).
    #[serde(skip)]
    pub span_len: usize,
    /// A label under the caret.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
    /// How many errors this one stands for that are not shown (see [`normalize`]).
    #[serde(skip)]
    pub hidden: usize,
    /// A pre-rendered report (Tera's own, with its include chain), shown verbatim.
    pub detail: Option<String>,
    /// A warning (`unknown_fields: warn`): reported, but the build goes on.
    pub warning: bool,
}

/// A place in a text: 1-based line and column (in characters) and the length of the
/// underlined part (in characters). Found by the parsers (`yaml::locate`, the Markdown scan,
/// TOML spans) in the text they read, and turned into a line of the whole file by
/// [`Diagnostic::at`] with the [`Source`] it counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub line: usize,
    pub col: usize,
    pub len: usize,
}

impl Span {
    /// One character at `line:col`.
    pub fn at(line: usize, col: usize) -> Span {
        Span { line, col, len: 1 }
    }

    /// The same place, `len` characters long.
    pub fn with_len(self, len: usize) -> Span {
        Span { len, ..self }
    }
}

/// The text a [`Span`] counts lines in: a whole file, or a part of one (the front matter,
/// the body) that starts after `lines_before` lines of the file.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub text: &'a str,
    pub lines_before: usize,
}

impl<'a> Source<'a> {
    /// A part of a file that starts after `lines_before` of its lines.
    pub fn part(text: &'a str, lines_before: usize) -> Self {
        Source { text, lines_before }
    }
}

impl<'a> From<&'a str> for Source<'a> {
    /// A whole file.
    fn from(text: &'a str) -> Self {
        Source { text, lines_before: 0 }
    }
}

impl<'a> From<&'a String> for Source<'a> {
    fn from(text: &'a String) -> Self {
        Source::from(text.as_str())
    }
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            path: None,
            line: None,
            col: None,
            source_line: None,
            quote_offset: 0,
            span_len: 1,
            label: None,
            help: None,
            hidden: 0,
            detail: None,
            warning: false,
        }
    }

    /// A problem in a whole file, without a line.
    pub fn in_file(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { path: Some(path.into()), ..Self::new(message) }
    }

    /// A problem at `span` of `source`: the message names the line in the whole file, and
    /// quotes that line (a window of a long one) with the span underlined.
    pub fn at<'a>(
        path: impl Into<String>,
        source: impl Into<Source<'a>>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        let source = source.into();
        let line = span.line.max(1);
        let col = span.col.max(1);
        let quote = source.text.lines().nth(line - 1).map(|text| quote_window(text.trim_end_matches('\r'), col));
        let (source_line, quote_offset) = match quote {
            Some((quote, offset)) => (Some(quote), offset),
            None => (None, 0),
        };
        Diagnostic {
            path: Some(path.into()),
            line: Some(line + source.lines_before),
            col: Some(col),
            source_line,
            quote_offset,
            span_len: span.len.max(1),
            ..Self::new(message)
        }
    }

    /// A problem at a line (and column) of the file at `path`, without quoting it.
    pub fn at_line(path: impl Into<String>, line: usize, col: Option<usize>, message: impl Into<String>) -> Self {
        Diagnostic { path: Some(path.into()), line: Some(line), col, ..Self::new(message) }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn as_warning(mut self) -> Self {
        self.warning = true;
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The sort key that makes reports stable: by file, then position, then text.
    pub fn sort_key(&self) -> (Option<&str>, usize, usize, &str) {
        (self.path.as_deref(), self.line.unwrap_or(0), self.col.unwrap_or(0), &self.message)
    }

    /// The kind of problem, for grouping floods of errors: the message without what is
    /// particular to this case (quoted names, details after `: ` or ` (`), such as
    /// `unknown field`, `no heading` or `link to a missing page`.
    pub fn kind(&self) -> String {
        let msg = self.message.as_str();
        let mut parts = msg.split('`');
        let before = parts.next().unwrap_or("").trim();
        let head = if before.is_empty() { parts.nth(1).unwrap_or("").trim() } else { before };
        let head = head.split(": ").next().unwrap_or(head);
        let head = head.split(" (").next().unwrap_or(head);
        let head = head.trim().trim_end_matches(':').trim();
        if head.is_empty() { msg.to_string() } else { head.to_string() }
    }

    /// `path:line:col`, as far as known.
    pub fn location(&self) -> Option<String> {
        let path = self.path.as_deref()?;
        Some(match (self.line, self.col) {
            (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
            (Some(l), None) => format!("{path}:{l}"),
            _ => path.to_string(),
        })
    }

    /// Renders the diagnostic as plain text (no colours), in rustc's layout.
    pub fn render(&self) -> String {
        self.render_with(&Renderer::plain())
    }

    /// Renders with terminal colours.
    pub fn render_styled(&self) -> String {
        self.render_with(&Renderer::styled())
    }

    fn render_with(&self, renderer: &Renderer) -> String {
        let level = if self.warning { Level::WARNING } else { Level::ERROR };
        let title = level.primary_title(self.message.as_str());
        let padded: String;
        let mut group = match (&self.path, &self.source_line, self.line, self.col) {
            (Some(path), Some(src), Some(line), Some(col)) => {
                // The part of a long line before the window is blank (the renderer cuts it, and
                // the column it reports stays right).
                let src = if self.quote_offset > 0 {
                    padded = format!("{}{src}", " ".repeat(self.quote_offset));
                    &padded
                } else {
                    src
                };
                let start = char_to_byte(src, col - 1);
                let end = char_to_byte(src, col - 1 + self.span_len).max(start);
                let mut ann = AnnotationKind::Primary.span(start..end);
                if let Some(label) = &self.label {
                    ann = ann.label(label.as_str());
                }
                title.element(Snippet::source(src.as_str()).line_start(line).path(path.as_str()).annotation(ann))
            }
            (Some(path), None, Some(line), _) => {
                // A position without a quotable line (an empty or unreadable file).
                title.element(
                    Snippet::source("")
                        .line_start(line)
                        .path(path.as_str())
                        .annotation(AnnotationKind::Primary.span(0..0)),
                )
            }
            (Some(path), _, _, _) => {
                title.element(Snippet::<annotate_snippets::Annotation<'_>>::source("").path(path.as_str()))
            }
            _ => Group::with_title(title),
        };
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        let mut out = renderer.render(&[group]);
        if let Some(detail) = &self.detail {
            out.push('\n');
            out.push_str(detail.trim_end());
        }
        out
    }
}

/// The longest part of a line that is quoted, in characters: a long line (minified HTML, a
/// paragraph of thousands of links) is quoted as a window around the column, so that many
/// errors on one line cost memory and output in proportion to their number only.
pub const QUOTE_CHARS: usize = 200;

/// The quote for `line` around the 1-based column `col`, and the characters left out before it.
fn quote_window(line: &str, col: usize) -> (String, usize) {
    let n = line.chars().count();
    if n <= QUOTE_CHARS {
        return (line.to_string(), 0);
    }
    let start = (col - 1).saturating_sub(QUOTE_CHARS / 3).min(n - QUOTE_CHARS);
    (line.chars().skip(start).take(QUOTE_CHARS).collect(), start)
}

/// At most this many errors are shown for one line of one file; the rest are counted.
pub const MAX_PER_LINE: usize = 10;

fn char_to_byte(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map(|(i, _)| i).unwrap_or(s.len())
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// Sorts and de-duplicates diagnostics so reports are deterministic. More than
/// [`MAX_PER_LINE`] errors on one line are cut to that many and a note with the number left out.
pub fn normalize(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup();
    let mut out: Vec<Diagnostic> = Vec::with_capacity(diags.len());
    let mut i = 0;
    while i < diags.len() {
        let (path, line) = (diags[i].path.clone(), diags[i].line);
        let same = diags[i..].iter().take_while(|d| d.path == path && d.line == line).count();
        if line.is_some() && same > MAX_PER_LINE {
            out.extend(diags[i..i + MAX_PER_LINE].iter().cloned());
            // At the first one left out, quoting the line as the last one shown does.
            let (shown, first_hidden) = (&diags[i + MAX_PER_LINE - 1], &diags[i + MAX_PER_LINE]);
            let col = first_hidden.col.or(shown.col);
            let note = Diagnostic {
                path,
                line,
                col,
                source_line: col.and(shown.source_line.clone()),
                quote_offset: if col.is_some() { shown.quote_offset } else { 0 },
                hidden: same - MAX_PER_LINE,
                label: Some("the first of them".into()),
                ..Diagnostic::new(format!("{} more errors on this line are not shown", same - MAX_PER_LINE))
            };
            out.push(note.with_help("fix the errors above and run again to see the rest"));
        } else {
            out.extend(diags[i..i + same].iter().cloned());
        }
        i += same;
    }
    *diags = out;
}

/// Finds the closest candidate to `wanted` ("did you mean"), if any is close enough.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(wanted, c);
        if score >= 0.8 && best.is_none_or(|(s, b)| score > s || (score == s && c < b)) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// A page of the site to quote in hints, from the pages' paths under content/: the first
/// page in a folder (by path), else the first page, else `about.md`.
pub fn example_page<'a>(rels: impl Iterator<Item = &'a str>) -> String {
    let pages: Vec<&str> = rels.filter(|r| !r.ends_with("_index.md")).collect();
    pages
        .iter()
        .filter(|r| r.contains('/'))
        .min()
        .or(pages.iter().min())
        .map_or_else(|| "about.md".to_string(), |r| r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_quote_and_help() {
        let src = "---\ntitel: x\n---\n";
        let d = Diagnostic::at("content/a.md", src, Span::at(2, 1).with_len(5), "unknown field `titel`")
            .with_help("did you mean `title`?");
        let text = d.render();
        assert!(text.contains("error: unknown field `titel`"), "{text}");
        assert!(text.contains("--> content/a.md:2:1"), "{text}");
        assert!(text.contains("2 | titel: x"), "{text}");
        assert!(text.contains("^^^^^"), "{text}");
        assert!(text.contains("help: did you mean `title`?"), "{text}");
    }

    #[test]
    fn long_lines_are_quoted_as_a_window_around_the_column() {
        let line = format!("{}[x](@/weg.md){}", "a".repeat(5000), "b".repeat(5000));
        let d = Diagnostic::at("content/a.md", &line, Span::at(1, 5001).with_len(13), "link to a missing page");
        let quote = d.source_line.clone().unwrap();
        assert_eq!(quote.chars().count(), QUOTE_CHARS);
        assert!(quote.contains("[x](@/weg.md)"), "{quote}");
        let text = d.render();
        assert!(text.contains("--> content/a.md:1:5001"), "{text}");
        assert!(text.len() < 1000, "{text}");
        // The caret is under the link.
        let quoted = text.lines().find(|l| l.contains("[x]")).unwrap();
        let caret = text.lines().find(|l| l.contains("^^^")).unwrap();
        assert_eq!(
            caret.chars().position(|c| c == '^'),
            quoted.find("[x]").map(|b| quoted[..b].chars().count()),
            "{text}"
        );
    }

    #[test]
    fn many_errors_on_one_line_are_capped() {
        let mut diags: Vec<Diagnostic> =
            (0..25).map(|i| Diagnostic::at("content/a.md", "x", Span::at(1, i + 1), format!("e{i:02}"))).collect();
        diags.push(Diagnostic::at("content/a.md", "x\ny", Span::at(2, 1), "other line"));
        normalize(&mut diags);
        assert_eq!(diags.len(), MAX_PER_LINE + 2);
        assert_eq!(diags[MAX_PER_LINE].message, "15 more errors on this line are not shown");
        assert_eq!(diags[MAX_PER_LINE].hidden, 15);
        assert_eq!(diags[MAX_PER_LINE + 1].message, "other line");
    }

    #[test]
    fn kinds_leave_out_the_particulars() {
        let k = |m: &str| Diagnostic::new(m).kind();
        assert_eq!(k("unknown field `rool` in `rollen`"), "unknown field");
        assert_eq!(k("no heading `#a` in content/x.md"), "no heading");
        assert_eq!(k("link to a missing page: `@/x.md`"), "link to a missing page");
        assert_eq!(k("`x` must be a whole number, not text"), "must be a whole number, not text");
        assert_eq!(k("file is not valid UTF-8 (byte 3)"), "file is not valid UTF-8");
        assert_eq!(k("template error: Variable `x` not found"), "template error");
    }

    #[test]
    fn closest_picks_similar_names_only() {
        assert_eq!(closest("titel", ["title", "date", "weight"]), Some("title"));
        assert_eq!(closest("zzz", ["title", "date"]), None);
    }
}
