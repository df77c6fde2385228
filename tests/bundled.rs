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

/// The part of `html` from `start` up to the first `end` after it ("" when `start` is not there).
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    html.split_once(start).map(|(_, rest)| rest.split(end).next().unwrap_or(rest)).unwrap_or("")
}

/// The `href`s of `<a ...>` tags in `html` whose tag contains `marker` (all links for "").
fn hrefs(html: &str, marker: &str) -> Vec<String> {
    html.split("<a ")
        .skip(1)
        .filter_map(|tag| {
            let tag = tag.split('>').next().unwrap_or("");
            let href = tag.split("href=\"").nth(1)?.split('"').next()?;
            tag.contains(marker).then(|| href.split('#').next().unwrap().to_string())
        })
        .collect()
}

/// Every record page of the built site (a page of a collection): its path and HTML.
fn record_pages() -> Vec<(String, String)> {
    let mut files = Vec::new();
    html_files(built(), built(), &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|f| {
            let html = read(&f);
            html.contains("<article class=\"record").then_some((f, html))
        })
        .collect()
}

#[test]
fn nothing_is_listed_twice_between_a_records_data_its_backlinks_and_related_pages() {
    let pages = record_pages();
    assert!(pages.len() > 150, "{}", pages.len());
    let mut problems = Vec::new();
    for (f, html) in &pages {
        // What the record itself shows: its data box, roles, day programme, regiogidsen or
        // projects, sources, and the links in its top line.
        let mut data: Vec<String> = Vec::new();
        for (start, end) in [
            ("<p class=\"bovenregel\">", "</p>"),
            ("<aside class=\"record-zij\"", "</aside>"),
            ("<section class=\"rollen\"", "</section>"),
            ("<section class=\"uitgelicht\"", "</section>"),
            ("<section class=\"tabel-scroll dagprogramma-tabel\"", "</table>"),
            ("<section class=\"bronnen\"", "</section>"),
        ] {
            data.extend(hrefs(between(html, start, end), ""));
        }
        data.sort();
        data.dedup();
        let mut listed: Vec<(String, String)> = data.iter().map(|u| (u.clone(), "the record's data".into())).collect();
        let backlinks = between(html, "<section class=\"verwijzingen\"", "<section class=\"gerelateerd\"");
        let backlinks = backlinks.split("<section class=\"bronnen\"").next().unwrap();
        for group in backlinks.split("<section class=\"verwijzingsgroep\">").skip(1) {
            let title = between(group, "<h3", "<span").rsplit('>').next().unwrap_or("").trim().to_string();
            listed.extend(hrefs(group, "class=\"item-titel\"").into_iter().map(|u| (u, format!("backlinks: {title}"))));
        }
        let related = between(html, "<section class=\"gerelateerd\"", "</section>");
        listed.extend(hrefs(related, "class=\"item-titel\"").into_iter().map(|u| (u, "Gerelateerd".to_string())));
        let sequence = between(html, "<nav class=\"volgorde\"", "</nav>");
        listed.extend(hrefs(sequence, "").into_iter().map(|u| (u, "Eerder/Later".to_string())));
        let mut seen: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for (u, place) in &listed {
            seen.entry(u.as_str()).or_default().push(place.as_str());
        }
        for (u, places) in seen {
            if places.len() > 1 {
                problems.push(format!("{f}: {u} in {places:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "listed twice:\n{}", problems.join("\n"));
    // The cases from the issue: the Projectendag's people are in its data only, not again
    // under backlinks or related pages.
    let day = read("evenementen/projectendag-2017/index.html");
    let backlinks = between(&day, "<section class=\"verwijzingen\"", "<section class=\"bronnen\"");
    assert!(day.contains("href=\"/personen/martin-berendse/\""));
    assert!(!backlinks.contains("/personen/"), "{backlinks}");
}

#[test]
fn each_related_page_says_what_it_shares_with_the_page() {
    let oba = read("organisaties/oba/index.html");
    let related = between(&oba, "<section class=\"gerelateerd\"", "</section>");
    assert!(related.contains("href=\"/programmas/soob-programma/\""), "{related}");
    assert!(related.contains("<p class=\"item-waarom\">Beide verbonden met "), "{related}");
    assert!(related.contains("persoon Martin Berendse"), "{related}");
    let project = read("projecten/spoenk-innovatief-jeugdbibliotheekwerk/index.html");
    let related = between(&project, "<section class=\"gerelateerd\"", "</section>");
    assert!(related.contains("themagroep Doorgaande leeslijn"), "{related}");
    assert!(related.contains("prioriteit Jeugd &amp; onderwijs"), "{related}");
    // Every related page on every record page has its reason.
    for (f, html) in record_pages() {
        let related = between(&html, "<section class=\"gerelateerd\"", "</section>");
        let items = related.matches("<li class=\"item\">").count();
        let reasons = related.matches("<p class=\"item-waarom\">Beide verbonden met ").count()
            + related.matches("<p class=\"item-waarom\">Genoemd in de tekst hierboven").count();
        assert_eq!(items, reasons, "{f}: a related page without a reason:\n{related}");
    }
}

#[test]
fn person_pages_have_a_data_box_and_the_person_index_shows_roles_not_sort_names() {
    let marina = read("personen/marina-polderman/index.html");
    let data = between(&marina, "<aside class=\"record-zij\"", "</aside>");
    for expected in [
        "<dt>Rollen</dt><dd>Regiogids, Reisgids</dd>",
        "<dt>Organisatie</dt><dd><a href=\"/organisaties/noord-oost-brabantse-bibliotheken/\">Noord Oost Brabantse Bibliotheken</a></dd>",
        "<dt>Regio</dt><dd><a href=\"/regios/zuidwest-nederland/\">Zuidwest-Nederland</a></dd>",
        "<dt>Periode</dt><dd>vanaf <time datetime=\"2018-05\">mei 2018</time></dd>",
    ] {
        assert!(data.contains(expected), "no {expected} in:\n{data}");
    }
    let alian = read("personen/alian-spelde/index.html");
    let data = between(&alian, "<aside class=\"record-zij\"", "</aside>");
    assert!(data.contains("<dt>Periode</dt><dd><time datetime=\"2016-04\">april 2016</time> – <time datetime=\"2016-06\">juni 2016</time></dd>"), "{data}");
    let index = read("personen/index.html");
    assert!(!index.contains("(Polderman, Marina)") && !index.contains("sorteernaam"));
    assert!(index.contains("regiogids voor Zuidwest-Nederland"));
}

#[test]
fn long_pages_have_contents_and_a_link_back_to_the_top() {
    let day = read("evenementen/projectendag-2017/index.html");
    let toc = between(&day, "<nav class=\"inhoudsopgave\"", "</nav>");
    assert!(toc.contains(">Op deze pagina</h2>"), "{toc}");
    for anchor in ["#gegevens-kop", "#dagprogramma-kop", "#verwijzingen-kop", "#bronnen-kop"] {
        assert!(toc.contains(&format!("href=\"{anchor}\"")), "no {anchor} in {toc}");
        assert!(day.contains(&format!("id=\"{}\"", &anchor[1..])), "{anchor}");
    }
    assert!(day.contains("<a href=\"#boven\">Terug naar boven</a>") && day.contains("id=\"boven\""));
    // The longest texts too; a short page has neither.
    for long in ["programmas/route-2020/index.html", "programmas/innovatieagenda/index.html"] {
        let html = read(long);
        assert!(html.contains("<nav class=\"inhoudsopgave\"") && html.contains("Terug naar boven"), "{long}");
    }
    let short = read("themagroepen/werkplaats/index.html");
    assert!(!short.contains("<nav class=\"inhoudsopgave\"") && !short.contains("Terug naar boven"));
}

#[test]
fn each_timeline_entry_links_to_the_entry_before_and_after_it() {
    // The timeline's own order, newest first.
    let list = read("tijdlijn/index.html");
    let order: Vec<String> = list
        .split("<h3 class=\"tijdlijn-titel\">")
        .skip(1)
        .flat_map(|h| hrefs(h.split("</h3>").next().unwrap(), ""))
        .collect();
    assert_eq!(order.len(), pages_in("tijdlijn"));
    for (i, url) in order.iter().enumerate() {
        let html = read(&format!("{}index.html", &url[1..]));
        let nav = between(&html, "<nav class=\"volgorde\" aria-label=\"Tijdlijn: eerder en later\">", "</nav>");
        let earlier = hrefs(between(nav, "<li class=\"volgorde-eerder\">", "</li>"), "");
        let later = hrefs(between(nav, "<li class=\"volgorde-later\">", "</li>"), "");
        assert_eq!(earlier, order.get(i + 1).into_iter().cloned().collect::<Vec<_>>(), "{url}: Eerder");
        assert_eq!(later, if i == 0 { vec![] } else { vec![order[i - 1].clone()] }, "{url}: Later");
    }
}

#[test]
fn the_dutch_polish_of_issue_16() {
    // /regios/: no space before a colon; the 2019 cohort lists all four regiogidsen of 2019
    // (seed 002: Stam, Van de Walle and Blom are new, Vie van Steenbergen stays).
    let regios = read("regios/index.html");
    assert!(!regios.contains(" :") && !regios.contains("</a>\n      :"));
    let cohort_2019 = between(&regios, "id=\"cohort-2019\"", "</section>");
    for person in ["deem-stam", "willemijn-van-de-walle", "willy-blom-van-t-land", "vie-van-steenbergen"] {
        assert!(cohort_2019.contains(&format!("/personen/{person}/")), "{person} not in the 2019 cohort");
    }
    assert!(cohort_2019.contains("blijft aan voor Midden- en Noordwest-Nederland"));
    let cohort_2018 = between(&regios, "id=\"cohort-2018\"", "</section>");
    assert!(!cohort_2018.contains("willemijn-van-de-walle") && !cohort_2018.contains("blijft aan"));
    // A role's kind is not repeated by its own words.
    for f in ["regios/zuidwest-nederland/index.html", "personen/marina-polderman/index.html", "personen/index.html"] {
        assert!(!read(f).contains("Reisgids</span> reisgids"), "{f}");
    }
    for f in ["programmas/soob-programma/index.html", "programmas/bozh-programma-taalnetwerken/index.html"] {
        assert!(!read(f).contains("Programma · Programma"), "{f}");
    }
    assert!(read("zoeken.js").contains("terwijl u typt") && !read("zoeken.js").contains(" je "));
    let orgs = read("organisaties/index.html");
    assert!(orgs.contains(">Overheden <span class=\"aantal\">") && !orgs.contains(">Overheid <"));
    assert!(!read("bronnen/innovatie-bij-bibliotheken/index.html").contains("09 oktober"));
    for f in
        ["organisaties/oba", "organisaties/bibliotheek-maassluis-midden-delfland", "organisaties/bibliotheek-rotterdam"]
    {
        let html = read(&format!("{f}/index.html"));
        assert!(html.contains("Noord- en Zuid-Holland trokken.") && !html.contains("trekken."), "{f}");
    }
    let mark = read("personen/mark-deckers/index.html");
    assert!(mark.contains("verzorgde het onderdeel &#39;Netwerken!&#39; op de Projectendag"));
    assert!(!mark.contains("Spreker") && !mark.contains("<span class=\"rol-tekst\">Netwerken!</span>"));
    // A themagroep's text does not repeat its lead.
    let group = read("themagroepen/werkplaats/index.html");
    let text = between(&group, "<div class=\"tekst\">", "</div>");
    assert!(!text.contains("is een van de 13 themagroepen"), "{text}");
    assert!(read("personen/prinses-laurentien/index.html").contains("href=\"/organisaties/cultura-ede/\""));
    let agenda = read("programmas/innovatieagenda/index.html");
    let first = between(&agenda, "<div class=\"tekst\">", "</p>");
    assert!(first.contains("Openbare bibliotheken staan voor de grote opgave om ook in de toekomst de centrale plek te blijven voor ontwikkeling en non-formeel leren. Innoveren is noodzaak"), "{first}");
}

#[test]
fn every_main_menu_item_is_named_like_the_page_it_opens() {
    let home = read("index.html");
    let bar = between(&home, "<nav class=\"hoofdmenu\" aria-label=\"Hoofdmenu\">", "</nav>");
    let items: Vec<(String, String)> = bar
        .split("<li><a href=\"")
        .skip(1)
        .map(|s| {
            let (url, rest) = s.split_once('"').unwrap();
            (url.to_string(), rest.split('>').nth(1).unwrap().split('<').next().unwrap().to_string())
        })
        .collect();
    assert_eq!(items.len(), 9);
    for (url, name) in items {
        let page = read(&format!("{}index.html", &url[1..]));
        let h1 = between(&page, "<h1>", "</h1>");
        assert_eq!(h1, name, "the menu item {name} opens {url}, titled {h1}");
    }
}

#[test]
fn two_builds_of_the_bundled_site_are_identical() {
    // The theme computes a lot (what is shown where, why pages are related): none of it may
    // depend on the order of a hash map.
    let again = std::env::temp_dir().join(format!("innobieb-bundled-again-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&again);
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_innobieb"))
        .args(["build", "-q", "--root", env!("CARGO_MANIFEST_DIR"), "--output", again.to_str().unwrap()])
        .status()
        .expect("run innobieb");
    assert!(status.success());
    let mut files = Vec::new();
    html_files(built(), built(), &mut files);
    assert!(files.len() > 150);
    for f in &files {
        let other = std::fs::read_to_string(again.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(read(f) == other, "{f} differs between two builds");
    }
    let _ = std::fs::remove_dir_all(&again);
}

#[test]
fn the_regions_page_maps_the_provinces_of_each_years_regiogidsen() {
    let regios = read("regios/index.html");
    assert_eq!(regios.matches("<figure class=\"tile-map\">").count(), 2, "the years whose regions name provinces");
    assert!(regios.contains(
        "<title id=\"tile-map-cohort-2016-title\">Provincies met regiogidsen van 2016: Friesland: Groningen, Friesland, Drenthe en Overijssel;"
    ));
    assert!(regios.contains("<figcaption>Waar de regiogidsen van 2019 werkten</figcaption>"));
    // 2019: the three provinces of "Noord- en Zuid-Holland en Zeeland", nothing else.
    let map_2019 = between(&regios, "tile-map-cohort-2019-title", "</figure>");
    assert_eq!(map_2019.matches("<g class=\"tile tile-on\">").count(), 3, "{map_2019}");
}
