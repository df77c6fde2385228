//! Stage 4: Markdown to HTML. Pure: text and a resolved link map in, HTML out.
//!
//! Links were checked in `resolve`; here `@/...md` and relative `.md` links are
//! only looked up and replaced by their URLs. Heading ids come from the parse
//! stage's scan, so anchors checked there are the ids written here.
//!
//! Shortcodes are expanded by a function the caller gives (the templates live in the
//! render stage): Markdown output is put in place of the call before parsing, HTML output
//! stands in as a placeholder that is filled into the finished HTML, so Markdown never
//! mangles it. The body of a shortcode is rendered with the page (its links and heading
//! ids stay in document order) and wrapped by the template's output around `body`.
//!
//! The same walk over the events gives the body's plain text for the search index
//! (`markdown/plain.rs`).

use crate::i18n::Translations;
use crate::parse::Heading;
use crate::parse::markdown_scan::options;
use crate::parse::shortcodes::{self, Piece, Shortcode};
use pulldown_cmark::{BlockQuoteKind, CowStr, Event, Parser, Tag, TagEnd, html};
use std::collections::HashMap;

mod plain;

/// A page body rendered to HTML.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    pub content: std::sync::Arc<str>,
    /// The part before `<!-- more -->`, or else the first paragraph.
    pub summary: std::sync::Arc<str>,
    /// Whether the summary is shorter than the content (a "read more" makes sense).
    pub has_more: bool,
    pub word_count: usize,
    /// The body as plain text, for the search index (see `markdown/plain.rs`).
    pub text: std::sync::Arc<str>,
}

const MORE: &str = "<!-- more -->";

/// What a shortcode call expands to.
pub enum Expansion {
    /// Markdown, rendered with the page.
    Markdown(String),
    /// HTML, put in as it is. For a call with a body, [`BODY`] in it marks where the
    /// rendered body goes.
    Html(String),
}

/// Where the rendered body of a shortcode goes in its HTML output.
pub const BODY: &str = "\u{E002}";

/// A shortcode that could not be expanded: where the call is (1-based, in the body) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortcodeError {
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub help: Option<String>,
}

/// The function that expands one call: the call, and the Markdown of its body if it has one.
pub type Expand<'a> = dyn Fn(&Shortcode, Option<&str>) -> Result<Expansion, ShortcodeError> + 'a;

/// Like [`render`], with the shortcodes in `body` expanded by `expand`.
pub fn render_with_shortcodes(
    body: &str,
    links: &HashMap<String, String>,
    headings: &[Heading],
    i18n: &Translations,
    expand: &Expand,
) -> Result<Rendered, Vec<ShortcodeError>> {
    // Malformed calls were reported by the parse stage; here they are text.
    let Ok(pieces) = shortcodes::split(body) else { return Ok(render(body, links, headings, i18n)) };
    if !pieces.iter().any(|p| matches!(p, Piece::Call(_))) && pieces.len() == 1 {
        return Ok(render(body, links, headings, i18n));
    }
    let mut text = String::with_capacity(body.len());
    let mut parts: Vec<String> = Vec::new();
    // The placeholders around each body, and the closing part (to balance a cut summary).
    let mut bodies: Vec<(String, String, usize)> = Vec::new();
    let mut errors = Vec::new();
    for piece in pieces {
        let call = match piece {
            Piece::Text(r) => {
                text.push_str(&body[r]);
                continue;
            }
            Piece::Literal(l) => {
                text.push_str(&l);
                continue;
            }
            Piece::Call(c) => c,
        };
        let block = alone_on_its_lines(body, &call.span);
        let inner = call.body.clone().map(|r| &body[r]);
        match expand(&call, inner) {
            Err(e) => errors.push(e),
            Ok(Expansion::Markdown(md)) => text.push_str(&md),
            Ok(Expansion::Html(html)) => match (inner, html.split_once(BODY)) {
                (Some(inner), Some((before, after))) => {
                    let open = placeholder(parts.len(), block);
                    let close = placeholder(parts.len() + 1, block);
                    parts.push(before.to_string());
                    parts.push(after.to_string());
                    if block {
                        // The closing stand-in is indented like the call (in a list item, say).
                        let indent: String = body[..call.span.start]
                            .rsplit('\n')
                            .next()
                            .unwrap_or("")
                            .chars()
                            .filter(|c| c.is_whitespace())
                            .collect();
                        text.push_str(&format!("{open}\n\n{}\n\n{indent}{close}", inner.trim_matches('\n')));
                    } else {
                        text.push_str(&format!("{open}{inner}{close}"));
                    }
                    bodies.push((open, close, parts.len() - 1));
                }
                _ => {
                    text.push_str(&placeholder(parts.len(), block));
                    parts.push(html);
                }
            },
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let r = render(&text, links, headings, i18n);
    // A summary cut inside a shortcode's body gets the shortcode's closing HTML.
    let mut summary = r.summary.to_string();
    for (open, close, part) in bodies.iter().rev() {
        if summary.contains(open.as_str()) && !summary.contains(close.as_str()) {
            summary.push_str(&parts[*part]);
        }
    }
    let part_texts: Vec<String> = parts.iter().map(|p| plain::html_text(p)).collect();
    Ok(Rendered {
        content: fill(&r.content, &parts).into(),
        summary: fill(&summary, &parts).into(),
        text: fill(&r.text, &part_texts).into(),
        ..r
    })
}

/// Whether a call has only spaces before it on its first line and after it on its last.
fn alone_on_its_lines(body: &str, span: &std::ops::Range<usize>) -> bool {
    let before = body[..span.start].rsplit('\n').next().unwrap_or("");
    let after = body[span.end..].split('\n').next().unwrap_or("");
    before.trim().is_empty() && after.trim().is_empty()
}

/// A stand-in for HTML: an HTML comment (a block of its own) for a call alone on its lines,
/// else two private-use characters around the number, which Markdown leaves as they are.
fn placeholder(n: usize, block: bool) -> String {
    let (open, close) = if block { BLOCK_PLACEHOLDER } else { INLINE_PLACEHOLDER };
    format!("{open}{n}{close}")
}

/// What goes around a placeholder's number.
const BLOCK_PLACEHOLDER: (&str, &str) = ("<!--innobieb-shortcode-", "-->");
const INLINE_PLACEHOLDER: (&str, &str) = ("\u{E000}", "\u{E001}");

/// Puts the parts (HTML, or its plain text) in place of their placeholders.
fn fill(html: &str, parts: &[String]) -> String {
    if parts.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + parts.iter().map(String::len).sum::<usize>());
    let mut rest = html;
    // One pass: each `<` or U+E000 is looked at once.
    while let Some(at) = rest.find(['<', '\u{E000}']) {
        out.push_str(&rest[..at]);
        let here = &rest[at..];
        let found = [BLOCK_PLACEHOLDER, INLINE_PLACEHOLDER].into_iter().find_map(|(prefix, suffix)| {
            let after = here.strip_prefix(prefix)?;
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            let n: usize = after[..digits].parse().ok().filter(|&n| n < parts.len())?;
            after[digits..].starts_with(suffix).then_some((n, prefix.len() + digits + suffix.len()))
        });
        match found {
            Some((n, len)) => {
                out.push_str(&parts[n]);
                rest = &here[len..];
            }
            None => {
                let c = here.chars().next().map_or(1, char::len_utf8);
                out.push_str(&here[..c]);
                rest = &here[c..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Renders a page body. `links` maps destinations as written to URLs; `headings`
/// are the ids from the scan, in document order; callout titles are in `i18n`'s language.
pub fn render(body: &str, links: &HashMap<String, String>, headings: &[Heading], i18n: &Translations) -> Rendered {
    let mut heading_ids = headings.iter().map(|h| h.id.as_str());
    let mut events: Vec<Event> = Vec::new();
    let mut summary_end: Option<usize> = None;
    let mut first_paragraph_end: Option<usize> = None;
    let mut words = 0usize;
    let mut text = plain::PlainText::default();
    for event in Parser::new_ext(body, options()) {
        let event = match event {
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let dest = match links.get(dest_url.as_ref()) {
                    Some(url) => CowStr::from(url.clone()),
                    None => dest_url,
                };
                Event::Start(Tag::Link { link_type, dest_url: dest, title, id })
            }
            Event::Start(Tag::Heading { level, id: _, classes, attrs }) => {
                let id = heading_ids.next().map(|s| CowStr::from(s.to_string()));
                Event::Start(Tag::Heading { level, id, classes, attrs })
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => Event::Html(callout_open(kind, i18n).into()),
            Event::End(TagEnd::BlockQuote(Some(_))) => Event::Html("</div>\n".into()),
            Event::Html(ref h) | Event::InlineHtml(ref h) if h.trim() == MORE && summary_end.is_none() => {
                summary_end = Some(events.len());
                continue;
            }
            Event::End(TagEnd::Paragraph) => {
                if first_paragraph_end.is_none() {
                    first_paragraph_end = Some(events.len() + 1);
                }
                event
            }
            Event::Text(ref t) => {
                words += t.split_whitespace().count();
                event
            }
            other => other,
        };
        text.push(&event);
        events.push(event);
    }
    let mut content = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut content, events.iter().cloned());
    let cut = summary_end.or(first_paragraph_end);
    let (summary, has_more) = match cut {
        Some(n) => {
            let mut s = String::new();
            html::push_html(&mut s, events[..n].iter().cloned());
            (s, n < events.len())
        }
        None => (String::new(), false),
    };
    Rendered {
        content: content.into(),
        summary: summary.into(),
        has_more,
        word_count: words,
        text: text.finish().into(),
    }
}

/// Plain text of a Markdown fragment (a `markdown` field), as [`Rendered::text`] is of a body.
pub fn plain_text(src: &str) -> String {
    let mut text = plain::PlainText::default();
    for event in Parser::new_ext(src, options()) {
        text.push(&event);
    }
    text.finish()
}

/// The opening of a GitHub-style callout (`> [!NOTE]`): a `div` with the role `note`
/// and a visible title in the site's language (`callout.<kind>` in the translations).
fn callout_open(kind: BlockQuoteKind, i18n: &Translations) -> String {
    let class = match kind {
        BlockQuoteKind::Note => "note",
        BlockQuoteKind::Tip => "tip",
        BlockQuoteKind::Important => "important",
        BlockQuoteKind::Warning => "warning",
        BlockQuoteKind::Caution => "caution",
    };
    let title = html_escape(&i18n.t(&format!("callout.{class}"), &[]));
    format!("<div class=\"callout callout-{class}\" role=\"note\">\n<p class=\"callout-title\">{title}</p>\n")
}

/// Text for HTML content or a quoted attribute: `&`, `<`, `>` and `"` escaped.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Renders a Markdown fragment (a `markdown` field) without links or headings to resolve.
pub fn render_fragment(text: &str) -> String {
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(text, options()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::markdown_scan::scan;

    fn dutch() -> Translations {
        Translations::load(std::path::Path::new("/nonexistent-site"), None, "nl").unwrap().0
    }

    fn r(body: &str, links: &[(&str, &str)]) -> Rendered {
        let map = links.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        render(body, &map, &scan(body).headings, &dutch())
    }

    #[test]
    fn replaces_internal_links_and_sets_heading_ids() {
        let out = r("## Één\n\nZie [Joost](@/personen/joost.md).\n", &[("@/personen/joost.md", "/personen/joost/")]);
        assert!(out.content.contains("<h2 id=\"een\">Één</h2>"), "{}", out.content);
        assert!(out.content.contains("<a href=\"/personen/joost/\">Joost</a>"), "{}", out.content);
    }

    #[test]
    fn summary_is_first_paragraph_or_more_marker() {
        let out = r("Eerste alinea.\n\nTweede.\n", &[]);
        assert_eq!(&*out.summary, "<p>Eerste alinea.</p>\n");
        assert!(out.has_more);
        let out = r("Een.\n\nTwee.\n\n<!-- more -->\n\nDrie.\n", &[]);
        assert!(out.summary.contains("Twee."), "{}", out.summary);
        assert!(!out.summary.contains("Drie"));
        assert!(!out.content.contains("<!-- more -->"));
    }

    #[test]
    fn supports_tables_footnotes_tasks_and_strikethrough() {
        let out = r("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~weg~~ [^1]\n\n- [x] klaar\n\n[^1]: Noot.\n", &[]);
        assert!(out.content.contains("<table>"));
        assert!(out.content.contains("<del>weg</del>"));
        assert!(out.content.contains("type=\"checkbox\""));
        assert!(out.content.contains("footnote-definition"));
    }

    #[test]
    fn callouts_and_definition_lists() {
        let out = r("> [!WARNING]\n> Niet doen.\n\nTerm\n: Uitleg.\n", &[]);
        assert!(
            out.content.starts_with("<div class=\"callout callout-warning\" role=\"note\">\n<p class=\"callout-title\">Waarschuwing</p>\n<p>Niet doen.</p>\n</div>\n"),
            "{}",
            out.content
        );
        assert!(out.content.contains("<dl>\n<dt>Term</dt>\n<dd>Uitleg.</dd>\n</dl>"), "{}", out.content);
        let en = render("> [!NOTE]\n> x\n", &HashMap::new(), &[], &Translations::english());
        assert!(en.content.contains(">Note</p>"), "{}", en.content);
    }

    /// The plain text has the words that reading the HTML back would give (how the search
    /// text was made before), without reading it.
    #[test]
    fn plain_text_has_the_words_of_the_html() {
        let samples = [
            "# Kop {#eigen}\n\nDe *bi*bliotheek &amp; de [POI](@/x.md \"a > b\").\n\n- een\n- twee\n  - drie\n",
            "| a | b |\n|---|---|\n| 1 | `2<3` |\n\n~~weg~~ [^n] en [^m] en [^n]\n\n- [x] klaar\n- [ ] niet\n\n[^n]: Noot.\n[^m]: Andere.\n",
            "> [!WARNING]\n> Niet doen.\n\nTerm\n: Uitleg.\n\n---\n\nregel  \nbreuk\n",
            "Een ![alt *tekst*](a.png \"t\") plaatje, ^sup^ ~sub~.\n\n```rust\nlet x = \"<p>\";\n```\n",
            "<div class=\"x\">\n<!-- opmerking\nover regels -->\n<p>ruw &eacute; &amp; <span>ge</span>plakt</p>\n</div>\n\nna<br>de <em>regel</em>\n",
            "<script>\nlet a = 1;\n</script>\n\nEen.\n\n<!-- more -->\n\nTwee &copy; drie &#233;.\n",
        ];
        for md in samples {
            let out = r(md, &[("@/x.md", "/x/")]);
            let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
            assert_eq!(words(&out.text), words(&plain::html_text(&out.content)), "{md}");
        }
    }

    #[test]
    fn plain_text_of_a_fragment() {
        let text = plain_text("**Vet** en [een link](https://x.nl)\n\n- lijst\n  - binnen");
        assert_eq!(text.split_whitespace().collect::<Vec<_>>(), ["Vet", "en", "een", "link", "lijst", "binnen"]);
    }

    #[test]
    fn raw_html_in_text_is_escaped_only_when_not_html() {
        let out = r("Tekst met 5 < 6 & zo.\n", &[]);
        assert!(out.content.contains("5 &lt; 6 &amp; zo"));
    }
}
