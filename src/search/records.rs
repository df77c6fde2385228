//! Search records: what the index gets for each page, taken from the content model (the
//! title, description, the body's plain text from the Markdown stage, text fields and the
//! titles of referenced pages), with display metadata, facet values and sort keys.

use super::{META_COLLECTION, META_DATE, META_TITLE};
use crate::markdown::Rendered;
use crate::model::{Page, Site, Value};
use std::collections::BTreeMap;

/// What Pagefind gets for one page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// The page's site path with a leading `/`, without the base path.
    pub url: String,
    pub content: String,
    pub meta: BTreeMap<String, String>,
    pub filters: BTreeMap<String, Vec<String>>,
    pub sort: BTreeMap<String, String>,
}

/// One record per page that is not a section and not excluded, in page order.
pub fn records(site: &Site, rendered: &[Rendered]) -> Vec<Record> {
    use rayon::prelude::*;
    site.pages.par_iter().filter(|p| indexed(p)).map(|p| record(site, p, rendered.get(p.id))).collect()
}

/// Whether a page gets a record: not a section, and not left out with `extra: { search: false }`.
pub(super) fn indexed(p: &Page) -> bool {
    !p.is_section() && p.common.extra.get("search") != Some(&serde_json::Value::Bool(false))
}

pub(super) fn record(site: &Site, p: &Page, rendered: Option<&Rendered>) -> Record {
    // As templates see it: the collection's title, else its name.
    let collection_title: Option<String> = p
        .collection
        .as_deref()
        .map(|c| site.collection_def(c).and_then(|def| def.title.clone()).unwrap_or_else(|| c.to_string()));

    // Text: title, description, body, then the fields in declaration order (but those with
    // `search: false`).
    let mut text = Text::default();
    text.push(&p.title);
    if let Some(d) = &p.common.description {
        text.push(d);
    }
    if let Some(r) = rendered {
        text.push(&r.text);
    }
    let defs = p.collection.as_deref().and_then(|c| site.collection_def(c)).map(|d| &d.fields);
    for (name, v) in &p.fields {
        if defs.and_then(|f| f.get(name)).is_some_and(|f| !f.search) {
            continue;
        }
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
        Value::Markdown(s) => out.push(crate::markdown::plain_text(s).trim().to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;

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
