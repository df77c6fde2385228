//! `innobieb new <collection> "Title"`: a new page with the collection's fields
//! written out as a template (required fields first, allowed values in comments), in the
//! site's language; a required date is today's.

use crate::config::{COMMON_FIELDS, Config, FieldDef, FieldKind};
use crate::console::{EXIT_CONTENT, EXIT_INTERNAL, Verbosity, print_diagnostics};
use crate::diagnostic::closest;
use crate::i18n::Translations;
use crate::parse::scalar_text;
use crate::schema::{Placeholders, example_value};
use crate::slug::slugify;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The collection (as declared in site.yaml), for example `personen`.
    pub collection: String,
    /// The page's title; its file name is made from it.
    pub title: String,
    /// The site folder (the one with site.yaml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

pub fn run(args: &NewArgs, verbosity: Verbosity) -> i32 {
    let config = match Config::load(&args.root) {
        Ok(c) => c,
        Err(diags) => {
            print_diagnostics(&diags);
            return EXIT_CONTENT;
        }
    };
    let Some(def) = config.collections.get(&args.collection) else {
        let names: Vec<&str> = config.collections.keys().map(String::as_str).collect();
        let hint = closest(&args.collection, names.iter().copied())
            .map(|c| format!(" did you mean `{c}`?"))
            .unwrap_or_default();
        eprintln!("error: no collection `{}` in site.yaml.{hint} Collections: {}", args.collection, names.join(", "));
        return EXIT_INTERNAL;
    };
    let slug = slugify(&args.title);
    if slug.is_empty() {
        eprintln!("error: cannot make a file name from the title `{}`", args.title);
        return EXIT_INTERNAL;
    }
    let folder = def.folder.clone().unwrap_or_else(|| args.collection.clone());
    let path = args.root.join("content").join(&folder).join(format!("{slug}.md"));
    if path.exists() {
        eprintln!("error: {} already exists; choose another title or edit that file", path.display());
        return EXIT_INTERNAL;
    }
    let text = template(&args.title, &def.fields, &config.i18n, &crate::date::today());
    if let Err(e) =
        std::fs::create_dir_all(path.parent().unwrap_or(&args.root)).and_then(|_| std::fs::write(&path, text))
    {
        eprintln!("error: cannot write {}: {e}", path.display());
        return EXIT_INTERNAL;
    }
    if verbosity >= Verbosity::Normal {
        println!("Created {}", path.strip_prefix(".").unwrap_or(&path).display());
    }
    0
}

/// The front matter and body of a new page, with the placeholders in `words`' language.
pub fn template(
    title: &str,
    fields: &indexmap::IndexMap<String, FieldDef>,
    words: &Translations,
    today: &str,
) -> String {
    let slug = words.t("new.slug", &[]);
    let text = words.t("new.text", &[]);
    let placeholders = Placeholders { slug: &slug, text: &text, date: today };
    let mut out = String::from("---\n");
    out.push_str(&format!("title: {}\n", yaml_string(title)));
    let (required, optional): (Vec<_>, Vec<_>) = fields.iter().partition(|(_, f)| f.required);
    for (name, f) in required {
        write_field(&mut out, name, f, false, words, &placeholders);
    }
    for (name, f) in optional {
        write_field(&mut out, name, f, true, words, &placeholders);
    }
    out.push_str(&format!("---\n\n{}\n", words.t("new.body", &[])));
    out
}

fn write_field(
    out: &mut String,
    name: &str,
    f: &FieldDef,
    optional: bool,
    words: &Translations,
    placeholders: &Placeholders,
) {
    let list = |values: &[serde_yaml::Value]| values.iter().filter_map(scalar_text).collect::<Vec<_>>().join(", ");
    let mut notes = Vec::new();
    if let Some(label) = &f.label {
        notes.push(label.clone());
    }
    if let Some(d) = &f.description {
        notes.push(d.clone());
    }
    notes.push(words.t(if optional { "new.optional" } else { "new.required" }, &[]));
    if let Some(values) = &f.values {
        notes.push(words.t("new.one_of", &[("values", list(values))]));
    }
    if !f.targets().is_empty() {
        notes.push(words.t("new.slugs_from", &[("collections", f.targets().join(", "))]));
    }
    if let Some(values) = f.items.as_ref().and_then(|i| i.values.as_ref()) {
        notes.push(words.t("new.item_values", &[("values", list(values))]));
    }
    // One comment line: texts of several lines (a description) are joined.
    let notes: Vec<String> = notes
        .iter()
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" ").trim_end_matches(['.', ';', ' ']).to_string())
        .collect();
    out.push_str(&format!("# {name}: {}\n", notes.join("; ")));
    let prefix = if optional { "# " } else { "" };
    let value = match f.kind {
        FieldKind::Record => {
            let mut s = String::new();
            for (k, sub) in f.fields.iter().flatten() {
                s.push_str(&format!("\n{prefix}  {k}: {}", example_value(sub, placeholders)));
            }
            s
        }
        FieldKind::List => match f.items.as_deref() {
            Some(items) if items.kind == FieldKind::Record => {
                let mut s = String::new();
                for (i, (k, sub)) in items.fields.iter().flatten().enumerate() {
                    let lead = if i == 0 { "  - " } else { "    " };
                    s.push_str(&format!("\n{prefix}{lead}{k}: {}", example_value(sub, placeholders)));
                }
                s
            }
            Some(items) => format!("[{}]", example_value(items, placeholders)),
            None => "[]".into(),
        },
        _ => example_value(f, placeholders),
    };
    if COMMON_FIELDS.contains(&name) && name == "date" {
        out.push_str(&format!("{prefix}date: {value}\n"));
    } else if value.starts_with('\n') {
        out.push_str(&format!("{prefix}{name}:{value}\n"));
    } else {
        out.push_str(&format!("{prefix}{name}: {value}\n"));
    }
}

fn yaml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
