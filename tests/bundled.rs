//! The bundled knowledge base, built end to end from the repository: every
//! collection builds, the counts match the sources, cross-links appear in both
//! directions on real pages, and every internal link resolves.

use std::collections::BTreeSet;
use std::path::Path;

/// Builds the repository's site once into a temp folder shared by these tests.
fn built() -> &'static Path {
    static OUT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    OUT.get_or_init(|| {
        let out = std::env::temp_dir().join(format!("innobieb-bundled-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let repo = env!("CARGO_MANIFEST_DIR");
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_innobieb"))
            .args(["build", "-q", "--root", repo, "--output", out.to_str().unwrap()])
            .status()
            .expect("run innobieb");
        assert!(status.success(), "the bundled site must build");
        out
    })
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(built().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn pages_in(folder: &str) -> usize {
    std::fs::read_dir(built().join(folder))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("index.html").is_file() && e.file_name() != "page")
        .count()
}

#[test]
fn every_collection_builds_with_the_counts_of_the_sources() {
    assert_eq!(pages_in("themagroepen"), 13);
    assert_eq!(pages_in("projecten"), 21);
    assert_eq!(pages_in("prioriteiten"), 5);
    assert_eq!(pages_in("bronnen"), 5);
    // 7 + 12 + 7 dated entries on the VOB pages, plus the KWINK project page.
    assert_eq!(pages_in("tijdlijn"), 27);
    assert!(pages_in("personen") >= 35);
    assert!(pages_in("organisaties") >= 25);
    for c in ["regios", "programmas", "evenementen"] {
        assert!(pages_in(c) > 0, "{c}");
    }
    for f in [
        "index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "tijdlijn/atom.xml",
        "data/personen.json",
        "zoeken/index.html",
    ] {
        assert!(built().join(f).is_file(), "{f}");
    }
}

#[test]
fn a_person_and_the_entries_that_mention_them_link_both_ways() {
    let person = read("personen/joost-zijderveld/index.html");
    assert!(person.contains("href=\"/tijdlijn/proeftuinen-en-parels/\""));
    let entry = read("tijdlijn/proeftuinen-en-parels/index.html");
    assert!(entry.contains("href=\"/personen/joost-zijderveld/\""));
    assert!(entry.contains("href=\"/personen/henriette-de-kok/\""));
    // One person, however the sources spell the name.
    assert!(read("personen/henriette-de-kok/index.html").contains("Henriëtte de Kok"));
    assert!(!built().join("personen/henriëtte-de-kok").exists());
}

#[test]
fn a_project_links_to_its_priority_and_themagroepen_and_back() {
    let project = read("projecten/spoenk-innovatief-jeugdbibliotheekwerk/index.html");
    assert!(project.contains("href=\"/prioriteiten/jeugd-onderwijs/\""));
    assert!(project.contains("href=\"/themagroepen/doorgaande-leeslijn/\""));
    assert!(
        read("prioriteiten/jeugd-onderwijs/index.html")
            .contains("href=\"/projecten/spoenk-innovatief-jeugdbibliotheekwerk/\"")
    );
    assert!(
        read("themagroepen/doorgaande-leeslijn/index.html")
            .contains("href=\"/projecten/spoenk-innovatief-jeugdbibliotheekwerk/\"")
    );
}

#[test]
fn a_region_and_its_regiogidsen_link_both_ways() {
    let region = read("regios/noordoost-nederland/index.html");
    assert!(region.contains("href=\"/personen/ilona-ebels/\""));
    assert!(read("personen/ilona-ebels/index.html").contains("href=\"/regios/noordoost-nederland/\""));
    assert!(read("regios/index.html").contains("href=\"/personen/ilona-ebels/\""));
}

#[test]
fn the_projectendag_programme_is_a_table() {
    let day = read("evenementen/projectendag-2017/index.html");
    assert!(day.contains("<table") && day.contains("<caption") && day.contains("scope=\"col\""));
    assert!(day.contains("Richard Engelfriet"));
}

#[test]
fn every_internal_link_and_anchor_resolves() {
    let root = built();
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "html") {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 150);
    let mut broken = BTreeSet::new();
    let mut checked = 0;
    for f in &files {
        let html = std::fs::read_to_string(f).unwrap();
        for attr in ["href=\"", "src=\""] {
            for part in html.split(attr).skip(1) {
                let url = &part[..part.find('"').unwrap_or(0)];
                if !url.starts_with('/') || url.starts_with("//") {
                    continue;
                }
                checked += 1;
                let (path, anchor) = url.split_once('#').map(|(p, a)| (p, Some(a))).unwrap_or((url, None));
                let path = path.split('?').next().unwrap();
                let target =
                    if path.ends_with('/') { root.join(&path[1..]).join("index.html") } else { root.join(&path[1..]) };
                if !target.is_file() {
                    broken.insert(format!("{} -> {url}", f.strip_prefix(root).unwrap().display()));
                    continue;
                }
                if let (Some(a), true) = (anchor, target.extension().is_some_and(|x| x == "html")) {
                    let text = std::fs::read_to_string(&target).unwrap();
                    if !a.is_empty() && !text.contains(&format!("id=\"{a}\"")) {
                        broken.insert(format!("{} -> {url} (anchor)", f.strip_prefix(root).unwrap().display()));
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "{checked}");
    assert!(broken.is_empty(), "broken links:\n{}", broken.into_iter().collect::<Vec<_>>().join("\n"));
}

#[test]
fn no_personal_phone_numbers_or_email_addresses_are_published() {
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("content")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let digits_run = text
                .split(|c: char| !(c.is_ascii_digit() || c == ' ' || c == '-'))
                .any(|run| run.chars().filter(char::is_ascii_digit).count() >= 9);
            assert!(!digits_run, "{} contains something like a phone number", p.display());
            assert!(
                !text.contains("@probiblio") && !text.contains("mailto:"),
                "{} contains an e-mail address",
                p.display()
            );
            let at_words = text
                .split_whitespace()
                .filter(|w| w.contains('@') && w.contains('.') && !w.starts_with("(@/") && !w.contains("](@/"))
                .count();
            assert_eq!(at_words, 0, "{} contains an e-mail address", p.display());
        }
    }
}
