//! The site configuration (`site.yaml`): `RawConfig` as written, checked into `Config`.
//!
//! The content model (collections, their fields, references and taxonomies) is
//! declared here; the engine has no built-in knowledge of any particular model.
//! Invariant: a `Config` that exists is consistent (every reference names a
//! declared collection, every taxonomy a field feeds exists).

use crate::diagnostic::{Diagnostic, closest};
use crate::yaml::{Seg, Target, locate, yaml_error};
use indexmap::IndexMap;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "site.yaml";

/// Field names every page has, whatever its collection.
pub const COMMON_FIELDS: &[&str] =
    &["title", "date", "draft", "slug", "weight", "description", "template", "aliases", "extra"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    #[serde(default)]
    description: String,
    base_url: String,
    #[serde(default = "default_language")]
    language: String,
    #[serde(default)]
    theme: Option<String>,
    #[serde(default)]
    menus: IndexMap<String, Vec<MenuItem>>,
    #[serde(default)]
    taxonomies: IndexMap<String, TaxonomyDef>,
    #[serde(default)]
    collections: IndexMap<String, CollectionDef>,
    #[serde(default)]
    paginate_by: Option<usize>,
    #[serde(default = "default_feed_limit")]
    feed_limit: usize,
    #[serde(default)]
    search: SearchConfig,
    #[serde(default)]
    extra: serde_yaml::Value,
    #[serde(default)]
    heading_ids: HeadingIds,
    #[serde(default)]
    unknown_fields: UnknownFields,
    #[serde(default)]
    edit_url: Option<String>,
}

/// How heading ids (anchors) are made from heading text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum HeadingIds {
    /// Folded to ASCII, separators collapsed: `Één & twee` -> `een-twee`.
    #[default]
    Innobieb,
    /// As GitHub and Hugo make them: `Één & twee` -> `één--twee`.
    Github,
}

/// What happens to front-matter keys a collection does not declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UnknownFields {
    /// An error (`unknown field`), with a did-you-mean.
    #[default]
    Error,
    /// A warning; the key is dropped.
    Warn,
    /// Kept: templates see it as `page.extra.<key>`.
    Keep,
}

fn default_language() -> String {
    crate::i18n::FALLBACK.into()
}
fn default_feed_limit() -> usize {
    20
}

/// A validated site configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The site root (the folder holding `site.yaml`).
    pub root: PathBuf,
    pub title: String,
    pub description: String,
    /// Absolute base URL, always ending in `/`.
    pub base_url: String,
    /// The path part of `base_url` (`/` or `/prefix/`): every internal link starts with it.
    pub base_path: String,
    pub language: String,
    pub theme: Option<String>,
    pub menus: IndexMap<String, Vec<MenuItem>>,
    pub taxonomies: IndexMap<String, TaxonomyDef>,
    pub collections: IndexMap<String, CollectionDef>,
    pub paginate_by: Option<usize>,
    pub feed_limit: usize,
    /// Where a page's source can be edited: a URL with `{path}` for `content/<file>`.
    pub edit_url: Option<String>,
    pub search: SearchConfig,
    pub extra: serde_json::Value,
    /// The text of site.yaml (with the base URL override, if any), to tell versions apart.
    pub source_text: String,
    pub heading_ids: HeadingIds,
    /// The site's policy for undeclared front-matter keys (a collection may set its own).
    pub unknown_fields: UnknownFields,
    /// The UI strings and date formats of `language` (see `crate::i18n`).
    pub i18n: std::sync::Arc<crate::i18n::Translations>,
    /// Problems that do not stop a build (translations missing in the site's language).
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    pub name: String,
    /// `@/path.md` for a page or section, `/path/` for a site path, or an external URL.
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    #[default]
    Asc,
    Desc,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyDef {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub singular: Option<String>,
    #[serde(default)]
    pub sort_by: TermOrder,
    #[serde(default)]
    pub order: Order,
    #[serde(default)]
    pub paginate_by: Option<usize>,
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub term_template: Option<String>,
    #[serde(default)]
    pub feed: bool,
    /// Where each term sits on a schematic map (`tile_map`): term name -> [column, row].
    #[serde(default)]
    pub tiles: indexmap::IndexMap<String, [u16; 2]>,
}

/// What a taxonomy's terms are sorted by (`sort_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TermOrder {
    /// By name, case and accents ignored.
    #[default]
    Title,
    /// By number of pages.
    Count,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionDef {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub singular: Option<String>,
    /// Folder under `content/`; defaults to the collection's name.
    #[serde(default)]
    pub folder: Option<String>,
    #[serde(default)]
    pub page_template: Option<String>,
    #[serde(default)]
    pub list_template: Option<String>,
    #[serde(default = "default_sort")]
    pub sort_by: SortBy,
    /// Defaults to `desc` for dates and `asc` for everything else.
    #[serde(default)]
    pub order: Option<Order>,
    #[serde(default)]
    pub paginate_by: Option<usize>,
    #[serde(default)]
    pub feed: bool,
    /// iCalendar files of the pages with a full date (see `render::calendar`).
    #[serde(default)]
    pub calendar: bool,
    /// The text fields whose values make an event's location.
    #[serde(default)]
    pub calendar_location: Option<OneOrMany>,
    /// The schema.org type of its pages, for structured data (JSON-LD).
    #[serde(default)]
    pub schema: Option<SchemaDef>,
    #[serde(default)]
    pub fields: IndexMap<String, FieldDef>,
    /// Fields the collection's `_index.md` may carry (besides the common ones).
    #[serde(default)]
    pub section_fields: IndexMap<String, FieldDef>,
    /// Overrides the site's `unknown_fields` for this collection's pages and section.
    #[serde(default)]
    pub unknown_fields: Option<UnknownFields>,
}

/// A collection's pages as schema.org things: `type` (`Person`, `Event`, ...) and which field
/// gives which property.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaDef {
    #[serde(rename = "type")]
    pub kind: String,
    /// schema.org property -> field name (or `date`, `description`), or a list of them:
    /// the first with a value gives it.
    #[serde(default)]
    pub properties: IndexMap<String, OneOrMany>,
}

impl CollectionDef {
    /// A definition with nothing declared (for folders that are no collection).
    pub fn empty() -> CollectionDef {
        CollectionDef {
            title: None,
            singular: None,
            folder: None,
            page_template: None,
            list_template: None,
            sort_by: SortBy::Weight,
            order: None,
            paginate_by: None,
            feed: false,
            calendar: false,
            calendar_location: None,
            schema: None,
            fields: IndexMap::new(),
            section_fields: IndexMap::new(),
            unknown_fields: None,
        }
    }
}

fn default_sort() -> SortBy {
    SortBy::Title
}

impl CollectionDef {
    pub fn order(&self) -> Order {
        self.order.unwrap_or(if self.sort_by == SortBy::Date { Order::Desc } else { Order::Asc })
    }
}

/// What a collection's pages are sorted by (`sort_by`): a common field, `none` (file path
/// order) or one of the collection's own fields. Any other name is read as a field, and
/// `check` reports it when the collection has no such field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum SortBy {
    Date,
    Title,
    Weight,
    None,
    Field(String),
}

impl From<String> for SortBy {
    fn from(name: String) -> Self {
        match name.as_str() {
            "date" => SortBy::Date,
            "title" => SortBy::Title,
            "weight" => SortBy::Weight,
            "none" => SortBy::None,
            _ => SortBy::Field(name),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    Markdown,
    Integer,
    Boolean,
    Url,
    Date,
    List,
    #[serde(alias = "map")]
    Record,
    Reference,
}

impl FieldKind {
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Markdown => "markdown",
            FieldKind::Integer => "integer",
            FieldKind::Boolean => "boolean",
            FieldKind::Url => "url",
            FieldKind::Date => "date",
            FieldKind::List => "list",
            FieldKind::Record => "record",
            FieldKind::Reference => "reference",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        }
    }
}

/// One declared field of a collection (or of a nested record).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    #[serde(rename = "type")]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// Allowed values (an enum), for text and integer fields.
    #[serde(default)]
    pub values: Option<Vec<serde_yaml::Value>>,
    #[serde(default)]
    pub default: Option<serde_yaml::Value>,
    /// Target collection(s) of a reference.
    #[serde(default)]
    pub to: Option<OneOrMany>,
    /// A reference to several pages (a list of slugs).
    #[serde(default)]
    pub many: bool,
    /// The type of a list's items.
    #[serde(default)]
    pub items: Option<Box<FieldDef>>,
    /// The fields of a record.
    #[serde(default)]
    pub fields: Option<IndexMap<String, FieldDef>>,
    /// Human label for templates and backlink headings.
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Values of this field become terms of this taxonomy (a date gives its year).
    #[serde(default)]
    pub taxonomy: Option<String>,
    /// Whether the field's text goes into the page's search record (and so its excerpts).
    #[serde(default = "default_true")]
    pub search: bool,
}

impl FieldDef {
    /// Reference targets, for reference fields and lists of references.
    pub fn targets(&self) -> &[String] {
        self.to.as_ref().map(OneOrMany::as_slice).unwrap_or(&[])
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Facets offered on the search page. A facet without `field` is the collection.
    #[serde(default)]
    pub facets: Vec<FacetDef>,
    /// Site path of the search page (`search/`). A content page at that path is the search
    /// page; otherwise the theme's `search.html` is rendered there.
    #[serde(default = "default_search_path")]
    pub path: String,
}

fn default_search_path() -> String {
    "search/".into()
}

fn default_true() -> bool {
    true
}

/// Search is on unless a site turns it off (`search: { enabled: false }`).
impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig { enabled: true, facets: Vec::new(), path: default_search_path() }
    }
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct FacetDef {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub field: Option<String>,
}

impl Config {
    /// Reads and checks `site.yaml` in `root`. Errors name `site.yaml` with line and column.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            vec![
                Diagnostic::in_file(CONFIG_FILE, format!("cannot read the site configuration: {e}"))
                    .with_help("run innobieb in a site folder (one with a site.yaml), or pass --root DIR"),
            ]
        })?;
        Config::parse(root, &text)
    }

    /// Parses configuration text (see [`Config::load`]).
    pub fn parse(root: &Path, text: &str) -> Result<Config, Vec<Diagnostic>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let raw: RawConfig = serde_yaml::from_str(text).map_err(|e| vec![yaml_error(CONFIG_FILE, text, 0, &e)])?;
        let mut diags = Vec::new();
        let cfg = check(root, raw, text, &mut diags);
        if diags.is_empty() { Ok(cfg) } else { Err(diags) }
    }

    /// The declared collection whose folder is `folder`, if any.
    pub fn collection_for_folder(&self, folder: &str) -> Option<(&str, &CollectionDef)> {
        self.collections
            .iter()
            .find(|(name, def)| def.folder.as_deref().unwrap_or(name) == folder)
            .map(|(n, d)| (n.as_str(), d))
    }
}

fn check(root: &Path, raw: RawConfig, text: &str, diags: &mut Vec<Diagnostic>) -> Config {
    let at = |path: &[Seg], target: Target, msg: String| -> Diagnostic {
        match locate(text, path, target) {
            Some(span) => Diagnostic::at(CONFIG_FILE, text, span, msg),
            None => Diagnostic::in_file(CONFIG_FILE, msg),
        }
    };
    let key = |k: &str| Seg::Key(k.to_string());

    let mut base_url = raw.base_url.trim().to_string();
    if !base_url.ends_with('/') {
        base_url.push('/');
    }
    let base_path = base_path_of(&base_url);
    if let Err(why) = check_base_url(&base_url) {
        diags.push(
            at(&[key("base_url")], Target::Value, format!("`{}` is not a base URL: {why}", raw.base_url))
                .with_help("write an absolute URL such as `https://example.org/` or `https://example.org/kb/`, or a path such as `/kb/`"),
        );
    }

    if let Some(url) = &raw.edit_url {
        let absolute = url.starts_with("https://") || url.starts_with("http://");
        if !absolute || !url.contains("{path}") {
            diags.push(
                at(&[key("edit_url")], Target::Value, format!("`{url}` is not an edit URL"))
                    .with_help("write the address of the editor with `{path}` where the file's path goes, such as `https://github.com/org/site/edit/main/{path}`"),
            );
        }
    }

    // A tile map needs one place per tile.
    for (tname, tax) in &raw.taxonomies {
        let mut taken: std::collections::HashMap<[u16; 2], &str> = std::collections::HashMap::new();
        for (term, at_place) in &tax.tiles {
            if let Some(other) = taken.insert(*at_place, term) {
                let path = [key("taxonomies"), key(tname), key("tiles"), key(term)];
                diags.push(
                    at(
                        &path,
                        Target::Value,
                        format!(
                            "`{term}` and `{other}` are both at [{}, {}] on the tile map",
                            at_place[0], at_place[1]
                        ),
                    )
                    .with_help("give each term a [column, row] of its own"),
                );
            }
        }
    }

    let names: Vec<&str> = raw.collections.keys().map(String::as_str).collect();
    let taxonomies: Vec<&str> = raw.taxonomies.keys().map(String::as_str).collect();
    for (cname, coll) in &raw.collections {
        let base = vec![key("collections"), key(cname)];
        if let Some(schema) = &coll.schema {
            let mut p = base.clone();
            p.push(key("schema"));
            if !schema.kind.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                || !schema.kind.chars().all(|c| c.is_ascii_alphanumeric())
            {
                let mut t = p.clone();
                t.push(key("type"));
                diags.push(
                    at(&t, Target::Value, format!("`{}` is not a schema.org type", schema.kind))
                        .with_help("write a type name such as `Person`, `Organization`, `Event` or `CreativeWork`"),
                );
            }
            for (prop, fields) in &schema.properties {
                for (i, field) in fields.as_slice().iter().enumerate() {
                    if !coll.fields.contains_key(field) && !["date", "description", "title"].contains(&field.as_str()) {
                        let mut f = p.clone();
                        f.push(key("properties"));
                        f.push(key(prop));
                        if matches!(fields, OneOrMany::Many(_)) {
                            f.push(Seg::Index(i));
                        }
                        let names: Vec<&str> = coll.fields.keys().map(String::as_str).collect();
                        let d = at(&f, Target::Value, format!("`{field}` is not a field of `{cname}`"));
                        diags.push(match closest(field, names.iter().copied()) {
                            Some(c) => d.with_help(format!("did you mean `{c}`?")),
                            None => d.with_help("name a field of the collection, or `date` or `description`"),
                        });
                    }
                }
            }
        }
        for (i, f) in coll.calendar_location.as_ref().map(OneOrMany::as_slice).unwrap_or(&[]).iter().enumerate() {
            if !coll.fields.contains_key(f) {
                let mut p = base.clone();
                p.push(key("calendar_location"));
                if matches!(coll.calendar_location, Some(OneOrMany::Many(_))) {
                    p.push(Seg::Index(i));
                }
                let names: Vec<&str> = coll.fields.keys().map(String::as_str).collect();
                let d = at(&p, Target::Value, format!("`{f}` is not a field of `{cname}`"));
                diags.push(match closest(f, names.iter().copied()) {
                    Some(c) => d.with_help(format!("did you mean `{c}`?")),
                    None => {
                        d.with_help("name text fields of the collection, such as `calendar_location: [venue, city]`")
                    }
                });
            }
        }
        if let Some(folder) = &coll.folder {
            if folder.contains("..") || folder.starts_with('/') || folder.is_empty() {
                let mut p = base.clone();
                p.push(key("folder"));
                diags.push(at(&p, Target::Value, format!("folder `{folder}` must be a folder inside content/")));
            }
        }
        if let SortBy::Field(field) = &coll.sort_by
            && !coll.fields.contains_key(field)
        {
            let mut p = base.clone();
            p.push(key("sort_by"));
            diags.push(at(&p, Target::Value, format!("cannot sort by `{field}`")).with_help(
                "sort_by is `date`, `title`, `weight`, `none` or the name of one of the collection's fields",
            ));
        }
        for (fname, field) in &coll.fields {
            let mut p = base.clone();
            p.push(key("fields"));
            p.push(key(fname));
            check_field(fname, field, true, &p, &names, &taxonomies, &at, diags);
        }
        for (fname, field) in &coll.section_fields {
            let mut p = base.clone();
            p.push(key("section_fields"));
            p.push(key(fname));
            check_field(fname, field, true, &p, &names, &taxonomies, &at, diags);
        }
    }
    for (menu, items) in &raw.menus {
        for (i, item) in items.iter().enumerate() {
            if item.url.contains("..") {
                diags.push(at(
                    &[key("menus"), key(menu), Seg::Index(i), key("url")],
                    Target::Value,
                    format!("menu URL `{}` must not contain `..`", item.url),
                ));
            }
        }
    }
    for (i, facet) in raw.search.facets.iter().enumerate() {
        if let Some(field) = &facet.field {
            let known = field == "date" || raw.collections.values().any(|c| c.fields.contains_key(field));
            if !known {
                diags.push(at(
                    &[key("search"), key("facets"), Seg::Index(i), key("field")],
                    Target::Value,
                    format!("no collection has a field `{field}` for the search facet `{}`", facet.name),
                ));
            }
        }
    }
    if let Some(theme) = raw.theme.as_ref().filter(|t| *t != crate::theme::NAME) {
        if theme.contains('/') || theme.contains('\\') || theme.starts_with('.') {
            diags.push(at(&[key("theme")], Target::Value, format!("theme `{theme}` must be a folder name in themes/")));
        } else if !root.join("themes").join(theme).is_dir() {
            let mut available = list_dirs(&root.join("themes"));
            available.push(crate::theme::NAME.to_string());
            let mut d = at(&[key("theme")], Target::Value, format!("theme `{theme}` not found in themes/"));
            d = match closest(theme, available.iter().map(String::as_str)) {
                Some(c) => d.with_help(format!("did you mean `{c}`?")),
                None => d.with_help("leave `theme:` out to use the built-in theme, or add the folder themes/<name>/"),
            };
            diags.push(d);
        }
    }
    let mut search = raw.search;
    let trimmed = search.path.trim().trim_matches('/');
    if trimmed.is_empty() || trimmed.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        diags.push(
            at(
                &[key("search"), key("path")],
                Target::Value,
                format!("`{}` is not a path for the search page", search.path),
            )
            .with_help("write a site path such as `search/` or `zoeken/`"),
        );
    }
    search.path = format!("{trimmed}/");

    let theme_name = raw.theme.as_deref();
    let available = crate::i18n::available(root, theme_name);
    let mut warnings = Vec::new();
    let i18n = if available.contains(&raw.language) {
        match crate::i18n::Translations::load(root, theme_name, &raw.language) {
            Ok((t, w)) => {
                warnings = w;
                t
            }
            Err(d) => {
                diags.extend(d);
                crate::i18n::Translations::english()
            }
        }
    } else {
        let mut d = at(&[key("language")], Target::Value, format!("unknown language `{}`", raw.language));
        d = d.with_help(format!(
            "the languages available are {}; to translate the site into `{}`, add i18n/{}.yaml (start from a copy of the built-in en.yaml)",
            available.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", "),
            raw.language,
            raw.language
        ));
        diags.push(d);
        crate::i18n::Translations::english()
    };

    Config {
        root: root.to_path_buf(),
        title: raw.title,
        description: raw.description,
        base_url,
        base_path,
        language: raw.language,
        theme: raw.theme,
        menus: raw.menus,
        taxonomies: raw.taxonomies,
        collections: raw.collections,
        paginate_by: raw.paginate_by,
        feed_limit: raw.feed_limit,
        edit_url: raw.edit_url,
        search,
        extra: serde_json::to_value(&raw.extra).unwrap_or(serde_json::Value::Null),
        source_text: text.to_string(),
        heading_ids: raw.heading_ids,
        unknown_fields: raw.unknown_fields,
        i18n: std::sync::Arc::new(i18n),
        warnings,
    }
}

#[allow(clippy::too_many_arguments)]
fn check_field(
    name: &str,
    field: &FieldDef,
    top_level: bool,
    path: &[Seg],
    collections: &[&str],
    taxonomies: &[&str],
    at: &dyn Fn(&[Seg], Target, String) -> Diagnostic,
    diags: &mut Vec<Diagnostic>,
) {
    let sub = |k: &str| {
        let mut p = path.to_vec();
        p.push(Seg::Key(k.to_string()));
        p
    };
    if top_level && COMMON_FIELDS.contains(&name) {
        let compatible = matches!(
            (name, field.kind),
            ("title" | "description", FieldKind::Text) | ("date", FieldKind::Date) | ("weight", FieldKind::Integer)
        );
        if !compatible {
            diags.push(at(path, Target::Key, format!("`{name}` is a common field of every page and cannot be redeclared as {}", field.kind.name()))
                .with_help("common fields (title, date, weight, description) may only be redeclared with their own type, to make them required or feed a taxonomy"));
        }
    }
    match field.kind {
        FieldKind::Reference => {
            if field.targets().is_empty() {
                diags.push(at(
                    path,
                    Target::Key,
                    format!("reference field `{name}` needs `to:` (the target collection)"),
                ));
            }
            for t in field.targets() {
                if !collections.contains(&t.as_str()) {
                    let mut d = at(
                        &sub("to"),
                        Target::Value,
                        format!("reference field `{name}` points to unknown collection `{t}`"),
                    );
                    if let Some(c) = closest(t, collections.iter().copied()) {
                        d = d.with_help(format!("did you mean `{c}`?"));
                    }
                    diags.push(d);
                }
            }
        }
        FieldKind::List => match &field.items {
            Some(items) => check_field(name, items, false, &sub("items"), collections, taxonomies, at, diags),
            None => {
                diags.push(at(path, Target::Key, format!("list field `{name}` needs `items:` (the type of its items)")))
            }
        },
        FieldKind::Record => match &field.fields {
            Some(fields) => {
                for (fname, f) in fields {
                    let mut p = sub("fields");
                    p.push(Seg::Key(fname.clone()));
                    check_field(fname, f, false, &p, collections, taxonomies, at, diags);
                }
            }
            None => diags.push(at(path, Target::Key, format!("record field `{name}` needs `fields:`"))),
        },
        _ => {}
    }
    if field.many && field.kind != FieldKind::Reference {
        diags.push(at(
            &sub("many"),
            Target::Key,
            format!("`many` only applies to reference fields (`{name}` is {})", field.kind.name()),
        ));
    }
    if let Some(tax) = &field.taxonomy {
        let term_kind =
            |k: FieldKind| matches!(k, FieldKind::Text | FieldKind::Integer | FieldKind::Date | FieldKind::Reference);
        let feeds_terms = match field.kind {
            FieldKind::List => field.items.as_ref().is_some_and(|i| term_kind(i.kind)),
            k => term_kind(k),
        };
        if !feeds_terms {
            diags.push(
                at(
                    &sub("taxonomy"),
                    Target::Key,
                    format!("field `{name}` ({}) cannot feed a taxonomy", field.kind.name()),
                )
                .with_help("a taxonomy takes its terms from text, integer, date or reference fields, or lists of them"),
            );
        }
        if !taxonomies.contains(&tax.as_str()) {
            let mut d = at(&sub("taxonomy"), Target::Value, format!("field `{name}` feeds unknown taxonomy `{tax}`"));
            d = match closest(tax, taxonomies.iter().copied()) {
                Some(c) => d.with_help(format!("did you mean `{c}`?")),
                None => d.with_help("declare it under `taxonomies:`"),
            };
            diags.push(d);
        }
    }
}

impl Config {
    /// Templates named in site.yaml that do not exist among `names` (the compiled set):
    /// errors at the naming key's value.
    pub fn check_templates(&self, names: &[String]) -> Vec<Diagnostic> {
        let text = &self.source_text;
        let mut diags = Vec::new();
        let mut check = |path: Vec<Seg>, tpl: &Option<String>| {
            let Some(tpl) = tpl else { return };
            let fallback = format!("{}/{tpl}", crate::theme::NAME);
            if names.iter().any(|n| *n == *tpl || *n == fallback) {
                return;
            }
            let msg = format!("template `{tpl}` not found");
            let mut d = match locate(text, &path, Target::Value) {
                Some(span) => Diagnostic::at(CONFIG_FILE, text, span, msg),
                None => Diagnostic::in_file(CONFIG_FILE, msg),
            };
            let own: Vec<&str> = names.iter().map(String::as_str).filter(|n| !n.starts_with("default/")).collect();
            d = match closest(tpl, own.iter().copied()) {
                Some(c) => d.with_help(format!("did you mean `{c}`?")),
                None => d.with_help(
                    "add it to templates/ (or the theme's templates/), or leave the key out to use the built-in one",
                ),
            };
            diags.push(d);
        };
        let key = |k: &str| Seg::Key(k.to_string());
        for (name, c) in &self.collections {
            check(vec![key("collections"), key(name), key("page_template")], &c.page_template);
            check(vec![key("collections"), key(name), key("list_template")], &c.list_template);
        }
        for (name, t) in &self.taxonomies {
            check(vec![key("taxonomies"), key(name), key("template")], &t.template);
            check(vec![key("taxonomies"), key(name), key("term_template")], &t.term_template);
        }
        diags
    }
}

fn list_dirs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    v.sort();
    v
}

/// A base URL is an absolute `http(s)://host/...` URL or a site path starting with one `/`.
/// Returns what is wrong otherwise.
pub fn check_base_url(url: &str) -> Result<(), &'static str> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains a space or a control character");
    }
    if url.contains(['?', '#']) {
        return Err("it contains a query (`?`) or fragment (`#`)");
    }
    if let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) {
        let host = rest.split('/').next().unwrap_or("");
        return if host.is_empty() { Err("the host name after `://` is missing") } else { Ok(()) };
    }
    if url.starts_with("//") {
        return Err("it starts with `//`; write `https://` before the host name");
    }
    if url.starts_with('/') {
        return Ok(());
    }
    Err("it must start with `https://`, `http://` or `/`")
}

/// `https://example.org/kb/` -> `/kb/`; `https://example.org` -> `/`.
pub fn base_path_of(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map(|(_, r)| r).unwrap_or(base_url);
    let path = if base_url.starts_with('/') {
        base_url
    } else {
        after_scheme.find('/').map(|i| &after_scheme[i..]).unwrap_or("/")
    };
    let mut p = path.to_string();
    if !p.ends_with('/') {
        p.push('/');
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn base_path_handles_prefixes() {
        assert_eq!(base_path_of("https://example.org/"), "/");
        assert_eq!(base_path_of("https://example.org"), "/");
        assert_eq!(base_path_of("https://example.org/kb/"), "/kb/");
        assert_eq!(base_path_of("/kb/"), "/kb/");
    }

    #[test]
    fn unknown_key_gets_did_you_mean_with_position() {
        let text = "title: T\nbase_url: https://x.org/\ntheem: foo\n";
        let errs = Config::parse(Path::new("/nonexistent"), text).unwrap_err();
        let r = errs[0].render();
        assert!(r.contains("unknown field `theem`"), "{r}");
        assert!(r.contains("site.yaml:3:1"), "{r}");
        assert!(r.contains("did you mean `theme`?"), "{r}");
    }

    #[test]
    fn reference_to_unknown_collection_is_reported() {
        let text = "title: T\nbase_url: https://x.org/\ncollections:\n  boeken:\n    fields:\n      auteur: { type: reference, to: auteur }\n  auteurs: {}\n";
        let errs = Config::parse(Path::new("/nonexistent"), text).unwrap_err();
        let r = errs[0].render();
        assert!(r.contains("points to unknown collection `auteur`"), "{r}");
        assert!(r.contains("site.yaml:6:"), "{r}");
        assert!(r.contains("did you mean `auteurs`?"), "{r}");
    }

    /// The reference tables of docs/configuration.md: after a line `<!-- keys: Name -->`
    /// (or `<!-- values: Name -->`), the first column of the table that follows, each
    /// cell one `` `key` ``. Returns (marker kind, name, keys) in document order.
    fn documented(doc: &str) -> Vec<(String, String, Vec<String>)> {
        let mut tables = Vec::new();
        let mut lines = doc.lines().enumerate().peekable();
        while let Some((n, line)) = lines.next() {
            let Some(marker) = line.trim().strip_prefix("<!-- ").and_then(|m| m.strip_suffix(" -->")) else {
                continue;
            };
            let Some((kind, name)) = marker.split_once(": ") else { continue };
            if kind != "keys" && kind != "values" {
                continue;
            }
            while lines.peek().is_some_and(|(_, l)| l.trim().is_empty()) {
                lines.next();
            }
            let mut keys = Vec::new();
            // The header row, then the `|---|` row, then one row per key.
            for (i, (m, row)) in std::iter::from_fn(|| lines.next_if(|(_, l)| l.starts_with('|'))).enumerate() {
                if i < 2 {
                    continue;
                }
                let cell = row.trim_start_matches('|').split('|').next().unwrap_or("").trim();
                let key = cell.strip_prefix('`').and_then(|c| c.strip_suffix('`')).filter(|k| !k.contains('`'));
                match key {
                    Some(k) => keys.push(k.to_string()),
                    None => panic!("docs/configuration.md:{}: the first cell must be one `key`, not {cell:?}", m + 1),
                }
            }
            assert!(!keys.is_empty(), "docs/configuration.md:{}: `{line}` is not followed by a table", n + 1);
            tables.push((kind.to_string(), name.to_string(), keys));
        }
        tables
    }

    /// Whether a documented value is accepted by the enum `name`.
    fn enum_accepts(name: &str, value: &str) -> bool {
        match name {
            "FieldKind" => serde_yaml::from_str::<FieldKind>(value).is_ok(),
            "Order" => serde_yaml::from_str::<Order>(value).is_ok(),
            "TermOrder" => serde_yaml::from_str::<TermOrder>(value).is_ok(),
            "HeadingIds" => serde_yaml::from_str::<HeadingIds>(value).is_ok(),
            "UnknownFields" => serde_yaml::from_str::<UnknownFields>(value).is_ok(),
            other => panic!("enum `{other}` is new: add it to enum_accepts"),
        }
    }

    /// Every key and value site.yaml accepts is described in docs/configuration.md, and
    /// every key and value described there is accepted.
    #[test]
    fn configuration_reference_matches_the_code() {
        let doc = include_str!("../docs/configuration.md");
        let found = super::reflect::trace::<RawConfig>();
        let mut shapes: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        for (name, keys) in &found.structs {
            shapes.insert(("keys", name), keys.to_vec());
        }
        for (name, values) in &found.enums {
            shapes.insert(("values", name), values.to_vec());
        }
        shapes.insert(("keys", "COMMON_FIELDS"), COMMON_FIELDS.to_vec());

        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for (kind, name, keys) in documented(doc) {
            let Some(accepted) = shapes.get(&(kind.as_str(), name.as_str())) else {
                problems.push(format!("`<!-- {kind}: {name} -->` names nothing the configuration has"));
                continue;
            };
            if !seen.insert((kind.clone(), name.clone())) {
                problems.push(format!("`<!-- {kind}: {name} -->` appears twice"));
            }
            for key in &keys {
                let ok = match kind.as_str() {
                    "values" => enum_accepts(&name, key),
                    _ => accepted.contains(&key.as_str()),
                };
                if !ok {
                    problems.push(format!("{name}: `{key}` is documented but not accepted"));
                }
            }
            for key in accepted {
                if !keys.iter().any(|k| k == key) {
                    problems.push(format!("{name}: `{key}` is accepted but not documented"));
                }
            }
        }
        for (kind, name) in shapes.keys() {
            if !seen.contains(&(kind.to_string(), name.to_string())) {
                problems.push(format!("{name} has no table: add `<!-- {kind}: {name} -->` and a table of its {kind}"));
            }
        }
        assert!(problems.is_empty(), "docs/configuration.md is out of date:\n  {}", problems.join("\n  "));
    }
}

/// Which keys and values `site.yaml` accepts, read from serde's own lists: deserializing
/// `RawConfig` from a tracer that records the `fields` of every `deserialize_struct` and
/// the `variants` of every `deserialize_enum`, and answers every struct with all its
/// fields (so nested structs are reached too).
#[cfg(test)]
mod reflect {
    use serde::de::value::{Error, StrDeserializer};
    use serde::de::{self, DeserializeSeed, Visitor};
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    /// Nesting depth (options, lists, maps) after which the tracer answers "empty", so
    /// recursive definitions (a field's `items` is a field) end.
    const MAX_DEPTH: usize = 8;

    /// Type name -> its keys (structs) or its values (enums).
    pub(super) type Shapes = BTreeMap<&'static str, &'static [&'static str]>;

    #[derive(Default)]
    pub(super) struct Found {
        pub structs: Shapes,
        pub enums: Shapes,
    }

    pub(super) fn trace<'de, T: de::Deserialize<'de>>() -> Found {
        let found = RefCell::new(Found::default());
        if let Err(e) = T::deserialize(Tracer { found: &found, depth: 0 }) {
            panic!("the tracer cannot answer a type in the configuration (extend it): {e}");
        }
        found.into_inner()
    }

    #[derive(Clone, Copy)]
    struct Tracer<'a> {
        found: &'a RefCell<Found>,
        depth: usize,
    }

    impl Tracer<'_> {
        fn deeper(self) -> Self {
            Tracer { depth: self.depth + 1, ..self }
        }
        fn full(&self) -> bool {
            self.depth >= MAX_DEPTH
        }
    }

    /// Every integer type is answered with 1 (their visitors all take a `u64`).
    macro_rules! integers {
        ($($method:ident)*) => {$(
            fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
                v.visit_u64(1)
            }
        )*};
    }

    impl<'de> de::Deserializer<'de> for Tracer<'_> {
        type Error = Error;
        fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            v.visit_str("x")
        }
        fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            v.visit_bool(false)
        }
        fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            v.visit_f64(1.0)
        }
        fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            v.visit_unit()
        }
        fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            if self.full() { v.visit_none() } else { v.visit_some(self.deeper()) }
        }
        fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, Error> {
            v.visit_newtype_struct(self)
        }
        fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            v.visit_seq(Entries { tracer: self.deeper(), keys: &[], next: 0, len: usize::from(!self.full()) })
        }
        fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            v.visit_map(Entries { tracer: self.deeper(), keys: &[], next: 0, len: usize::from(!self.full()) })
        }
        fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, Error> {
            // A fixed-size array (`[column, row]`): all of its elements.
            v.visit_seq(Entries { tracer: self.deeper(), keys: &[], next: 0, len })
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            fields: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, Error> {
            self.found.borrow_mut().structs.insert(name, fields);
            v.visit_map(Entries { tracer: self, keys: fields, next: 0, len: fields.len() })
        }
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            name: &'static str,
            variants: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, Error> {
            self.found.borrow_mut().enums.insert(name, variants);
            v.visit_enum(StrDeserializer::<Error>::new(variants[0]))
        }
        serde::forward_to_deserialize_any! {
            f32 char str string bytes byte_buf unit_struct tuple_struct identifier ignored_any
        }
        integers! { deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128 }
    }

    /// The entries of a traced map (one), list (one) or struct (every field, by name).
    struct Entries<'a> {
        tracer: Tracer<'a>,
        /// A struct's field names; empty for maps, whose keys are traced values.
        keys: &'static [&'static str],
        next: usize,
        len: usize,
    }

    impl Entries<'_> {
        /// The index of the next entry, if any is left.
        fn take(&mut self) -> Option<usize> {
            (self.next < self.len).then(|| {
                self.next += 1;
                self.next - 1
            })
        }
    }

    impl<'de> de::MapAccess<'de> for Entries<'_> {
        type Error = Error;
        fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
            let Some(i) = self.take() else { return Ok(None) };
            match self.keys.get(i) {
                Some(&key) => seed.deserialize(StrDeserializer::<Error>::new(key)).map(Some),
                None => seed.deserialize(self.tracer).map(Some),
            }
        }
        fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
            seed.deserialize(self.tracer)
        }
    }

    impl<'de> de::SeqAccess<'de> for Entries<'_> {
        type Error = Error;
        fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, Error> {
            let Some(_) = self.take() else { return Ok(None) };
            seed.deserialize(self.tracer).map(Some)
        }
    }
}
