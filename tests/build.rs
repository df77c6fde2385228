//! `innobieb build` end to end: one tiny site per behaviour.

mod common;
use common::site::{NO_SEARCH, TestSite};

fn page(title: &str, body: &str) -> String {
    format!("---\ntitle: \"{title}\"\n---\n{body}\n")
}

#[test]
fn builds_pretty_urls_and_prints_a_summary() {
    let site = TestSite::new("");
    site.write("content/_index.md", &page("Home", "Welkom."));
    site.write("content/tijdlijn/_index.md", &page("Tijdlijn", ""));
    site.write("content/tijdlijn/proeftuinen-en-parels.md", &page("Proeftuinen en Parels", "Tekst."));
    let run = site.build();
    run.expect_code(0);
    assert!(run.stdout.starts_with("Built 3 pages"), "{}", run.stdout);
    assert!(run.stdout.contains("-> public"), "{}", run.stdout);
    let html = site.read("public/tijdlijn/proeftuinen-en-parels/index.html");
    assert!(html.contains("<h1>Proeftuinen en Parels</h1>"), "{html}");
    assert!(site.read("public/tijdlijn/index.html").contains("href=\"/tijdlijn/proeftuinen-en-parels/\""));
    for f in ["404.html", "sitemap.xml", "robots.txt", "index.html", "data/index.json"] {
        assert!(site.exists(&format!("public/{f}")), "{f} missing");
    }
    assert!(site.read("public/robots.txt").contains("Sitemap: https://example.org/sitemap.xml"));
    assert!(site.read("public/sitemap.xml").contains("<loc>https://example.org/tijdlijn/proeftuinen-en-parels/</loc>"));
}

#[test]
fn bom_and_crlf_files_work() {
    let site = TestSite::new("");
    site.write("content/a.md", "\u{feff}---\r\ntitle: Met BOM\r\n---\r\n## Kop één\r\n\r\nTekst\r\n");
    site.build().expect_code(0);
    let html = site.read("public/a/index.html");
    assert!(html.contains("<h1>Met BOM</h1>"), "{html}");
    assert!(html.contains("<h2 id=\"kop-een\">Kop één</h2>"), "{html}");
}

#[test]
fn sections_paginate() {
    let site = TestSite::new("collections:\n  berichten:\n    sort_by: weight\n    paginate_by: 2\n");
    site.write("content/berichten/_index.md", &page("Berichten", ""));
    for i in 1..=5 {
        site.write(&format!("content/berichten/b{i}.md"), &format!("---\ntitle: Bericht {i}\nweight: {i}\n---\n"));
    }
    site.build().expect_code(0);
    let first = site.read("public/berichten/index.html");
    assert!(first.contains("Bericht 1") && first.contains("Bericht 2") && !first.contains("Bericht 3"), "{first}");
    assert!(first.contains("href=\"/berichten/page/2/\""), "{first}");
    let third = site.read("public/berichten/page/3/index.html");
    assert!(third.contains("Bericht 5") && !third.contains("Bericht 4"), "{third}");
    assert!(third.contains("rel=\"prev\" href=\"/berichten/page/2/\""), "{third}");
    assert!(!site.exists("public/berichten/page/4/index.html"));
}

#[test]
fn site_templates_and_static_files_override_the_theme() {
    let site = TestSite::new("");
    site.write("themes/t/static/style.css", "theme");
    site.write("themes/t/static/logo.svg", "<svg/>");
    site.write("static/style.css", "site");
    site.write("templates/page.html", "SITE {{ page.title }}");
    site.write("content/a.md", &page("A", ""));
    site.build().expect_code(0);
    assert_eq!(site.read("public/a/index.html"), "SITE A");
    assert_eq!(site.read("public/style.css"), "site");
    assert_eq!(site.read("public/logo.svg"), "<svg/>");
}

#[test]
fn aliases_become_redirect_pages() {
    let site = TestSite::new("");
    site.write("content/nieuw.md", "---\ntitle: Nieuw\naliases: [/oud/adres/, /oud.html]\n---\n");
    site.build().expect_code(0);
    let html = site.read("public/oud/adres/index.html");
    assert!(html.contains("url=/nieuw/"), "{html}");
    assert!(site.read("public/oud.html").contains("href=\"/nieuw/\""));
}

#[test]
fn alias_that_escapes_the_output_is_an_error() {
    let site = TestSite::new("");
    site.write("content/a.md", "---\ntitle: A\naliases: [\"../../buiten/\"]\n---\n");
    let run = site.build();
    run.expect_code(1);
    assert!(
        run.stderr.contains("invalid alias `../../buiten/`: an alias cannot contain `.` or `..` segments"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> content/a.md:3:11"), "{}", run.stderr);
    assert!(!site.exists("../buiten"));
}

#[test]
fn base_url_path_prefix_is_respected_everywhere() {
    let site = TestSite::new("");
    site.write("site.yaml", &format!("title: T\nbase_url: https://example.org/kb\ntheme: t\n{NO_SEARCH}"));
    site.write("content/_index.md", &page("Home", "Zie [A](@/a.md)."));
    site.write("content/a.md", "---\ntitle: A\naliases: [/oud/]\n---\n");
    site.build().expect_code(0);
    assert!(site.read("public/index.html").contains("href=\"/kb/a/\""));
    assert!(site.read("public/oud/index.html").contains("url=/kb/a/"));
    assert!(site.read("public/sitemap.xml").contains("<loc>https://example.org/kb/a/</loc>"));
    let run = site.run(&["build", "--base-url", "https://preview.example/x/"]);
    run.expect_code(0);
    assert!(site.read("public/index.html").contains("href=\"/x/a/\""));
}

#[test]
fn yaml_errors_name_file_line_and_column() {
    let site = TestSite::new("");
    site.write("content/a.md", "---\ntitle: A\ndescription: \"niet gesloten\nweight: 1\n---\nTekst\n");
    site.write("content/b.md", "---\ntitle: A\ntitle: B\n---\n");
    site.write("content/c.md", "---\ntitle: A\n\tweight: 2\n---\n");
    let run = site.build();
    run.expect_code(1);
    let expected = [
        "error: quoted text is never closed\n --> content/a.md:3:14\n  |\n3 | description: \"niet gesloten\n  |              ^\n  |\n  = help: add the closing quote at the end of the value",
        "error: the key `title` appears twice\n --> content/b.md:3:1",
        "error: found a tab character that violates indentation\n --> content/c.md:3:1",
        "= help: YAML indentation must use spaces, not tabs",
        "3 errors found",
    ];
    for e in expected {
        assert!(run.stderr.contains(e), "missing {e:?} in\n{}", run.stderr);
    }
}

#[test]
fn unknown_front_matter_key_gets_a_hint() {
    let site = TestSite::new("");
    site.write("content/a.md", "---\ntitle: A\ntitel: B\n---\n");
    let run = site.build();
    run.expect_code(1);
    let expected = "error: unknown field `titel`\n --> content/a.md:3:1\n  |\n3 | titel: B\n  | ^^^^^\n  |\n  = help: did you mean `title`?";
    assert!(run.stderr.contains(expected), "{}", run.stderr);
}

#[test]
fn template_error_names_template_line_and_page() {
    let site = TestSite::new("");
    site.write("templates/page.html", "<h1>{{ page.title }}</h1>\n<p>{{ page.bestaat_niet }}</p>\n");
    site.write("content/a.md", &page("A", ""));
    let run = site.build();
    run.expect_code(1);
    assert!(run.stderr.contains("template error:"), "{}", run.stderr);
    assert!(run.stderr.contains("--> templates/page.html:2:"), "{}", run.stderr);
    assert!(run.stderr.contains("(while rendering content/a.md)"), "{}", run.stderr);
}

#[test]
fn template_syntax_error_is_reported_with_its_line() {
    let site = TestSite::new("");
    site.write("templates/page.html", "<h1>{{ page.title }}</h1>\n{% if page.title %}\n");
    site.write("content/a.md", &page("A", ""));
    let run = site.build();
    run.expect_code(1);
    assert!(run.stderr.contains("template syntax error"), "{}", run.stderr);
    assert!(run.stderr.contains("templates/page.html:"), "{}", run.stderr);
}

#[test]
fn templates_including_each_other_forever_are_an_error() {
    let site = TestSite::new("");
    site.write("templates/a.html", "{% include \"b.html\" %}");
    site.write("templates/b.html", "{% include \"a.html\" %}");
    site.write("templates/page.html", "{% include \"a.html\" %}");
    site.write("content/x.md", &page("X", ""));
    let run = site.build();
    run.expect_code(1);
    assert!(run.stderr.to_lowercase().contains("include"), "{}", run.stderr);
}

#[test]
fn a_failed_build_leaves_the_previous_output_intact() {
    let site = TestSite::new("");
    site.write("content/a.md", &page("A", "Eerste versie."));
    site.build().expect_code(0);
    let before = site.tree("public");
    site.write("content/a.md", "---\ntitle: [kapot\n---\n");
    site.write("content/b.md", &page("B", ""));
    site.build().expect_code(1);
    assert_eq!(site.tree("public"), before);
    let leftovers: Vec<String> = std::fs::read_dir(&site.root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("innobieb-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn hostile_slug_is_an_error_and_writes_nothing_outside() {
    let site = TestSite::new("");
    site.write("content/a.md", "---\ntitle: A\nslug: ../../etc/x\n---\n");
    let run = site.build();
    run.expect_code(1);
    assert!(
        run.stderr.contains("invalid slug `../../etc/x`: a slug is one URL segment and cannot contain `/` or `\\`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> content/a.md:3:7"), "{}", run.stderr);
    assert!(!site.exists("public"));
    assert!(!site.root.parent().unwrap().join("etc/x").exists());
}

#[test]
fn builds_are_byte_identical() {
    let site = TestSite::new(
        "collections:\n  t:\n    sort_by: date\n    feed: true\n    fields:\n      over: { type: reference, to: t, many: true }\n",
    );
    site.write("content/t/a.md", "---\ntitle: A\ndate: 2016-06\nover: [b, c]\n---\n## X\n\nZie [B](@/t/b.md).\n");
    site.write("content/t/b.md", "---\ntitle: B\ndate: 2017\nover: [a]\n---\n");
    site.write("content/t/c.md", "---\ntitle: C\ndate: 2016-06-30\n---\n");
    site.run(&["build", "-o", "out1"]).expect_code(0);
    site.run(&["build", "-o", "out2"]).expect_code(0);
    let (a, b) = (site.tree("out1"), site.tree("out2"));
    assert!(a.len() > 8);
    assert_eq!(a, b);
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_create() {
    let site = TestSite::new("");
    site.write("content/a.md", &page("A", ""));
    site.write("public/belangrijk.txt", "niet weggooien");
    let run = site.build();
    run.expect_code(2);
    assert!(run.stderr.contains("was not created by innobieb"), "{}", run.stderr);
    assert_eq!(site.read("public/belangrijk.txt"), "niet weggooien");
}

#[test]
fn page_bundles_copy_their_files() {
    let site = TestSite::new("");
    site.write("content/project/index.md", &page("Project", "![Foto](foto.png)"));
    site.write_bytes("content/project/foto.png", b"\x89PNG");
    site.write_bytes("content/project/docs/plan.pdf", b"%PDF");
    site.build().expect_code(0);
    assert_eq!(std::fs::read(site.path("public/project/foto.png")).unwrap(), b"\x89PNG");
    assert!(site.exists("public/project/docs/plan.pdf"));
    assert!(site.read("public/project/index.html").contains("src=\"foto.png\""));
}

#[test]
fn headings_get_unique_ids_and_summaries_are_cut() {
    let site = TestSite::new("");
    site.write(
        "templates/page.html",
        "{{ page.summary }}|{% for h in page.toc %}{{ h.id }},{% endfor %}|{{ page.content }}",
    );
    site.write("content/a.md", "---\ntitle: A\n---\nEerste.\n\nTweede.\n\n<!-- more -->\n\n## Één\n\n## Één\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
    site.build().expect_code(0);
    let html = site.read("public/a/index.html");
    let parts: Vec<&str> = html.split('|').collect();
    assert!(parts[0].contains("Tweede") && !parts[0].contains("een"), "{html}");
    assert_eq!(parts[1], "een,een-1,");
    assert!(html.contains("<table>"));
}

#[test]
fn feeds_are_written_for_dated_collections() {
    let site = TestSite::new("collections:\n  nieuws:\n    sort_by: date\n    feed: true\n");
    site.write("content/nieuws/a.md", "---\ntitle: Oud\ndate: 2015-02\n---\n");
    site.write("content/nieuws/b.md", "---\ntitle: Nieuw\ndate: 2019-05-01\n---\n");
    site.build().expect_code(0);
    let feed = site.read("public/nieuws/atom.xml");
    assert!(feed.contains("<updated>2019-05-01T00:00:00Z</updated>"), "{feed}");
    assert!(feed.find("Nieuw").unwrap() < feed.find("Oud").unwrap());
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = TestSite::new("");
    site.write("content/a.md", "---\ntitle: A\ndraft: true\n---\n");
    site.build().expect_code(0);
    assert!(!site.exists("public/a/index.html"));
    site.run(&["build", "--drafts"]).expect_code(0);
    assert!(site.exists("public/a/index.html"));
}

#[test]
fn missing_config_is_a_clear_error() {
    let site = TestSite::empty();
    let run = site.build();
    run.expect_code(1);
    assert!(run.stderr.contains("cannot read the site configuration"), "{}", run.stderr);
}

#[test]
fn html_in_titles_is_escaped() {
    let site = TestSite::new("");
    site.write("content/a.md", "---\ntitle: \"<b>vet</b> & zo\"\n---\n");
    site.build().expect_code(0);
    assert!(
        site.read("public/a/index.html").contains("<h1>&lt;b&gt;vet&lt;&#x2F;b&gt; &amp; zo</h1>")
            || site.read("public/a/index.html").contains("<h1>&lt;b&gt;vet&lt;/b&gt; &amp; zo</h1>")
    );
}

#[test]
fn output_inside_a_source_folder_is_refused() {
    let site = TestSite::new("");
    site.write("content/a.md", &page("A", ""));
    site.write("static/s.css", "body{}");
    for (out, folder) in [("content/uit", "content/"), ("static/uit", "static/"), ("themes/t/uit", "themes/")] {
        let run = site.run(&["build", "-o", out]);
        run.expect_code(2);
        assert!(
            run.stderr.contains(&format!("error: the output folder {out} is inside the site's {folder} folder")),
            "{}",
            run.stderr
        );
        assert!(!site.exists(out), "{out} was created");
    }
    // Twice in a row (the second build would have copied the first into itself).
    let run = site.run(&["build", "-o", "content/uit"]);
    run.expect_code(2);
    assert!(site.files("content").iter().all(|f| !f.contains("uit")), "{:?}", site.files("content"));
    site.build_to("uit");
}

fn leftovers(site: &TestSite) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(&site.root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".innobieb-"))
        .collect();
    v.sort();
    v
}

#[test]
fn a_killed_builds_leftovers_are_removed_by_the_next_build() {
    let site = TestSite::new("");
    site.write("content/a.md", &page("A", ""));
    // What a killed build leaves: its staging folder (marked) and the old output (marked).
    site.write(".public.innobieb-tmp-999999/.innobieb-staging", "999999\n");
    site.write(".public.innobieb-tmp-999999/a/index.html", "half");
    site.write(".public.innobieb-old-999998/.innobieb-output", "");
    // Not ours (no mark), or another output folder's: kept.
    site.write(".public.innobieb-tmp-999997/notes.txt", "mine");
    site.write(".uit.innobieb-tmp-999996/.innobieb-staging", "999996\n");
    site.build().expect_code(0);
    assert_eq!(leftovers(&site), [".public.innobieb-tmp-999997", ".uit.innobieb-tmp-999996"]);
    assert_eq!(site.read(".public.innobieb-tmp-999997/notes.txt"), "mine");
}

#[test]
fn a_second_build_of_the_same_output_fails_at_once() {
    let site = TestSite::new("");
    site.write("content/a.md", &page("A", ""));
    site.build().expect_code(0);
    let before = site.tree("public");
    // A running build holds the lock: this test process stands in for it.
    let me = std::process::id();
    site.write(".public.innobieb-lock", &format!("{me}\n"));
    site.write("content/b.md", &page("B", ""));
    let run = site.build();
    run.expect_code(2);
    assert!(
        run.stderr.contains(&format!(
            "error: another build of this site is running (pid {me}); wait for it or remove {}",
            site.root.canonicalize().unwrap().join(".public.innobieb-lock").display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(site.tree("public"), before);
    assert_eq!(site.read(".public.innobieb-lock"), format!("{me}\n"));
    // A lock left by a build that is no longer running is taken over, and removed after.
    site.write(".public.innobieb-lock", "999999\n");
    site.build().expect_code(0);
    assert!(site.exists("public/b/index.html"));
    assert_eq!(leftovers(&site), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn an_interrupted_build_removes_its_staging_folder_and_lock() {
    // With the search index, so the build is still busy when the signal arrives.
    let site = TestSite::new("search: { enabled: true }\n");
    for i in 0..2000 {
        site.write(&format!("content/p{i}.md"), &page(&format!("Pagina {i}"), "## Kop\n\nTekst."));
    }
    site.build().expect_code(0);
    let before = site.tree("public");
    site.write("content/extra.md", &page("Extra", ""));
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_innobieb"))
            .args(["build", "-q"])
            .current_dir(&site.root)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until it writes into its staging folder, then interrupt it.
        let start = std::time::Instant::now();
        while !leftovers(&site).iter().any(|n| n.contains("innobieb-tmp")) {
            assert!(start.elapsed().as_secs() < 30, "no staging folder appeared");
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        std::process::Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{signal}: {stderr}");
        assert!(stderr.contains("Interrupted; the output folder was left as it was."), "{stderr}");
        assert_eq!(leftovers(&site), Vec::<String>::new(), "{signal}");
        assert!(site.tree("public") == before, "{signal}: previous output changed");
    }
}

#[test]
fn a_site_folder_that_does_not_exist_is_a_usage_error() {
    let site = TestSite::empty();
    for cmd in ["build", "check", "serve"] {
        let run = site.run(&[cmd, "--root", "no-such-site"]);
        run.expect_code(2);
        assert_eq!(
            run.stderr,
            "error: the site folder no-such-site does not exist or is not a folder\n  \
             = help: pass --root with the folder that holds site.yaml, or start a site with `innobieb init no-such-site`\n"
        );
    }
    assert!(!site.exists("no-such-site"), "nothing is created");
}
