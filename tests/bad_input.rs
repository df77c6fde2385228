//! The bad-input corpus: each case breaks a good site in one way and builds it over
//! the previous good output. Each must exit 1 (no panic, no hang), name the file and
//! line, leave the previous output byte for byte as it was, and create nothing
//! outside the output folder. The messages are snapshot-tested: the expected text is
//! in tests/snapshots/bad_input/<case>.txt (write them anew with INNOBIEB_BLESS=1).

mod common;
use common::site::{Run, TestSite};
use std::path::Path;
use std::time::{Duration, Instant};

const CONFIG: &str = r#"collections:
  personen:
    fields:
      title: { type: text, required: true }
      rol: { type: text }
  tijdlijn:
    sort_by: date
    fields:
      title: { type: text, required: true }
      date: { type: date, required: true }
      personen: { type: reference, to: personen, many: true }
"#;

fn good_site() -> TestSite {
    let site = TestSite::new(CONFIG);
    site.write(
        "content/personen/ilona-ebels.md",
        "---\ntitle: Ilona Ebels\nrol: regiogids\n---\n## Loopbaan\n\nTekst.\n",
    );
    site.write(
        "content/tijdlijn/gestart.md",
        "---\ntitle: Regiogidsen gestart\ndate: 2018-05\npersonen: [ilona-ebels]\n---\nMet [Ilona](@/personen/ilona-ebels.md#loopbaan).\n",
    );
    site.build().expect_code(0);
    site
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn check_case(name: &str, mutate: impl FnOnce(&TestSite)) {
    let site = good_site();
    let before = site.tree("public");
    let parent = site.root.parent().unwrap().to_path_buf();
    // Not those of other tests' sites (`/tmp/innobieb-...`): other test runs share the folder.
    let own = format!(".{}.", site.root.file_name().unwrap().to_string_lossy());
    let leftovers = |parent: &Path| -> Vec<String> {
        listing(parent)
            .into_iter()
            .filter(|n| n.contains("innobieb-tmp") || n.contains("innobieb-old"))
            .filter(|n| n.starts_with(&own) || !n.starts_with(".innobieb-"))
            .collect()
    };
    let parent_before = leftovers(&parent);
    mutate(&site);
    let root_before = listing(&site.root);
    let run = run_with_timeout(&site, &["build"], Duration::from_secs(60))
        .unwrap_or_else(|| panic!("{name}: still running after 60 s (killed)"));
    assert_eq!(run.code, 1, "{name}: exit code\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{name}: panic\n{}", run.stderr);
    assert!(
        run.stderr.contains("content/") || run.stderr.contains("templates/"),
        "{name}: no file named\n{}",
        run.stderr
    );
    assert_eq!(site.tree("public"), before, "{name}: previous output changed");
    assert_eq!(listing(&site.root), root_before, "{name}: files created in the site folder");
    assert_eq!(leftovers(&parent), parent_before, "{name}: leftovers next to the site");
    snapshot(name, &run.stderr);
}

/// Runs `innobieb <args>` in the site folder; `None` (after killing it) when it runs longer
/// than `limit`, so a case that makes the build run forever fails instead of hanging.
fn run_with_timeout(site: &TestSite, args: &[&str], limit: Duration) -> Option<Run> {
    let out_path = site.root.with_extension("stdout");
    let err_path = site.root.with_extension("stderr");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_innobieb"))
        .args(args)
        .current_dir(&site.root)
        .env("NO_COLOR", "1")
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("run innobieb");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p: &Path| {
        let text = String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
        let _ = std::fs::remove_file(p);
        text
    };
    let (stdout, stderr) = (read(&out_path), read(&err_path));
    status.map(|s| Run { code: s.code().unwrap_or(-1), stdout, stderr })
}

fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/bad_input").join(format!("{name}.txt"));
    if std::env::var_os("INNOBIEB_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no snapshot {}; run with INNOBIEB_BLESS=1\n{actual}", path.display()));
    assert_eq!(actual, expected, "{name}: message differs from {}", path.display());
}

const X: &str = "content/tijdlijn/gestart.md";

#[test]
fn yaml_unclosed_quote() {
    check_case("yaml_unclosed_quote", |s| {
        s.write(X, "---\ntitle: \"Regiogidsen gestart\ndate: 2018-05\n---\n");
    });
}

#[test]
fn yaml_tab_indentation() {
    check_case("yaml_tab_indentation", |s| {
        s.write(X, "---\ntitle: Regiogidsen gestart\ndate: 2018-05\npersonen:\n\t- ilona-ebels\n---\n");
    });
}

#[test]
fn yaml_duplicate_key() {
    check_case("yaml_duplicate_key", |s| {
        s.write(X, "---\ntitle: Regiogidsen gestart\ndate: 2018-05\ntitle: Nog een\n---\n");
    });
}

#[test]
fn missing_closing_fence() {
    check_case("missing_closing_fence", |s| {
        s.write(X, "---\ntitle: Regiogidsen gestart\ndate: 2018-05\n\nTekst zonder einde van de front matter.\n");
    });
}

#[test]
fn front_matter_only() {
    check_case("front_matter_only", |s| {
        s.write("content/personen/leeg.md", "---\n---\n");
    });
}

#[test]
fn empty_file() {
    check_case("empty_file", |s| {
        s.write("content/personen/leeg.md", "");
    });
}

#[test]
fn invalid_utf8() {
    check_case("invalid_utf8", |s| {
        s.write_bytes("content/personen/kapot.md", b"---\ntitle: Caf\xe9\n---\n");
    });
}

#[test]
fn huge_page() {
    check_case("huge_page", |s| {
        let mut text = String::from("---\ntitle: Groot\n---\n");
        let line = "Een regel tekst die heel vaak herhaald wordt om een bestand van twintig megabyte te maken.\n";
        while text.len() < 20 * 1024 * 1024 {
            text.push_str(line);
        }
        s.write("content/personen/groot.md", &text);
    });
}

#[cfg(unix)]
#[test]
fn symlink_loop() {
    check_case("symlink_loop", |s| {
        std::os::unix::fs::symlink("..", s.path("content/personen/lus")).unwrap();
    });
}

/// A link to `/` is reported at once, never walked (it used to walk the whole machine).
#[cfg(unix)]
#[test]
fn symlink_to_root() {
    check_case("symlink_to_root", |s| {
        std::os::unix::fs::symlink("/", s.path("content/personen/alles")).unwrap();
    });
}

#[cfg(unix)]
#[test]
fn symlink_to_root_in_check() {
    let site = good_site();
    std::os::unix::fs::symlink("/", site.path("content/alles")).unwrap();
    let run = run_with_timeout(&site, &["check"], Duration::from_secs(20)).expect("check still running after 20 s");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error: symbolic link points outside the site folder (to /)\n --> content/alles\n"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn symlink_to_nothing() {
    check_case("symlink_to_nothing", |s| {
        std::os::unix::fs::symlink("weg.md", s.path("content/personen/kwijt.md")).unwrap();
    });
}

/// Emacs marks a file it edits with a link to nothing next to it (`.#name.md`): hidden, so
/// skipped like every hidden name, not an error.
#[cfg(unix)]
#[test]
fn an_editors_lock_link_is_not_an_error() {
    let site = good_site();
    std::os::unix::fs::symlink("user@host.1234:1700000000", site.path("content/personen/.#nieuw.md")).unwrap();
    let run = run_with_timeout(&site, &["check"], Duration::from_secs(20)).expect("check still running after 20 s");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("symbolic link"), "{}", run.stderr);
}

#[test]
fn slug_escape() {
    check_case("slug_escape", |s| {
        s.write("content/personen/b.md", "---\ntitle: B\nslug: ../../etc/x\n---\n");
    });
}

#[test]
fn alias_escape() {
    check_case("alias_escape", |s| {
        s.write("content/personen/b.md", "---\ntitle: B\naliases: [\"/../../../tmp/x/\"]\n---\n");
    });
}

#[cfg(unix)]
#[test]
fn bundle_link_escape() {
    check_case("bundle_link_escape", |s| {
        s.write("content/personen/b/index.md", "---\ntitle: B\n---\n");
        std::os::unix::fs::symlink("/etc/hostname", s.path("content/personen/b/geheim.txt")).unwrap();
    });
}

#[test]
fn duplicate_slug() {
    check_case("duplicate_slug", |s| {
        s.write("content/personen/ilona.md", "---\ntitle: Ilona\nslug: ilona-ebels\n---\n");
    });
}

#[test]
fn missing_reference() {
    check_case("missing_reference", |s| {
        s.write(X, "---\ntitle: Regiogidsen gestart\ndate: 2018-05\npersonen: [ilona-ebbels]\n---\n");
    });
}

#[test]
fn unknown_field() {
    check_case("unknown_field", |s| {
        s.write(X, "---\ntitle: Regiogidsen gestart\ndate: 2018-05\npersoon: [ilona-ebels]\n---\n");
    });
}

#[test]
fn wrong_type() {
    check_case("wrong_type", |s| {
        s.write(X, "---\ntitle: Regiogidsen gestart\ndate: mei 2018\n---\n");
    });
}

#[test]
fn broken_at_link() {
    check_case("broken_at_link", |s| {
        s.write(X, "---\ntitle: Regiogidsen gestart\ndate: 2018-05\n---\nZie [Ilona](@/personen/ilona.md).\n");
    });
}

/// 20,000 broken links on one line: each error quotes a window of the line (not the whole
/// line: that took 8 GB), and only the first few are shown.
#[test]
fn many_broken_links_on_one_line() {
    check_case("many_broken_links_on_one_line", |s| {
        let links: String = (0..20_000).map(|i| format!("[x](@/weg/{i}.md) ")).collect();
        s.write(X, &format!("---\ntitle: Regiogidsen gestart\ndate: 2018-05\n---\n{links}\n"));
    });
}

#[test]
fn broken_anchor() {
    check_case("broken_anchor", |s| {
        s.write(
            X,
            "---\ntitle: Regiogidsen gestart\ndate: 2018-05\n---\nZie [Ilona](@/personen/ilona-ebels.md#lopbaan).\n",
        );
    });
}

#[test]
fn template_syntax_error() {
    check_case("template_syntax_error", |s| {
        s.write("templates/page.html", "<h1>{{ page.title }</h1>\n");
    });
}

#[test]
fn two_templates_with_syntax_errors() {
    check_case("two_templates_with_syntax_errors", |s| {
        s.write("templates/page.html", "<h1>{{ page.title }</h1>\n");
        s.write("templates/section.html", "{% if %}\n");
    });
}

#[test]
fn template_extends_a_missing_template() {
    check_case("template_extends_a_missing_template", |s| {
        s.write("templates/page.html", "{# A page #}\n{% extends \"bsae.html\" %}\n");
    });
}

#[test]
fn templates_extend_each_other() {
    check_case("templates_extend_each_other", |s| {
        s.write("templates/a.html", "{% extends \"b.html\" %}\n");
        s.write("templates/b.html", "{% extends \"a.html\" %}\n");
    });
}

#[test]
fn blocks_missing_in_the_parent() {
    check_case("blocks_missing_in_the_parent", |s| {
        s.write("templates/page.html", "{% extends \"base.html\" %}\n{% block sidebar %}x{% endblock sidebar %}\n");
        s.write(
            "templates/section.html",
            "{% extends \"base.html\" %}\n{% block main %}{{ no_such_function() }}{% endblock main %}\n",
        );
    });
}

#[test]
fn error_in_the_404_template() {
    check_case("error_in_the_404_template", |s| {
        s.write("templates/404.html", "<!DOCTYPE html>\n<p>{{ page.nothing.here }}</p>\n");
    });
}

#[test]
fn error_in_the_sitemap_template() {
    check_case("error_in_the_sitemap_template", |s| {
        s.write("templates/sitemap.xml", "<?xml version=\"1.0\"?>\n<urlset>{{ pages | length }}</urlset>\n");
    });
}

#[test]
fn page_template_that_does_not_exist() {
    check_case("page_template_that_does_not_exist", |s| {
        s.write("content/personen/b.md", "---\ntitle: B\ntemplate: persoon.html\n---\n");
    });
}

#[test]
fn control_character_from_a_yaml_escape() {
    check_case("control_character_from_a_yaml_escape", |s| {
        s.write("content/personen/b.md", "---\ntitle: \"B\\0\"\n---\n");
    });
}

#[test]
fn yaml_alias_bomb() {
    check_case("yaml_alias_bomb", |s| {
        let mut fm = String::from("---\ntitle: B\na0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            fm.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        fm.push_str("---\n");
        s.write("content/personen/b.md", &fm);
    });
}

#[test]
fn template_include_loop() {
    check_case("template_include_loop", |s| {
        s.write("templates/a.html", "{% include \"b.html\" %}");
        s.write("templates/b.html", "{% include \"a.html\" %}");
        s.write("templates/page.html", "{% include \"a.html\" %}");
    });
}

#[test]
fn script_in_title() {
    check_case("script_in_title", |s| {
        s.write("content/personen/b.md", "---\ntitle: \"<script>alert('x')</script>\"\n---\n");
    });
}

#[test]
fn script_in_field() {
    check_case("script_in_field", |s| {
        s.write("content/personen/b.md", "---\ntitle: B\nrol: \"gids <SCRIPT src=//x.example/a.js></SCRIPT>\"\n---\n");
    });
}

/// `slug: index.html` would write the page over its section's own `index.html` folder.
#[test]
fn slug_index_html() {
    check_case("slug_index_html", |s| {
        s.write("content/personen/b.md", "---\ntitle: B\nslug: index.html\n---\n");
    });
}

/// A slug becomes a folder name: one of 300 bytes cannot be written.
#[test]
fn slug_too_long() {
    check_case("slug_too_long", |s| {
        s.write("content/personen/b.md", &format!("---\ntitle: B\nslug: {}\n---\n", "lang-".repeat(60)));
    });
}

#[test]
fn slug_only_spaces() {
    check_case("slug_only_spaces", |s| {
        s.write("content/personen/b.md", "---\ntitle: B\nslug: \"   \"\n---\n");
    });
}

/// A file name the file system accepts, but too long to be a URL segment.
#[test]
fn long_file_name() {
    check_case("long_file_name", |s| {
        s.write(&format!("content/personen/{}.md", "lang-".repeat(44)), "---\ntitle: B\n---\n");
    });
}

/// `check` finds what `build` finds (it used to say "No problems found" for these).
#[test]
fn bad_slugs_in_check() {
    for slug in ["index.html", &"x".repeat(300), "\"  \""] {
        let site = good_site();
        site.write("content/personen/b.md", &format!("---\ntitle: B\nslug: {slug}\n---\n"));
        let run = run_with_timeout(&site, &["check"], Duration::from_secs(20)).expect("check still running");
        assert_eq!(run.code, 1, "{slug}: {}", run.stderr);
        assert!(run.stderr.contains("error: invalid slug `"), "{slug}: {}", run.stderr);
        assert!(run.stderr.contains(" --> content/personen/b.md:3:7\n"), "{slug}: {}", run.stderr);
    }
}

#[test]
fn alias_of_two_pages() {
    check_case("alias_of_two_pages", |s| {
        s.write("content/personen/a.md", "---\ntitle: A\naliases: [/oud/]\n---\n");
        s.write("content/personen/b.md", "---\ntitle: B\naliases: [/oud/]\n---\n");
    });
}

#[test]
fn alias_at_page_url() {
    check_case("alias_at_page_url", |s| {
        s.write("content/personen/b.md", "---\ntitle: B\naliases:\n  - /personen/ilona-ebels/\n---\n");
    });
}

#[test]
fn bundle_file_index_html() {
    check_case("bundle_file_index_html", |s| {
        s.write("content/personen/b/index.md", "---\ntitle: B\n---\n");
        s.write("content/personen/b/index.html", "<p>oud</p>\n");
    });
}

#[test]
fn static_at_page_path() {
    check_case("static_at_page_path", |s| {
        s.write("static/personen/ilona-ebels/index.html", "<p>oud</p>\n");
    });
}

/// An alias below a file another source writes: a file where a folder is needed.
#[test]
fn alias_inside_a_file() {
    check_case("alias_inside_a_file", |s| {
        s.write("static/oud.html", "<p>oud</p>\n");
        s.write("content/personen/b.md", "---\ntitle: B\naliases: [/oud.html/x/]\n---\n");
    });
}
