//! Content from other generators: TOML front matter, shortcodes, callouts, definition
//! lists, GitHub heading ids, the `unknown_fields` policy, what is published, every
//! internal link checked, and readable error floods. Exact messages with file:line:col.

mod common;
use common::site::TestSite;

const PEOPLE: &str = "collections:\n  personen:\n    fields:\n      rol: { type: text }\n";

#[test]
fn toml_front_matter_builds_like_yaml() {
    let site = TestSite::new(PEOPLE);
    site.write(
        "content/personen/ada.md",
        "+++\ntitle = \"Ada\"\ndate = 2024-05-01T10:00:00Z\nrol = \"gids\"\n\n[extra]\nkleur = \"blauw\"\n+++\nTekst van Ada.\n",
    );
    site.build().expect_success();
    let html = site.read("public/personen/ada/index.html");
    assert!(html.contains("<h1>Ada</h1>"), "{html}");
    assert!(html.contains("<p>Tekst van Ada.</p>"), "{html}");
}

#[test]
fn toml_syntax_error_points_at_the_line_in_the_file() {
    let site = TestSite::new(PEOPLE);
    site.write("content/personen/ada.md", "+++\ntitle = \"Ada\"\nrol = gids\n+++\n");
    let run = site.run(&["check"]);
    run.expect_code(1);
    let expected = "error: invalid TOML: string values must be quoted, expected literal string\n --> content/personen/ada.md:3:7\n  |\n3 | rol = gids\n  |       ^^^^\n  |\n  = help: TOML front matter is `key = value` lines between `+++` fences; text values need quotes";
    assert!(run.stderr.contains(expected), "{}", run.stderr);
}

#[test]
fn toml_field_errors_point_at_the_key_and_value() {
    let site = TestSite::new(PEOPLE);
    site.write("content/personen/ada.md", "+++\ntitle = \"Ada\"\nrool = \"gids\"\n+++\n");
    site.write("content/personen/bob.md", "+++\ntitle = \"Bob\"\nweight = \"zwaar\"\n+++\n");
    let run = site.run(&["check"]);
    run.expect_code(1);
    for e in [
        "error: unknown field `rool`\n --> content/personen/ada.md:3:1\n  |\n3 | rool = \"gids\"\n  | ^^^^\n  |\n  = help: did you mean `rol`?",
        "error: `weight` must be a whole number\n --> content/personen/bob.md:3:10\n  |\n3 | weight = \"zwaar\"\n  |          ^^^^^^^",
    ] {
        assert!(run.stderr.contains(e), "missing {e:?} in\n{}", run.stderr);
    }
}

#[test]
fn a_file_without_front_matter_is_told_about_both_fences() {
    let site = TestSite::new("");
    site.write("content/a.md", "# Kop\n");
    let run = site.run(&["check"]);
    run.expect_code(1);
    assert!(run.stderr.contains("or with `+++`, `title = \"...\"`, `+++` (TOML)"), "{}", run.stderr);
}

#[test]
fn github_callouts_are_accessible_callouts_in_the_site_language() {
    let site = TestSite::new("");
    site.write("content/a.md", "---\ntitle: A\n---\n> [!TIP]\n> Lees eerst **dit**.\n\n> Gewoon citaat.\n");
    site.build().expect_success();
    let html = site.read("public/a/index.html");
    assert!(
        html.contains("<div class=\"callout callout-tip\" role=\"note\">\n<p class=\"callout-title\">Tip</p>\n<p>Lees eerst <strong>dit</strong>.</p>\n</div>"),
        "{html}"
    );
    assert!(html.contains("<blockquote>\n<p>Gewoon citaat.</p>\n</blockquote>"), "{html}");
    let en = TestSite::new("language: en\n");
    en.write("content/a.md", "---\ntitle: A\n---\n> [!CAUTION]\n> Hot.\n");
    en.build().expect_success();
    assert!(en.read("public/a/index.html").contains("<p class=\"callout-title\">Caution</p>"));
}

#[test]
fn definition_lists_become_dl() {
    let site = TestSite::new("");
    site.write("content/a.md", "---\ntitle: A\n---\nGids\n: Iemand die de weg wijst.\n");
    site.build().expect_success();
    let html = site.read("public/a/index.html");
    assert!(html.contains("<dl>\n<dt>Gids</dt>\n<dd>Iemand die de weg wijst.</dd>\n</dl>"), "{html}");
}

#[test]
fn github_heading_ids_keep_imported_anchors_working() {
    let site = TestSite::new("heading_ids: github\n");
    site.write("content/a.md", "---\ntitle: A\n---\n## Smileys & Emotion\n\n## Smileys & Emotion\n\n[x](#smileys--emotion-1) [y](@/b.md#één-twee)\n");
    site.write("content/b.md", "---\ntitle: B\n---\n## Één twee\n");
    site.build().expect_success();
    let html = site.read("public/a/index.html");
    assert!(html.contains("<h2 id=\"smileys--emotion\">"), "{html}");
    assert!(html.contains("<h2 id=\"smileys--emotion-1\">"), "{html}");
    assert!(html.contains("href=\"/b/#%C3%A9%C3%A9n-twee\""), "{html}");
    // The default ids still apply without the option, and the old anchor is reported.
    let plain = TestSite::new("");
    plain.write("content/a.md", "---\ntitle: A\n---\n## Smileys & Emotion\n\n[x](#smileys--emotion)\n");
    let run = plain.run(&["check"]);
    run.expect_code(1);
    assert!(run.stderr.contains("no heading `#smileys--emotion` in content/a.md"), "{}", run.stderr);
    assert!(run.stderr.contains("did you mean `#smileys-emotion`?"), "{}", run.stderr);
}

#[test]
fn underscore_folders_and_other_tools_sources_are_not_published() {
    let site = TestSite::new("");
    site.write("content/_index.md", "---\ntitle: Home\n---\n");
    site.write("content/docs/_index.md", "---\ntitle: Docs\n---\n");
    site.write("content/docs/a.md", "---\ntitle: A\n---\n");
    site.write("content/docs/plaatje.png", "png");
    site.write("content/_common/snippet.md", "Geen front matter: wordt niet gelezen.\n");
    site.write("content/_common/logo.png", "png");
    site.write("content/docs/_concept.md", "---\ntitle: Concept\n---\n");
    site.write("content/docs/_content.gotmpl", "{{ range . }}{{ end }}");
    site.write("content/docs/stijl.scss", "$a: 1;");
    site.build().expect_success();
    let files = site.files("public");
    assert!(files.contains(&"docs/a/index.html".to_string()), "{files:?}");
    assert!(files.contains(&"docs/plaatje.png".to_string()), "{files:?}");
    for f in &files {
        assert!(
            !f.contains("common") && !f.contains("concept") && !f.contains("gotmpl") && !f.contains("scss"),
            "{files:?}"
        );
    }
}

#[test]
fn a_flood_of_errors_is_grouped_by_kind_and_cut_short() {
    let site = TestSite::new(PEOPLE);
    for i in 0..25 {
        site.write(&format!("content/personen/p{i:02}.md"), "---\ntitle: P\nkeywords: [a]\n---\n");
    }
    site.write("content/personen/q.md", "---\ntitle: Q\n---\n[x](@/nergens.md) [y](@/ook-niet.md)\n");
    let run = site.run(&["check"]);
    run.expect_code(1);
    let err = &run.stderr;
    assert!(err.contains("== unknown field: 25 errors, the first 20 shown ==\n"), "{err}");
    assert!(err.contains("== link to a missing page: 2 errors ==\n"), "{err}");
    assert!(err.contains("... and 5 more `unknown field` errors\n"), "{err}");
    assert_eq!(err.matches("error: unknown field `keywords`").count(), 20, "{err}");
    assert!(err.contains("content/personen/p19.md:3:1") && !err.contains("content/personen/p20.md"), "{err}");
    assert!(err.ends_with("27 errors found (25 unknown field, 2 link to a missing page); 5 not shown: run with --all-errors to see every one\n"), "{err}");
    let all = site.run(&["check", "--all-errors"]);
    assert_eq!(all.stderr.matches("error: unknown field `keywords`").count(), 25);
    assert!(all.stderr.ends_with("27 errors found\n"), "{}", all.stderr);
}

const EXTRA_PAGE: &str = "{% extends \"base.html\" %}{% block main %}<h1>{{ page.title }}</h1><p class=\"extra\">{{ page.extra.kleur }}|{{ page.extra.keywords | join(sep=\",\") }}</p>{% endblock %}\n";

#[test]
fn unknown_fields_error_is_the_default_with_a_real_way_out() {
    let site = TestSite::new("collections:\n  docs:\n    fields: {}\n");
    site.write("content/docs/_index.md", "---\ntitle: Docs\nlinkTitle: D\n---\n");
    site.write("content/over.md", "---\ntitle: Over\nkeywords: [a]\n---\n");
    let run = site.run(&["check"]);
    run.expect_code(1);
    for e in [
        "error: unknown field `linkTitle`\n --> content/docs/_index.md:3:1\n  |\n3 | linkTitle: D\n  | ^^^^^^^^^\n  |\n  = help: a collection's `_index.md` takes the common fields (title, date, draft, slug, weight, description, template, aliases, extra) and those under `collections.docs.section_fields` in site.yaml: declare it there, or set `unknown_fields: keep` in site.yaml to pass such keys to templates as `page.extra`",
        "error: unknown field `keywords`\n --> content/over.md:3:1\n  |\n3 | keywords: [a]\n  | ^^^^^^^^\n  |\n  = help: pages here have only the common fields (title, date, draft, slug, weight, description, template, aliases, extra); declare a collection for this folder in site.yaml, or set `unknown_fields: keep` in site.yaml to pass such keys to templates as `page.extra`",
    ] {
        assert!(run.stderr.contains(e), "missing {e:?} in\n{}", run.stderr);
    }
}

#[test]
fn unknown_fields_warn_reports_and_builds() {
    let site = TestSite::new("unknown_fields: warn\n");
    site.write("content/over.md", "---\ntitle: Over\nkeywords: [a]\n---\n");
    let run = site.build();
    run.expect_success();
    assert!(run.stderr.contains("warning: unknown field `keywords`\n --> content/over.md:3:1"), "{}", run.stderr);
    assert!(run.stderr.contains("1 warning\n"), "{}", run.stderr);
    assert!(site.read("public/over/index.html").contains("<h1>Over</h1>"));
}

#[test]
fn unknown_fields_keep_reaches_templates_as_page_extra_and_section_fields_are_checked() {
    let site = TestSite::new(
        "unknown_fields: error\ntaxonomies:\n  tags: {}\ncollections:\n  docs:\n    unknown_fields: keep\n    section_fields:\n      icoon: { type: text }\n",
    );
    site.write("templates/page.html", EXTRA_PAGE);
    site.write("content/docs/_index.md", "---\ntitle: Docs\nicoon: boek\n---\n");
    site.write(
        "content/docs/a.md",
        "+++\ntitle = \"A\"\nkeywords = [\"x\", \"y\"]\n[extra]\nkleur = \"rood\"\n[taxonomies]\ntags = [\"Rust\"]\n+++\n",
    );
    site.build().expect_success();
    let html = site.read("public/docs/a/index.html");
    assert!(html.contains("<p class=\"extra\">rood|x,y</p>"), "{html}");
    assert!(site.read("public/tags/rust/index.html").contains("href=\"/docs/a/\""));
    // Outside the collection the site's policy (error) holds; a wrong section field is checked.
    site.write("content/over.md", "---\ntitle: Over\nkeywords: [a]\n---\n");
    site.write("content/docs/_index.md", "---\ntitle: Docs\nicoon: [boek]\n---\n");
    site.write("content/docs/b.md", "+++\ntitle = \"B\"\n[taxonomies]\ntagz = [\"x\"]\n+++\n");
    let run = site.run(&["check"]);
    run.expect_code(1);
    for e in [
        "error: unknown field `keywords`\n --> content/over.md:3:1",
        "error: `icoon` must be text, not a list\n --> content/docs/_index.md:3:8",
        "error: unknown taxonomy `tagz`\n --> content/docs/b.md:4:1\n  |\n4 | tagz = [\"x\"]\n  | ^^^^\n  |\n  = help: did you mean `tags`?",
        "3 errors found",
    ] {
        assert!(run.stderr.contains(e), "missing {e:?} in\n{}", run.stderr);
    }
}

#[test]
fn root_relative_and_relative_links_are_checked_with_exact_case() {
    let site = TestSite::new(
        "taxonomies:\n  tags: {}\ncollections:\n  docs:\n    fields:\n      tags: { type: list, items: { type: text }, taxonomy: tags }\n",
    );
    site.write("static/logo.png", "png");
    site.write("content/docs/Intro.md", "---\ntitle: Intro\ntags: [rust]\n---\n");
    site.write(
        "content/docs/b.md",
        "---\ntitle: B\n---\n[ok](/docs/intro/) [ok](../intro/) [ok](/logo.png) [ok](/tags/rust/) [ok](https://x.org/) [ok](/sitemap.xml)\n\n[fout](/Docs/Intro/) [fout](g)\n",
    );
    let run = site.run(&["check"]);
    run.expect_code(1);
    for e in [
        "error: link to a missing page: `/Docs/Intro/`\n --> content/docs/b.md:6:1\n  |\n6 | [fout](/Docs/Intro/) [fout](g)\n  | ^^^^^^^^^^^^^^^^^^^^\n  |\n  = help: did you mean `/docs/intro/`?",
        "error: link to a missing page: `g`\n --> content/docs/b.md:6:22",
        "2 errors found",
    ] {
        assert!(run.stderr.contains(e), "missing {e:?} in\n{}", run.stderr);
    }
}

#[test]
fn a_zola_style_site_builds_with_one_policy_setting() {
    let site = TestSite::fixture("zola_style").with_mini_theme().without_search();
    site.build().expect_success();
    let first = site.read("public/blog/first/index.html");
    assert!(first.contains("<h2 id=\"setup\">Setup</h2>"), "{first}");
    assert!(first.contains("<p class=\"callout-title\">Tip</p>"), "{first}");
    assert!(first.contains("<code>{{ youtube(id=\"x\") }}</code>"), "{first}");
    // Zola's shortcodes, here the built-in theme's.
    assert!(
        first.contains("<img src=\"setup.png\" alt=\"The editor next to the preview\" loading=\"lazy\">"),
        "{first}"
    );
    assert!(
        first.contains("<p class=\"callout-title\">Before you publish</p>\n\n<p>Run <code>zola check</code>"),
        "{first}"
    );
    let second = site.read("public/blog/second/index.html");
    assert!(second.contains("href=\"/blog/first/#setup\""), "{second}");
    assert!(second.contains("<dt>Term</dt>"), "{second}");
    assert!(site.read("public/tags/rust/index.html").contains("Second post"));
    assert!(site.exists("public/old/second/index.html"));
}

#[test]
fn a_hugo_style_site_builds_with_github_ids_and_kept_fields() {
    let site = TestSite::fixture("hugo_style").with_mini_theme().without_search();
    site.build().expect_success();
    let emoji = site.read("public/docs/emoji/index.html");
    assert!(emoji.contains("<h2 id=\"smileys--emotion\">"), "{emoji}");
    let start = site.read("public/docs/getting-started/index.html");
    assert!(start.contains("<p class=\"callout-title\">Note</p>"), "{start}");
    let files = site.files("public");
    assert!(files.contains(&"docs/getting-started/screenshot.png".to_string()), "{files:?}");
    assert!(!files.iter().any(|f| f.contains("common") || f.contains("gotmpl")), "{files:?}");
    // Without the two settings, the same content is reported, grouped by kind.
    let yaml = site.read("site.yaml").replace("heading_ids: github\n", "").replace("unknown_fields: keep\n", "");
    site.write("site.yaml", &yaml);
    let run = site.run(&["check"]);
    run.expect_code(1);
    assert!(run.stderr.contains("error: unknown field `linkTitle`"), "{}", run.stderr);
    let anchor = "error: no heading `#smileys--emotion` in content/docs/emoji.md\n --> content/_index.md:5:";
    assert!(run.stderr.contains(anchor), "{}", run.stderr);
    assert!(run.stderr.contains("help: did you mean `#smileys-emotion`?"), "{}", run.stderr);
}
