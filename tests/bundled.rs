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
    // Every collection has a page for each of its files in content/ (the counts above are
    // what the sources say; these follow the content as editors add to it).
    for c in ["personen", "organisaties", "regios", "programmas", "evenementen", "themagroepen", "projecten"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("content").join(c);
        let files = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.ends_with(".md") && name != "_index.md" && !name.starts_with(['_', '.'])
            })
            .count();
        assert!(files > 0, "{c}");
        assert_eq!(pages_in(c), files, "{c}: one page per file in content/{c}/");
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
fn the_projectendag_programme_is_a_table_and_a_list_of_cards() {
    let day = read("evenementen/projectendag-2017/index.html");
    assert!(day.contains("<table") && day.contains("<caption") && day.contains("scope=\"col\""));
    assert!(day.contains("Richard Engelfriet"));
    // The same programme as cards for phones (the stylesheet shows one of the two).
    let rows = day.split("<th scope=\"row\"").count() - 1;
    let cards = day.split("<li class=\"dagprogramma-kaart\">").count() - 1;
    assert!(rows >= 15, "{rows}");
    assert_eq!(cards, rows, "one card per row of the table");
    assert!(
        day.contains(
            "<p class=\"dagprogramma-tijd\">09:30</p>\n      <p class=\"dagprogramma-onderdeel\">Ontvangst</p>"
        )
    );
}

#[test]
fn the_main_menu_opens_from_a_button_on_phones_and_the_home_page_has_one_search_field() {
    let home = read("index.html");
    assert_eq!(home.matches("role=\"search\"").count(), 1, "the home page has its own search field only");
    let page = read("personen/index.html");
    assert_eq!(page.matches("role=\"search\"").count(), 1);
    // One menu for phones (a <details>, no script needed) and the bar for wider screens,
    // with the same links and distinct names.
    let menu = page.split("<nav class=\"menu-klein\" aria-label=\"Menu\">").nth(1).expect("the phone menu");
    let menu = menu.split("</nav>").next().unwrap();
    assert!(menu.contains("<details class=\"menu-uitklap\">") && menu.contains("Menu</summary>"), "{menu}");
    let bar = page.split("<nav class=\"hoofdmenu\" aria-label=\"Hoofdmenu\">").nth(1).expect("the menu bar");
    let bar = bar.split("</nav>").next().unwrap();
    let links = |html: &str| {
        html.split("<li><a ").skip(1).map(|l| l.split("</a>").next().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(links(menu), links(bar));
    assert_eq!(links(bar).len(), 9);
    assert!(links(bar).contains(&"href=\"/personen/\" aria-current=\"page\">Personen".to_string()), "{:?}", links(bar));
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

/// Every HTML file of the built site, relative to it.
fn html_files(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            html_files(&p, base, out);
        } else if p.extension().is_some_and(|x| x == "html") {
            out.push(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
        }
    }
}

#[test]
fn every_json_ld_block_parses_and_has_the_properties_its_type_needs() {
    let mut files = Vec::new();
    html_files(built(), built(), &mut files);
    let mut per_type: std::collections::BTreeMap<String, usize> = Default::default();
    for f in &files {
        let html = read(f);
        for block in html.split("<script type=\"application/ld+json\">").skip(1) {
            let json = block.split("</script>").next().unwrap();
            let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{f}: {e}\n{json}"));
            assert_eq!(v["@context"], "https://schema.org", "{f}");
            let kind = v["@type"].as_str().unwrap_or_else(|| panic!("{f}: no @type")).to_string();
            // An event's place where its source gives one (some sources do not say).
            let source = std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("content")
                    .join(f.trim_end_matches("/index.html").to_string() + ".md"),
            )
            .unwrap_or_default();
            let placed = source.contains("\nlocatie:") || source.contains("\nplaats:");
            let needed: &[&str] = match kind.as_str() {
                "Event" if placed => &["name", "url", "startDate", "location"],
                "Event" => &["name", "url", "startDate"],
                _ => &["name", "url"],
            };
            for key in needed {
                assert!(v[key].is_string(), "{f}: {kind} without `{key}`: {json}");
            }
            assert!(v["url"].as_str().unwrap().starts_with("https://kennisbank.innobieb.nl/"), "{f}");
            *per_type.entry(kind).or_default() += 1;
        }
    }
    // Every person, organisation, project and event page has one.
    assert_eq!(per_type.get("Project"), Some(&pages_in("projecten")), "{per_type:?}");
    assert_eq!(per_type.get("Event"), Some(&pages_in("evenementen")), "{per_type:?}");
    assert_eq!(per_type.get("Person"), Some(&pages_in("personen")), "{per_type:?}");
    assert_eq!(per_type.get("Organization"), Some(&pages_in("organisaties")), "{per_type:?}");
}
