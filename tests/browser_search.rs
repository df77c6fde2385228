//! The search page in a real browser: the fixture site (with the theme's zoeken.js and
//! zoeken.css copied in) is built, served on 127.0.0.1 and driven in headless Chromium.
//!
//! Needs Chromium, so ignored by a bare `cargo test`; run with
//! `cargo test --test browser_search -- --include-ignored`.
//! Set `INNOBIEB_SCREENSHOTS=<folder>` to keep screenshots of the page.
#![cfg(feature = "search")]

mod common;

use common::Fixture;
use common::browser::Browser;
use common::server::StaticServer;
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// The fixture site with the theme's search script and style, built with `args`.
fn site(args: &[&str]) -> Fixture {
    let site = Fixture::copy("search_basic");
    site.copy_from_repo("themes/innovatiebieb/static/zoeken.js", "themes/t/static/zoeken.js");
    site.copy_from_repo("themes/innovatiebieb/static/css/zoeken.css", "themes/t/static/css/zoeken.css");
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    site.run(&all).expect_success();
    site
}

fn open(b: &mut Browser, url: &str) {
    b.navigate(url).unwrap();
    b.wait_for("document.querySelector('#zoeken.zoeken-klaar') !== null", WAIT).unwrap_or_else(|e| {
        panic!("the search page did not start: {e}\nexceptions: {:?}\nconsole: {:?}", b.exceptions(), b.console())
    });
}

fn js_str(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

/// Types into the search field the way a user does (value, then an `input` event).
fn type_query(b: &mut Browser, q: &str) {
    b.eval(&format!(
        "(() => {{ const i = document.getElementById('zoeken-q'); i.focus(); i.value = {}; \
         i.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()",
        js_str(q)
    ))
    .unwrap();
}

fn checkbox(facet: &str, value: &str) -> String {
    format!("document.querySelector('input[data-facet={}][value={}]')", js_str(facet), js_str(value))
}

fn click_facet(b: &mut Browser, facet: &str, value: &str) {
    b.eval(&format!("{}.click()", checkbox(facet, value))).unwrap();
}

/// Waits until the live region says `status`, then returns the listed result URLs.
fn wait_results(b: &mut Browser, status: &str) -> Vec<String> {
    let expr = format!(
        "(() => {{ const s = document.querySelector('.zoeken-status').textContent; \
         const l = document.querySelector('.zoeken-lijst'); \
         if (s !== {} || l.hasAttribute('aria-busy')) return null; \
         return [...l.querySelectorAll('.zoeken-resultaat')].map(li => li.dataset.url); }})()",
        js_str(status)
    );
    match b.wait_for(&expr, WAIT) {
        Ok(Value::Array(urls)) => urls.iter().filter_map(|u| u.as_str().map(str::to_string)).collect(),
        Ok(v) => panic!("unexpected {v}"),
        Err(e) => {
            let now = b.eval("document.querySelector('.zoeken-status').textContent").unwrap_or_default();
            panic!("{e}\nstatus now: {now}\nexceptions: {:?}\nconsole: {:?}", b.exceptions(), b.console())
        }
    }
}

/// The count shown next to a facet value.
fn count(b: &mut Browser, facet: &str, value: &str) -> i64 {
    let v = b
        .eval(&format!("{}.closest('li').querySelector('.zoeken-aantal').dataset.count", checkbox(facet, value)))
        .unwrap();
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no count for {facet}={value}: {v}"))
}

fn eval_str(b: &mut Browser, js: &str) -> String {
    b.eval(js).unwrap().as_str().unwrap_or_default().to_string()
}

fn screenshot(b: &mut Browser, name: &str) {
    if let Some(dir) = std::env::var_os("INNOBIEB_SCREENSHOTS") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        b.screenshot(&dir.join(format!("{name}.png")), true).unwrap();
    }
}

#[test]
#[ignore = "needs chromium"]
fn search_as_you_type_with_dutch_stemming_facets_and_browsing() {
    let site = site(&[]);
    let server = StaticServer::start(&site.path("public"));
    let mut b = Browser::launch();
    b.set_viewport(1200, 900).unwrap();
    open(&mut b, &server.url("zoeken/"));

    // The field is labelled, and the live region is there before anything is announced.
    assert_eq!(eval_str(&mut b, "document.querySelector('label[for=zoeken-q]').textContent"), "Zoek in de kennisbank");
    assert_eq!(eval_str(&mut b, "document.querySelector('.zoeken-status').getAttribute('aria-live')"), "polite");
    // Facets in site.yaml order, each a fieldset with a legend; totals before any search.
    let legends =
        b.eval("[...document.querySelectorAll('fieldset.zoeken-facet > legend')].map(l => l.textContent)").unwrap();
    assert_eq!(legends, serde_json::json!(["Soort", "Themagroep", "Provincie", "Jaar"]));
    assert_eq!(count(&mut b, "collectie", "Berichten"), 4);
    assert_eq!(count(&mut b, "provincie", "Utrecht"), 2);

    // "bibliotheken" finds pages that only say "bibliotheek" (Dutch stemming; not a prefix).
    type_query(&mut b, "bibliotheken");
    let urls = wait_results(&mut b, "3 resultaten");
    let mut sorted = urls.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["/berichten/leesclub-utrecht/", "/berichten/makerspace-zwolle/", "/berichten/netwerk-scholen/"]
    );
    let first = eval_str(&mut b, "document.querySelector('.zoeken-resultaat').innerHTML");
    assert!(first.contains("<mark>bibliotheek</mark>"), "excerpt with the match marked: {first}");
    assert!(first.contains("zoeken-soort\">Berichten<"), "collection shown: {first}");
    assert!(eval_str(&mut b, "location.search").contains("q=bibliotheken"), "the query is in the URL");
    screenshot(&mut b, "zoeken-bibliotheken");

    // Counts follow the query.
    assert_eq!(count(&mut b, "themagroep", "Digitale inclusie"), 2);
    assert_eq!(count(&mut b, "jaar", "2017"), 1);
    assert_eq!(count(&mut b, "provincie", "Utrecht"), 2);

    // A facet value narrows the results; the other facets' counts change with it.
    click_facet(&mut b, "provincie", "Utrecht");
    let mut urls = wait_results(&mut b, "2 resultaten");
    urls.sort();
    assert_eq!(urls, ["/berichten/leesclub-utrecht/", "/berichten/netwerk-scholen/"]);
    assert_eq!(count(&mut b, "themagroep", "Digitale inclusie"), 1);
    assert_eq!(count(&mut b, "jaar", "2017"), 0);
    // Within the facet, values are alternatives (OR), so its own counts stay.
    assert_eq!(count(&mut b, "provincie", "Overijssel"), 1);
    assert!(eval_str(&mut b, "location.search").contains("provincie=Utrecht"));

    // OR within a facet...
    click_facet(&mut b, "provincie", "Overijssel");
    assert_eq!(wait_results(&mut b, "3 resultaten").len(), 3);
    // ...AND across facets.
    click_facet(&mut b, "jaar", "2017");
    assert_eq!(wait_results(&mut b, "1 resultaat"), ["/berichten/makerspace-zwolle/"]);
    screenshot(&mut b, "zoeken-facetten");

    // Browsing by a facet alone: no query, only a facet value (alphabetical without a query).
    b.eval("document.querySelector('.zoeken-wis').click()").unwrap();
    type_query(&mut b, "");
    wait_for_status(&mut b, "Typ een zoekterm of kies een filter.");
    click_facet(&mut b, "collectie", "Themagroepen");
    assert_eq!(
        wait_results(&mut b, "2 resultaten"),
        ["/themagroepen/digitale-inclusie/", "/themagroepen/jeugd-en-onderwijs/"]
    );
    assert_eq!(eval_str(&mut b, "location.search"), "?collectie=Themagroepen");

    // Newest first: dated pages by date, then the page without a date.
    b.eval(&format!("{}.click()", checkbox("collectie", "Themagroepen"))).unwrap();
    click_facet(&mut b, "collectie", "Berichten");
    wait_results(&mut b, "4 resultaten");
    b.eval("(() => { const s = document.getElementById('zoeken-sort'); s.value = 'nieuwste'; s.dispatchEvent(new Event('change')); })()")
        .unwrap();
    wait_for_first(&mut b, "/berichten/netwerk-scholen/");
    assert_eq!(
        wait_results(&mut b, "4 resultaten"),
        [
            "/berichten/netwerk-scholen/",
            "/berichten/makerspace-zwolle/",
            "/berichten/leesclub-utrecht/",
            "/berichten/archief/"
        ]
    );

    assert!(b.exceptions().is_empty(), "JavaScript exceptions: {:?}", b.exceptions());
}

fn wait_for_status(b: &mut Browser, status: &str) {
    b.wait_for(&format!("document.querySelector('.zoeken-status').textContent === {}", js_str(status)), WAIT).unwrap();
}

fn wait_for_first(b: &mut Browser, url: &str) {
    b.wait_for(&format!("document.querySelector('.zoeken-resultaat')?.dataset.url === {}", js_str(url)), WAIT).unwrap();
}

#[test]
#[ignore = "needs chromium"]
fn a_search_url_restores_the_search_and_links_follow_the_base_path() {
    // Built for a site under /kb/ and served there.
    let site = site(&["--base-url", "http://127.0.0.1/kb/"]);
    let server = StaticServer::start_at(&site.path("public"), "/kb/");
    let mut b = Browser::launch();
    open(&mut b, &server.url("zoeken/?q=leesclub&provincie=Utrecht&sort=oudste"));
    assert_eq!(wait_results(&mut b, "1 resultaat"), ["/kb/berichten/leesclub-utrecht/"]);
    assert_eq!(eval_str(&mut b, "document.getElementById('zoeken-q').value"), "leesclub");
    assert_eq!(eval_str(&mut b, "document.getElementById('zoeken-sort').value"), "oudste");
    assert_eq!(b.eval(&format!("{}.checked", checkbox("provincie", "Utrecht"))).unwrap(), Value::Bool(true));

    // The result link leads to the page.
    b.eval("document.querySelector('.zoeken-resultaat a').click()").unwrap();
    b.wait_for("location.pathname === '/kb/berichten/leesclub-utrecht/' && document.readyState === 'complete'", WAIT)
        .unwrap();
    assert_eq!(eval_str(&mut b, "document.querySelector('h1').textContent"), "Leesclub in Utrecht");

    // Back restores the search.
    b.eval("history.back()").unwrap();
    b.wait_for("document.querySelector('#zoeken.zoeken-klaar') !== null", WAIT).unwrap();
    assert_eq!(wait_results(&mut b, "1 resultaat"), ["/kb/berichten/leesclub-utrecht/"]);
    assert!(b.exceptions().is_empty(), "JavaScript exceptions: {:?}", b.exceptions());
}

/// A site without facets: only the search field and the results.
#[test]
#[ignore = "needs chromium"]
fn search_without_facets() {
    let site = Fixture::copy("search_basic");
    site.copy_from_repo("themes/innovatiebieb/static/zoeken.js", "themes/t/static/zoeken.js");
    site.copy_from_repo("themes/innovatiebieb/static/css/zoeken.css", "themes/t/static/css/zoeken.css");
    let config = site.read("site.yaml");
    // (Without any `search:` key, search is off: `SearchConfig::default()` has enabled false.)
    site.write(
        "site.yaml",
        &format!("{}search: {{ facets: [] }}\n", &config[..config.find("search:").expect("search")]),
    );
    site.build_to("public");
    let server = StaticServer::start(&site.path("public"));
    let mut b = Browser::launch();
    open(&mut b, &server.url("zoeken/?q=makerspace"));
    assert_eq!(wait_results(&mut b, "1 resultaat"), ["/berichten/makerspace-zwolle/"]);
    assert_eq!(b.eval("document.querySelector('.zoeken-filters').hidden").unwrap(), Value::Bool(true));
    assert!(b.exceptions().is_empty(), "JavaScript exceptions: {:?}", b.exceptions());
}

/// The repository's own site with the innovatiebieb theme, when its templates are there
/// (the theme is developed separately; without it this test only says so and passes).
/// Searches the real content and, with `INNOBIEB_SCREENSHOTS`, saves screenshots.
#[test]
#[ignore = "needs chromium"]
fn bundled_site_search_page() {
    if !common::repo_path("themes/innovatiebieb/templates/zoeken.html").exists() {
        eprintln!("skipped: themes/innovatiebieb/templates/zoeken.html is not there");
        return;
    }
    let out = common::temp_dir("bundled-public");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_innobieb"))
        .args(["build", "--root"])
        .arg(common::repo_path(""))
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run innobieb");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let server = StaticServer::start(&out);
    let mut b = Browser::launch();

    b.set_viewport(1280, 900).unwrap();
    open(&mut b, &server.url("zoeken/?q=bibliotheken"));
    let n = b
        .wait_for(
            "(() => { const m = /^(\\d+) resultaten$/.exec(document.querySelector('.zoeken-status').textContent); \
             return m && !document.querySelector('.zoeken-lijst').hasAttribute('aria-busy') ? Number(m[1]) : null; })()",
            WAIT,
        )
        .unwrap();
    assert!(n.as_i64().unwrap_or(0) > 10, "{n}");
    screenshot(&mut b, "bundled-zoeken-bibliotheken");

    // Browsing: all people, newest first is not meaningful for them, so alphabetical.
    open(&mut b, &server.url("zoeken/?collectie=Personen"));
    let people = b
        .wait_for(
            "(() => { const l = document.querySelector('.zoeken-lijst'); const n = l.children.length; \
             return n && !l.hasAttribute('aria-busy') ? n : null; })()",
            WAIT,
        )
        .unwrap();
    assert!(people.as_i64().unwrap_or(0) >= 20, "{people}");
    screenshot(&mut b, "bundled-zoeken-personen");

    b.set_viewport(400, 900).unwrap();
    open(&mut b, &server.url("zoeken/?q=leesbevordering"));
    b.wait_for("document.querySelectorAll('.zoeken-resultaat').length > 0", WAIT).unwrap();
    assert_eq!(b.eval("document.querySelector('.zoeken-filters-uitklap').open").unwrap(), Value::Bool(false));
    screenshot(&mut b, "bundled-zoeken-smal");

    assert!(b.exceptions().is_empty(), "JavaScript exceptions: {:?}", b.exceptions());
    drop(b);
    let _ = std::fs::remove_dir_all(&out);
}

/// What a first search downloads, by kind of file, counted by the server (so requests
/// from Pagefind's web worker count too). Without settings, for the fixture site, with a
/// budget; `INNOBIEB_MEASURE_PUBLIC=<built site folder>` and `INNOBIEB_MEASURE_QUERY`
/// measure another site (the figures are printed; run with `--nocapture`).
#[test]
#[ignore = "needs chromium"]
fn first_search_download_size() {
    let fixture;
    let public = match std::env::var_os("INNOBIEB_MEASURE_PUBLIC") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => {
            fixture = site(&[]);
            fixture.path("public")
        }
    };
    let query = std::env::var("INNOBIEB_MEASURE_QUERY").unwrap_or_else(|_| "bibliotheken".into());
    let server = StaticServer::start(&public);
    let mut b = Browser::launch();
    open(&mut b, &server.url(&format!("zoeken/?q={query}")));
    b.wait_for(
        "(() => { const s = document.querySelector('.zoeken-status').textContent; \
         return /resulta/.test(s) && !document.querySelector('.zoeken-lijst').hasAttribute('aria-busy'); })()",
        WAIT,
    )
    .unwrap();
    let shown = b.eval("document.querySelectorAll('.zoeken-resultaat').length").unwrap();
    screenshot(&mut b, "first-search");

    let kind = |path: &str| -> &'static str {
        let name = path.rsplit('/').next().unwrap_or("");
        match () {
            _ if !path.contains("/pagefind/") => "search page (HTML, zoeken.js, CSS, ...)",
            _ if name == "pagefind.js" => "pagefind.js",
            _ if name == "pagefind-worker.js" => "pagefind-worker.js",
            _ if name.starts_with("wasm.") => "wasm",
            _ if name == "pagefind-entry.json" => "pagefind-entry.json",
            _ if name == "facets.json" => "facets.json",
            _ if name.ends_with(".pf_meta") => "meta (.pf_meta)",
            _ if name.ends_with(".pf_index") => "index chunks (.pf_index)",
            _ if name.ends_with(".pf_filter") => "filters (.pf_filter)",
            _ if name.ends_with(".pf_fragment") => "fragments (.pf_fragment)",
            _ => "other",
        }
    };
    let mut table: Vec<(&str, usize, usize)> = Vec::new();
    for (path, bytes) in server.served() {
        let k = kind(&path);
        match table.iter_mut().find(|(n, _, _)| *n == k) {
            Some(row) => {
                row.1 += 1;
                row.2 += bytes;
            }
            None => table.push((k, 1, bytes)),
        }
    }
    table.sort_by_key(|r| r.0);
    let index_total: usize = table.iter().filter(|r| !r.0.starts_with("search page")).map(|r| r.2).sum();
    let without_fragments: usize =
        table.iter().filter(|r| !r.0.starts_with("search page") && !r.0.starts_with("fragments")).map(|r| r.2).sum();
    eprintln!("first search for {query:?} in {}: {shown} results shown", public.display());
    for (k, n, bytes) in &table {
        eprintln!("  {k:<42} {n:>4} files {bytes:>10} bytes");
    }
    eprintln!("  search files in total: {index_total} bytes ({without_fragments} without the fragments)");
    assert!(b.exceptions().is_empty(), "JavaScript exceptions: {:?}", b.exceptions());
    assert!(
        !table.iter().any(|r| r.0 == "other"),
        "unexpected files: {:?}",
        server.served().iter().filter(|(p, _)| kind(p) == "other").collect::<Vec<_>>()
    );
    if std::env::var_os("INNOBIEB_MEASURE_PUBLIC").is_none() {
        // One wasm file (Dutch), not Pagefind's UI bundles or the generic wasm as well.
        assert_eq!(table.iter().find(|r| r.0 == "wasm").map(|r| r.1), Some(1), "{table:?}");
        assert!(without_fragments < 250_000, "a first search downloads {without_fragments} bytes: {table:?}");
    }
}

#[test]
#[ignore = "needs chromium"]
fn a_misspelling_that_finds_nothing_gets_a_suggestion_from_the_index_and_tips() {
    let site = site(&[]);
    let server = StaticServer::start(&site.path("public"));
    let mut b = Browser::launch();
    open(&mut b, &server.url("zoeken/"));
    type_query(&mut b, "bibliotek");
    assert!(wait_results(&mut b, "Geen resultaten").is_empty());
    b.wait_for("document.querySelector('.zoeken-suggestie a')?.textContent === 'bibliotheek'", WAIT).unwrap_or_else(
        |e| {
            panic!(
                "no suggestion: {e}: {}",
                eval_str(&mut b, "document.querySelector('.zoeken-leeg')?.outerHTML || ''")
            )
        },
    );
    let help = eval_str(&mut b, "document.querySelector('.zoeken-leeg').textContent");
    assert!(help.contains("Bedoelde u bibliotheek?") && help.contains("Controleer de spelling"), "{help}");
    // Following the suggestion searches for it.
    b.eval("document.querySelector('.zoeken-suggestie a').click()").unwrap();
    assert_eq!(wait_results(&mut b, "3 resultaten").len(), 3);
    assert_eq!(eval_str(&mut b, "document.getElementById('zoeken-q').value"), "bibliotheek");
    assert_eq!(b.eval("document.querySelector('.zoeken-leeg').hidden").unwrap(), Value::Bool(true));
}
