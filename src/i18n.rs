//! The site's language: UI strings and date formats from translation files.
//!
//! Files are `i18n/<language>.yaml`, in three layers that override key by key: the
//! built-in theme's (`en` and `nl` ship with the binary), the site theme's, and the
//! site's own. Nested maps are flattened to dotted keys (`ui.search`). A value is a
//! text with `{name}` placeholders, a plural map (`{ one: "1 page", other: "{count}
//! pages" }`) or a list (`date.months`). A key the site's language lacks falls back to
//! English and is reported as a warning; a key no language has is an error where it is
//! used, never empty text.

use crate::date::PartialDate;
use crate::diagnostic::Diagnostic;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The language every key exists in, and the fallback for the others.
pub const FALLBACK: &str = "en";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Entry {
    Text(String),
    Plural { one: String, other: String },
    List(Vec<String>),
}

/// The strings of one language, with English underneath.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Translations {
    pub language: String,
    strings: BTreeMap<String, Entry>,
    fallback: BTreeMap<String, Entry>,
}

/// One translation file.
struct Source {
    language: String,
    display: String,
    text: String,
}

/// Reads the translation files of the three layers. Unreadable files are errors.
fn sources(root: &Path, theme: Option<&str>) -> (Vec<Source>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for (rel, bytes) in crate::theme::files_in("i18n") {
        if let Some(language) = rel.strip_suffix(".yaml") {
            out.push(Source {
                language: language.to_string(),
                display: format!("(built-in theme) i18n/{rel}"),
                text: String::from_utf8_lossy(bytes).into_owned(),
            });
        }
    }
    let mut dirs = Vec::new();
    if let Some(t) = theme.filter(|t| *t != crate::theme::NAME) {
        dirs.push((format!("themes/{t}/i18n"), root.join("themes").join(t).join("i18n")));
    }
    dirs.push(("i18n".to_string(), root.join("i18n")));
    for (display_dir, dir) in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for path in files {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
            let Some(language) = name.strip_suffix(".yaml") else { continue };
            if language.starts_with('.') {
                continue;
            }
            let display = format!("{display_dir}/{name}");
            match std::fs::read_to_string(&path) {
                Ok(text) => out.push(Source { language: language.to_string(), display, text }),
                Err(e) => diags.push(Diagnostic::in_file(display, format!("cannot read translation file: {e}"))),
            }
        }
    }
    (out, diags)
}

/// The languages a site can use: those with a translation file in any layer, sorted.
pub fn available(root: &Path, theme: Option<&str>) -> Vec<String> {
    let langs: BTreeSet<String> = sources(root, theme).0.into_iter().map(|s| s.language).collect();
    langs.into_iter().collect()
}

impl Translations {
    /// The strings for `language`. Errors: unreadable or malformed files. The second
    /// value lists warnings: keys of English the language lacks (shown in English).
    pub fn load(
        root: &Path,
        theme: Option<&str>,
        language: &str,
    ) -> Result<(Translations, Vec<Diagnostic>), Vec<Diagnostic>> {
        let (sources, mut errors) = sources(root, theme);
        let mut strings = BTreeMap::new();
        let mut fallback = BTreeMap::new();
        let mut own_keys: BTreeMap<String, String> = BTreeMap::new();
        for s in &sources {
            if s.language != language && s.language != FALLBACK {
                continue;
            }
            let flat = match parse(&s.display, &s.text) {
                Ok(f) => f,
                Err(d) => {
                    errors.push(d);
                    continue;
                }
            };
            if s.language == FALLBACK {
                fallback.extend(flat.clone());
            }
            if s.language == language {
                for k in flat.keys() {
                    own_keys.entry(k.clone()).or_insert_with(|| s.display.clone());
                }
                strings.extend(flat);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut warnings = Vec::new();
        if language != FALLBACK {
            let missing: Vec<&str> =
                fallback.keys().filter(|k| !strings.contains_key(*k)).map(String::as_str).collect();
            if !missing.is_empty() {
                let file = own_keys.values().last().cloned().unwrap_or_else(|| format!("i18n/{language}.yaml"));
                let shown: Vec<String> = missing.iter().take(8).map(|k| format!("`{k}`")).collect();
                let more = if missing.len() > 8 { format!(" and {} more", missing.len() - 8) } else { String::new() };
                warnings.push(
                    Diagnostic::in_file(
                        file,
                        format!(
                            "{} translation(s) missing for `{language}`: {}{more}; English is shown instead",
                            missing.len(),
                            shown.join(", ")
                        ),
                    )
                    .with_help(format!("add the keys to i18n/{language}.yaml (see the built-in i18n/en.yaml)")),
                );
            }
        }
        Ok((Translations { language: language.to_string(), strings, fallback }, warnings))
    }

    /// English only (for code that runs without a site).
    pub fn english() -> Translations {
        let text = crate::theme::files_in("i18n")
            .find(|(rel, _)| *rel == "en.yaml")
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let flat = parse("en.yaml", &text).unwrap_or_default();
        Translations { language: FALLBACK.into(), strings: flat.clone(), fallback: flat }
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.strings.get(key).or_else(|| self.fallback.get(key))
    }

    /// The text of `key` with `{name}` placeholders filled from `args`; a plural entry
    /// is chosen by the `count` argument. `None` when no language has the key.
    pub fn text(&self, key: &str, args: &[(&str, String)]) -> Option<String> {
        let template = match self.get(key)? {
            Entry::Text(t) => t.as_str(),
            Entry::Plural { one, other } => {
                let count = args.iter().find(|(k, _)| *k == "count").map(|(_, v)| v.as_str());
                if count == Some("1") { one.as_str() } else { other.as_str() }
            }
            Entry::List(_) => return None,
        };
        Some(fill(template, args))
    }

    /// The text of `key`, or the key itself when no language has it (for engine texts
    /// whose keys are known to exist in the built-in files).
    pub fn t(&self, key: &str, args: &[(&str, String)]) -> String {
        self.text(key, args).unwrap_or_else(|| key.to_string())
    }

    /// The name of month `m` (1-12).
    pub fn month(&self, m: u8) -> String {
        match self.get("date.months") {
            Some(Entry::List(names)) => names.get(usize::from(m).wrapping_sub(1)).cloned(),
            _ => None,
        }
        .unwrap_or_else(|| format!("{m:02}"))
    }

    /// A partial date in words: `30 June 2016`, `June 2016`, `2016`. `style` is `long`
    /// (as precise as the date), `month_year`, `month`, `year` or `iso`.
    pub fn format_date(&self, d: &PartialDate, style: &str) -> String {
        let args = |d: &PartialDate| {
            vec![
                ("year", d.year.to_string()),
                ("month", d.month.map(|m| self.month(m)).unwrap_or_default()),
                ("day", d.day.map(|x| x.to_string()).unwrap_or_default()),
            ]
        };
        match style {
            "iso" => d.to_string(),
            "year" => d.year.to_string(),
            "month" => d.month.map(|m| self.month(m)).unwrap_or_default(),
            "month_year" if d.month.is_some() => self.t("date.month", &args(d)),
            "month_year" => self.t("date.year", &args(d)),
            _ => match (d.month, d.day) {
                (Some(_), Some(_)) => self.t("date.day", &args(d)),
                (Some(_), None) => self.t("date.month", &args(d)),
                _ => self.t("date.year", &args(d)),
            },
        }
    }
}

/// `{name}` -> value; unknown placeholders stay as they are.
fn fill(template: &str, args: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (k, v) in args {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// A translation file, flattened to dotted keys.
fn parse(display: &str, text: &str) -> Result<BTreeMap<String, Entry>, Diagnostic> {
    let value: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| crate::yaml::yaml_error(display, text, 0, &e))?;
    let mut out = BTreeMap::new();
    match value {
        serde_yaml::Value::Mapping(m) => flatten("", &m, &mut out).map_err(|key| {
            Diagnostic::in_file(
                display,
                format!("translation `{key}` must be text, a list of texts, or a map with `one` and `other`"),
            )
        })?,
        serde_yaml::Value::Null => {}
        _ => return Err(Diagnostic::in_file(display, "a translation file is a map of `key: text` lines")),
    }
    Ok(out)
}

fn flatten(prefix: &str, m: &serde_yaml::Mapping, out: &mut BTreeMap<String, Entry>) -> Result<(), String> {
    use serde_yaml::Value as Y;
    for (k, v) in m {
        let key = match k {
            Y::String(s) => s.clone(),
            Y::Bool(b) => b.to_string(),
            Y::Number(n) => n.to_string(),
            _ => return Err(format!("{prefix}?")),
        };
        let full = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
        let scalar = |v: &Y| match v {
            Y::String(s) => Some(s.clone()),
            Y::Number(n) => Some(n.to_string()),
            Y::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        match v {
            Y::Mapping(inner) => {
                let one = inner.get("one").and_then(scalar);
                let other = inner.get("other").and_then(scalar);
                match (one, other) {
                    (Some(one), Some(other)) if inner.len() == 2 => {
                        out.insert(full, Entry::Plural { one, other });
                    }
                    _ => flatten(&full, inner, out)?,
                }
            }
            Y::Sequence(items) => {
                let texts: Option<Vec<String>> = items.iter().map(scalar).collect();
                out.insert(full.clone(), Entry::List(texts.ok_or(full)?));
            }
            other => {
                out.insert(full.clone(), Entry::Text(scalar(other).ok_or(full)?));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_languages_have_the_same_keys() {
        let files: Vec<(&str, BTreeMap<String, Entry>)> = crate::theme::files_in("i18n")
            .map(|(rel, b)| (rel, parse(rel, &String::from_utf8_lossy(b)).unwrap()))
            .collect();
        assert!(files.len() >= 2, "en and nl ship with the binary");
        let en: BTreeSet<&String> = files.iter().find(|(r, _)| *r == "en.yaml").unwrap().1.keys().collect();
        for (rel, keys) in &files {
            assert_eq!(keys.keys().collect::<BTreeSet<_>>(), en, "{rel} has other keys than en.yaml");
        }
    }

    #[test]
    fn formats_dates_and_plurals_per_language() {
        let root = Path::new("/nonexistent");
        let (nl, warnings) = Translations::load(root, None, "nl").unwrap();
        assert!(warnings.is_empty());
        let d = PartialDate::parse("1947-06-22").unwrap();
        assert_eq!(nl.format_date(&d, "long"), "22 juni 1947");
        assert_eq!(Translations::english().format_date(&d, "long"), "22 June 1947");
        assert_eq!(Translations::english().format_date(&PartialDate::parse("2016-06").unwrap(), "long"), "June 2016");
        assert_eq!(nl.text("ui.pages", &[("count", "1".into())]).unwrap(), "1 pagina");
        assert_eq!(nl.text("ui.pages", &[("count", "3".into())]).unwrap(), "3 pagina's");
        assert!(nl.text("ui.nope", &[]).is_none());
    }
}
