//! Scans a Markdown body (no rendering) for what `resolve` needs: link
//! destinations with their positions, and headings with stable unique ids.

use crate::slug::slugify;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use std::collections::HashSet;

/// The Markdown extensions every page gets.
pub fn options() -> pulldown_cmark::Options {
    use pulldown_cmark::Options;
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
        | Options::ENABLE_DEFINITION_LIST
}

/// A link in the body: its destination as written, and where it is (1-based, in the body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    pub dest: String,
    pub line: usize,
    pub col: usize,
    pub len: usize,
}

/// A heading with its final id (unique within the page).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub title: String,
}

#[derive(Debug, Default)]
pub struct Scan {
    pub links: Vec<LinkRef>,
    pub headings: Vec<Heading>,
}

pub fn scan(body: &str) -> Scan {
    scan_with(body, false)
}

/// Like [`scan`]; with `github_ids`, heading ids are made the way GitHub and Hugo make them.
pub fn scan_with(body: &str, github_ids: bool) -> Scan {
    let line_starts: Vec<usize> = std::iter::once(0).chain(body.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let pos = |offset: usize| {
        let line = line_starts.partition_point(|&s| s <= offset);
        let col = body[line_starts[line - 1]..offset].chars().count() + 1;
        (line, col)
    };
    let mut out = Scan::default();
    let mut used = HashSet::new();
    let mut in_heading: Option<(u8, Option<String>, String)> = None;
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) => {
                let (line, col) = pos(range.start);
                let len = body[range.clone()].lines().next().map(|l| l.chars().count()).unwrap_or(1);
                out.links.push(LinkRef { dest: dest_url.to_string(), line, col, len });
            }
            Event::Start(Tag::Heading { level, id, .. }) => {
                in_heading = Some((heading_level(level), id.map(|s| s.to_string()), String::new()));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, text)) = in_heading.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, explicit, title)) = in_heading.take() {
                    let base = explicit.unwrap_or_else(|| if github_ids { github_id(&title) } else { slugify(&title) });
                    let id = unique_id(base, &mut used);
                    out.headings.push(Heading { level, id, title });
                }
            }
            _ => {}
        }
    }
    out
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// `kop`, then `kop-1`, `kop-2`, ... for repeated headings; `kop` if the title slugifies to nothing.
fn unique_id(base: String, used: &mut HashSet<String>) -> String {
    let base = if base.is_empty() { "kop".to_string() } else { base };
    if used.insert(base.clone()) {
        return base;
    }
    (1..).map(|n| format!("{base}-{n}")).find(|c| used.insert(c.clone())).unwrap_or(base)
}

/// GitHub's heading ids: lowercase, punctuation dropped (except `-` and `_`), each
/// space a `-` (not collapsed), letters of any script kept.
pub fn github_id(title: &str) -> String {
    title
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_ids_are_unique_and_folded() {
        let s = scan("# Één\n\n## Één\n\n## Eén {#eigen}\n\n## Één\n");
        let ids: Vec<&str> = s.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["een", "een-1", "eigen", "een-2"]);
    }

    #[test]
    fn github_ids_keep_separators_and_letters() {
        let s = scan_with("## Smileys & Emotion\n\n## Één: twee\n\n## Één: twee\n", true);
        let ids: Vec<&str> = s.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["smileys--emotion", "één-twee", "één-twee-1"]);
    }

    #[test]
    fn links_have_positions() {
        let s = scan("Tekst\n\nZie [X](@/a.md#kop) en [Y](b.md).\n");
        assert_eq!(s.links.len(), 2);
        assert_eq!((s.links[0].dest.as_str(), s.links[0].line, s.links[0].col), ("@/a.md#kop", 3, 5));
        assert_eq!(s.links[1].dest, "b.md");
    }
}
