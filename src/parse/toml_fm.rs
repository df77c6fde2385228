//! TOML front matter (`+++ ... +++`, as Zola writes it).
//!
//! The TOML text is parsed with the `toml` crate's spanned document and turned into
//! the same `serde_yaml::Value` the YAML path produces, so everything after parsing is
//! unchanged. Datetimes become date strings (`1979-05-27`), which `date` fields accept.
//! Like `yaml::locate` for YAML, `locate_toml` re-reads the text only when an error
//! needs a position.

use crate::diagnostic::{Diagnostic, Source, Span};
use crate::yaml::{Seg, Target};
use serde_yaml::Value as Y;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Parses TOML front matter into a YAML mapping value. `line_offset` is the number of
/// lines before the TOML text in the file (the opening `+++`).
pub fn parse_toml(display: &str, text: &str, line_offset: usize) -> Result<Y, Diagnostic> {
    match DeTable::parse(text) {
        Ok(table) => Ok(table_to_yaml(table.get_ref())),
        Err(e) => Err(toml_error(display, text, line_offset, &e)),
    }
}

fn toml_error(display: &str, text: &str, line_offset: usize, e: &toml::de::Error) -> Diagnostic {
    let message = e.message().trim().trim_end_matches('.').to_string();
    let message = format!("invalid TOML: {message}");
    let help = "TOML front matter is `key = value` lines between `+++` fences; text values need quotes";
    match e.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            let len = text.get(span.clone()).and_then(|s| s.lines().next()).map(|s| s.chars().count()).unwrap_or(1);
            Diagnostic::at(display, Source::part(text, line_offset), Span::at(line, col).with_len(len), message)
                .with_help(help)
        }
        None => Diagnostic::in_file(display, message).with_help(help),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

fn table_to_yaml(t: &DeTable<'_>) -> Y {
    let mut m = serde_yaml::Mapping::new();
    for (k, v) in t.iter() {
        m.insert(Y::String(k.get_ref().to_string()), value_to_yaml(v.get_ref()));
    }
    Y::Mapping(m)
}

fn value_to_yaml(v: &DeValue<'_>) -> Y {
    match v {
        DeValue::String(s) => Y::String(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let parsed = i64::from_str_radix(
                digits.trim_start_matches("0x").trim_start_matches("0o").trim_start_matches("0b"),
                i.radix(),
            );
            match parsed {
                Ok(n) => Y::Number(n.into()),
                Err(_) => Y::String(i.as_str().to_string()),
            }
        }
        DeValue::Float(f) => match f.as_str().replace('_', "").parse::<f64>() {
            Ok(x) => Y::Number(x.into()),
            Err(_) => Y::String(f.as_str().to_string()),
        },
        DeValue::Boolean(b) => Y::Bool(*b),
        DeValue::Datetime(d) => match &d.date {
            Some(date) => Y::String(date.to_string()),
            None => Y::String(d.to_string()),
        },
        DeValue::Array(items) => Y::Sequence(items.iter().map(|i| value_to_yaml(i.get_ref())).collect()),
        DeValue::Table(t) => table_to_yaml(t),
    }
}

/// Locates `path` in TOML text, like `yaml::locate` does in YAML.
pub fn locate_toml(text: &str, path: &[Seg], target: Target) -> Option<Span> {
    let doc = DeTable::parse(text).ok()?;
    let mut best: Option<std::ops::Range<usize>> = None;
    let mut table: &DeTable<'_> = doc.get_ref();
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    for (i, seg) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        match seg {
            Seg::Key(k) => {
                if let Some(v) = value {
                    match v.get_ref() {
                        DeValue::Table(t) => table = t,
                        _ => break,
                    }
                }
                let Some((key, v)) = table.get_key_value(k.as_str()) else { break };
                best = Some(key.span());
                if last && target == Target::Key {
                    return Some(to_span(text, best?));
                }
                value = Some(v);
                best = Some(v.span());
            }
            Seg::Index(n) => {
                let Some(DeValue::Array(items)) = value.map(|v| v.get_ref()) else { break };
                let Some(item) = items.get(*n) else { break };
                value = Some(item);
                best = Some(item.span());
            }
        }
    }
    best.map(|r| to_span(text, r))
}

fn to_span(text: &str, span: std::ops::Range<usize>) -> Span {
    let (line, col) = line_col(text, span.start);
    let len = text.get(span).and_then(|s| s.lines().next()).map(|s| s.chars().count()).unwrap_or(1).max(1);
    Span { line, col, len }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_values_and_dates() {
        let v = parse_toml("a.md", "title = \"A\"\ndate = 2024-05-01\nweight = 3\n[extra]\nx = [1, 2]\n", 1).unwrap();
        let s = serde_yaml::to_string(&v).unwrap();
        assert_eq!(s, "title: A\ndate: 2024-05-01\nweight: 3\nextra:\n  x:\n  - 1\n  - 2\n");
    }

    #[test]
    fn errors_point_into_the_file() {
        let d = parse_toml("content/a.md", "title = \"A\"\nweight = zwaar\n", 1).unwrap_err();
        assert_eq!((d.line, d.col), (Some(3), Some(10)), "{}", d.render());
    }

    #[test]
    fn locates_keys_and_values() {
        let text = "title = \"A\"\n[extra]\nrollen = [\"a\", \"bee\"]\n";
        let key = |k: &str| Seg::Key(k.into());
        assert_eq!(locate_toml(text, &[key("title")], Target::Key), Some(Span { line: 1, col: 1, len: 5 }));
        let p = locate_toml(text, &[key("extra"), key("rollen"), Seg::Index(1)], Target::Value).unwrap();
        assert_eq!((p.line, p.col, p.len), (3, 16, 5));
    }
}
