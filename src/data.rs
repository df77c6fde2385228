//! Open data: the whole knowledge graph as JSON, one file per collection,
//! references written as the URLs of the pages they point to.

use crate::model::{Site, Value};
use crate::render::{Output, OutputData};
use serde_json::{Map, Value as J, json};

pub fn open_data(site: &Site) -> Vec<Output> {
    let mut out = Vec::new();
    let mut index = Vec::new();
    for (name, idx) in &site.collections {
        let def = &site.config.collections[name];
        let records: Vec<J> = idx
            .pages
            .iter()
            .map(|&id| {
                let p = &site.pages[id];
                let fields: Map<String, J> = p.fields.iter().map(|(k, v)| (k.clone(), json_value(site, v))).collect();
                let backlinks: Vec<J> = p
                    .backlinks
                    .iter()
                    .flat_map(|g| g.links.iter().map(|l| site.permalink(&site.pages[l.source].path)))
                    .map(J::String)
                    .collect();
                json!({
                    "slug": p.slug,
                    "title": p.title,
                    "url": site.permalink(&p.path),
                    "date": p.common.date.map(|d| d.to_string()),
                    "description": p.common.description,
                    "fields": fields,
                    "referenced_by": backlinks,
                })
            })
            .collect();
        let path = format!("data/{name}.json");
        index.push(json!({
            "name": name,
            "title": def.title.clone().unwrap_or_else(|| name.clone()),
            "count": records.len(),
            "url": site.permalink(&path),
        }));
        let doc = json!({ "collection": name, "records": records });
        out.push(Output { path, data: OutputData::Bytes(pretty(&doc)) });
    }
    let doc = json!({ "site": site.config.title, "base_url": site.config.base_url, "collections": index });
    out.push(Output { path: "data/index.json".into(), data: OutputData::Bytes(pretty(&doc)) });
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
