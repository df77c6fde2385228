//! Open data: the whole knowledge graph as JSON, one file per collection,
//! references written as the URLs of the pages they point to.

use crate::model::{Site, Value};
use crate::output::{Output, OutputData};
use serde_json::{Map, Value as J, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Open data of an earlier build, reused where its fingerprints are unchanged.
#[derive(Default)]
pub struct DataMemo {
    /// Per collection: the fingerprint of its records, and its file.
    files: HashMap<String, (u64, Arc<Vec<u8>>)>,
    /// Per page id: the fingerprint of its record, and the record as its collection's file
    /// holds it (indented). A record's fingerprint covers its slug and path, so a page id
    /// that names another page after pages came or went finds nothing to reuse.
    records: Vec<Option<(u64, Arc<Vec<u8>>)>>,
}

/// Writes `data/<collection>.json` per collection and `data/index.json`. With a memo
/// (in `serve`), a collection whose records did not change reuses its file, and a changed
/// one writes again only the records that changed.
pub fn open_data(site: &Site, mut memo: Option<&mut DataMemo>) -> Vec<Output> {
    use rayon::prelude::*;
    let mut out = Vec::new();
    let mut index = Vec::new();
    let mut records_now = vec![None; site.pages.len()];
    for (name, idx) in &site.collections {
        let def = &site.config.collections[name];
        let path = format!("data/{name}.json");
        index.push(json!({
            "name": name,
            "title": def.title.clone().unwrap_or_else(|| name.clone()),
            "count": idx.pages.len(),
            "url": site.permalink(&path),
        }));
        let fps: Option<Vec<u64>> =
            memo.as_ref().map(|_| idx.pages.par_iter().map(|&id| record_fingerprint(site, id)).collect());
        let (Some(m), Some(fps)) = (memo.as_deref(), fps) else {
            let records: Vec<Vec<u8>> = idx.pages.par_iter().map(|&id| indented(&record(site, id))).collect();
            out.push(Output { path, data: OutputData::Bytes(collection_file(name, &records)) });
            continue;
        };
        let fp = crate::hash::hash_of(&(&site.config.base_url, &fps));
        let records: Vec<Arc<Vec<u8>>> = idx
            .pages
            .par_iter()
            .zip(&fps)
            .map(|(&id, &fp)| match m.records.get(id) {
                Some(Some((old, bytes))) if *old == fp => bytes.clone(),
                _ => Arc::new(indented(&record(site, id))),
            })
            .collect();
        for ((&id, &fp), bytes) in idx.pages.iter().zip(&fps).zip(&records) {
            records_now[id] = Some((fp, bytes.clone()));
        }
        let bytes = match m.files.get(name) {
            Some((old, bytes)) if *old == fp => bytes.clone(),
            _ => Arc::new(collection_file(name, &records)),
        };
        if let Some(m) = memo.as_deref_mut() {
            m.files.insert(name.clone(), (fp, bytes.clone()));
        }
        out.push(Output { path, data: OutputData::Shared(bytes) });
    }
    if let Some(m) = memo {
        m.files.retain(|name, _| site.collections.contains_key(name));
        m.records = records_now;
    }
    let doc = json!({ "site": site.config.title, "base_url": site.config.base_url, "collections": index });
    out.push(Output { path: "data/index.json".into(), data: OutputData::Bytes(pretty(&doc)) });
    out
}

/// A page's record, as `serde_json::to_vec_pretty` writes it.
fn record(site: &Site, id: crate::model::PageId) -> Vec<u8> {
    let p = &site.pages[id];
    let fields: Map<String, J> = p.fields.iter().map(|(k, v)| (k.clone(), json_value(site, v))).collect();
    let backlinks: Vec<J> = p
        .backlinks
        .iter()
        .flat_map(|g| g.links.iter().map(|l| site.permalink(&site.pages[l.source].path)))
        .map(J::String)
        .collect();
    let record = json!({
        "slug": p.slug,
        "title": p.title,
        "url": site.permalink(&p.path),
        "date": p.common.date.map(|d| d.to_string()),
        "description": p.common.description,
        "fields": fields,
        "referenced_by": backlinks,
    });
    serde_json::to_vec_pretty(&record).unwrap_or_default()
}

/// Everything a page's record contains: the site's address, its fields (references by the
/// target's path), title, date, description, and the paths of the pages that reference it.
fn record_fingerprint(site: &Site, id: crate::model::PageId) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::hasher();
    let p = &site.pages[id];
    // URLs are written whole (`permalink`).
    (&site.config.base_url, &p.slug, &p.title, &p.path, p.common.date, &p.common.description).hash(&mut h);
    for (k, v) in &p.fields {
        k.hash(&mut h);
        // A reference counts by the path of the page it points to.
        super::fingerprint::hash_value(v, &mut h, &|id| crate::hash::hash_of(&site.pages[id].path));
    }
    for g in &p.backlinks {
        for l in &g.links {
            site.pages[l.source].path.hash(&mut h);
        }
    }
    h.finish()
}

/// A record as `serde_json::to_vec_pretty` writes it, its lines indented by two levels (as
/// in its collection's file). JSON strings hold no raw newlines, so lines are lines.
fn indented(record: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(record.len() + record.len() / 8 + 4);
    for (j, line) in record.split(|&b| b == b'\n').enumerate() {
        if j > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(b"    ");
        out.extend_from_slice(line);
    }
    out
}

/// `{"collection": name, "records": [...]}` as `serde_json::to_vec_pretty` writes it (and a
/// newline), from the records each written that way on their own (in parallel) and [`indented`].
fn collection_file<R: std::borrow::Borrow<Vec<u8>>>(name: &str, records: &[R]) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.iter().map(|r| r.borrow().len()).sum::<usize>() + 2 * records.len() + 64);
    out.extend_from_slice(b"{\n  \"collection\": ");
    out.extend_from_slice(&serde_json::to_vec(name).unwrap_or_default());
    if records.is_empty() {
        out.extend_from_slice(b",\n  \"records\": []\n}\n");
        return out;
    }
    out.extend_from_slice(b",\n  \"records\": [\n");
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(r.borrow());
    }
    out.extend_from_slice(b"\n  ]\n}\n");
    out
}

fn pretty(v: &J) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(v).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn json_value(site: &Site, v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Text(s) | Value::Markdown(s) | Value::Url(s) => J::String(s.clone()),
        Value::Integer(i) => J::from(*i),
        Value::Bool(b) => J::Bool(*b),
        Value::Date(d) => J::String(d.to_string()),
        Value::List(items) => J::Array(items.iter().map(|i| json_value(site, i)).collect()),
        Value::Record(fields) => J::Object(fields.iter().map(|(k, v)| (k.clone(), json_value(site, v))).collect()),
        Value::Ref(id) => J::String(site.permalink(&site.pages[*id].path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collection_file_is_what_serde_json_writes_for_the_whole_document() {
        let records = vec![
            json!({"slug": "a", "fields": {"x": [1, {"y": "line\nbreak"}], "e": {}, "l": []}, "referenced_by": []}),
            json!({"slug": "b", "title": "\"quoted\"", "fields": {}}),
        ];
        let parts: Vec<Vec<u8>> = records.iter().map(|r| indented(&serde_json::to_vec_pretty(r).unwrap())).collect();
        let whole = pretty(&json!({ "collection": "notes", "records": records }));
        assert_eq!(String::from_utf8(collection_file("notes", &parts)).unwrap(), String::from_utf8(whole).unwrap());
        let empty = pretty(&json!({ "collection": "n\u{e9}", "records": [] }));
        assert_eq!(collection_file::<Vec<u8>>("n\u{e9}", &[]), empty);
    }
}
