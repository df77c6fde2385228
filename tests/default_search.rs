//! The built-in theme's search page (themes/default: search.html, search.js, search.css)
//! on a content model of its own (books and authors), in English and in Dutch.
//!
//! The page without JavaScript is checked on the built HTML; the search itself needs
//! Chromium, so those tests are ignored by a bare `cargo test`; run them with
//! `cargo test --test default_search -- --include-ignored`.
#![cfg(feature = "search")]

mod common;

use common::Fixture;
use common::browser::Browser;
use common::server::StaticServer;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// Templates for the other kinds of page, so the test does not depend on them.
const STAND_INS: &[&str] = &["index", "section", "page", "taxonomy", "term"];

/// A books-and-authors site on the built-in theme, in `language`, built.
fn site(language: &str) -> Fixture {
    let site = unbuilt_site(language);
    site.build().expect_success();
    site
}

/// The same site with its search index split into `shards` (`INNOBIEB_SEARCH_SHARDS`).
fn sharded_site(language: &str, shards: usize) -> Fixture {
    let site = unbuilt_site(language);
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_innobieb"))
        .arg("build")
        .current_dir(&site.root)
        .env("INNOBIEB_SEARCH_SHARDS", shards.to_string())
        .status()
        .expect("run innobieb");
    assert!(status.success());
    assert!(site.exists("public/pagefind/shard-1/pagefind-entry.json"), "the index is split");
    site
}

fn unbuilt_site(language: &str) -> Fixture {
    let site = Fixture::empty();
    site.write(
        "site.yaml",
        &format!(
            "title: Shelf\nbase_url: https://shelf.example/\nlanguage: {language}\n\
             taxonomies:\n  genres: {{ title: Genres }}\n\
             collections:\n  books:\n    title: Books\n    sort_by: date\n    fields:\n\
             \x20     date: {{ type: date }}\n      author: {{ type: reference, to: authors }}\n\
             \x20     genres: {{ type: list, items: {{ type: text }}, taxonomy: genres }}\n\
             \x20 authors:\n    title: Authors\n    sort_by: title\n\
             search:\n  facets:\n    - {{ name: kind, title: Kind }}\n\
             \x20   - {{ name: genre, title: Genre, field: genres }}\n\
             \x20   - {{ name: year, title: Year, field: date }}\n"
        ),
    );
    for t in STAND_INS {
        site.write(
            &format!("templates/{t}.html"),
            "{% extends \"base.html\" %}{% block main %}<h1>{{ page.title | default(value='') }}</h1>{% endblock main %}\n",
        );
    }
    site.write("content/authors/ann.md", "---\ntitle: Ann Archer\n---\nWrites about libraries.\n");
    // Fourteen books, one a year from 1951, so the year facet is long enough to fold.
    for i in 1..=14 {
        let genre = if i % 3 == 0 { "essay" } else { "poetry" };
        site.write(
            &format!("content/books/book-{i:02}.md"),
            &format!(
                "---\ntitle: Book {i:02}\ndate: {}\nauthor: ann\ngenres: [{genre}]\n---\nA story about a library, number {i}.\n",
                1950 + i
            ),
        );
    }
    site.write("content/books/undated.md", "---\ntitle: Zebra without a date\nauthor: ann\n---\nA library.\n");
    site
}

#[test]
fn without_javascript_the_page_explains_and_lists_what_to_browse() {
    for (language, no_script, books, genres) in [
        ("en", "Search needs JavaScript.", "15 entries", "2 terms"),
        ("nl", "Zoeken werkt met JavaScript.", "15 items", "2 termen"),
    ] {
        let site = site(language);
        let html = site.read("public/search/index.html");
        assert!(html.contains(&format!("<html lang=\"{language}\">")), "{html}");
        assert!(html.contains("<div id=\"search\" data-base=\"/\">"), "the mount: {html}");
        assert!(html.contains(no_script), "{language}: the text without JavaScript: {html}");
        assert!(
            html.contains(&format!("<a href=\"/books/\">Books</a> <span class=\"search-browse-count\">{books}</span>")),
            "{language}: the collection with its count: {html}"
        );
        assert!(
            html.contains(&format!(
                "<a href=\"/genres/\">Genres</a> <span class=\"search-browse-count\">{genres}</span>"
            )),
            "{language}: the taxonomy with its count: {html}"
        );
        assert!(html.contains("<link rel=\"stylesheet\" href=\"/search.css\">"), "{html}");
        assert!(site.exists("public/search.js") && site.exists("public/search.css"));
        // No header search form on the search page, so no second search field.
        assert!(!html.contains("id=\"q-header\""), "{html}");
    }
}

fn js_str(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

fn open(b: &mut Browser, url: &str) {
    b.navigate(url).unwrap();
    b.wait_for("document.querySelector('#search.search-ready') !== null", WAIT).unwrap_or_else(|e| {
        panic!("the search page did not start: {e}\nexceptions: {:?}\nconsole: {:?}", b.exceptions(), b.console())
    });
}

fn type_query(b: &mut Browser, q: &str) {
    b.eval(&format!(
        "(() => {{ const i = document.getElementById('search-q'); i.focus(); i.value = {}; \
         i.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()",
        js_str(q)
    ))
    .unwrap();
}

fn checkbox(facet: &str, value: &str) -> String {
    format!("document.querySelector('input[data-facet={}][value={}]')", js_str(facet), js_str(value))
}

/// Waits until the live region says `status`, then returns the listed result URLs.
fn wait_results(b: &mut Browser, status: &str) -> Vec<String> {
    let expr = format!(
        "(() => {{ const s = document.querySelector('.search-status').textContent; \
         const l = document.querySelector('.search-list'); \
         if (s !== {} || l.hasAttribute('aria-busy')) return null; \
         return [...l.querySelectorAll('.search-result')].map(li => li.dataset.url); }})()",
        js_str(status)
    );
    match b.wait_for(&expr, WAIT) {
        Ok(Value::Array(urls)) => urls.iter().filter_map(|u| u.as_str().map(str::to_string)).collect(),
        Ok(v) => panic!("unexpected {v}"),
        Err(e) => {
            let now = b.eval("document.querySelector('.search-status').textContent").unwrap_or_default();
            panic!("{e}\nstatus now: {now}\nexceptions: {:?}\nconsole: {:?}", b.exceptions(), b.console())
        }
    }
}

fn eval_str(b: &mut Browser, js: &str) -> String {
    b.eval(js).unwrap().as_str().unwrap_or_default().to_string()
}

fn count(b: &mut Browser, facet: &str, value: &str) -> i64 {
    let v = b
        .eval(&format!("{}.closest('li').querySelector('.search-count').dataset.count", checkbox(facet, value)))
        .unwrap();
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no count for {facet}={value}: {v}"))
}

/// Ids that occur more than once, and form controls without a label.
fn page_problems(b: &mut Browser) -> Value {
    b.eval(
        "(() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id); \
         const dup = ids.filter((id, i) => ids.indexOf(id) !== i); \
         const unlabelled = [...document.querySelectorAll('input, select')] \
           .filter(e => e.type !== 'hidden' && e.labels.length === 0).map(e => e.outerHTML); \
         return { dup, unlabelled }; })()",
    )
    .unwrap()
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
fn english_search_with_facets_sorting_and_state_in_the_url() {
    english_search(site("en"));
}

/// The same with the index in three shards, which search.js merges (`mergeIndex`).
#[test]
#[ignore = "needs chromium"]
fn english_search_on_an_index_in_three_shards() {
    english_search(sharded_site("en", 3));
}

fn english_search(site: Fixture) {
    let server = StaticServer::start(&site.path("public"));
    let mut b = Browser::launch();
    b.set_viewport(1200, 900).unwrap();
    open(&mut b, &server.url("search/"));

    // The texts come from the page (en.yaml); the text for no JavaScript is gone.
    assert_eq!(eval_str(&mut b, "document.querySelector('label[for=search-q]').textContent"), "Search this site");
    assert_eq!(eval_str(&mut b, "document.querySelector('.search-status').getAttribute('aria-live')"), "polite");
    assert_eq!(
        eval_str(&mut b, "document.querySelector('.search-status').textContent"),
        "Type a search term or choose a filter."
    );
    assert_eq!(b.eval("document.querySelector('#search .search-no-script')").unwrap(), Value::Null);
    let options =
        b.eval("[...document.querySelectorAll('#search-sort option')].map(o => [o.value, o.textContent])").unwrap();
    assert_eq!(options, json!([["", "Relevance"], ["newest", "Newest first"], ["oldest", "Oldest first"]]));
    let legends =
        b.eval("[...document.querySelectorAll('fieldset.search-facet > legend')].map(l => l.textContent)").unwrap();
    assert_eq!(legends, json!(["Kind", "Genre", "Year"]));
    assert_eq!(count(&mut b, "kind", "Books"), 15);
    assert_eq!(count(&mut b, "genre", "essay"), 4);
    // Years newest first; 14 values fold to 8 behind "Show all 14".
    assert_eq!(
        eval_str(&mut b, "document.querySelector('.search-facet[data-facet=year] .search-show').textContent"),
        "Show all 14"
    );
    let shown = b
        .eval(
            "[...document.querySelectorAll('.search-facet[data-facet=year] li:not([hidden]) input')].map(i => i.value)",
        )
        .unwrap();
    assert_eq!(shown, json!(["1964", "1963", "1962", "1961", "1960", "1959", "1958", "1957"]));
    assert_eq!(page_problems(&mut b), json!({ "dup": [], "unlabelled": [] }));

    // Results as you type; the live region counts them.
    type_query(&mut b, "library");
    let urls = wait_results(&mut b, "16 results");
    assert_eq!(urls.len(), 16);
    assert!(eval_str(&mut b, "document.querySelector('.search-excerpt').innerHTML").contains("<mark>"));
    assert!(eval_str(&mut b, "location.search").contains("q=library"));
    type_query(&mut b, "qwertyuiop");
    wait_results(&mut b, "Nothing found for “qwertyuiop”.");

    // Facets: OR within one, AND across; the chosen count is next to "Filters".
    type_query(&mut b, "");
    b.eval(&format!("{}.click()", checkbox("genre", "essay"))).unwrap();
    assert_eq!(wait_results(&mut b, "4 results").len(), 4);
    assert_eq!(eval_str(&mut b, "document.querySelector('.search-chosen').textContent"), " (1 chosen)");
    b.eval(&format!("{}.click()", checkbox("year", "1956"))).unwrap();
    assert_eq!(wait_results(&mut b, "1 result"), ["/books/book-06/"]);
    screenshot(&mut b, "default-search-facets");

    // Oldest first, by a language-neutral URL value; the undated page comes last.
    b.eval("document.querySelector('.search-clear').click()").unwrap();
    b.eval(&format!("{}.click()", checkbox("kind", "Books"))).unwrap();
    wait_results(&mut b, "15 results");
    b.eval("(() => { const s = document.getElementById('search-sort'); s.value = 'oldest'; s.dispatchEvent(new Event('change')); })()").unwrap();
    b.wait_for("document.querySelector('.search-result')?.dataset.url === '/books/book-01/'", WAIT).unwrap();
    let urls = wait_results(&mut b, "15 results");
    assert_eq!(urls.first().map(String::as_str), Some("/books/book-01/"));
    assert_eq!(urls.last().map(String::as_str), Some("/books/undated/"));
    assert_eq!(eval_str(&mut b, "location.search"), "?sort=oldest&kind=Books");

    // A link restores the search.
    open(&mut b, &server.url("search/?q=library&sort=newest&genre=essay"));
    let urls = wait_results(&mut b, "4 results");
    assert_eq!(urls, ["/books/book-12/", "/books/book-09/", "/books/book-06/", "/books/book-03/"]);
    assert_eq!(eval_str(&mut b, "document.getElementById('search-sort').value"), "newest");
    assert!(b.eval(&format!("{}.checked", checkbox("genre", "essay"))).unwrap().as_bool().unwrap());

    assert!(b.exceptions().is_empty(), "JavaScript exceptions: {:?}", b.exceptions());
}

#[test]
#[ignore = "needs chromium"]
fn dutch_texts_and_the_narrow_screen() {
    let site = site("nl");
    let server = StaticServer::start(&site.path("public"));
    let mut b = Browser::launch();
    b.set_viewport(400, 800).unwrap();
    open(&mut b, &server.url("search/"));
    assert_eq!(eval_str(&mut b, "document.documentElement.lang"), "nl");
    assert_eq!(eval_str(&mut b, "document.querySelector('label[for=search-q]').textContent"), "Zoek op deze site");
    assert_eq!(
        eval_str(&mut b, "document.querySelector('.search-status').textContent"),
        "Typ een zoekterm of kies een filter."
    );
    assert_eq!(
        eval_str(&mut b, "document.querySelector('.search-facet[data-facet=year] .search-show').textContent"),
        "Toon alle 14"
    );
    let options = b.eval("[...document.querySelectorAll('#search-sort option')].map(o => o.textContent)").unwrap();
    assert_eq!(options, json!(["Relevantie", "Nieuwste eerst", "Oudste eerst"]));
    // On a narrow screen the filters are folded away.
    assert_eq!(b.eval("document.querySelector('.search-filters-fold').open").unwrap(), json!(false));

    // The fifteen books; not the author's page ("libraries"): the Dutch stemmer does not
    // fold the English plural to "library" as the English one does (16 results there).
    type_query(&mut b, "library");
    assert_eq!(wait_results(&mut b, "15 resultaten").len(), 15);
    b.eval(&format!("{}.click()", checkbox("genre", "essay"))).unwrap();
    assert_eq!(wait_results(&mut b, "4 resultaten").len(), 4);
    assert_eq!(eval_str(&mut b, "document.querySelector('.search-chosen').textContent"), " (1 gekozen)");
    assert_eq!(eval_str(&mut b, "document.querySelector('.search-clear').textContent"), "Filters wissen");
    b.eval(&format!("{}.click()", checkbox("year", "1956"))).unwrap();
    assert_eq!(wait_results(&mut b, "1 resultaat"), ["/books/book-06/"]);
    screenshot(&mut b, "default-search-narrow-nl");
    assert!(b.exceptions().is_empty(), "JavaScript exceptions: {:?}", b.exceptions());
}

#[test]
#[ignore = "needs chromium"]
fn a_misspelling_gets_did_you_mean_from_the_index_in_the_sites_language() {
    for (language, text, tips) in
        [("en", "Did you mean library?", "Check the spelling"), ("nl", "Bedoelde u library?", "Controleer de spelling")]
    {
        let site = site(language);
        let server = StaticServer::start(&site.path("public"));
        let mut b = Browser::launch();
        open(&mut b, &server.url("search/"));
        type_query(&mut b, "libary");
        b.wait_for("document.querySelector('.search-suggestion a')?.textContent === 'library'", WAIT).unwrap_or_else(
            |e| {
                panic!(
                    "{language}: no suggestion: {e}: {}",
                    eval_str(&mut b, "document.querySelector('.search-empty')?.outerHTML || ''")
                )
            },
        );
        let help = eval_str(&mut b, "document.querySelector('.search-empty').textContent");
        assert!(help.contains(text) && help.contains(tips), "{language}: {help}");
        b.eval("document.querySelector('.search-suggestion a').click()").unwrap();
        b.wait_for("document.querySelectorAll('.search-result').length > 0", WAIT).unwrap();
        assert_eq!(b.eval("document.querySelector('.search-empty').hidden").unwrap(), Value::Bool(true), "{language}");
    }
}
