//! YAML positions for error messages, shared by `config` (site.yaml), `i18n` (UI strings)
//! and `parse` (front matter).
//!
//! `yaml_error` turns a serde_yaml error into a diagnostic at the right line.
//! serde_yaml reports positions only for syntax errors; the schema checks in
//! `resolve` happen later, on values. When one fails, `locate` re-reads the YAML
//! (only then: errors are rare, so the happy path never pays for it) with a
//! span-aware parser and walks to the offending key or value. `Seg` and `Target` also
//! name places in TOML front matter (`parse::toml_fm`).

use crate::diagnostic::{Diagnostic, Source, Span, closest};
use saphyr_parser::{Event, Parser, Span as YamlSpan};

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

/// Locates `path` in `yaml`. With `Target::Key` the last segment's key is returned
/// (for "unknown field"), with `Target::Value` its value (for "wrong type").
/// When the full path cannot be found, the deepest part that was found is returned.
pub fn locate(yaml: &str, path: &[Seg], target: Target) -> Option<Span> {
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
    best.map(to_span)
}

fn to_span(span: YamlSpan) -> Span {
    let len = span.end.index().saturating_sub(span.start.index()).max(1);
    Span { line: span.start.line(), col: span.start.col() + 1, len }
}

/// Reads one node; returns true when the search is over (found or impossible).
fn walk<'a, I>(events: &mut std::iter::Peekable<I>, path: &[Seg], target: Target, best: &mut Option<YamlSpan>) -> bool
where
    I: Iterator<Item = (Event<'a>, YamlSpan)>,
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
fn skip_node<'a, I: Iterator<Item = (Event<'a>, YamlSpan)>>(events: &mut std::iter::Peekable<I>) {
    if let Some((Event::MappingStart(..) | Event::SequenceStart(..), _)) = events.next() {
        skip_rest(events);
    }
}

/// Skips to the end of the collection whose start was just read.
fn skip_rest<'a, I: Iterator<Item = (Event<'a>, YamlSpan)>>(events: &mut std::iter::Peekable<I>) {
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

/// Turns a serde_yaml error into a diagnostic at the right line of `path`.
/// `line_offset` is the number of lines before the YAML text in the file (front matter).
pub fn yaml_error(path: &str, yaml: &str, line_offset: usize, err: &serde_yaml::Error) -> Diagnostic {
    let full = err.to_string();
    // serde_yaml says "<problem> at line L column C, while <context> at line L2 column C2".
    let (problem, context) = match full.split_once(", while ") {
        Some((p, c)) => (p.to_string(), Some(c.to_string())),
        None => (full.clone(), None),
    };
    let strip_at = |s: &str| match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    };
    let position_of = |s: &str| -> Option<(usize, usize)> {
        let rest = &s[s.find(" at line ")? + 9..];
        let (line, rest) = rest.split_once(" column ")?;
        let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
        Some((line.trim().parse().ok()?, col.parse().ok()?))
    };
    let (message, mut help) = explain_serde_message(&strip_at(&problem));
    let lines = yaml.lines().count();
    let mut pos = err.location().map(|l| (l.line(), l.column()));
    let mut message = message;
    if let Some(ctx) = &context {
        let ctx_pos = position_of(ctx);
        let what = strip_at(ctx);
        if message.contains("end of stream") && what.contains("quoted scalar") {
            message = "quoted text is never closed".into();
            help = Some("add the closing quote at the end of the value".into());
            pos = ctx_pos.or(pos);
        } else if what.contains("flow sequence") {
            help = Some("close the list with `]`, and separate items with `,`".into());
            pos = ctx_pos.or(pos);
        } else if what.contains("flow mapping") {
            help = Some("close the record with `}`, and separate items with `,`".into());
            pos = ctx_pos.or(pos);
        } else if pos.is_none_or(|(l, _)| l > lines) {
            pos = ctx_pos.or(pos);
        }
    }
    if message.starts_with("duplicate entry with key") {
        // serde_yaml points at the mapping; find the repeated key itself.
        let key = message.split('"').nth(1).unwrap_or("").to_string();
        let prefix = format!("{key}:");
        if let Some((i, _)) = yaml.lines().enumerate().filter(|(_, l)| l.starts_with(&prefix)).nth(1) {
            pos = Some((i + 1, 1));
        }
        message = format!("the key `{key}` appears twice");
    }
    if message.contains("repetition limit exceeded") {
        // An alias bomb: anchors (`&a`) repeated through aliases (`*a`) that grow without bound.
        // The first alias: a `*` that starts a value or a list item, not one inside a text.
        pos = yaml
            .lines()
            .enumerate()
            .find_map(|(i, l)| {
                l.match_indices('*')
                    .find(|(c, _)| l[..*c].trim_end().ends_with([':', '[', ',', '-']) || l[..*c].trim().is_empty())
                    .map(|(c, _)| (i + 1, l[..c].chars().count() + 1))
            })
            .or(pos);
        message = "the aliases (`*name`) here repeat anchored values into too much data".into();
        help = Some("write the values out instead of repeating them through `&anchor` and `*alias`".into());
    }
    if message.contains("mapping values are not allowed") {
        help = Some("put quotes around text that contains `: `, for example `title: \"Doel: lezen\"`".into());
    }
    let mut d = match pos {
        Some((line, col)) => {
            let line = line.clamp(1, lines.max(1));
            Diagnostic::at(path, Source::part(yaml, line_offset), Span::at(line, col), message)
        }
        None => Diagnostic::in_file(path, message),
    };
    if let Some(h) = help {
        d = d.with_help(h);
    }
    d
}

/// Adds a "did you mean" to serde's "unknown field" and "unknown variant" messages.
fn explain_serde_message(msg: &str) -> (String, Option<String>) {
    for prefix in ["unknown field `", "unknown variant `"] {
        if let Some(start) = msg.find(prefix) {
            let rest = &msg[start + prefix.len()..];
            let Some(end) = rest.find('`') else { break };
            let wanted = &rest[..end];
            let expected: Vec<&str> = rest[end + 1..].split('`').skip(1).step_by(2).collect();
            let kind = if prefix.contains("field") { "field" } else { "value" };
            let head = format!("unknown {kind} `{wanted}`");
            let help = match closest(wanted, expected.iter().copied()) {
                Some(c) => Some(format!("did you mean `{c}`?")),
                None if !expected.is_empty() => Some(format!(
                    "expected one of {}",
                    expected.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
                )),
                None => None,
            };
            return (head, help);
        }
    }
    if msg.contains("duplicate entry with key") {
        return (msg.to_string(), Some("each key may appear only once; remove or merge the duplicate".into()));
    }
    if msg.contains("found character that cannot start any token") || msg.contains("found a tab character") {
        return (msg.to_string(), Some("YAML indentation must use spaces, not tabs".into()));
    }
    (msg.to_string(), None)
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
        assert_eq!(locate(DOC, &[key("title")], Target::Key), Some(Span { line: 1, col: 1, len: 5 }));
        assert_eq!(locate(DOC, &[key("title")], Target::Value), Some(Span { line: 1, col: 8, len: 5 }));
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
