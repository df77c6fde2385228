//! Shortcodes in a page body, in Zola's syntax: `{{ name(key=value, ...) }}` inline, and
//! `{% name(key=value) %} ... {% end %}` around a body of Markdown. This module only finds
//! them (outside code blocks and inline code) and reads their arguments; the Markdown stage
//! renders them with the templates in `shortcodes/`.
//!
//! `{{/* name() */}}` and `{%/* name() */%}` write the call itself as text, for pages that
//! document shortcodes.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::ops::Range;

/// An argument's value: text, a number, a boolean or a list of those.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Arg {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    List(Vec<Arg>),
}

/// One shortcode call.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortcode {
    pub name: String,
    /// In the order written.
    pub args: Vec<(String, Arg)>,
    /// The whole call in the body, from `{{`/`{%` to `}}` or the closing `{% end %}`.
    pub span: Range<usize>,
    /// The Markdown between the opening tag and `{% end %}` (`None` for inline calls).
    pub body: Option<Range<usize>>,
    /// 1-based position of the call in the body.
    pub line: usize,
    pub col: usize,
}

/// A piece of the body: text to keep, or a shortcode.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Text(Range<usize>),
    /// An escaped call, written as text without its `/* */`.
    Literal(String),
    Call(Shortcode),
}

/// A malformed call: its position (1-based, in the body) and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub line: usize,
    pub col: usize,
    pub len: usize,
    pub message: String,
    pub help: &'static str,
}

/// Whether the body may hold a shortcode at all (a cheap test before [`split`]).
pub fn may_contain(body: &str) -> bool {
    body.contains("{{") || body.contains("{%")
}

/// The body as text and shortcode calls, in order, or every malformed call.
pub fn split(body: &str) -> Result<Vec<Piece>, Vec<Problem>> {
    if !may_contain(body) {
        return Ok(vec![Piece::Text(0..body.len())]);
    }
    let (code, places) = code_ranges(body);
    let in_code = |i: usize| {
        let k = code.partition_point(|r| r.end <= i);
        code.get(k).is_some_and(|r| r.start <= i)
    };
    // Line starts, so that a position costs a binary search and its own line, not the body.
    let line_starts: Vec<usize> = std::iter::once(0).chain(body.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let position = |offset: usize| {
        let line = line_starts.partition_point(|&s| s <= offset);
        let col = body[line_starts[line - 1]..offset].chars().count() + 1;
        (line, col)
    };
    // The width of a marked span in characters: to `end`, within the line, at most 80.
    let width = |from: usize, end: usize| body[from..end].chars().take_while(|&c| c != '\n').take(80).count().max(1);
    let mut pieces = Vec::new();
    let mut problems = Vec::new();
    // Where a search for `{% end %}` reached the end of the body without one: a body opened
    // after it has none either (so unclosed bodies cost one search, not one each).
    let mut no_end_after: Option<usize> = None;
    let mut text_from = 0;
    let mut i = 0;
    while let Some(found) = next_open(body, i) {
        let start = found;
        if in_code(start) {
            i = start + 2;
            continue;
        }
        let inline = body[start..].starts_with("{{");
        let close = if inline { "}}" } else { "%}" };
        // An escaped call: `{{/* ... */}}`.
        if body[start + 2..].starts_with("/*") {
            let end_marker = if inline { "*/}}" } else { "*/%}" };
            if let Some(e) = body[start + 4..].find(end_marker) {
                let inner = &body[start + 4..start + 4 + e];
                pieces.push(Piece::Text(text_from..start));
                let (open, shut) = if inline { ("{{", "}}") } else { ("{%", "%}") };
                pieces.push(Piece::Literal(format!("{open}{inner}{shut}")));
                i = start + 4 + e + end_marker.len();
                text_from = i;
                continue;
            }
        }
        let Some(call) = read_call(&body[start + 2..]) else {
            // Not a shortcode (`{{ x }}` in prose, `{%` in text): left as it is.
            i = start + 2;
            continue;
        };
        let (line, col) = position(start);
        if let Some((_, what)) = places.iter().find(|(r, _)| r.contains(&start)) {
            problems.push(Problem {
                line,
                col,
                len: 2,
                message: format!("a shortcode cannot stand in {what}"),
                help: "put the shortcode on a line of its own, below it",
            });
            i = start + 2;
            continue;
        }
        let (name, args, used) = match call {
            Ok(c) => c,
            Err(message) => {
                problems.push(Problem {
                    line,
                    col,
                    len: width(start, body.len()),
                    message,
                    help: "write arguments as `key=value`, separated by commas: text in quotes, numbers, true or false, lists in [ ]",
                });
                i = start + 2;
                continue;
            }
        };
        let after = start + 2 + used;
        let rest = body[after..].trim_start_matches([' ', '\t']);
        if !rest.starts_with(close) {
            problems.push(Problem {
                line,
                col,
                len: width(start, after),
                message: format!("shortcode `{name}` is not closed with `{close}`"),
                help: if inline {
                    "write an inline shortcode as `{{ name(key=value) }}`"
                } else {
                    "write a shortcode with a body as `{% name(key=value) %}`, then the text, then `{% end %}`"
                },
            });
            i = after;
            continue;
        }
        let tag_end = body.len() - rest.len() + close.len();
        if inline {
            pieces.push(Piece::Text(text_from..start));
            pieces.push(Piece::Call(Shortcode { name, args, span: start..tag_end, body: None, line, col }));
            i = tag_end;
            text_from = i;
            continue;
        }
        // A body up to the next `{% end %}` outside code; another opening tag first is nesting
        // (reported once per body).
        let mut j = tag_end;
        let mut nested = false;
        let end = if no_end_after.is_some_and(|p| p <= start) {
            None
        } else {
            loop {
                let Some(k) = next_open(body, j) else { break None };
                j = k + 2;
                if !body[k..].starts_with("{%") || in_code(k) {
                    continue;
                }
                let tag = &body[k + 2..];
                let trimmed = tag.trim_start();
                if let Some(r) = trimmed.strip_prefix("end").filter(|r| r.trim_start().starts_with("%}")) {
                    let close_at = body.len() - r.trim_start().len();
                    break Some((k, close_at + 2));
                }
                if !nested && read_call(tag).is_some_and(|c| c.is_ok()) {
                    nested = true;
                    let (l, c) = position(k);
                    problems.push(Problem {
                    line: l,
                    col: c,
                    len: 2,
                    message: format!("a shortcode with a body inside the body of `{name}`"),
                    help: "shortcodes with a body cannot be nested: close the first with `{% end %}` before opening another",
                });
                }
            }
        };
        let Some((body_end, span_end)) = end else {
            problems.push(Problem {
                line,
                col,
                len: width(start, tag_end),
                message: format!("shortcode `{name}` has no `{{% end %}}`"),
                help: "close the shortcode's body with a line `{% end %}`",
            });
            no_end_after = Some(start);
            i = tag_end;
            continue;
        };
        pieces.push(Piece::Text(text_from..start));
        pieces.push(Piece::Call(Shortcode {
            name,
            args,
            span: start..span_end,
            body: Some(tag_end..body_end),
            line,
            col,
        }));
        i = span_end;
        text_from = i;
    }
    pieces.push(Piece::Text(text_from..body.len()));
    pieces.retain(|p| !matches!(p, Piece::Text(r) if r.is_empty()));
    if problems.is_empty() { Ok(pieces) } else { Err(problems) }
}

/// Ranges of the body where a shortcode cannot stand, with what they are.
type Places = Vec<(Range<usize>, &'static str)>;

/// The byte ranges of code blocks and inline code, sorted; and those of headings and
/// images, where a shortcode cannot stand (its output would land in an id, the table of
/// contents or an attribute), with what they are.
fn code_ranges(body: &str) -> (Vec<Range<usize>>, Places) {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut places: Places = Vec::new();
    let mut block_start = None;
    for (event, range) in Parser::new_ext(body, super::markdown_scan::options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => places.push((range, "a heading")),
            Event::Start(Tag::Image { .. }) => places.push((range, "an image's description")),
            Event::Start(Tag::CodeBlock(_)) => block_start = Some(range.start),
            Event::End(TagEnd::CodeBlock) => {
                if let Some(s) = block_start.take() {
                    out.push(s..range.end);
                }
            }
            Event::Code(_) if block_start.is_none() => out.push(range),
            _ => {}
        }
    }
    out.sort_by_key(|r| r.start);
    (out, places)
}

/// The next `{{` or `{%` at or after `from`.
fn next_open(body: &str, from: usize) -> Option<usize> {
    let bytes = body.as_bytes();
    let mut i = from;
    while i + 1 < bytes.len() {
        if bytes[i] == b'{' && (bytes[i + 1] == b'{' || bytes[i + 1] == b'%') {
            return Some(i);
        }
        i += 1;
    }
    None
}

type Call = Result<(String, Vec<(String, Arg)>, usize), String>;

/// Reads `name(args)` after the opening `{{`/`{%`: `None` when the text is no call (no name
/// followed by `(`), else the name, the arguments and the bytes read, or what is wrong.
fn read_call(text: &str) -> Option<Call> {
    let mut r = Reader { text, at: 0 };
    r.spaces();
    let name = r.ident()?;
    if !r.eat('(') {
        return None;
    }
    Some(r.args().map(|args| (name.to_string(), args, r.at)).map_err(|e| format!("shortcode `{name}`: {e}")))
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn spaces(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, c: char) -> bool {
        if self.rest().starts_with(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        self.at += len;
        Some(&rest[..len])
    }

    /// `key=value, ...)` up to and including the closing parenthesis.
    fn args(&mut self) -> Result<Vec<(String, Arg)>, String> {
        let mut args: Vec<(String, Arg)> = Vec::new();
        loop {
            self.spaces();
            if self.eat(')') {
                return Ok(args);
            }
            let Some(key) = self.ident() else {
                return Err(format!("expected an argument name or `)`, found {}", self.found()));
            };
            self.spaces();
            if !self.eat('=') {
                return Err(format!("expected `=` after `{key}`, found {}", self.found()));
            }
            self.spaces();
            let value = self.value()?;
            if args.iter().any(|(k, _)| k == key) {
                return Err(format!("the argument `{key}` is given twice"));
            }
            args.push((key.to_string(), value));
            self.spaces();
            if !self.eat(',') {
                self.spaces();
                if self.eat(')') {
                    return Ok(args);
                }
                return Err(format!("expected `,` or `)`, found {}", self.found()));
            }
        }
    }

    fn value(&mut self) -> Result<Arg, String> {
        let rest = self.rest();
        if let Some(q) = rest.chars().next().filter(|c| matches!(c, '"' | '\'' | '`')) {
            let Some(end) = rest[1..].find(q) else { return Err("a quoted text is never closed".into()) };
            self.at += end + 2;
            return Ok(Arg::Text(rest[1..1 + end].to_string()));
        }
        if self.eat('[') {
            let mut items = Vec::new();
            loop {
                self.spaces();
                if self.eat(']') {
                    return Ok(Arg::List(items));
                }
                items.push(self.value()?);
                self.spaces();
                if !self.eat(',') {
                    self.spaces();
                    if self.eat(']') {
                        return Ok(Arg::List(items));
                    }
                    return Err(format!("expected `,` or `]` in a list, found {}", self.found()));
                }
            }
        }
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.' | '_')))
            .unwrap_or(rest.len());
        let word = &rest[..len];
        let value = match word {
            "true" => Arg::Bool(true),
            "false" => Arg::Bool(false),
            _ => {
                if let Ok(n) = word.parse::<i64>() {
                    Arg::Integer(n)
                } else if let Some(f) = word.parse::<f64>().ok().filter(|f| f.is_finite() && !word.is_empty()) {
                    Arg::Float(f)
                } else {
                    return Err(format!(
                        "expected a value (text in quotes, a number, true or false), found {}",
                        self.found()
                    ));
                }
            }
        };
        self.at += len;
        Ok(value)
    }

    fn found(&self) -> String {
        match self.rest().chars().next() {
            None => "the end of the text".into(),
            Some('\n') => "the end of the line".into(),
            Some(c) => format!("`{c}`"),
        }
    }
}

/// The `@/...` texts among the arguments (links to other pages, checked like links).
pub fn page_args(call: &Shortcode) -> impl Iterator<Item = &str> {
    fn walk<'a>(a: &'a Arg, out: &mut Vec<&'a str>) {
        match a {
            Arg::Text(t) if t.starts_with("@/") => out.push(t),
            Arg::List(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (_, a) in &call.args {
        walk(a, &mut out);
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(body: &str) -> Vec<Shortcode> {
        split(body)
            .unwrap()
            .into_iter()
            .filter_map(|p| match p {
                Piece::Call(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn inline_and_body_calls_with_arguments() {
        let body = "Tekst {{ figure(src=\"a.png\", alt='Een kat', width=300, wide=true, tags=[\"a\", 2]) }} meer.\n\n{% note(kind=\"tip\") %}\nLet **op**.\n{% end %}\n";
        let c = calls(body);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].name, "figure");
        assert_eq!(
            c[0].args,
            vec![
                ("src".to_string(), Arg::Text("a.png".into())),
                ("alt".to_string(), Arg::Text("Een kat".into())),
                ("width".to_string(), Arg::Integer(300)),
                ("wide".to_string(), Arg::Bool(true)),
                ("tags".to_string(), Arg::List(vec![Arg::Text("a".into()), Arg::Integer(2)])),
            ]
        );
        assert_eq!((c[0].line, c[0].col), (1, 7));
        assert_eq!(&body[c[1].body.clone().unwrap()], "\nLet **op**.\n");
        assert!(body[c[1].span.clone()].ends_with("{% end %}"));
    }

    #[test]
    fn code_prose_and_escapes_are_left_alone() {
        let body = "`{{ figure(src=\"a\") }}` and\n\n```\n{{ figure() }}\n```\n\n{{ variable }} {{/* note() */}}\n";
        let pieces = split(body).unwrap();
        assert!(pieces.iter().all(|p| !matches!(p, Piece::Call(_))), "{pieces:?}");
        assert!(pieces.contains(&Piece::Literal("{{ note() }}".into())));
    }

    #[test]
    fn malformed_calls_are_problems_with_positions() {
        let p = split("x\n{{ figure(src=) }}\n").unwrap_err();
        assert_eq!((p[0].line, p[0].col), (2, 1));
        assert_eq!(
            p[0].message,
            "shortcode `figure`: expected a value (text in quotes, a number, true or false), found `)`"
        );
        let p = split("{% note() %}\ntext\n").unwrap_err();
        assert_eq!(p[0].message, "shortcode `note` has no `{% end %}`");
        let p = split("{{ a(x=1) %}\n").unwrap_err();
        assert_eq!(p[0].message, "shortcode `a` is not closed with `}}`");
        let p = split("{% a() %}\n{% b() %}\n{% end %}\n").unwrap_err();
        assert_eq!((p[0].line, p[0].message.as_str()), (2, "a shortcode with a body inside the body of `a`"));
    }

    #[test]
    fn shortcodes_in_headings_and_images_are_problems() {
        let p = split("## Title {{ figure(src=\"a\") }}\n\n![alt {{ card(to=\"@/a.md\") }}](a.png)\n").unwrap_err();
        let got: Vec<(usize, &str)> = p.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(
            got,
            [(1, "a shortcode cannot stand in a heading"), (3, "a shortcode cannot stand in an image's description")]
        );
    }

    #[test]
    fn an_inline_call_inside_a_body_does_not_end_it() {
        let c = calls("{% note() %}\nSee {{ card(to=\"@/a.md\") }}.\n{% end %}\n");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].name, "note");
    }

    #[test]
    fn many_unclosed_bodies_give_one_nesting_and_one_unclosed_problem() {
        let body = "{% note() %}\n".repeat(20_000);
        let p = split(&body).unwrap_err();
        // The first is reported as nesting (once) and every one as unclosed.
        assert_eq!(p.len(), 20_001, "{:?}", &p[..p.len().min(3)]);
        assert_eq!(p.iter().filter(|p| p.message.contains("inside the body")).count(), 1);
        assert_eq!(p[1].message, "shortcode `note` has no `{% end %}`");
    }
}
