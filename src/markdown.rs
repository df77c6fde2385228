//! Stage 4: Markdown to HTML. Pure: text and a resolved link map in, HTML out.
//!
//! Links were checked in `resolve`; here `@/...md` and relative `.md` links are
//! only looked up and replaced by their URLs. Heading ids come from the parse
//! stage's scan, so anchors checked there are the ids written here.

use crate::parse::Heading;
use crate::parse::markdown_scan::options;
use pulldown_cmark::{BlockQuoteKind, CowStr, Event, Parser, Tag, TagEnd, html};
use std::collections::HashMap;

/// A page body rendered to HTML.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    pub content: std::sync::Arc<str>,
    /// The part before `<!-- more -->`, or else the first paragraph.
    pub summary: std::sync::Arc<str>,
    /// Whether the summary is shorter than the content (a "read more" makes sense).
    pub has_more: bool,
    pub word_count: usize,
}

const MORE: &str = "<!-- more -->";

/// Renders a page body. `links` maps destinations as written to URLs; `headings`
/// are the ids from the scan, in document order; callout titles are in `language`.
pub fn render(body: &str, links: &HashMap<String, String>, headings: &[Heading], language: &str) -> Rendered {
    let mut heading_ids = headings.iter().map(|h| h.id.as_str());
    let mut events: Vec<Event> = Vec::new();
    let mut summary_end: Option<usize> = None;
    let mut first_paragraph_end: Option<usize> = None;
    let mut words = 0usize;
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
            Event::Start(Tag::BlockQuote(Some(kind))) => Event::Html(callout_open(kind, language).into()),
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
    Rendered { content: content.into(), summary: summary.into(), has_more, word_count: words }
}

/// The opening of a GitHub-style callout (`> [!NOTE]`): a `div` with the role `note`
/// and a visible title in the site's language.
fn callout_open(kind: BlockQuoteKind, language: &str) -> String {
    let (class, en, nl) = match kind {
        BlockQuoteKind::Note => ("note", "Note", "Opmerking"),
        BlockQuoteKind::Tip => ("tip", "Tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important", "Belangrijk"),
        BlockQuoteKind::Warning => ("warning", "Warning", "Waarschuwing"),
        BlockQuoteKind::Caution => ("caution", "Caution", "Let op"),
    };
    let title = if language.starts_with("nl") { nl } else { en };
    format!("<div class=\"callout callout-{class}\" role=\"note\">\n<p class=\"callout-title\">{title}</p>\n")
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

    fn r(body: &str, links: &[(&str, &str)]) -> Rendered {
        let map = links.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        render(body, &map, &scan(body).headings, "nl")
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
        let en = render("> [!NOTE]\n> x\n", &HashMap::new(), &[], "en");
        assert!(en.content.contains(">Note</p>"), "{}", en.content);
    }

    #[test]
    fn raw_html_in_text_is_escaped_only_when_not_html() {
        let out = r("Tekst met 5 < 6 & zo.\n", &[]);
        assert!(out.content.contains("5 &lt; 6 &amp; zo"));
    }
}
