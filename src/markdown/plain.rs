//! Plain text of Markdown, for the search index, collected from the same pulldown-cmark
//! events that become the HTML (so the HTML is never read back).
//!
//! Words are separated where the HTML separates them: at a block (paragraph, heading, list
//! item, table cell), a break, a rule, an image or a task-list box, not at inline markup
//! (`bi*bli*otheek` is one word). An image's alt text is left out, as it is an attribute in
//! the HTML; a footnote reference is its number. Text comes decoded from pulldown-cmark
//! (which knows every HTML entity). Raw HTML, written in the Markdown or made by a
//! shortcode, is the one place where HTML is read: [`html_text`] drops its tags.

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};
use std::collections::HashMap;

/// Collects the plain text of a stream of events, one event at a time.
#[derive(Default)]
pub(super) struct PlainText<'a> {
    out: String,
    /// Consecutive raw HTML, read as one fragment (an HTML block comes line by line).
    html: String,
    /// How deep inside an image (its alt text) the events are.
    image: usize,
    /// Footnote numbers by label, given in order of first appearance as the HTML writer does.
    footnotes: HashMap<CowStr<'a>, usize>,
}

impl<'a> PlainText<'a> {
    pub(super) fn push(&mut self, event: &Event<'a>) {
        if let Event::Html(h) | Event::InlineHtml(h) = event {
            if self.image == 0 {
                self.html.push_str(h);
            }
            return;
        }
        self.flush_html();
        if self.image > 0 {
            match event {
                Event::Start(_) => self.image += 1,
                Event::End(_) => self.image -= 1,
                Event::FootnoteReference(name) => {
                    self.footnote(name);
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => self.out.push_str(t),
            Event::Start(Tag::Image { .. }) => {
                self.out.push(' ');
                self.image = 1;
            }
            Event::Start(Tag::FootnoteDefinition(name)) => {
                let n = self.footnote(name);
                self.out.push_str(&format!(" {n}"));
            }
            Event::Start(tag) if !inline(tag) => self.out.push(' '),
            Event::End(tag) if !inline_end(*tag) => self.out.push(' '),
            Event::Start(_) | Event::End(_) => {}
            Event::FootnoteReference(name) => {
                let n = self.footnote(name);
                self.out.push_str(&n.to_string());
            }
            Event::SoftBreak | Event::HardBreak | Event::Rule | Event::TaskListMarker(_) => self.out.push(' '),
            Event::Html(_) | Event::InlineHtml(_) => {}
        }
    }

    pub(super) fn finish(mut self) -> String {
        self.flush_html();
        self.out
    }

    fn footnote(&mut self, name: &CowStr<'a>) -> usize {
        let next = self.footnotes.len() + 1;
        *self.footnotes.entry(name.clone()).or_insert(next)
    }

    fn flush_html(&mut self) {
        if !self.html.is_empty() {
            self.out.push_str(&html_text(&self.html));
            self.html.clear();
        }
    }
}

/// Tags the HTML writer writes as inline elements, or not at all (an HTML block's own
/// HTML is in its events).
fn inline(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::HtmlBlock
    )
}

fn inline_end(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
            | TagEnd::HtmlBlock
    )
}

/// Elements whose boundaries do not separate words (`bi<em>bli</em>otheek`).
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s",
    "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
];

/// Plain text of raw HTML: tags dropped (block tags become spaces), comments, `<script>`
/// and `<style>` contents dropped, character references decoded. A shortcode's placeholder
/// (a comment, see `markdown::placeholder`) is kept, to be filled with its output's text.
pub(super) fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('&') {
            let (text, len) = char_ref(rest);
            out.push_str(&text);
            rest = &rest[len..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").map(|e| e + 3);
            if rest.starts_with(super::BLOCK_PLACEHOLDER.0) {
                let len = end.map_or(rest.len(), |e| e + 4);
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                continue;
            }
            rest = end.map_or("", |e| &after[e..]);
            out.push(' ');
            continue;
        }
        let Some(name) = tag_name(&rest[1..]) else {
            // A `<` that opens no tag is text.
            out.push('<');
            rest = &rest[1..];
            continue;
        };
        rest = tag_end(rest);
        let lower = name.to_ascii_lowercase();
        if lower == "script" || lower == "style" {
            let close = format!("</{lower}");
            let at = find_ascii_ci(rest, &close).unwrap_or(rest.len());
            rest = tag_end(&rest[at..]);
        }
        if !INLINE.contains(&lower.trim_start_matches('/')) {
            out.push(' ');
        }
    }
    out.push_str(rest);
    out
}

/// The tag name after `<` (with a leading `/` for end tags), if this is a tag.
fn tag_name(s: &str) -> Option<&str> {
    let start = usize::from(s.starts_with('/'));
    let len = s[start..].find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(s.len() - start);
    let first = s[start..].chars().next()?;
    (len > 0 && first.is_ascii_alphabetic()).then(|| &s[..start + len])
}

/// The text after the `>` that closes the tag at the start of `s`, minding quoted attributes.
fn tag_end(s: &str) -> &str {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return &s[i + 1..],
            _ => {}
        }
    }
    ""
}

fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    (0..hay.len().saturating_sub(n - 1))
        .find(|&i| hay.is_char_boundary(i) && hay.as_bytes()[i..i + n].eq_ignore_ascii_case(needle.as_bytes()))
}

/// Decodes the character reference at the start of `s` (which starts with `&`): the text
/// and how many bytes it took. Numeric references and the named ones that HTML writers and
/// editors commonly produce are decoded; an unknown reference stays as it is.
fn char_ref(s: &str) -> (String, usize) {
    let end = s[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).map(|e| e + 1);
    let Some(end) = end.filter(|&e| s[e..].starts_with(';') && e > 1) else {
        return ("&".into(), 1);
    };
    let body = &s[1..end];
    let decoded = if let Some(num) = body.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse().ok(),
        };
        code.and_then(char::from_u32).map(String::from)
    } else {
        match body {
            "amp" => Some("&"),
            "lt" => Some("<"),
            "gt" => Some(">"),
            "quot" => Some("\""),
            "apos" => Some("'"),
            "nbsp" => Some(" "),
            "shy" => Some(""),
            "ndash" => Some("–"),
            "mdash" => Some("—"),
            "hellip" => Some("…"),
            "lsquo" => Some("‘"),
            "rsquo" => Some("’"),
            "ldquo" => Some("“"),
            "rdquo" => Some("”"),
            _ => None,
        }
        .map(String::from)
    };
    match decoded {
        Some(t) => (t, end + 1),
        None => ("&".into(), 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_drops_tags_and_keeps_words() {
        let html = "<h2 id=\"a\">Kop</h2>\n<p>De <em>bi</em>bliotheek &amp; de <a href=\"/x/\" title=\"a > b\">POI</a>.</p><ul><li>een</li><li>twee</li></ul>";
        let text = html_text(html);
        let words: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(words, ["Kop", "De", "bibliotheek", "&", "de", "POI.", "een", "twee"]);
    }

    #[test]
    fn html_text_skips_comments_scripts_and_decodes_references() {
        let html = "a<!-- more -->b<script>let x = '<p>';</script>c&#233;&#x20AC;&lt;&unknown; 1 < 2";
        assert_eq!(html_text(html).split_whitespace().collect::<Vec<_>>(), ["a", "b", "cé€<&unknown;", "1", "<", "2"]);
    }

    #[test]
    fn html_text_survives_unclosed_things() {
        assert_eq!(html_text("x <p class=\"a").trim(), "x");
        assert_eq!(html_text("x <!-- y").trim(), "x");
        assert_eq!(html_text("x &amp").trim(), "x &amp");
        assert_eq!(html_text("é<").trim(), "é<");
    }

    #[test]
    fn html_text_keeps_shortcode_placeholders() {
        assert_eq!(html_text("<!--innobieb-shortcode-3-->\n<p>x</p>"), "<!--innobieb-shortcode-3-->\n x ");
    }
}
