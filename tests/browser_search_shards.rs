//! A search index split into shards answers as one index does: the bundled site is built
//! once with one Pagefind index and once with four (`INNOBIEB_SEARCH_SHARDS`), and its
//! search page (`zoeken.js`, which merges the shards with Pagefind's `mergeIndex`) is
//! driven in headless Chromium through 10 queries in every sort order, every facet value
//! and queries combined with facets. Result sets and facet counts must be equal, sorted
//! lists equal in order; for relevance the overlap of the top 5 is printed (each shard
//! scores with its own term statistics, so the ranking may differ a little).
//!
//! Needs Chromium: `cargo test --test browser_search_shards -- --include-ignored --nocapture`.
#![cfg(feature = "search")]

mod common;

use common::browser::Browser;
use common::server::StaticServer;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);
const SHARDS: usize = 4;

const QUERIES: &[&str] = &[
    "bibliotheek",
    "lezen",
    "digitale inclusie",
    "jeugd",
    "innovatie",
    "route 2020",
    "samenwerking",
    "cultuur",
    "laaggeletterdheid",
    "probiblio",
];

fn build(shards: usize) -> PathBuf {
    let out = common::temp_dir(&format!("shards-{shards}"));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_innobieb"))
        .args(["build", "-q", "--root", env!("CARGO_MANIFEST_DIR"), "--output"])
        .arg(&out)
        .env("INNOBIEB_SEARCH_SHARDS", shards.to_string())
        .status()
        .expect("run innobieb");
    assert!(status.success(), "the bundled site must build with {shards} shard(s)");
    out
}

/// Goes to `?{query}` on the open search page (as Back and Forward do), waits for the
/// results, shows them all, and returns `{status, results: [[url, dated]], counts}`.
const RUN: &str = r#"
window.__run = async (qs) => {
  const status = document.querySelector('.zoeken-status');
  const list = document.querySelector('.zoeken-lijst');
  const more = document.querySelector('.zoeken-meer');
  const until = async (ok, what) => {
    for (let i = 0; i < 1200; i++) {
      if (ok()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`timed out waiting for ${what} on ?${qs}: "${status.textContent}"`);
  };
  status.textContent = '';
  history.pushState(null, '', location.pathname + '?' + qs);
  window.dispatchEvent(new PopStateEvent('popstate'));
  await until(() => status.textContent !== '' && !list.hasAttribute('aria-busy'), 'the results');
  while (!more.hidden) {
    const n = list.children.length;
    more.click();
    await until(() => list.children.length > n, 'more results');
  }
  const results = [...list.querySelectorAll('.zoeken-resultaat')].map((li) => [
    li.dataset.url,
    li.querySelector('.zoeken-datum') !== null,
  ]);
  const counts = {};
  for (const input of document.querySelectorAll('input[data-facet]')) {
    const n = input.closest('li').querySelector('.zoeken-aantal').dataset.count;
    counts[input.dataset.facet + '=' + input.value] = Number(n);
  }
  return { status: status.textContent, results, counts };
};
true
"#;

struct Page {
    _server: StaticServer,
    browser: Browser,
}

impl Page {
    fn open(out: &Path) -> Page {
        let server = StaticServer::start(out);
        let mut browser = Browser::launch();
        browser.set_viewport(1200, 900).unwrap();
        browser.navigate(&server.url("zoeken/")).unwrap();
        browser.wait_for("document.querySelector('#zoeken.zoeken-klaar') !== null", WAIT).unwrap_or_else(|e| {
            panic!(
                "the search page did not start: {e}\nexceptions: {:?}\nconsole: {:?}",
                browser.exceptions(),
                browser.console()
            )
        });
        browser.eval(RUN).unwrap();
        Page { _server: server, browser }
    }

    fn facet_values(&mut self) -> Vec<(String, String)> {
        let v = self
            .browser
            .eval("[...document.querySelectorAll('input[data-facet]')].map(i => [i.dataset.facet, i.value])")
            .unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
            .collect()
    }

    fn run(&mut self, qs: &str) -> Answer {
        let v =
            self.browser.eval(&format!("window.__run({})", serde_json::to_string(qs).unwrap())).unwrap_or_else(|e| {
                panic!("?{qs}: {e}\nexceptions: {:?}\nconsole: {:?}", self.browser.exceptions(), self.browser.console())
            });
        let results = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_bool().unwrap()))
            .collect();
        let counts = v["counts"].as_object().unwrap().iter().map(|(k, n)| (k.clone(), n.as_i64().unwrap())).collect();
        Answer { status: v["status"].as_str().unwrap().to_string(), results, counts }
    }
}

#[derive(Debug)]
struct Answer {
    status: String,
    results: Vec<(String, bool)>,
    counts: BTreeMap<String, i64>,
}

impl Answer {
    fn urls(&self) -> Vec<&str> {
        self.results.iter().map(|(u, _)| u.as_str()).collect()
    }
    fn set(&self) -> BTreeSet<&str> {
        self.urls().into_iter().collect()
    }
}

fn param(s: &str) -> String {
    url_escape(s)
}

fn url_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[test]
#[ignore = "needs chromium"]
fn a_sharded_index_gives_the_results_and_counts_of_one_index() {
    let one = build(1);
    let many = build(SHARDS);

    // The sharded build really is sharded: the other shards' folders are listed for the page.
    let facets: Value = serde_json::from_slice(&std::fs::read(many.join("pagefind/facets.json")).unwrap()).unwrap();
    assert_eq!(facets["shards"].as_array().map(Vec::len), Some(SHARDS - 1), "{facets}");
    for i in 1..SHARDS {
        assert!(many.join(format!("pagefind/shard-{i}/pagefind-entry.json")).is_file());
        assert!(!many.join(format!("pagefind/shard-{i}/pagefind.js")).exists(), "only the first shard has the JS");
    }
    let single: Value = serde_json::from_slice(&std::fs::read(one.join("pagefind/facets.json")).unwrap()).unwrap();
    assert!(single.get("shards").is_none() && !one.join("pagefind/order.json").exists());

    let mut a = Page::open(&one);
    let mut b = Page::open(&many);
    let values = a.facet_values();
    assert_eq!(values, b.facet_values(), "the same facet values before any search");
    assert!(values.len() > 10, "the bundled site has facets: {values:?}");

    let mut cases: Vec<String> = Vec::new();
    for q in QUERIES {
        for sort in ["", "&sort=nieuwste", "&sort=oudste"] {
            cases.push(format!("q={}{sort}", param(q)));
        }
    }
    for (facet, value) in &values {
        cases.push(format!("{}={}", param(facet), param(value)));
        cases.push(format!("{}={}&sort=oudste", param(facet), param(value)));
    }
    // Queries with a facet value each (the first value of every facet).
    let mut firsts: Vec<&(String, String)> = Vec::new();
    for v in &values {
        if firsts.iter().all(|f| f.0 != v.0) {
            firsts.push(v);
        }
    }
    for (i, q) in QUERIES.iter().enumerate() {
        let (facet, value) = firsts[i % firsts.len()];
        cases.push(format!("q={}&{}={}", param(q), param(facet), param(value)));
    }

    let mut overlaps: Vec<f64> = Vec::new();
    let mut relevance_lists = 0;
    let mut same_order = 0;
    for qs in &cases {
        let x = a.run(qs);
        let y = b.run(qs);
        assert_eq!(x.status, y.status, "?{qs}: the number of results");
        assert_eq!(x.set(), y.set(), "?{qs}: the result set");
        assert_eq!(x.counts, y.counts, "?{qs}: the facet counts");
        let sorted = qs.contains("sort=") || !qs.starts_with("q=");
        if sorted {
            if qs.contains("sort=") {
                // Dated pages first, in the same order; the pages without a date follow.
                let dated = |a: &Answer| a.results.iter().filter(|r| r.1).map(|r| r.0.clone()).collect::<Vec<_>>();
                assert_eq!(dated(&x), dated(&y), "?{qs}: the order by date");
                let n = dated(&x).len();
                assert!(x.results[..n].iter().all(|r| r.1) && y.results[..n].iter().all(|r| r.1), "?{qs}");
            } else {
                assert_eq!(x.urls(), y.urls(), "?{qs}: the alphabetical order");
            }
        } else if !x.results.is_empty() {
            relevance_lists += 1;
            if x.urls() == y.urls() {
                same_order += 1;
            }
            let top = |a: &Answer| a.urls().into_iter().take(5).map(str::to_string).collect::<BTreeSet<_>>();
            let (tx, ty) = (top(&x), top(&y));
            overlaps.push(tx.intersection(&ty).count() as f64 / tx.len() as f64);
        }
    }
    let mean = overlaps.iter().sum::<f64>() / overlaps.len().max(1) as f64;
    let min = overlaps.iter().cloned().fold(1.0, f64::min);
    println!(
        "{} cases equal with {SHARDS} shards ({} facet values); relevance: top-5 overlap with one index \
         mean {:.0}%, min {:.0}% over {relevance_lists} queries, {same_order} in exactly the same order",
        cases.len(),
        values.len(),
        mean * 100.0,
        min * 100.0
    );
    assert!(a.browser.exceptions().is_empty() && b.browser.exceptions().is_empty(), "{:?}", b.browser.exceptions());
    let _ = std::fs::remove_dir_all(&one);
    let _ = std::fs::remove_dir_all(&many);
}
