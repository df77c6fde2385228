//! Finds where a value sits in a YAML text, for error messages.
//!
//! serde_yaml reports positions only for syntax errors; the schema checks in
//! `resolve` happen later, on values. When one fails, this re-reads the YAML
//! (only then: errors are rare, so the happy path never pays for it) with a
//! span-aware parser and walks to the offending key or value.

use saphyr_parser::{Event, Parser, Span};

/// One step of a path into a YAML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Which part of a mapping entry to point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Key,
    Value,
}

/// A found position: 1-based line, 1-based column, length in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
    pub len: usize,
}

/// Locates `path` in `yaml`. With `Target::Key` the last segment's key is returned
/// (for "unknown field"), with `Target::Value` its value (for "wrong type").
/// When the full path cannot be found, the deepest part that was found is returned.
pub fn locate(yaml: &str, path: &[Seg], target: Target) -> Option<Pos> {
    // Stop at the first scan error: the parser would report it again and again.
    let mut events = Parser::new_from_str(yaml).map_while(Result::ok).peekable();
    // Skip to the first node of the first document.
    loop {
        match events.peek() {
            Some((Event::StreamStart | Event::DocumentStart(_), _)) => {
                events.next();
            }
            Some(_) => break,
            None => return None,
        }
    }
    let mut best = None;
    walk(&mut events, path, target, &mut best);
    best.map(to_pos)
}

fn to_pos(span: Span) -> Pos {
    let len = span.end.index().saturating_sub(span.start.index()).max(1);
    Pos { line: span.start.line(), col: span.start.col() + 1, len }
}

/// Reads one node; returns true when the search is over (found or impossible).
fn walk<'a, I>(events: &mut std::iter::Peekable<I>, path: &[Seg], target: Target, best: &mut Option<Span>) -> bool
where
    I: Iterator<Item = (Event<'a>, Span)>,
{
    let Some((event, span)) = events.next() else {
        return true;
    };
    if path.is_empty() {
        *best = Some(span);
        return true;
    }
    match (&path[0], event) {
        (Seg::Key(want), Event::MappingStart(..)) => loop {
            let Some((key_event, key_span)) = events.next() else {
                return true;
            };
            match key_event {
                Event::MappingEnd => return true,
                Event::Scalar(ref k, ..) if k.as_ref() == want.as_str() => {
                    if path.len() == 1 && target == Target::Key {
                        *best = Some(key_span);
                        return true;
                    }
                    *best = Some(key_span);
                    return walk(events, &path[1..], target, best);
                }
                Event::Scalar(..) | Event::Alias(_) => skip_node(events),
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    skip_rest(events);
                    skip_node(events);
                }
                _ => return true,
            }
        },
        (Seg::Index(want), Event::SequenceStart(..)) => {
            let mut i = 0;
            loop {
                match events.peek() {
                    None | Some((Event::SequenceEnd, _)) => return true,
                    _ => {}
                }
                if i == *want {
                    return walk(events, &path[1..], target, best);
                }
                skip_node(events);
                i += 1;
            }
        }
        _ => {
            *best = Some(span);
            true
        }
    }
}

/// Skips one whole node (scalar, or a collection with everything in it).
fn skip_node<'a, I: Iterator<Item = (Event<'a>, Span)>>(events: &mut std::iter::Peekable<I>) {
    if let Some((Event::MappingStart(..) | Event::SequenceStart(..), _)) = events.next() {
        skip_rest(events);
    }
}

/// Skips to the end of the collection whose start was just read.
fn skip_rest<'a, I: Iterator<Item = (Event<'a>, Span)>>(events: &mut std::iter::Peekable<I>) {
    let mut depth = 1usize;
    for (event, _) in events.by_ref() {
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => depth += 1,
            Event::MappingEnd | Event::SequenceEnd => {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Seg {
        Seg::Key(k.into())
    }

    const DOC: &str = "title: Hallo\nrollen:\n  - rol: gids\n    regio: noord\n  - rol: lid\n    regio: zuid\npersonen: [a, bee, c]\n";

    #[test]
    fn finds_top_level_key_and_value() {
        assert_eq!(locate(DOC, &[key("title")], Target::Key), Some(Pos { line: 1, col: 1, len: 5 }));
        assert_eq!(locate(DOC, &[key("title")], Target::Value), Some(Pos { line: 1, col: 8, len: 5 }));
    }

    #[test]
    fn finds_nested_record_fields_in_lists() {
        let p = locate(DOC, &[key("rollen"), Seg::Index(1), key("regio")], Target::Value).unwrap();
        assert_eq!((p.line, p.col, p.len), (6, 12, 4));
    }

    #[test]
    fn finds_items_of_flow_lists() {
        let p = locate(DOC, &[key("personen"), Seg::Index(1)], Target::Value).unwrap();
        assert_eq!((p.line, p.col, p.len), (7, 15, 3));
    }

    #[test]
    fn falls_back_to_deepest_found_part() {
        let p = locate(DOC, &[key("rollen"), Seg::Index(7)], Target::Value).unwrap();
        assert_eq!(p.line, 2);
    }
}
