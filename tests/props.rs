//! Property tests ("fuzzing" on stable Rust) of the pure stages: whatever the input,
//! no panic, and the invariants hold. CI runs the default number of cases; for a
//! long local run: `PROPTEST_CASES=100000 cargo test --release --test props`.

use innobieb::date::PartialDate;
use innobieb::load::SourceFile;
use innobieb::parse::{parse, split_front_matter};
use innobieb::serve::http::{Target as HttpTarget, resolve_path};
use innobieb::slug::slugify;
use innobieb::yaml::{Seg, Target, locate};
use proptest::prelude::*;
use std::collections::HashMap;

fn src(text: String) -> SourceFile {
    SourceFile { rel: "a/b.md".into(), text, stamp: None, fresh: true }
}

/// Text that looks like a page: fences, YAML-ish lines and Markdown, with noise.
fn page_like() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("---".to_string()),
        "[a-z_]{1,8}: [^\n]{0,20}",
        "  - [^\n]{0,12}",
        "\t[a-z]+: [0-9]+",
        "#{1,6} [^\n]{0,20}",
        "\\[[a-z]{1,5}\\]\\(@?/?[a-z/.#-]{0,20}\\)",
        "\\| [a-z]+ \\| [0-9]+ \\|",
        "[^\n]{0,40}",
        Just("<!-- more -->".to_string()),
        Just("\u{feff}---\r".to_string()),
    ];
    prop::collection::vec(line, 0..24).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #[test]
    fn parse_never_panics_on_any_text(text in any::<String>()) {
        let _ = parse(&src(text));
    }

    #[test]
    fn parse_never_panics_on_page_like_text(text in page_like()) {
        if let Ok(doc) = parse(&src(text.clone())) {
            // Heading ids are unique within a page.
            let mut ids: Vec<&str> = doc.headings.iter().map(|h| h.id.as_str()).collect();
            ids.sort();
            let n = ids.len();
            ids.dedup();
            prop_assert_eq!(n, ids.len());
            // The body is a suffix of the normalized text.
            let norm = text.trim_start_matches('\u{feff}').replace("\r\n", "\n").replace('\r', "\n");
            prop_assert!(norm.ends_with(&*doc.body));
        }
    }

    #[test]
    fn split_finds_the_fences_it_was_given(yaml in "([a-z]{1,6}: [a-z0-9 ]{0,10}\n){0,6}", body in "[^\r]{0,80}") {
        let text = format!("---\n{yaml}---\n{body}");
        let s = split_front_matter(&text, "x.md").unwrap();
        prop_assert_eq!(s.yaml, yaml.as_str());
        if !body.starts_with("---") {
            prop_assert_eq!(s.body, body.as_str());
        }
    }

    #[test]
    fn markdown_render_never_panics_and_rewrites_known_links(body in page_like(), url in "/[a-z]{1,8}/") {
        let scan = innobieb::parse::markdown_scan::scan(&body);
        let links: HashMap<String, String> = scan.links.iter().map(|l| (l.dest.clone(), url.clone())).collect();
        let out = innobieb::markdown::render(&body, &links, &scan.headings, &innobieb::i18n::Translations::english());
        for l in &scan.links {
            if l.dest.starts_with("@/") {
                prop_assert!(!out.content.contains(&format!("href=\"{}\"", l.dest)), "{} left in output", l.dest);
            }
        }
    }

    #[test]
    fn partial_dates_round_trip_and_sort_like_tuples(
        a in (1000i32..3000, 1u8..=12, 1u8..=28, 0u8..3),
        b in (1000i32..3000, 1u8..=12, 1u8..=28, 0u8..3),
        near in 0u8..3,
    ) {
        // (text, the date it stands for, its sort key: missing parts count as 0).
        let make = |(y, m, d, p): (i32, u8, u8, u8)| match p {
            0 => (format!("{y:04}"), (y, None, None), (y, 0, 0)),
            1 => (format!("{y:04}-{m:02}"), (y, Some(m), None), (y, m, 0)),
            _ => (format!("{y:04}-{m:02}-{d:02}"), (y, Some(m), Some(d)), (y, m, d)),
        };
        // Often in the same year or month as `a`: random years would hardly ever meet.
        let b = match near {
            0 => b,
            1 => (a.0, b.1, b.2, b.3),
            _ => (a.0, a.1, b.2, b.3),
        };
        let (text_a, parts_a, key_a) = make(a);
        let (text_b, parts_b, key_b) = make(b);
        let da = PartialDate::parse(&text_a).unwrap();
        let db = PartialDate::parse(&text_b).unwrap();
        prop_assert_eq!(da.to_string(), text_a.clone());
        prop_assert_eq!((da.year, da.month, da.day), parts_a);
        prop_assert_eq!((db.year, db.month, db.day), parts_b);
        // A year sorts before its months, a month before its days: like the keys.
        prop_assert_eq!(da.cmp(&db), key_a.cmp(&key_b), "{} vs {}", text_a, text_b);
    }

    #[test]
    fn date_parse_never_panics(text in any::<String>()) {
        let _ = PartialDate::parse(&text);
    }

    #[test]
    fn slugs_are_clean_and_stable(text in any::<String>()) {
        let s = slugify(&text);
        prop_assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        prop_assert!(!s.starts_with('-') && !s.ends_with('-') && !s.contains("--"));
        prop_assert_eq!(slugify(&s), s.clone());
    }

    #[test]
    fn config_parse_never_panics(text in page_like()) {
        let _ = innobieb::config::Config::parse(std::path::Path::new("/nonexistent"), &text);
    }

    #[test]
    fn locate_never_panics(text in page_like(), keys in prop::collection::vec("[a-z]{1,4}", 0..4), idx in 0usize..4) {
        let mut path: Vec<Seg> = keys.into_iter().map(Seg::Key).collect();
        path.push(Seg::Index(idx));
        let _ = locate(&text, &path, Target::Value);
        let _ = locate(&text, &path, Target::Key);
    }

    #[test]
    fn served_paths_never_leave_the_site(raw in "(/|%2[eEfF]|%5[cC]|\\.|\\.\\.|[a-z]|%[0-9a-f]{2}|\\\\){0,12}") {
        match resolve_path(&raw, &|_| true) {
            HttpTarget::File(p) => {
                prop_assert!(!p.split('/').any(|s| s == ".." || s == "."), "{}", p);
                prop_assert!(!p.starts_with('/') && !p.contains('\\'), "{}", p);
            }
            HttpTarget::Redirect(to) => prop_assert!(to.starts_with('/')),
            _ => {}
        }
    }
}
