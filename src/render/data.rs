//! Open data: the whole knowledge graph as JSON, one file per collection,
//! references written as the URLs of the pages they point to.

use crate::model::{Site, Value};
use crate::output::{Output, OutputData};
use serde_json::{Map, Value as J, json};

/// Collection files of an earlier build: name -> (fingerprint, bytes).
pub type DataMemo = std::collections::HashMap<String, (u64, std::sync::Arc<Vec<u8>>)>;

/// Writes `data/<collection>.json` per collection and `data/index.json`. With a memo
/// (in `serve`), a collection whose records did not change reuses its file.
pub fn open_data(site: &Site, mut memo: Option<&mut DataMemo>) -> Vec<Output> {
    use rayon::prelude::*;
    let mut out = Vec::new();
    let mut index = Vec::new();
    for (name, idx) in &site.collections {
        let def = &site.config.collections[name];
        let path = format!("data/{name}.json");
        index.push(json!({
            "name": name,
            "title": def.title.clone().unwrap_or_else(|| name.clone()),
            "count": idx.pages.len(),
            "url": site.permalink(&path),
        }));
        let fp = memo.as_ref().map(|_| collection_fingerprint(site, &idx.pages));
        if let (Some(m), Some(fp)) = (memo.as_deref(), fp) {
            if let Some((old, bytes)) = m.get(name) {
                if *old == fp {
                    out.push(Output { path, data: OutputData::Shared(bytes.clone()) });
                    continue;
                }
            }
        }
        let records: Vec<Vec<u8>> = idx
            .pages
            .par_iter()
            .map(|&id| {
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
            })
            .collect();
        let bytes = std::sync::Arc::new(collection_file(name, &records));
        if let (Some(m), Some(fp)) = (memo.as_deref_mut(), fp) {
            m.insert(name.clone(), (fp, bytes.clone()));
        }
        out.push(Output { path, data: OutputData::Shared(bytes) });
    }
    let doc = json!({ "site": site.config.title, "base_url": site.config.base_url, "collections": index });
    out.push(Output { path: "data/index.json".into(), data: OutputData::Bytes(pretty(&doc)) });
    out
}

/// Everything a collection's records contain: each record's fields (references by the
/// target's path), title, date, description, and the paths of the pages that reference it.
fn collection_fingerprint(site: &Site, ids: &[crate::model::PageId]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::hash::hasher();
    (&site.config.base_url, ids.len()).hash(&mut h);
    for &id in ids {
        let p = &site.pages[id];
        (&p.slug, &p.title, &p.path, p.common.date, &p.common.description).hash(&mut h);
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
    }
    h.finish()
}

/// `{"collection": name, "records": [...]}` as `serde_json::to_vec_pretty` writes it (and a
/// newline), from the records each written that way on their own (in parallel): their lines
/// are indented by two levels. JSON strings hold no raw newlines, so lines are lines.
fn collection_file(name: &str, records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.iter().map(|r| r.len() + r.len() / 8).sum::<usize>() + 64);
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
        for (j, line) in r.split(|&b| b == b'\n').enumerate() {
            if j > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(b"    ");
            out.extend_from_slice(line);
        }
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
        let parts: Vec<Vec<u8>> = records.iter().map(|r| serde_json::to_vec_pretty(r).unwrap()).collect();
        let whole = pretty(&json!({ "collection": "notes", "records": records }));
        assert_eq!(String::from_utf8(collection_file("notes", &parts)).unwrap(), String::from_utf8(whole).unwrap());
        let empty = pretty(&json!({ "collection": "n\u{e9}", "records": [] }));
        assert_eq!(collection_file("n\u{e9}", &[]), empty);
    }
}
