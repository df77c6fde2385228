//! Stage 5: the search index, built from the content model (not by re-parsing HTML).
//!
//! Every page that is not a section becomes one Pagefind "custom record": its text
//! (title, description, the rendered body as plain text, its text fields and the titles
//! of the pages it references), display metadata, the values of the facets declared
//! under `search.facets` in site.yaml, and sort keys. Pagefind turns the records into
//! the static index files under `pagefind/`, which `zoeken.js` in the theme queries.
//!
//! Record URLs are site paths (`/tijdlijn/x/`) *without* the base path: the browser
//! side sets Pagefind's `baseUrl` to the base path, which Pagefind prefixes to every
//! result URL. So the index does not change with `--base-url`.
//!
//! Invariant: pure (site in, files out); never touches the filesystem. The same site
//! gives byte-identical files: records are added in page order, one at a time, and
//! Pagefind sorts everything it writes (its file names are content hashes).
//! A page is left out with `extra: { search: false }` in its front matter.

// As in the rest of the crate: a Diagnostic is returned on the cold path only.
#![allow(clippy::result_large_err)]

use crate::diagnostic::Diagnostic;
use crate::markdown::Rendered;
use crate::model::{Page, PageId, Site, Value};
use crate::output::Output;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Folder of the index in the output.
pub const OUTPUT_DIR: &str = "pagefind";

/// The facet list for the search page, next to Pagefind's files.
pub const FACETS_FILE: &str = "facets.json";

/// Meta keys every record has (`date` only when the page has one).
pub const META_TITLE: &str = "title";
pub const META_COLLECTION: &str = "collection";
pub const META_DATE: &str = "date";

/// What Pagefind gets for one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The page's site path with a leading `/`, without the base path.
    pub url: String,
    pub content: String,
    pub meta: BTreeMap<String, String>,
    pub filters: BTreeMap<String, Vec<String>>,
    pub sort: BTreeMap<String, String>,
}

/// The search index's inputs, taken from a build so the (slow, serial) indexing can run
/// later on another thread: `serve` publishes pages first and the index when it is ready.
pub struct Deferred {
    pub language: String,
    /// Shared with the cache of `serve`, which rebuilds only the records of changed pages.
    pub records: Vec<Arc<Record>>,
    pub facets: Output,
}

/// The inputs of the search index, without building it. `None` when search is off
/// (in site.yaml, or the `search` feature).
pub fn defer(site: &Site, rendered: &[Rendered]) -> Option<Deferred> {
    defer_reusing(site, rendered, None)
}

/// Records of an earlier build, by page source path: (page fingerprint, record).
pub type RecordMemo = std::collections::HashMap<String, (u64, Arc<Record>)>;

/// Like [`defer`]; with `(fingerprints, memo)` (in `serve`) a page whose record
/// fingerprint (`fingerprint::record_fp`) is unchanged reuses its record.
pub fn defer_reusing(site: &Site, rendered: &[Rendered], memo: Option<(&[u64], &mut RecordMemo)>) -> Option<Deferred> {
    if !site.config.search.enabled || !cfg!(feature = "search") {
        return None;
    }
    let records = match memo {
        None => records(site, rendered).into_iter().map(Arc::new).collect(),
        Some((fps, memo)) => {
            use rayon::prelude::*;
            let pages: Vec<&Page> = site.pages.iter().filter(|p| indexed(p)).collect();
            let records: Vec<Arc<Record>> = pages
                .par_iter()
                .map(|p| match memo.get(&p.rel) {
                    Some((fp, r)) if *fp == fps[p.id] => r.clone(),
                    _ => Arc::new(record(site, p, rendered.get(p.id))),
                })
                .collect();
            memo.clear();
            for (p, r) in pages.iter().zip(&records) {
                memo.insert(p.rel.clone(), (fps[p.id], r.clone()));
            }
            records
        }
    };
    Some(Deferred { language: site.config.language.clone(), records, facets: facets_file(site) })
}

/// Like [`defer_reusing`] after a patch (`pipeline::patch`): only the records of the
/// `changed` pages (with their new fingerprints) are made again; the others come from
/// the memo, which must hold every page's record from the previous build.
pub fn defer_patched(
    site: &Site,
    rendered: &[Rendered],
    changed: &[(PageId, u64)],
    memo: &mut RecordMemo,
) -> Option<Deferred> {
    if !site.config.search.enabled || !cfg!(feature = "search") {
        return None;
    }
    for &(id, fp) in changed {
        let p = &site.pages[id];
        if indexed(p) {
            memo.insert(p.rel.clone(), (fp, Arc::new(record(site, p, rendered.get(id)))));
        }
    }
    let mut records = Vec::with_capacity(memo.len());
    for p in site.pages.iter().filter(|p| indexed(p)) {
        records.push(memo.get(&p.rel)?.1.clone());
    }
    Some(Deferred { language: site.config.language.clone(), records, facets: facets_file(site) })
}

impl Deferred {
    /// Builds the index files (Pagefind's and the facets file), sorted by path.
    pub fn build(self) -> Result<Vec<Output>, Diagnostic> {
        #[cfg(feature = "search")]
        {
            let mut files = pagefind_index::files(&self.language, self.records)?;
            files.push(self.facets);
            files.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(files)
        }
        #[cfg(not(feature = "search"))]
        {
            Ok(Vec::new())
        }
    }
}

/// `pagefind/facets.json`: the facets in site.yaml order with their titles, for the
/// search page (Pagefind's own files only know the facet names).
pub fn facets_file(site: &Site) -> Output {
    let facets: Vec<serde_json::Value> =
        site.config.search.facets.iter().map(|f| serde_json::json!({ "name": f.name, "title": f.title })).collect();
    let json = serde_json::json!({ "language": site.config.language, "facets": facets });
    Output {
        path: format!("{OUTPUT_DIR}/{FACETS_FILE}"),
        data: crate::output::OutputData::Bytes(json.to_string().into_bytes()),
    }
}

/// One record per page that is not a section and not excluded, in page order.
pub fn records(site: &Site, rendered: &[Rendered]) -> Vec<Record> {
    use rayon::prelude::*;
    site.pages.par_iter().filter(|p| indexed(p)).map(|p| record(site, p, rendered.get(p.id))).collect()
}

/// Whether a page gets a record: not a section, and not left out with `extra: { search: false }`.
fn indexed(p: &Page) -> bool {
    !p.is_section() && p.common.extra.get("search") != Some(&serde_json::Value::Bool(false))
}

fn record(site: &Site, p: &Page, rendered: Option<&Rendered>) -> Record {
    // As templates see it: the collection's title, else its name.
    let collection_title: Option<String> = p
        .collection
        .as_deref()
        .map(|c| site.collection_def(c).and_then(|def| def.title.clone()).unwrap_or_else(|| c.to_string()));

    // Text: title, description, body, then the fields in declaration order.
    let mut text = Text::default();
    text.push(&p.title);
    if let Some(d) = &p.common.description {
        text.push(d);
    }
    if let Some(r) = rendered {
        text.push(&html_to_text(&r.content));
    }
    for v in p.fields.values() {
        // One part per field: "Jeugd en onderwijs, Digitale inclusie".
        let mut parts = Vec::new();
        field_text(site, v, &mut parts);
        text.push(&join_values(&parts));
    }

    let mut meta = BTreeMap::new();
    meta.insert(META_TITLE.to_string(), p.title.clone());
    if let Some(c) = &collection_title {
        meta.insert(META_COLLECTION.to_string(), c.clone());
    }
    if let Some(d) = &p.common.date {
        // In the site's language, as templates show it (`format_date`).
        meta.insert(META_DATE.to_string(), site.config.i18n.format_date(d, "long"));
    }

    let mut filters = BTreeMap::new();
    for facet in &site.config.search.facets {
        let mut values = Vec::new();
        match facet.field.as_deref() {
            None => values.extend(collection_title.clone()),
            Some("date") => match (&p.common.date, p.fields.get("date")) {
                (Some(d), _) => values.push(d.year.to_string()),
                (None, Some(v)) => facet_values(site, v, &mut values),
                (None, None) => {}
            },
            Some(field) => {
                if let Some(v) = p.fields.get(field) {
                    facet_values(site, v, &mut values);
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        values.retain(|v| !v.trim().is_empty() && seen.insert(v.clone()));
        if !values.is_empty() {
            filters.insert(facet.name.clone(), values);
        }
    }

    let mut sort = BTreeMap::new();
    if let Some(d) = &p.common.date {
        // ISO, so string order is date order (`2016` < `2016-06` < `2016-06-30`).
        sort.insert("date".to_string(), d.to_string());
    }
    sort.insert("title".to_string(), title_sort_key(&p.title));

    Record { url: format!("/{}", p.path), content: text.0, meta, filters, sort }
}

/// Characters that end a sentence (or a clause a list may follow).
const SENTENCE_END: [char; 6] = ['.', '!', '?', ':', ';', '\u{2026}'];

/// Text in parts. Pagefind keeps the text (for excerpts) but not its line breaks, so
/// a part that does not end a sentence gets a full stop: "Titel. Beschrijving. ...".
#[derive(Default)]
struct Text(String);

impl Text {
    fn push(&mut self, s: &str) {
        let s = s.trim();
        if s.is_empty() {
            return;
        }
        if !self.0.is_empty() {
            if !self.0.ends_with(SENTENCE_END) {
                self.0.push('.');
            }
            self.0.push('\n');
        }
        self.0.push_str(s);
    }
}

/// Values of one field as one text: "a, b", but "Een zin. Nog een." for sentences.
fn join_values(parts: &[String]) -> String {
    let mut out = String::new();
    for p in parts {
        if !out.is_empty() {
            out.push_str(if out.ends_with(SENTENCE_END) { " " } else { ", " });
        }
        out.push_str(p);
    }
    out
}

/// Searchable text of a field value: texts, Markdown as plain text, the titles of
/// referenced pages; nested lists and records flattened. Numbers, booleans, URLs
/// and dates carry no words worth finding.
fn field_text(site: &Site, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Text(s) => out.push(s.trim().to_string()),
        Value::Markdown(s) => out.push(markdown_to_text(s).trim().to_string()),
        Value::Ref(id) => out.extend(site.pages.get(*id).map(|p| p.title.clone())),
        Value::List(items) => items.iter().for_each(|i| field_text(site, i, out)),
        Value::Record(fields) => fields.values().for_each(|i| field_text(site, i, out)),
        Value::Null | Value::Integer(_) | Value::Bool(_) | Value::Url(_) | Value::Date(_) => {}
    }
    out.retain(|s| !s.is_empty());
}

/// Facet values of a field value: texts, referenced pages' titles, a date's year;
/// nested lists and records flattened.
fn facet_values(site: &Site, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Text(s) | Value::Url(s) => out.push(s.trim().to_string()),
        Value::Ref(id) => out.extend(site.pages.get(*id).map(|p| p.title.clone())),
        Value::Date(d) => out.push(d.year.to_string()),
        Value::Integer(i) => out.push(i.to_string()),
        Value::Bool(b) => out.push(if *b { "ja" } else { "nee" }.to_string()),
        Value::List(items) => items.iter().for_each(|i| facet_values(site, i, out)),
        Value::Record(fields) => fields.values().for_each(|i| facet_values(site, i, out)),
        Value::Null | Value::Markdown(_) => {}
    }
}

/// A title for sorting: lower case, accents removed (Pagefind compares bytes).
fn title_sort_key(title: &str) -> String {
    deunicode::deunicode(title).to_lowercase().trim().to_string()
}

/// Plain text of Markdown source.
fn markdown_to_text(src: &str) -> String {
    use pulldown_cmark::{Event, Parser, TagEnd};
    let mut out = String::with_capacity(src.len());
    for event in Parser::new(src) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::Html(h) | Event::InlineHtml(h) => out.push_str(&html_to_text(&h)),
            Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image
                | TagEnd::Superscript
                | TagEnd::Subscript,
            ) => {}
            Event::SoftBreak | Event::HardBreak | Event::End(_) | Event::Rule => out.push(' '),
            _ => {}
        }
    }
    out
}

/// Elements whose boundaries do not separate words (`bi<em>bli</em>otheek`).
const INLINE: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q", "s",
    "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
];

/// Plain text of an HTML fragment: tags dropped (block tags become spaces), comments,
/// `<script>` and `<style>` contents dropped, character references decoded.
pub fn html_to_text(html: &str) -> String {
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
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
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

/// Decodes the character reference at the start of `s` (which starts with `&`):
/// the text and how many bytes it took. An unknown reference stays as it is.
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

/// The Pagefind part: records in, files out.
#[cfg(feature = "search")]
mod pagefind_index {
    use super::{OUTPUT_DIR, Record};
    use crate::diagnostic::Diagnostic;
    use crate::output::{Output, OutputData};
    use pagefind::api::PagefindIndex;
    use pagefind::options::PagefindServiceConfig;
    use std::sync::Arc;

    /// Files of Pagefind's bundle that only its own ready-made UIs use; `zoeken.js`
    /// talks to `pagefind.js` directly, so these are not written.
    const UNUSED: &[&str] = &[
        "pagefind-ui.js",
        "pagefind-ui.css",
        "pagefind-modular-ui.js",
        "pagefind-modular-ui.css",
        "pagefind-component-ui.js",
        "pagefind-component-ui.css",
        "pagefind-highlight.js",
    ];

    pub(super) fn files(language: &str, records: Vec<Arc<Record>>) -> Result<Vec<Output>, Diagnostic> {
        // Pagefind reads the working directory when it starts (and unwraps the result).
        if let Err(e) = std::env::current_dir() {
            return Err(failed(format!("the current directory is not readable: {e}")));
        }
        let language = language.to_string();
        // Pagefind unwraps in places; a panic in it must not take the build (or `serve`) down.
        let result = std::panic::catch_unwind(move || run(&language, records));
        match result {
            Ok(Ok(files)) => Ok(files),
            Ok(Err(e)) => Err(failed(e)),
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown error".into());
                Err(failed(format!("Pagefind panicked: {msg}")))
            }
        }
    }

    fn failed(detail: String) -> Diagnostic {
        Diagnostic::new(format!("cannot build the search index: {detail}"))
            .with_help("set `search: { enabled: false }` in site.yaml to build without search")
    }

    /// An error with its causes (`{:#}` on an `anyhow::Error`).
    fn pf(e: impl std::fmt::Display) -> String {
        format!("{e:#}")
    }

    fn run(language: &str, records: Vec<Arc<Record>>) -> Result<Vec<Output>, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| format!("cannot start the indexing runtime: {e}"))?;
        runtime.block_on(async {
            let config = PagefindServiceConfig::builder().force_language(language.to_string()).build();
            let mut index = PagefindIndex::new(Some(config)).map_err(pf)?;
            // One at a time, in page order: the page numbers in the index follow this order.
            for r in records {
                let r = Arc::unwrap_or_clone(r);
                index
                    .add_custom_record(
                        r.url,
                        r.content,
                        language.to_string(),
                        Some(r.meta),
                        Some(r.filters),
                        Some(r.sort),
                    )
                    .await
                    .map_err(pf)?;
            }
            let files = index.get_files().await.map_err(pf)?;
            let mut outputs = Vec::with_capacity(files.len());
            for f in files {
                let rel =
                    f.filename.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                if UNUSED.contains(&rel.as_str()) || rel.starts_with("playground/") {
                    continue;
                }
                outputs.push(Output { path: format!("{OUTPUT_DIR}/{rel}"), data: OutputData::Bytes(f.contents) });
            }
            outputs.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(outputs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_to_text_drops_tags_and_keeps_words() {
        let html = "<h2 id=\"a\">Kop</h2>\n<p>De <em>bi</em>bliotheek &amp; de <a href=\"/x/\" title=\"a > b\">POI</a>.</p><ul><li>een</li><li>twee</li></ul>";
        let text = html_to_text(html);
        let words: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(words, ["Kop", "De", "bibliotheek", "&", "de", "POI.", "een", "twee"]);
    }

    #[test]
    fn html_to_text_skips_comments_scripts_and_decodes_references() {
        let html = "a<!-- more -->b<script>let x = '<p>';</script>c&#233;&#x20AC;&lt;&unknown; 1 < 2";
        assert_eq!(
            html_to_text(html).split_whitespace().collect::<Vec<_>>(),
            ["a", "b", "cé€<&unknown;", "1", "<", "2"]
        );
    }

    #[test]
    fn html_to_text_survives_unclosed_things() {
        assert_eq!(html_to_text("x <p class=\"a").trim(), "x");
        assert_eq!(html_to_text("x <!-- y").trim(), "x");
        assert_eq!(html_to_text("x &amp").trim(), "x &amp");
        assert_eq!(html_to_text("é<").trim(), "é<");
    }

    #[test]
    fn markdown_to_text_is_plain() {
        let text = markdown_to_text("**Vet** en [een link](https://x.nl)\n\n- lijst");
        assert_eq!(text.split_whitespace().collect::<Vec<_>>(), ["Vet", "en", "een", "link", "lijst"]);
    }

    #[test]
    fn field_values_join_as_a_list_or_as_sentences() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(join_values(&v(&["Utrecht", "Gelderland"])), "Utrecht, Gelderland");
        assert_eq!(
            join_values(&v(&["Lezen stimuleren.", "Collecties aanbieden."])),
            "Lezen stimuleren. Collecties aanbieden."
        );
    }

    #[test]
    fn title_sort_ignores_case_and_accents() {
        assert!(title_sort_key("Één") < title_sort_key("f"));
        assert_eq!(title_sort_key("Ärger"), "arger");
    }
}
