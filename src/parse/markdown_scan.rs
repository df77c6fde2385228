//! Scans a Markdown body (no rendering) for what `resolve` needs: link
//! destinations with their positions, and headings with stable unique ids.

use crate::slug::slugify;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use std::collections::{HashMap, HashSet};

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
    // Columns count characters from the last position on the same line, so that many links
    // on one long line stay linear: (line, byte offset, column) of the last position.
    let mut last = (0, 0, 0);
    let mut pos = |offset: usize| {
        let line = line_starts.partition_point(|&s| s <= offset);
        let col = match last {
            (l, from, col) if l == line && from <= offset => col + body[from..offset].chars().count(),
            _ => body[line_starts[line - 1]..offset].chars().count() + 1,
        };
        last = (line, offset, col);
        (line, col)
    };
    let mut out = Scan::default();
    let mut used = HashSet::new();
    let mut next_suffix = HashMap::new();
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
                    let id = unique_id(base, &mut used, &mut next_suffix);
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
/// `next` remembers per base the suffix to try first, so many identical headings stay linear
/// (every smaller suffix was taken when it was last probed, and `used` only grows).
fn unique_id(base: String, used: &mut HashSet<String>, next: &mut HashMap<String, usize>) -> String {
    let base = if base.is_empty() { "kop".to_string() } else { base };
    if used.insert(base.clone()) {
        return base;
    }
    let n = next.entry(base.clone()).or_insert(1);
    loop {
        let candidate = format!("{base}-{n}");
        *n += 1;
        if used.insert(candidate.clone()) {
            return candidate;
        }
    }
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

    #[test]
    fn explicit_ids_and_repeats_do_not_collide() {
        let s = scan("# Kop {#kop-1}\n\n# Kop\n\n# Kop\n\n# Kop-1\n\n# Kop\n\n# {#kop-3}\n");
        let ids: Vec<&str> = s.headings.iter().map(|h| h.id.as_str()).collect();
        // `kop-1` is taken explicitly, so the repeats skip it; the heading "Kop-1" repeats it.
        assert_eq!(ids, ["kop-1", "kop", "kop-2", "kop-1-1", "kop-3", "kop-3-1"]);
    }

    #[test]
    fn many_identical_headings_get_consecutive_ids() {
        let n = 20_000;
        let body = "## Kop\n\n".repeat(n);
        let s = scan(&body);
        assert_eq!(s.headings.len(), n);
        assert_eq!(s.headings[0].id, "kop");
        for (i, h) in s.headings.iter().enumerate().skip(1) {
            assert_eq!(h.id, format!("kop-{i}"));
        }
        let unique: HashSet<&str> = s.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(unique.len(), n);
    }

    /// The ids are exactly those of the old probing (from `-1` every time) for mixes of
    /// repeated, explicit and suffixed-looking bases.
    #[test]
    fn ids_match_plain_probing() {
        fn probing(base: String, used: &mut HashSet<String>) -> String {
            let base = if base.is_empty() { "kop".to_string() } else { base };
            if used.insert(base.clone()) {
                return base;
            }
            (1..).map(|n| format!("{base}-{n}")).find(|c| used.insert(c.clone())).unwrap()
        }
        let bases = ["a", "a-1", "a-2", "a-1-1", "", "kop", "kop-1", "b"];
        for seed in 0..200u64 {
            let (mut used_a, mut used_b, mut next) = (HashSet::new(), HashSet::new(), HashMap::new());
            let mut x = seed;
            for _ in 0..40 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let base = bases[(x >> 33) as usize % bases.len()].to_string();
                assert_eq!(unique_id(base.clone(), &mut used_a, &mut next), probing(base, &mut used_b), "seed {seed}");
            }
        }
    }
}
