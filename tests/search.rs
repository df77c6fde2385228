//! The search index: which files `innobieb build` writes under `public/pagefind/`, what
//! each page's record holds (text, metadata, facet values from site.yaml), and that two
//! builds give the same bytes. The browser side is in tests/browser_search.rs.
//!
//! Pagefind gzips its index files; the tests read them with the system's `gzip`.
#![cfg(feature = "search")]

mod common;

use common::Fixture;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn built() -> Fixture {
    let site = Fixture::copy("search_basic");
    site.build_to("public");
    site
}

/// The contents of one of Pagefind's gzipped files, without its `pagefind_dcd` signature.
fn pagefind_file(bytes: &[u8]) -> Vec<u8> {
    let mut gz =
        Command::new("gzip").arg("-dc").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("run gzip");
    let mut stdin = gz.stdin.take().expect("stdin");
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = gz.wait_with_output().expect("gzip output");
    writer.join().expect("writer").expect("write to gzip");
    assert!(out.status.success(), "gzip failed");
    let data = out.stdout;
    assert!(data.starts_with(b"pagefind_dcd"), "not a Pagefind file");
    data[12..].to_vec()
}

/// Every record (fragment) in the index, by URL.
fn records(site: &Fixture) -> Vec<Value> {
    let mut out: Vec<Value> = site
        .files("public/pagefind/fragment")
        .iter()
        .map(|f| {
            let bytes = site.read_bytes(&format!("public/pagefind/fragment/{f}"));
            serde_json::from_slice(&pagefind_file(&bytes)).expect("fragment JSON")
        })
        .collect();
    out.sort_by(|a, b| a["url"].as_str().cmp(&b["url"].as_str()));
    out
}

fn record<'a>(records: &'a [Value], url: &str) -> &'a Value {
    records.iter().find(|r| r["url"] == url).unwrap_or_else(|| {
        panic!("no record for {url}; records: {:?}", records.iter().map(|r| &r["url"]).collect::<Vec<_>>())
    })
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

#[test]
fn build_writes_the_pagefind_bundle() {
    let site = built();
    let files = site.files("public/pagefind");
    for needed in ["pagefind.js", "pagefind-worker.js", "pagefind-entry.json", "wasm.nl.pagefind", "facets.json"] {
        assert!(files.iter().any(|f| f == needed), "{needed} missing from {files:?}");
    }
    for dir in ["fragment/", "index/", "filter/"] {
        assert!(files.iter().any(|f| f.starts_with(dir)), "no {dir} files in {files:?}");
    }
    assert!(files.iter().any(|f| f.starts_with("pagefind.nl_") && f.ends_with(".pf_meta")), "{files:?}");
    // Pagefind's ready-made UIs are not used, so not written.
    assert!(!files.iter().any(|f| f.contains("-ui.")), "{files:?}");

    let entry: Value = serde_json::from_str(&site.read("public/pagefind/pagefind-entry.json")).expect("entry JSON");
    // Seven pages: sections and the search page (`extra: { search: false }`) are left out.
    assert_eq!(entry["languages"]["nl"]["page_count"], 7, "{entry}");
    assert_eq!(entry["languages"]["nl"]["wasm"], "nl", "Dutch stemming: {entry}");
}

#[test]
fn records_hold_the_pages_and_skip_sections_and_the_search_page() {
    let site = built();
    let records = records(&site);
    let urls: Vec<&str> = records.iter().filter_map(|r| r["url"].as_str()).collect();
    assert_eq!(
        urls,
        [
            "/berichten/archief/",
            "/berichten/leesclub-utrecht/",
            "/berichten/makerspace-zwolle/",
            "/berichten/netwerk-scholen/",
            "/over/",
            "/themagroepen/digitale-inclusie/",
            "/themagroepen/jeugd-en-onderwijs/",
        ]
    );

    let r = record(&records, "/berichten/makerspace-zwolle/");
    let content = r["content"].as_str().expect("content");
    // Title, description-less body as plain text (no Markdown, no tags), referenced titles, list values.
    assert!(content.starts_with("Makerspace in Zwolle. In Zwolle opent"), "{content}");
    assert!(content.contains("De bibliotheek organiseert"), "{content}");
    assert!(!content.contains('<') && !content.contains("**"), "{content}");
    assert!(content.ends_with("Digitale inclusie. Overijssel"), "{content}");
    assert_eq!(r["meta"]["title"], "Makerspace in Zwolle");
    assert_eq!(r["meta"]["collection"], "Berichten");
    assert_eq!(r["meta"]["date"], "maart 2017");

    let r = record(&records, "/berichten/leesclub-utrecht/");
    assert_eq!(r["meta"]["date"], "30 juni 2016");
    assert!(r["content"].as_str().unwrap_or("").contains("Een nieuwe leesclub voor jongeren."), "description: {r}");

    // A page in no collection and without a date: no collection, no date, no facet values.
    let r = record(&records, "/over/");
    assert_eq!(r["meta"].get("collection"), None, "{r}");
    assert_eq!(r["meta"].get("date"), None, "{r}");
    assert_eq!(r["filters"], serde_json::json!({}), "{r}");
}

#[test]
fn text_from_shortcodes_and_raw_html_is_indexed_without_tags() {
    let site = Fixture::copy("search_basic");
    site.write(
        "content/over.md",
        "---\ntitle: Over deze site\n---\nVoor {{ ster(n=2) }}af.\n\n{% kader() %}\nIn het *kader*.\n{% end %}\n\n<div class=\"x\"><p>Ruwe &amp; <em>echte</em> HTML</p></div>\n",
    );
    site.write("templates/shortcodes/ster.html", "<span>{% for i in range(end=n) %}ster{% endfor %}</span>");
    site.write("templates/shortcodes/kader.html", "<aside><p>Let op:</p>{{ body }}</aside>");
    site.build_to("public").expect_success();
    let records = records(&site);
    let content = record(&records, "/over/")["content"].as_str().expect("content").to_string();
    let words: Vec<&str> = content.split_whitespace().collect();
    assert_eq!(
        words,
        [
            "Over",
            "deze",
            "site.",
            "Voor",
            "stersteraf.",
            "Let",
            "op:",
            "In",
            "het",
            "kader.",
            "Ruwe",
            "&",
            "echte",
            "HTML"
        ],
        "{content}"
    );
}

#[test]
fn result_dates_are_in_the_sites_language() {
    let site = Fixture::new("language: en\nsearch: { enabled: true }\ncollections:\n  posts: { title: Posts }\n");
    site.write("content/posts/a.md", "---\ntitle: A\ndate: 2016-06-30\n---\nText.\n");
    site.write("content/posts/b.md", "---\ntitle: B\ndate: 2017-03\n---\nText.\n");
    site.build_to("public");
    let records = records(&site);
    assert_eq!(record(&records, "/posts/a/")["meta"]["date"], "30 June 2016");
    assert_eq!(record(&records, "/posts/b/")["meta"]["date"], "March 2017");
}

#[test]
fn facet_values_come_from_the_site_yaml_facets() {
    let site = built();
    let facets: Value = serde_json::from_str(&site.read("public/pagefind/facets.json")).expect("facets JSON");
    assert_eq!(
        facets["facets"],
        serde_json::json!([
            { "name": "collectie", "title": "Soort" },
            { "name": "themagroep", "title": "Themagroep" },
            { "name": "provincie", "title": "Provincie" },
            { "name": "jaar", "title": "Jaar" },
        ])
    );

    let records = records(&site);
    let netwerk = &record(&records, "/berichten/netwerk-scholen/")["filters"];
    // No `field`: the collection's title. A reference: the referenced pages' titles.
    // A list of texts: the texts. `date`: the year.
    assert_eq!(strings(&netwerk["collectie"]), ["Berichten"]);
    assert_eq!(strings(&netwerk["themagroep"]), ["Jeugd en onderwijs", "Digitale inclusie"]);
    assert_eq!(strings(&netwerk["provincie"]), ["Utrecht", "Gelderland"]);
    assert_eq!(strings(&netwerk["jaar"]), ["2018"]);
    let keys: Vec<&String> = netwerk.as_object().expect("filters").keys().collect();
    assert_eq!(keys, ["collectie", "jaar", "provincie", "themagroep"], "only the configured facets");

    let archief = &record(&records, "/berichten/archief/")["filters"];
    assert_eq!(archief.get("jaar"), None, "no date, no year: {archief}");
    assert_eq!(archief.get("provincie"), None, "{archief}");
    let groep = &record(&records, "/themagroepen/digitale-inclusie/")["filters"];
    assert_eq!(groep, &serde_json::json!({ "collectie": ["Themagroepen"] }));

    // Pagefind's filter index has a file per facet.
    assert_eq!(site.files("public/pagefind/filter").len(), 4);
}

#[test]
fn two_builds_give_the_same_bytes() {
    // Two copies in different folders, so absolute paths cannot leak into the output either.
    let a = built();
    let b = built();
    let (ta, tb) = (a.tree("public"), b.tree("public"));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&ta), names(&tb));
    for ((name, x), (_, y)) in ta.iter().zip(&tb) {
        assert!(x == y, "{name} differs between two builds");
    }
    // And a rebuild in the same folder.
    a.build_to("public");
    assert!(a.tree("public") == ta, "a rebuild changed the output");
}

#[test]
fn search_can_be_disabled_in_site_yaml() {
    let site = Fixture::copy("search_basic");
    let config = site.read("site.yaml").replace("search:\n  facets:", "search:\n  enabled: false\n  facets:");
    site.write("site.yaml", &config);
    site.build_to("public");
    assert!(!site.exists("public/pagefind"), "{:?}", site.files("public"));
}

#[test]
fn the_index_does_not_depend_on_the_base_path() {
    let plain = built();
    let prefixed = Fixture::copy("search_basic");
    prefixed.run(&["build", "--base-url", "https://example.org/kb/"]).expect_success();
    assert!(plain.tree("public/pagefind") == prefixed.tree("public/pagefind"));
    // The search page passes the base path to zoeken.js.
    assert!(prefixed.read("public/zoeken/index.html").contains("data-base=\"/kb/\""));
}

#[test]
fn a_field_with_search_false_stays_out_of_the_record_but_keeps_its_facet() {
    let site = Fixture::copy("search_basic");
    let config = site.read("site.yaml").replace(
        "      provincies: { type: list, items: { type: text } }",
        "      provincies: { type: list, items: { type: text }, search: false }",
    );
    site.write("site.yaml", &config);
    site.build_to("public").expect_success();
    let records = records(&site);
    let leesclub = record(&records, "/berichten/leesclub-utrecht/");
    let content = leesclub["content"].as_str().expect("content");
    // The fields come last: the themegroup is there, the province is not.
    assert!(content.ends_with("Iedereen is welkom. Jeugd en onderwijs"), "{content}");
    assert_eq!(strings(&leesclub["filters"]["provincie"]), ["Utrecht"]);
}

/// `innobieb build` with the index split into `shards`, into `public/`.
fn built_in_shards(shards: usize) -> Fixture {
    let site = Fixture::copy("search_basic");
    let status = Command::new(env!("CARGO_BIN_EXE_innobieb"))
        .args(["build", "-q"])
        .current_dir(&site.root)
        .env("INNOBIEB_SEARCH_SHARDS", shards.to_string())
        .status()
        .expect("run innobieb");
    assert!(status.success());
    site
}

/// The records (fragments) of one shard folder under `public/pagefind/`.
fn shard_records(site: &Fixture, dir: &str) -> Vec<Value> {
    site.files(&format!("public/pagefind/{dir}fragment"))
        .iter()
        .map(|f| {
            let bytes = site.read_bytes(&format!("public/pagefind/{dir}fragment/{f}"));
            serde_json::from_slice(&pagefind_file(&bytes)).expect("fragment JSON")
        })
        .collect()
}

#[test]
fn a_sharded_index_holds_every_record_once_and_is_deterministic() {
    let one = built();
    let site = built_in_shards(3);
    let facets: Value = serde_json::from_str(&site.read("public/pagefind/facets.json")).unwrap();
    // Shards without records are left out (this small site may leave one empty).
    let others: Vec<String> = strings(&facets["shards"]).iter().map(|s| s.to_string()).collect();
    assert!(!others.is_empty() && others.len() <= 2, "{facets}");
    for (i, dir) in others.iter().enumerate() {
        assert_eq!(dir, &format!("shard-{}/", i + 1));
    }
    // Only the first shard carries Pagefind's JavaScript and wasm.
    assert!(site.exists("public/pagefind/pagefind.js") && site.exists("public/pagefind/wasm.nl.pagefind"));
    for dir in &others {
        let files = site.files(&format!("public/pagefind/{dir}"));
        assert!(
            files.iter().all(|f| f == "pagefind-entry.json"
                || f.ends_with(".pf_meta")
                || ["index/", "filter/", "fragment/"].iter().any(|d| f.starts_with(d))),
            "{dir}: {files:?}"
        );
    }
    // Every page is in exactly one shard; each shard may add its vocabulary record.
    let mut urls: Vec<String> = Vec::new();
    let mut vocabularies = 0;
    let dirs: Vec<&str> = std::iter::once("").chain(others.iter().map(String::as_str)).collect();
    for dir in &dirs {
        for r in shard_records(&site, dir) {
            if r["url"] == "/_vocabulary/" {
                vocabularies += 1;
                assert_eq!(strings(&r["filters"]["_vocabulary"]), ["1"]);
            } else {
                urls.push(r["url"].as_str().unwrap().to_string());
            }
        }
    }
    urls.sort();
    let expected: Vec<String> = records(&one).iter().map(|r| r["url"].as_str().unwrap().to_string()).collect();
    assert_eq!(urls, expected);
    assert!(vocabularies >= 1, "a shard lacks some word of another");
    // One character per dated record in order.json, a shard number each.
    let order: Value = serde_json::from_str(&site.read("public/pagefind/order.json")).unwrap();
    assert_eq!(order["shards"], dirs.len());
    let dated = records(&one).iter().filter(|r| !r["meta"]["date"].is_null()).count();
    let date = order["sort"]["date"].as_str().unwrap();
    assert_eq!(date.len(), dated, "{order}");
    let last = char::from_digit(dirs.len() as u32 - 1, 36).unwrap();
    assert!(date.chars().all(|c| ('0'..=last).contains(&c)), "{order}");
    // Two sharded builds give the same bytes.
    let again = built_in_shards(3);
    assert!(site.tree("public") == again.tree("public"), "two sharded builds differ");
}
