//! Structured data: a page of a collection with a `schema:` in site.yaml as a schema.org thing
//! in JSON-LD (`page.json_ld`, ready for `<script type="application/ld+json">`).
//!
//! Every thing has `name` (the title), `url` and `description`; an `Event` gets `startDate`
//! from the page's date unless a property says otherwise. The `properties` map schema.org
//! properties to fields: texts, numbers, booleans and dates as they are, a reference as the
//! page it names (`{"@type", "name", "url"}`), a list as an array, a record as an object.

use crate::model::{Page, Site, Value as V};
use serde_json::{Map, Value, json};

/// The JSON-LD of a page, or `None` when its collection declares no schema.
pub fn json_ld(site: &Site, p: &Page) -> Option<String> {
    if p.is_section() {
        return None;
    }
    let schema = p.collection.as_ref().and_then(|c| site.config.collections.get(c))?.schema.as_ref()?;
    let mut obj = Map::new();
    obj.insert("@context".into(), json!("https://schema.org"));
    obj.insert("@type".into(), json!(schema.kind));
    obj.insert("name".into(), json!(p.title));
    obj.insert("url".into(), json!(site.permalink(&p.path)));
    if let Some(d) = &p.common.description {
        obj.insert("description".into(), json!(d));
    }
    if schema.kind == "Event" && !schema.properties.contains_key("startDate") {
        if let Some(d) = p.common.date {
            obj.insert("startDate".into(), json!(d.to_string()));
        }
    }
    for (prop, fields) in &schema.properties {
        let first = fields.as_slice().iter().find_map(|field| {
            let v = match field.as_str() {
                "date" => p.common.date.map(|d| json!(d.to_string())),
                "description" => p.common.description.as_ref().map(|d| json!(d)),
                "title" => Some(json!(p.title)),
                f => p.fields.get(f).map(|v| value(site, v)),
            };
            v.filter(|v| !v.is_null() && v != &json!([]) && v != &json!(""))
        });
        if let Some(v) = first {
            obj.insert(prop.clone(), v);
        }
    }
    // `</` cannot end the script element the JSON is written into.
    Some(Value::Object(obj).to_string().replace("</", "<\\/"))
}

fn value(site: &Site, v: &V) -> Value {
    match v {
        V::Null => Value::Null,
        V::Text(s) | V::Markdown(s) | V::Url(s) => json!(s),
        V::Integer(n) => json!(n),
        V::Bool(b) => json!(b),
        V::Date(d) => json!(d.to_string()),
        V::List(items) => Value::Array(items.iter().map(|i| value(site, i)).filter(|v| !v.is_null()).collect()),
        V::Record(fields) => Value::Object(
            fields.iter().map(|(k, v)| (k.clone(), value(site, v))).filter(|(_, v)| !v.is_null()).collect(),
        ),
        V::Ref(id) => {
            let t = &site.pages[*id];
            let kind = t
                .collection
                .as_ref()
                .and_then(|c| site.config.collections.get(c))
                .and_then(|c| c.schema.as_ref())
                .map_or("Thing", |s| s.kind.as_str());
            json!({ "@type": kind, "name": t.title, "url": site.permalink(&t.path) })
        }
    }
}
