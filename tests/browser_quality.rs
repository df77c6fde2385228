//! Quality gates for the HTML that innobieb writes, on four kinds of site:
//!
//! - the bundled knowledge base (the repository's own site and its theme
//!   `themes/innovatiebieb`);
//! - the books fixture (`tests/fixtures/books`, a content model of books and authors) on the
//!   built-in theme (`themes/default`), without any templates of its own;
//! - the starter sites of `innobieb init` (English and Dutch), also on the built-in theme;
//! - a stress site on the built-in theme, written by the test: long unbreakable names, a
//!   long menu, every kind of field, a paginated list, a table of contents, a wide table,
//!   a callout and a long line of code.
//!
//! What is checked:
//!
//! - every HTML file of `innobieb build` is valid according to html-validate's
//!   `recommended` rules (a few purely stylistic rules off, see [`HTML_VALIDATE_CONFIG`]);
//! - pages pass axe-core's WCAG 2.1 A/AA rules in headless Chromium, at 1280 px and at
//!   320 px, nothing overflows horizontally at 320 px and no script throws: for the bundled
//!   site at least one page of every template, for the sites on the built-in theme
//!   every page, including the 404 page and the search page (once search.js has built its
//!   interface, and again with a query once the results show). On the built-in theme the
//!   search page's DOM after search.js ran is validated with html-validate too.
//!
//! Needs Node with html-validate and axe-core, and Chromium, so ignored by a bare
//! `cargo test`; run with `cargo test --test browser_quality -- --include-ignored`.
//! The npm packages come from `INNOBIEB_NODE_MODULES` (a `node_modules` folder, as `.ci/run`
//! sets it); without it they are installed once into a folder under the system temp folder.
//! Set `INNOBIEB_SCREENSHOTS=<folder>` to keep a screenshot of every page checked at 320 px,
//! and `INNOBIEB_AXE_ALL=1` to check every page of the bundled site with axe, not one per
//! template (about four minutes on two cores).

mod common;

use common::browser::Browser;
use common::server::StaticServer;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The npm packages, pinned like in `.ci/run`. html-validate 10 is the newest major that
/// runs on Node 20 (11 needs Node 22.22 or 24.8); 9 would run on Node 18 too.
const NPM_PACKAGES: [&str; 2] = ["html-validate@10", "axe-core@4"];

const WAIT: Duration = Duration::from_secs(20);

/// html-validate's recommended rules, with only rules about style (not validity or
/// accessibility) switched off or relaxed:
/// - `no-trailing-whitespace`: the template engine leaves spaces at line ends; invisible
///   and meaningless in HTML.
/// - `long-title`: a search-engine advice (titles are cut off after about 70 characters in
///   result lists), not validity; the titles are the records' own names plus the site name.
/// - `valid-id` relaxed: HTML5 allows any id without whitespace; the strict mode also wants
///   ids to start with a letter so that they can be written as CSS selectors without
///   escaping. Heading anchors made by the engine (`## 15 thema's` -> `id="15-thema-s"`)
///   start with a digit; those are valid HTML and work as link targets. The relaxed mode
///   still reports empty ids and ids with whitespace.
const HTML_VALIDATE_CONFIG: &str = r#"{
  "root": true,
  "extends": ["html-validate:recommended"],
  "rules": {
    "no-trailing-whitespace": "off",
    "long-title": "off",
    "valid-id": ["error", { "relaxed": true }]
  }
}
"#;

/// The rules for the DOM of a page after its script ran, serialised by the browser: as
/// [`HTML_VALIDATE_CONFIG`], less the rules about how boolean and empty attributes are
/// written (the browser writes `hidden=""` for every `hidden`, whatever the script did).
fn html_validate_dom_config() -> String {
    let mut config: Value = serde_json::from_str(HTML_VALIDATE_CONFIG).expect("the html-validate config is JSON");
    for rule in ["attribute-boolean-style", "attribute-empty-style"] {
        config["rules"][rule] = "off".into();
    }
    config.to_string()
}

/// The WCAG levels axe checks.
const AXE_TAGS: &str = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']";

/// A folder removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A built site: its output folder, in a temp folder removed when dropped.
struct Built {
    /// What the site is, for messages.
    name: &'static str,
    /// The output of `innobieb build`.
    out: PathBuf,
    _tmp: TempDir,
}

impl Built {
    /// Every HTML file of the site, sorted.
    fn html_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        html_files(&self.out, &mut files);
        files
    }
}

/// Runs `innobieb <args>`, which must succeed.
fn innobieb(args: &[&OsStr]) {
    let run =
        Command::new(env!("CARGO_BIN_EXE_innobieb")).args(args).env("NO_COLOR", "1").output().expect("run innobieb");
    assert!(
        run.status.success(),
        "innobieb {args:?} failed\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

/// `innobieb build --root <root> --output <out>`.
fn build(root: &Path, out: &Path) {
    innobieb(&[
        "build".as_ref(),
        "--quiet".as_ref(),
        "--root".as_ref(),
        root.as_ref(),
        "--output".as_ref(),
        out.as_ref(),
    ]);
}

/// The bundled site (the repository itself), built into a temp folder.
fn build_bundled_site() -> Built {
    let tmp = TempDir(common::temp_dir("quality-site"));
    build(Path::new(env!("CARGO_MANIFEST_DIR")), &tmp.0);
    Built { name: "the bundled site", out: tmp.0.clone(), _tmp: tmp }
}

/// The books fixture on the built-in theme: a copy without its `theme: plain` line and
/// without templates of its own.
fn build_books_on_the_default_theme() -> Built {
    let tmp = TempDir(common::temp_dir("quality-books"));
    let (root, out) = (tmp.0.join("site"), tmp.0.join("public"));
    common::site::copy_dir(&common::repo_path("tests/fixtures/books"), &root);
    for dir in ["themes", "templates"] {
        let _ = std::fs::remove_dir_all(root.join(dir));
    }
    let config = root.join("site.yaml");
    let yaml = std::fs::read_to_string(&config).expect("read the books site.yaml");
    let without: String = yaml.lines().filter(|l| l.trim() != "theme: plain").map(|l| format!("{l}\n")).collect();
    assert_ne!(yaml.len(), without.len(), "no `theme: plain` line in the books fixture's site.yaml:\n{yaml}");
    assert!(!without.contains("theme:"), "the books site.yaml still names a theme:\n{without}");
    std::fs::write(&config, without).expect("write the books site.yaml");
    build(&root, &out);
    Built { name: "the books fixture on the built-in theme", out, _tmp: tmp }
}

/// The starter site of `innobieb init` in `language`, built.
fn build_starter(language: &str) -> Built {
    let tmp = TempDir(common::temp_dir(&format!("quality-starter-{language}")));
    let (root, out) = (tmp.0.join("site"), tmp.0.join("public"));
    innobieb(&["init".as_ref(), root.as_ref(), "--language".as_ref(), language.as_ref()]);
    assert!(!root.join("templates").exists() && !root.join("themes").exists(), "init wrote templates");
    build(&root, &out);
    let name = if language == "nl" { "the Dutch starter site" } else { "the English starter site" };
    Built { name, out, _tmp: tmp }
}

/// The `node_modules` folder with html-validate and axe-core: `INNOBIEB_NODE_MODULES`, or a
/// folder under the system temp folder where the pinned packages are installed on first use
/// (and reused by later runs).
fn node_modules() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("INNOBIEB_NODE_MODULES") {
            let dir = PathBuf::from(dir);
            assert!(
                dir.join("html-validate").is_dir() && dir.join("axe-core").is_dir(),
                "INNOBIEB_NODE_MODULES={} has no html-validate and axe-core",
                dir.display()
            );
            return dir;
        }
        let name = NPM_PACKAGES.join("-").replace(['@', '/'], "");
        let cache = std::env::temp_dir().join(format!("innobieb-npm-{name}"));
        let modules = cache.join("node_modules");
        if modules.join("html-validate/package.json").is_file() && modules.join("axe-core/axe.min.js").is_file() {
            return modules;
        }
        // Install into a fresh folder, then move it into place, so that an interrupted
        // install is never mistaken for a complete one.
        let fresh = common::temp_dir("npm-install");
        let run = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error", "--prefix"])
            .arg(&fresh)
            .args(NPM_PACKAGES)
            .output()
            .unwrap_or_else(|e| panic!("cannot run npm (needed for {NPM_PACKAGES:?}): {e}"));
        assert!(
            run.status.success(),
            "npm install {NPM_PACKAGES:?} failed\n{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        let _ = std::fs::remove_dir_all(&cache);
        if std::fs::rename(&fresh, &cache).is_err() {
            // Another test process won the race; use its copy.
            let _ = std::fs::remove_dir_all(&fresh);
        }
        modules
    })
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            html_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "html") {
            out.push(p);
        }
    }
}

/// A site on the built-in theme that makes the layout work hard: many collections (a long
/// menu), long unbreakable names, every kind of field, a paginated list, a table of
/// contents, a wide table, a callout and a long line of code.
fn build_stress_site() -> Built {
    let tmp = TempDir(common::temp_dir("quality-stress"));
    let (root, out) = (tmp.0.join("site"), tmp.0.join("public"));
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
    };
    let mut yaml = String::from(
        "title: Gemeenschapsvoorzieningeninventarisatiesysteem\n\
         description: Long names, many collections and every kind of field.\n\
         base_url: https://stress.example/\nlanguage: en\n\
         taxonomies:\n  keywords: { title: Keywords, singular: Keyword }\n\
         search:\n  facets:\n    - { name: kind, title: Kind }\n\
         \x20   - { name: keyword, title: Keyword, field: keywords }\n\
         \x20   - { name: year, title: Year, field: date }\n\
         collections:\n\
         \x20 reports:\n    title: Reports\n    singular: Report\n    sort_by: date\n    paginate_by: 3\n    feed: true\n\
         \x20   fields:\n\
         \x20     date: { type: date, required: true }\n\
         \x20     authors: { type: reference, to: people, many: true, label: Authors }\n\
         \x20     keywords: { type: list, items: { type: text }, taxonomy: keywords, label: Keywords }\n\
         \x20     source: { type: url, label: Source }\n\
         \x20     reviewed: { type: boolean, label: Peer reviewed }\n\
         \x20     pages: { type: integer, label: Number of pages }\n\
         \x20     abstract: { type: markdown, label: Abstract }\n\
         \x20     funding:\n        label: Funding\n        type: list\n\
         \x20       items: { type: record, fields: { funder: { type: text, required: true }, amount: { type: integer } } }\n\
         \x20 people:\n    title: People\n    singular: Person\n    sort_by: title\n\
         \x20   fields: { role: { type: text, label: Role } }\n",
    );
    for c in ["Municipalities", "Neighbourhoods", "Organisations", "Programmes", "Publications", "Volunteers"] {
        let slug = c.to_lowercase();
        yaml.push_str(&format!("  {slug}: {{ title: {c}, sort_by: title }}\n"));
        write(
            &format!("content/{slug}/verkeersveiligheidsbevorderingsprogramma.md"),
            "---\ntitle: Verkeersveiligheidsbevorderingsprogrammaondersteuning\n---\nOne page.\n",
        );
    }
    write("site.yaml", &yaml);
    write(
        "content/people/ann.md",
        "---\ntitle: Annemarie Wilhelmina Oosterhuis-Vandenberghe\nrole: Onderzoekscoördinatorassistent\n---\nWrites reports.\n",
    );
    write("content/people/bo.md", "---\ntitle: Bo\n---\n");
    for i in 1..=7 {
        write(
            &format!("content/reports/report-{i}.md"),
            &format!(
                "---\ntitle: Arbeidsongeschiktheidsverzekeringsmaatschappij report {i}\ndate: 2020-0{i}-1{i}\n\
                 authors: [ann, bo]\nkeywords: [Kinderopvangtoeslagaffaire, reading, k{i}]\n\
                 source: https://example.org/a/very/long/path/that/does/not/break/by/itself/report-{i}.pdf\n\
                 reviewed: {}\npages: {i}00\nabstract: \"An **abstract** with a [link](https://example.org/).\"\n\
                 funding:\n  - {{ funder: Nederlandse Organisatie voor Wetenschappelijk Onderzoek, amount: 12000 }}\n  - {{ funder: X }}\n\
                 description: A report about reading, number {i}.\n---\n\
                 ## Introduction\n\nText with a long address: https://example.org/{}\n\n\
                 ## Method\n\n> [!NOTE]\n> A callout with a note.\n\n\
                 | Year | Municipality | Neighbourhood | Programme | Organisation | Volunteers | Amount |\n\
                 |---|---|---|---|---|---|---|\n| 2020 | Amsterdam | Bijlmermeer | Reading | Library | 12 | 1000 |\n\n\
                 ### Details of the method\n\n```\nlet a_very_long_line_of_code = \"that does not wrap and must scroll inside its own box\";\n```\n\n\
                 ## Results\n\nReading helps; see [the people](@/people/ann.md).\n",
                i % 2 == 0,
                "x".repeat(80),
            ),
        );
    }
    build(&root, &out);
    Built { name: "a stress site on the built-in theme", out, _tmp: tmp }
}

/// Runs html-validate with the configuration `rules` on `files`; returns the number of errors and warnings, or the report
/// of what is wrong.
fn html_validate(files: &[PathBuf], rules: &str) -> Result<(u64, u64), String> {
    let tmp = TempDir(common::temp_dir("html-validate"));
    let config = tmp.0.join("html-validate.json");
    std::fs::write(&config, rules).expect("write the html-validate config");
    let report = tmp.0.join("html-validate-report.json");

    let cli = node_modules().join("html-validate/bin/html-validate.mjs");
    let run = Command::new("node")
        .arg(&cli)
        .arg("--config")
        .arg(&config)
        .arg(format!("--formatter=stylish,json={}", report.display()))
        .args(files)
        .env("NO_COLOR", "1")
        .output()
        .expect("run node (needed for html-validate)");
    let text = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    let results: Value = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| format!("html-validate wrote no report (exit {:?})\n{text}", run.status.code()))?;
    let count = |key: &str| -> u64 {
        results.as_array().map(|a| a.iter().map(|f| f[key].as_u64().unwrap_or(0)).sum()).unwrap_or(0)
    };
    let (errors, warnings) = (count("errorCount"), count("warningCount"));
    if run.status.success() && errors == 0 {
        Ok((errors, warnings))
    } else {
        Err(format!("{errors} errors (exit {:?}):\n{text}", run.status.code()))
    }
}

/// Every HTML file of `site` is valid; it has at least `min_pages` of them.
fn every_page_is_valid_html(site: &Built, min_pages: usize) {
    let started = Instant::now();
    let files = site.html_files();
    assert!(files.len() >= min_pages, "only {} HTML files in {}", files.len(), site.name);
    match html_validate(&files, HTML_VALIDATE_CONFIG) {
        Ok((errors, warnings)) => println!(
            "html-validate, {}: {} pages validated, {errors} errors, {warnings} warnings; {:.1} s",
            site.name,
            files.len(),
            started.elapsed().as_secs_f64()
        ),
        Err(e) => panic!("html-validate found errors in {}: {e}", site.name),
    }
}

#[test]
#[ignore = "needs npm tools"]
fn every_page_of_the_bundled_site_is_valid_html() {
    every_page_is_valid_html(&build_bundled_site(), 150);
}

#[test]
#[ignore = "needs npm tools"]
fn every_page_of_the_books_fixture_on_the_default_theme_is_valid_html() {
    every_page_is_valid_html(&build_books_on_the_default_theme(), 9);
}

#[test]
#[ignore = "needs npm tools"]
fn every_page_of_a_stress_site_on_the_default_theme_is_valid_html() {
    every_page_is_valid_html(&build_stress_site(), 25);
}

#[test]
#[ignore = "needs npm tools"]
fn every_page_of_the_starter_sites_is_valid_html() {
    every_page_is_valid_html(&build_starter("en"), 12);
    every_page_is_valid_html(&build_starter("nl"), 12);
}

/// One page to check with axe: what it stands for, its path on the site, and for a page
/// built by script, a JavaScript expression that is true once it is ready, and whether the
/// DOM the script built is checked with html-validate too.
struct Target {
    template: String,
    path: String,
    ready: Option<String>,
    validate_dom: bool,
}

fn target(template: &str, path: &str) -> Target {
    Target { template: template.into(), path: path.into(), ready: None, validate_dom: false }
}

/// The largest page in a folder's subfolders (`<dir>/<slug>/index.html`): the one that uses
/// the most of its template.
fn largest_child(site: &Path, dir: &str) -> String {
    let base = site.join(dir);
    let mut best: Option<(u64, String)> = None;
    for e in std::fs::read_dir(&base).unwrap_or_else(|e| panic!("{}: {e}", base.display())).flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(meta) = std::fs::metadata(e.path().join("index.html")) else { continue };
        if name == "page" {
            continue;
        }
        if best.as_ref().is_none_or(|(size, n)| meta.len() > *size || (meta.len() == *size && name < *n)) {
            best = Some((meta.len(), name));
        }
    }
    let (_, name) = best.unwrap_or_else(|| panic!("no pages under {dir}/"));
    format!("/{dir}/{name}/")
}

/// The template label of the pages added by `INNOBIEB_AXE_ALL`.
const EVERY_PAGE: &str = "(every page)";

/// The site path of an HTML file of the site (`/a/b/` for `a/b/index.html`).
fn site_path(site: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(site).expect("under the site").to_string_lossy().replace('\\', "/");
    format!("/{}", rel.strip_suffix("index.html").unwrap_or(&rel))
}

/// At least one page of every template of the bundled site (every page with `INNOBIEB_AXE_ALL`).
fn bundled_targets(site: &Built) -> Vec<Target> {
    let t = target;
    let dir = site.out.as_path();
    let mut out = vec![t("home (index.html)", "/")];
    let collections = [
        "tijdlijn",
        "personen",
        "organisaties",
        "regios",
        "themagroepen",
        "prioriteiten",
        "projecten",
        "programmas",
        "evenementen",
        "bronnen",
    ];
    for c in collections {
        assert!(dir.join(c).join("index.html").is_file(), "no list page for the collection {c}");
        out.push(t(&format!("{c}: list"), &format!("/{c}/")));
        out.push(t(&format!("{c}: record"), &largest_child(dir, c)));
    }
    for tax in ["provincies", "jaren", "doelgroepen"] {
        out.push(t("taxonomy.html", &format!("/{tax}/")));
        out.push(t("term.html", &largest_child(dir, tax)));
    }
    out.push(t("page.html (over)", "/over/"));
    // The search page needs the search index (the `search` feature) to build its interface:
    // check it once it is there, and again with results, facet counts and highlighted excerpts.
    if cfg!(feature = "search") {
        out.push(Target {
            ready: Some("document.querySelector('#zoeken.zoeken-klaar') !== null".into()),
            ..t("zoeken.html", "/zoeken/")
        });
        out.push(Target {
            ready: Some(
                "document.querySelector('#zoeken.zoeken-klaar .zoeken-resultaat') !== null \
                 && !document.querySelector('.zoeken-lijst').hasAttribute('aria-busy')"
                    .into(),
            ),
            ..t("zoeken.html", "/zoeken/?q=bibliotheek")
        });
    }
    out.push(t("404.html", "/bestaat-niet/"));
    // The phone menu (base.html) opened: it shows below 40em only, so axe sees it at 320 px.
    out.push(Target {
        ready: Some("(document.querySelector('details.menu-uitklap').open = true)".into()),
        ..t("base.html, menu opened", "/evenementen/projectendag-2017/")
    });
    if std::env::var_os("INNOBIEB_AXE_ALL").is_some() {
        for f in site.html_files() {
            let path = site_path(dir, &f);
            if !out.iter().any(|t| t.path == path) && path != "/404.html" {
                out.push(t(EVERY_PAGE, &path));
            }
        }
    }
    out
}

/// Every page of a site on the built-in theme: the 404 page at an address that does not
/// exist, and the search page (the one with search.js's mount, `<div id="search">`) once
/// search.js is ready, and again with `query` once its results show.
fn default_theme_targets(site: &Built, query: &str) -> Vec<Target> {
    let mut out = Vec::new();
    for f in site.html_files() {
        let path = site_path(&site.out, &f);
        let depth = path.matches('/').count() - 1;
        let html = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        if path == "/404.html" {
            out.push(target("404.html", "/does-not-exist/"));
        } else if f.file_name().is_some_and(|n| n != "index.html") {
            // Not a page of the site (an alias is a folder's index.html too).
        } else if path == "/" {
            out.push(target("index.html", "/"));
        } else if html.contains("<div id=\"search\"") && cfg!(feature = "search") {
            out.push(Target {
                ready: Some("document.querySelector('#search.search-ready') !== null".into()),
                validate_dom: true,
                ..target("search.html", &path)
            });
            out.push(Target {
                ready: Some(
                    "document.querySelector('#search.search-ready .search-result') !== null \
                     && !document.querySelector('.search-list').hasAttribute('aria-busy')"
                        .into(),
                ),
                validate_dom: true,
                ..target("search.html with results", &format!("{path}?q={query}"))
            });
        } else {
            // A list (section or taxonomy) or a page, or a record or term below a list.
            out.push(target(if depth <= 1 { "list or page" } else { "record or term" }, &path));
        }
    }
    assert!(out.iter().any(|t| t.template == "404.html"), "no 404.html in {}", site.name);
    if cfg!(feature = "search") {
        assert!(out.iter().any(|t| t.ready.is_some()), "no search page in {}", site.name);
    }
    out
}

/// What axe found in one page.
struct Axe {
    /// Each violated rule with the selectors of the elements and what is wrong.
    violations: Vec<String>,
    /// What axe could not decide by itself ("needs review"), one line per element.
    incomplete: Vec<String>,
    /// How many rules passed (to be sure that axe ran at all).
    passes: u64,
}

/// Runs axe in the current page, injecting it first if it is not there.
fn run_axe(b: &mut Browser, axe_source: &str) -> Axe {
    if b.eval("typeof window.axe").unwrap() != "object" {
        // The error message quotes the whole expression: keep only its end.
        b.eval(axe_source).unwrap_or_else(|e| {
            let cut = e.char_indices().rev().nth(300).map_or(0, |(i, _)| i);
            panic!("cannot inject axe-core: ...{}", &e[cut..])
        });
    }
    let js = format!(
        "axe.run(document, {{ runOnly: {{ type: 'tag', values: {AXE_TAGS} }} }}).then(r => ({{ \
           violations: r.violations.map(v => `${{v.id}} (${{v.impact}}): ${{v.help}}\\n` + \
             v.nodes.map(n => `      at ${{n.target.join(' ')}}\\n        ${{(n.failureSummary || '').replace(/\\n/g, ' ')}}`).join('\\n')), \
           incomplete: r.incomplete.flatMap(v => v.nodes.map(n => \
             `${{v.id}} at ${{n.target.join(' ')}}: ${{(n.any[0] || n.all[0] || n.none[0] || {{}}).message || v.help}}`)), \
           passes: r.passes.length }}))"
    );
    let r = b.eval(&js).unwrap_or_else(|e| panic!("axe.run failed: {e}"));
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
    };
    Axe {
        violations: strings(&r["violations"]),
        incomplete: strings(&r["incomplete"]),
        passes: r["passes"].as_u64().unwrap_or(0),
    }
}

/// Whether the page fits the viewport horizontally; if not, the elements that stick out
/// (those not inside a scrolling or clipping container).
const OVERFLOW_JS: &str = r#"(() => {
  // The width left for the page: the viewport less a vertical scroll bar.
  const w = document.documentElement.clientWidth, sw = document.documentElement.scrollWidth;
  const clipped = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].map(c => '.' + c).join('') +
    ' "' + (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40) + '"';
  const offenders = sw <= w ? [] : [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > w + 0.5 && !clipped(el))
    .slice(0, 15)
    .map(el => name(el) + ' right=' + Math.round(el.getBoundingClientRect().right));
  return { innerWidth: window.innerWidth, clientWidth: w, scrollWidth: sw, offenders };
})()"#;

fn next_frame(b: &mut Browser) {
    b.eval("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))").unwrap();
}

/// Checks `targets` of `site` with axe at 1280 and 320 px, for overflow at 320 px and for
/// uncaught exceptions; the DOM of pages built by script is validated with html-validate
/// once ready. Fails with every problem found.
fn pages_pass_axe_and_fit_320_px(site: &Built, targets: &[Target]) {
    let started = Instant::now();
    let axe_path = node_modules().join("axe-core/axe.min.js");
    let axe_source = std::fs::read_to_string(&axe_path).unwrap_or_else(|e| panic!("{}: {e}", axe_path.display()));
    let server = StaticServer::start(&site.out);
    let mut b = Browser::launch();
    let screenshots = std::env::var_os("INNOBIEB_SCREENSHOTS").map(PathBuf::from);
    let scripted = TempDir(common::temp_dir("quality-dom"));

    let mut failures = Vec::new();
    let (mut violations, mut overflowing, mut review) = (0, 0, 0);
    for (n, target) in targets.iter().enumerate() {
        b.set_viewport(1280, 900).unwrap();
        b.take_events();
        b.navigate(&server.url(&target.path)).unwrap_or_else(|e| panic!("{}: {e}", target.path));
        let mut problems = Vec::new();
        if let Some(ready) = &target.ready {
            b.wait_for(ready, WAIT).unwrap_or_else(|e| {
                panic!("{}: the page was not ready: {e}\nexceptions: {:?}", target.path, b.exceptions())
            });
        }
        if target.validate_dom {
            // The DOM the script built, for html-validate.
            let dom = b.eval("'<!DOCTYPE html>\\n' + document.documentElement.outerHTML").unwrap();
            let file = scripted.0.join(format!("{n}.html"));
            std::fs::write(&file, dom.as_str().unwrap_or_default()).unwrap();
            if let Err(e) = html_validate(&[file], &html_validate_dom_config()) {
                problems.push(format!("  html-validate of the DOM built by script: {e}"));
            }
        }
        let wide = run_axe(&mut b, &axe_source);
        assert!(wide.passes > 0, "axe checked nothing in {}", target.path);

        // The same page at 320 px (the mobile layout), without reloading it.
        b.set_viewport(320, 800).unwrap();
        next_frame(&mut b);
        let narrow = run_axe(&mut b, &axe_source);
        let fit = b.eval(OVERFLOW_JS).unwrap();
        if let Some(dir) = &screenshots {
            std::fs::create_dir_all(dir).unwrap();
            let page = match target.path.trim_matches('/') {
                "" => "home".to_string(),
                p => p.replace(['/', '?', '='], "_"),
            };
            let site_name = site.name.replace(' ', "-");
            b.screenshot(&dir.join(format!("320-{site_name}-{page}.png")), true).unwrap();
        }

        for v in &wide.violations {
            problems.push(format!("  axe at 1280 px: {v}"));
        }
        // At 320 px, only what is new (the same rule on the same elements differs only in
        // details such as the font size).
        let key = |v: &String| v.lines().filter(|l| !l.starts_with("        ")).collect::<Vec<_>>().join("\n");
        let seen: Vec<String> = wide.violations.iter().map(key).collect();
        let new_narrow: Vec<&String> = narrow.violations.iter().filter(|v| !seen.contains(&key(v))).collect();
        for v in &new_narrow {
            problems.push(format!("  axe at 320 px: {v}"));
        }
        violations += wide.violations.len() + new_narrow.len();
        let width = |key: &str| fit[key].as_u64().unwrap_or(0);
        let (client, scroll) = (width("clientWidth"), width("scrollWidth"));
        if scroll > client || width("innerWidth") != 320 {
            overflowing += 1;
            problems.push(format!(
                "  at 320 px (window.innerWidth {}) the page is {scroll} px wide, {client} px fit; sticking out:",
                width("innerWidth")
            ));
            for o in fit["offenders"].as_array().into_iter().flatten() {
                problems.push(format!("      {}", o.as_str().unwrap_or_default()));
            }
        }
        for e in b.exceptions() {
            problems.push(format!("  uncaught exception: {e}"));
        }
        review += wide.incomplete.len();
        println!(
            "{:<26} {:<58} axe rules passed {:>2}, violations {}, needs review {}, width at 320 px {scroll}/{client}",
            target.template,
            target.path,
            wide.passes,
            wide.violations.len() + new_narrow.len(),
            wide.incomplete.len(),
        );
        // What axe cannot decide (contrast over a gradient or next to a pseudo-element) is
        // listed for a person to check. Checked by hand for the bundled theme: the text on
        // the home page's gradient (#1c2730 on #e8f1f2 to #f3efe6) is 13.2:1, the timeline's
        // dates next to their dots (#7a4a00 on white) 7.5:1.
        for i in &wide.incomplete {
            println!("    needs review: {i}");
        }
        if !problems.is_empty() {
            failures.push(format!("{} ({}):\n{}", target.path, target.template, problems.join("\n")));
        }
    }
    let templates: std::collections::BTreeSet<&str> =
        targets.iter().map(|t| t.template.as_str()).filter(|t| *t != EVERY_PAGE).collect();
    println!(
        "axe (WCAG 2.1 A/AA) at 1280 and 320 px, {}: {} pages of {} templates, {violations} violations, \
         {review} elements for manual review; {overflowing} pages wider than 320 px; {:.1} s",
        site.name,
        targets.len(),
        templates.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{}: {} of {} pages fail:\n\n{}",
        site.name,
        failures.len(),
        targets.len(),
        failures.join("\n\n")
    );
}

#[test]
#[ignore = "needs chromium"]
fn every_template_passes_axe_and_fits_320_px() {
    let site = build_bundled_site();
    pages_pass_axe_and_fit_320_px(&site, &bundled_targets(&site));
}

#[test]
#[ignore = "needs chromium"]
fn every_page_of_the_books_fixture_on_the_default_theme_passes_axe_and_fits_320_px() {
    let site = build_books_on_the_default_theme();
    pages_pass_axe_and_fit_320_px(&site, &default_theme_targets(&site, "oeroeg"));
}

#[test]
#[ignore = "needs chromium"]
fn every_page_of_the_starter_sites_passes_axe_and_fits_320_px() {
    for (language, query) in [("en", "library"), ("nl", "bibliotheek")] {
        let site = build_starter(language);
        pages_pass_axe_and_fit_320_px(&site, &default_theme_targets(&site, query));
    }
}

#[test]
#[ignore = "needs chromium"]
fn every_page_of_a_stress_site_on_the_default_theme_passes_axe_and_fits_320_px() {
    let site = build_stress_site();
    pages_pass_axe_and_fit_320_px(&site, &default_theme_targets(&site, "reading"));
}

/// `serve`'s error overlay (in Dutch) passes axe at 1280 and 320 px.
#[test]
#[ignore = "needs chromium"]
fn the_error_overlay_passes_axe() {
    let site = common::site::TestSite::fixture("kb").with_mini_theme();
    let yaml = site.read("site.yaml");
    site.write("site.yaml", &format!("{yaml}language: nl\n"));
    let server = common::http::Server::start(&site.root, &[]);
    let axe_path = node_modules().join("axe-core/axe.min.js");
    let axe_source = std::fs::read_to_string(&axe_path).unwrap_or_else(|e| panic!("{}: {e}", axe_path.display()));
    let mut b = Browser::launch();
    b.navigate(&server.url("/tijdlijn/bericht-1/")).unwrap();
    b.wait_for("document.readyState === 'complete'", Duration::from_secs(20)).unwrap();
    // Give the live-reload script time to connect before the file breaks.
    std::thread::sleep(Duration::from_millis(500));
    site.write("content/tijdlijn/bericht-1.md", "---\ntitle: [kapot\ndate: 2016-01\n---\nTekst.\n");
    b.wait_for("document.querySelector('[role=alertdialog]') !== null", Duration::from_secs(20)).unwrap();
    for width in [1280, 320] {
        b.set_viewport(width, 800).unwrap();
        next_frame(&mut b);
        let axe = run_axe(&mut b, &axe_source);
        assert!(axe.passes > 0, "axe did not run");
        assert!(axe.violations.is_empty(), "the overlay at {width} px:\n{}", axe.violations.join("\n"));
    }
}
