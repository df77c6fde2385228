//! Checks front-matter values against a collection's declared fields.
//!
//! Pure: a YAML value and a `FieldDef` in, a typed `model::Value` (references
//! resolved to `PageId`s through a lookup) and diagnostics out.

use crate::config::{COMMON_FIELDS, FieldDef, FieldKind, UnknownFields};
use crate::date::PartialDate;
use crate::diagnostic::{Diagnostic, closest};
use crate::model::{PageId, Value};
use crate::parse::{ParsedDoc, scalar_text};
use crate::yaml::{Seg, Target};
use indexmap::IndexMap;
use serde_yaml::Value as Y;

/// Resolves `slug` (or `collection/slug`) in one of `targets`.
pub trait RefLookup {
    fn find(&self, targets: &[String], slug: &str) -> Option<PageId>;
    /// The closest existing slug, for a hint.
    fn suggest(&self, targets: &[String], slug: &str) -> Option<String>;
    /// Whether `slug` names a draft page (excluded from this build).
    fn is_draft(&self, targets: &[String], slug: &str) -> bool;
}

pub struct Checker<'a> {
    pub doc: &'a ParsedDoc,
    pub refs: &'a dyn RefLookup,
    pub diags: Vec<Diagnostic>,
    /// What to do with undeclared keys (see [`Checker::with_policy`]).
    pub unknown: UnknownFields,
    /// Undeclared keys kept by `unknown_fields: keep`, for `page.extra`.
    pub kept: IndexMap<String, Y>,
    /// The declared taxonomies, for a Zola-style `[taxonomies]` table.
    pub taxonomies: Vec<String>,
    /// Terms from a `[taxonomies]` table: (taxonomy, term).
    pub terms: Vec<(String, String)>,
    /// The help for undeclared keys when nothing close is declared.
    pub way_out: Option<String>,
}

impl<'a> Checker<'a> {
    /// A checker that reports undeclared keys as errors (the default policy).
    pub fn new(doc: &'a ParsedDoc, refs: &'a dyn RefLookup) -> Self {
        Checker {
            doc,
            refs,
            diags: Vec::new(),
            unknown: UnknownFields::Error,
            kept: IndexMap::new(),
            taxonomies: Vec::new(),
            terms: Vec::new(),
            way_out: None,
        }
    }

    pub fn with_policy(mut self, unknown: UnknownFields, taxonomies: Vec<String>, way_out: Option<String>) -> Self {
        self.unknown = unknown;
        self.taxonomies = taxonomies;
        self.way_out = way_out;
        self
    }

    /// A `taxonomies` table (Zola): terms for declared taxonomies; an error for others.
    fn taxonomy_table(&mut self, map: &serde_yaml::Mapping) {
        for (k, v) in map {
            let name = scalar_text(k).unwrap_or_default();
            let path = [Seg::Key("taxonomies".into()), Seg::Key(name.clone())];
            if !self.taxonomies.contains(&name) {
                let mut d = self.doc.diag_at(&path, Target::Key, format!("unknown taxonomy `{name}`"));
                d = match closest(&name, self.taxonomies.iter().map(String::as_str)) {
                    Some(c) => d.with_help(format!("did you mean `{c}`?")),
                    None => d.with_help("declare it under `taxonomies:` in site.yaml"),
                };
                self.diags.push(d);
                continue;
            }
            let items: Vec<&Y> = match v {
                Y::Sequence(items) => items.iter().collect(),
                other => vec![other],
            };
            for item in items {
                match scalar_text(item) {
                    Some(t) => self.terms.push((name.clone(), t)),
                    None => self.diags.push(self.doc.diag_at(&path, Target::Value, "a taxonomy term must be text")),
                }
            }
        }
    }
}

impl<'a> Checker<'a> {
    /// Checks the document's non-common fields against `fields`; returns the typed values in
    /// declaration order, defaults filled in.
    pub fn check_fields(&mut self, fields: &IndexMap<String, FieldDef>) -> IndexMap<String, Value> {
        let mut out = IndexMap::new();
        for (key, value) in &self.doc.fields {
            let path = vec![Seg::Key(key.clone())];
            match fields.get(key) {
                Some(def) if !COMMON_FIELDS.contains(&key.as_str()) => {
                    if let Some(v) = self.check(def, value, &path) {
                        out.insert(key.clone(), v);
                    }
                }
                _ if key == "taxonomies" && value.is_mapping() && !self.taxonomies.is_empty() => {
                    if let Y::Mapping(map) = value {
                        self.taxonomy_table(map);
                    }
                }
                _ if self.unknown == UnknownFields::Keep => {
                    self.kept.insert(key.clone(), value.clone());
                }
                _ => {
                    let candidates = fields.keys().map(String::as_str).chain(COMMON_FIELDS.iter().copied());
                    let mut d = self.doc.diag_at(&path, Target::Key, format!("unknown field `{key}`"));
                    d = match closest(key, candidates) {
                        Some(c) => d.with_help(format!("did you mean `{c}`?")),
                        None if self.way_out.is_some() => d.with_help(self.way_out.clone().unwrap_or_default()),
                        None if fields.is_empty() => d.with_help(format!(
                            "pages here have only the common fields ({}); declare a collection in site.yaml to add fields",
                            COMMON_FIELDS.join(", ")
                        )),
                        None => d.with_help(format!("the fields here are: {}", fields.keys().cloned().collect::<Vec<_>>().join(", "))),
                    };
                    if self.unknown == UnknownFields::Warn {
                        d = d.as_warning();
                    }
                    self.diags.push(d);
                }
            }
        }
        for (key, def) in fields {
            if out.contains_key(key) || self.doc.fields.contains_key(key) {
                continue;
            }
            if COMMON_FIELDS.contains(&key.as_str()) {
                let present = match key.as_str() {
                    "title" => self.doc.common.title.is_some(),
                    "date" => self.doc.common.date.is_some(),
                    "weight" => self.doc.common.weight.is_some(),
                    "description" => self.doc.common.description.is_some(),
                    _ => true,
                };
                if def.required && !present {
                    self.missing(key, def, &[]);
                }
                continue;
            }
            if let Some(default) = &def.default {
                if let Some(v) = self.check(def, default, &[Seg::Key(key.clone())]) {
                    out.insert(key.clone(), v);
                }
            } else if def.required {
                self.missing(key, def, &[]);
            }
        }
        // Keep declaration order, whatever order the file used.
        let mut ordered = IndexMap::with_capacity(out.len());
        for key in fields.keys() {
            if let Some(v) = out.shift_remove(key) {
                ordered.insert(key.clone(), v);
            }
        }
        ordered
    }

    fn missing(&mut self, key: &str, def: &FieldDef, record_path: &[Seg]) {
        let example = example_value(def, &Placeholders::HELP);
        let message = format!("missing required field `{key}`");
        let d = if record_path.is_empty() {
            self.doc.diag_at_fence(message)
        } else {
            self.doc.diag_at(record_path, Target::Value, message)
        };
        self.diags.push(d.with_help(format!("add a line `{key}: {example}` to the front matter")));
    }

    /// Checks one value against its definition.
    pub fn check(&mut self, def: &FieldDef, v: &Y, path: &[Seg]) -> Option<Value> {
        let name = path
            .iter()
            .rev()
            .find_map(|s| if let Seg::Key(k) = s { Some(k.clone()) } else { None })
            .unwrap_or_default();
        if v.is_null() {
            if def.required {
                self.diags.push(self.doc.diag_at(path, Target::Value, format!("`{name}` is required but empty")));
                return None;
            }
            return Some(Value::Null);
        }
        let value = match def.kind {
            FieldKind::Text | FieldKind::Markdown => match v {
                Y::String(s) if crate::parse::has_script(s) => {
                    self.diags.push(
                        self.doc
                            .diag_at(path, Target::Value, format!("`{name}` contains a <script> tag"))
                            .with_help("front matter is plain text: remove the HTML; scripts belong in the theme"),
                    );
                    return None;
                }
                Y::String(s) => {
                    Some(if def.kind == FieldKind::Text { Value::Text(s.clone()) } else { Value::Markdown(s.clone()) })
                }
                Y::Number(n) => Some(Value::Text(n.to_string())),
                _ => return self.wrong(path, &name, "text", v),
            },
            FieldKind::Integer => match v.as_i64() {
                Some(i) => Some(Value::Integer(i)),
                None => return self.wrong(path, &name, "a whole number", v),
            },
            FieldKind::Boolean => match v {
                Y::Bool(b) => Some(Value::Bool(*b)),
                _ => return self.wrong(path, &name, "`true` or `false`", v),
            },
            FieldKind::Url => match v {
                Y::String(s) if is_url(s) => Some(Value::Url(s.clone())),
                Y::String(s) => {
                    self.diags.push(
                        self.doc.diag_at(path, Target::Value, format!("`{s}` is not a URL")).with_help(
                            "write a full address starting with `https://`, or a site path starting with `/`",
                        ),
                    );
                    return None;
                }
                _ => return self.wrong(path, &name, "a URL", v),
            },
            FieldKind::Date => match scalar_text(v) {
                Some(s) => match PartialDate::parse(&s) {
                    Ok(d) => Some(Value::Date(d)),
                    Err(msg) => {
                        self.diags.push(self.doc.diag_at(path, Target::Value, msg));
                        return None;
                    }
                },
                None => {
                    return self.wrong(path, &name, "a date such as `2016`, `2016-06` or `2016-06-30`", v);
                }
            },
            FieldKind::List => {
                let item_def = def.items.as_deref()?;
                let items: Vec<&Y> = match v {
                    Y::Sequence(items) => items.iter().collect(),
                    other => vec![other],
                };
                let single = !v.is_sequence();
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    let mut p = path.to_vec();
                    if !single {
                        p.push(Seg::Index(i));
                    }
                    if let Some(val) = self.check(item_def, item, &p) {
                        out.push(val);
                    }
                }
                Some(Value::List(out))
            }
            FieldKind::Record => {
                let fields = def.fields.as_ref()?;
                let Y::Mapping(map) = v else {
                    return self.wrong(path, &name, "a record of `key: value` lines", v);
                };
                let mut out = IndexMap::new();
                for (k, val) in map {
                    let key = scalar_text(k).unwrap_or_default();
                    let mut p = path.to_vec();
                    p.push(Seg::Key(key.clone()));
                    match fields.get(&key) {
                        Some(fdef) => {
                            if let Some(x) = self.check(fdef, val, &p) {
                                out.insert(key, x);
                            }
                        }
                        None => {
                            let mut d = self.doc.diag_at(&p, Target::Key, format!("unknown field `{key}` in `{name}`"));
                            d = match closest(&key, fields.keys().map(String::as_str)) {
                                Some(c) => d.with_help(format!("did you mean `{c}`?")),
                                None => d.with_help(format!(
                                    "the fields of `{name}` are: {}",
                                    fields.keys().cloned().collect::<Vec<_>>().join(", ")
                                )),
                            };
                            self.diags.push(d);
                        }
                    }
                }
                let written: Vec<String> = map.keys().filter_map(scalar_text).collect();
                let mut ordered = IndexMap::new();
                for (key, fdef) in fields {
                    match out.shift_remove(key) {
                        Some(x) => {
                            ordered.insert(key.clone(), x);
                        }
                        // Written but wrong: that error was reported; it is not also missing.
                        None if written.contains(key) => {}
                        None => {
                            if let Some(default) = &fdef.default {
                                let mut p = path.to_vec();
                                p.push(Seg::Key(key.clone()));
                                if let Some(x) = self.check(fdef, default, &p) {
                                    ordered.insert(key.clone(), x);
                                }
                            } else if fdef.required {
                                self.missing(key, fdef, path);
                            }
                        }
                    }
                }
                Some(Value::Record(ordered))
            }
            FieldKind::Reference => {
                if def.many {
                    let items: Vec<&Y> = match v {
                        Y::Sequence(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    let single = !v.is_sequence();
                    let mut out = Vec::new();
                    for (i, item) in items.into_iter().enumerate() {
                        let mut p = path.to_vec();
                        if !single {
                            p.push(Seg::Index(i));
                        }
                        if let Some(id) = self.reference(def, item, &p, &name) {
                            out.push(Value::Ref(id));
                        }
                    }
                    Some(Value::List(out))
                } else {
                    if v.is_sequence() {
                        return self.wrong(
                            path,
                            &name,
                            "one reference (for several, declare the field with `many: true`)",
                            v,
                        );
                    }
                    self.reference(def, v, path, &name).map(Value::Ref)
                }
            }
        }?;
        if let Some(allowed) = &def.values {
            let plain = match &value {
                Value::Text(s) => Y::String(s.clone()),
                Value::Integer(i) => Y::Number((*i).into()),
                _ => v.clone(),
            };
            if !allowed.iter().any(|a| a == &plain || scalar_text(a) == scalar_text(&plain)) {
                let shown: Vec<String> = allowed.iter().filter_map(scalar_text).collect();
                let got = scalar_text(v).unwrap_or_default();
                let mut d =
                    self.doc.diag_at(path, Target::Value, format!("`{got}` is not an allowed value of `{name}`"));
                d = match closest(&got, shown.iter().map(String::as_str)) {
                    Some(c) => d.with_help(format!("did you mean `{c}`? allowed: {}", shown.join(", "))),
                    None => d.with_help(format!("allowed: {}", shown.join(", "))),
                };
                self.diags.push(d);
                return None;
            }
        }
        Some(value)
    }

    fn reference(&mut self, def: &FieldDef, v: &Y, path: &[Seg], name: &str) -> Option<PageId> {
        let targets = def.targets();
        let Some(slug) = scalar_text(v) else {
            return self.wrong(path, name, "the slug of a page (its file name without `.md`)", v);
        };
        if let Some(id) = self.refs.find(targets, &slug) {
            return Some(id);
        }
        let where_ = targets.join(" or ");
        let mut d = self.doc.diag_at(path, Target::Value, format!("`{slug}` is not a page in {where_}"));
        d = if self.refs.is_draft(targets, &slug) {
            d.with_help(format!("`{slug}` is a draft; build with --drafts or remove `draft: true` from it"))
        } else {
            match self.refs.suggest(targets, &slug) {
                Some(c) => d.with_help(format!("did you mean `{c}`?")),
                None => d.with_help(format!(
                    "create content/{}/{slug}.md, or fix the slug",
                    targets.first().map(String::as_str).unwrap_or("")
                )),
            }
        };
        self.diags.push(d);
        None
    }

    fn wrong<T>(&mut self, path: &[Seg], name: &str, expected: &str, got: &Y) -> Option<T> {
        let kind = match got {
            Y::Null => "nothing",
            Y::Bool(_) => "a boolean",
            Y::Number(_) => "a number",
            Y::String(_) => "text",
            Y::Sequence(_) => "a list",
            Y::Mapping(_) => "a record",
            Y::Tagged(_) => "a tagged value",
        };
        self.diags.push(self.doc.diag_at(path, Target::Value, format!("`{name}` must be {expected}, not {kind}")));
        None
    }
}

fn is_url(s: &str) -> bool {
    s.starts_with("https://")
        || s.starts_with("http://")
        || s.starts_with("mailto:")
        || (s.starts_with('/') && !s.contains(".."))
}

/// The words a placeholder value is made of: what stands for a page's slug, a text and a
/// date. Help texts use [`Placeholders::HELP`]; `innobieb new` the site's language and today.
pub struct Placeholders<'a> {
    /// For a reference; `{collections}` is replaced by the field's target collections.
    pub slug: &'a str,
    pub text: &'a str,
    pub date: &'a str,
}

impl Placeholders<'_> {
    /// For error help, which is in English and names the site's own collections.
    pub const HELP: Placeholders<'static> =
        Placeholders { slug: "<slug of a page in {collections}>", text: "...", date: "2016-06-30" };
}

/// A placeholder value for a field, for help texts and `innobieb new`.
pub fn example_value(def: &FieldDef, words: &Placeholders) -> String {
    if let Some(values) = &def.values {
        if let Some(first) = values.first().and_then(scalar_text) {
            return first;
        }
    }
    match def.kind {
        FieldKind::Text | FieldKind::Markdown => format!("\"{}\"", words.text.replace('"', "\\\"")),
        FieldKind::Integer => "0".into(),
        FieldKind::Boolean => "false".into(),
        FieldKind::Url => "https://".into(),
        FieldKind::Date => words.date.to_string(),
        FieldKind::List | FieldKind::Record => "[]".into(),
        FieldKind::Reference => {
            let slug = words.slug.replace("{collections}", &def.targets().join(" or "));
            if def.many { format!("[{slug}]") } else { slug }
        }
    }
}
