//! Starting a knowledge base of one's own: `init`, the built-in theme on any content model,
//! the site's language, `new`, the output folder and the checks that keep pages from going
//! missing silently. Every site here is built end to end with the real binary.

mod common;
use common::site::TestSite;

/// `innobieb init kb [--language <lang>]` in a fresh folder; the site is at `kb/`.
fn init(language: Option<&str>) -> TestSite {
    let site = TestSite::empty();
    let mut args = vec!["init", "kb"];
    if let Some(l) = language {
        args.extend(["--language", l]);
    }
    let run = site.run(&args);
    run.expect_code(0);
    assert!(run.stdout.starts_with("Created a knowledge base in kb (10 files"), "{}", run.stdout);
    site
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[test]
fn init_writes_an_english_site_that_checks_and_builds() {
    let site = init(None);
    site.run(&["check", "--root", "kb"]).expect_code(0);
    // The next steps name the starter's own collection; a second init does not overwrite.
    let steps = site.run(&["init", "other"]);
    assert!(
        steps.stdout.contains("Next steps:\n  cd other\n  innobieb serve ")
            && steps.stdout.contains("\n  innobieb new projects \"A title\"   # a new page")
            && steps.stdout.contains("\n  innobieb build "),
        "{}",
        steps.stdout
    );
    site.run(&["init", "kb"]).expect_code(2);

    site.run(&["build", "--root", "kb"]).expect_code(0);
    // The output is in the site folder, not in the current one.
    assert!(site.exists("kb/public/index.html") && !site.exists("public"));
    let project = site.read("kb/public/projects/reading-cafe/index.html");
    assert!(project.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"), "{project}");
    // Fields by type, in English: the date with its label, a reference with its label.
    assert!(
        project.contains("<p class=\"meta\">Started: <time datetime=\"2024-09-15\">15 September 2024</time></p>"),
        "{project}"
    );
    assert!(
        project.contains("<dt>Led by</dt><dd><a href=\"/organisations/northside-library/\">Northside Library</a></dd>"),
        "{project}"
    );
    // The organisation lists the projects that refer to it, under the field's label.
    let org = site.read("kb/public/organisations/northside-library/index.html");
    assert!(org.contains("<h3>Led by <span class=\"group-of\">Projects</span></h3>"), "{org}");
    assert!(org.contains("href=\"/projects/coding-club/\">Coding club</a>"), "{org}");
    // Taxonomy and term pages, the search page and the feed exist.
    let term = site.read("kb/public/topics/community/index.html");
    assert!(term.contains("href=\"/projects/repair-day/\">Repair day</a>"), "{term}");
    assert!(site.read("kb/public/search/index.html").contains("<div id=\"search\""));
    assert!(site.read("kb/public/projects/atom.xml").contains("<title>Reading café</title>"));
    assert!(site.read("kb/public/404.html").contains("Page not found"));
}

#[test]
fn init_in_dutch_writes_a_dutch_site() {
    let site = init(Some("nl"));
    site.run(&["build", "--root", "kb"]).expect_code(0);
    let project = site.read("kb/public/projecten/leescafe/index.html");
    assert!(project.starts_with("<!DOCTYPE html>\n<html lang=\"nl\">"), "{project}");
    assert!(project.contains("<time datetime=\"2024-09-15\">15 september 2024</time>"), "{project}");
    assert!(project.contains("Naar de inhoud"), "{project}");
    assert!(site.exists("kb/public/zoeken/index.html"));
    assert!(site.exists("kb/public/themas/ontmoeting/index.html"));
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let site = TestSite::empty();
    site.write("kb/notes.txt", "mine\n");
    let run = site.run(&["init", "kb"]);
    run.expect_code(2);
    assert_eq!(
        run.stderr,
        "error: kb is not empty; `innobieb init` writes a new site only into a new or empty folder\n  \
         = help: give the name of a new folder: `innobieb init my-site`\n"
    );
    assert!(!site.exists("kb/site.yaml"));
    assert_eq!(site.read("kb/notes.txt"), "mine\n");
    let bad = site.run(&["init", "x", "--language", "fr"]);
    bad.expect_code(2);
    assert!(bad.stderr.contains("invalid value 'fr' for '--language <LANGUAGE>'"), "{}", bad.stderr);
}

#[test]
fn new_writes_placeholders_in_the_sites_language_and_todays_date() {
    let site = init(None);
    site.run(&["new", "--root", "kb", "projects", "Open day"]).expect_code(0);
    let text = site.read("kb/content/projects/open-day.md");
    let expected = format!(
        "---\ntitle: \"Open day\"\n# date: Started; required\ndate: {}\n\
         # lead: Led by; required; slug(s) from organisations\nlead: slug-of-a-page\n",
        today()
    );
    assert!(text.starts_with(&expected), "{text}");
    assert!(
        text.contains("# status: Status; optional; one of: planned, running, finished\n# status: planned\n"),
        "{text}"
    );
    assert!(text.ends_with("---\n\nWrite the text of the page here.\n"), "{text}");
    // Once its required reference is filled in, the page passes `check`.
    site.run(&["check", "--root", "kb"]).expect_code(1);
    site.write("kb/content/projects/open-day.md", &text.replace("lead: slug-of-a-page", "lead: riverside-makers"));
    site.run(&["check", "--root", "kb"]).expect_code(0);

    let nl = init(Some("nl"));
    nl.run(&["new", "--root", "kb", "projecten", "Open dag"]).expect_code(0);
    let text = nl.read("kb/content/projecten/open-dag.md");
    assert!(
        text.contains("# trekker: Trekker; verplicht; slug(s) uit organisaties\ntrekker: slug-van-een-pagina\n"),
        "{text}"
    );
    assert!(text.ends_with("---\n\nSchrijf hier de tekst van de pagina.\n"), "{text}");
}

#[test]
fn base_url_on_the_command_line_must_be_a_url_or_a_path() {
    let site = init(None);
    let run = site.run(&["build", "--root", "kb", "--base-url", "not-a-url"]);
    run.expect_code(2);
    assert!(
        run.stderr.starts_with(
            "error: invalid value 'not-a-url' for '--base-url <BASE_URL>': it must start with `https://`, `http://` or `/`"
        ),
        "{}",
        run.stderr
    );
    assert!(!site.exists("kb/public"));
    site.run(&["build", "--root", "kb", "--base-url", "/preview/", "--output", "out"]).expect_code(0);
    assert!(site.read("out/index.html").contains("href=\"/preview/projects/\""));
}

#[test]
fn a_template_named_in_site_yaml_must_exist() {
    let site = init(None);
    let yaml = site
        .read("kb/site.yaml")
        .replace("    singular: Organisation\n", "    singular: Organisation\n    list_template: orgs.html\n");
    site.write("kb/site.yaml", &yaml);
    let line = yaml.lines().position(|l| l.contains("orgs.html")).unwrap() + 1;
    let run = site.run(&["build", "--root", "kb"]);
    run.expect_code(1);
    assert!(
        run.stderr.starts_with(&format!("error: template `orgs.html` not found\n  --> site.yaml:{line}:20\n")),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unknown_language_lists_those_available() {
    let site = TestSite::empty();
    site.write("site.yaml", "title: T\nbase_url: /\nlanguage: fr\n");
    let run = site.build();
    run.expect_code(1);
    assert!(run.stderr.starts_with("error: unknown language `fr`\n --> site.yaml:3:11\n"), "{}", run.stderr);
    assert!(run.stderr.contains("the languages available are `en`, `nl`"), "{}", run.stderr);
    // A site adds a language with its own translation file (missing keys are English).
    site.write("i18n/fr.yaml", "language_name: Français\nui:\n  skip_to_content: Aller au contenu\n");
    let run = site.build();
    run.expect_code(0);
    assert!(run.stderr.contains("translation(s) missing for `fr`"), "{}", run.stderr);
    let home = site.read("public/index.html");
    assert!(home.contains("<html lang=\"fr\">") && home.contains("Aller au contenu"), "{home}");
}

#[test]
fn every_page_needs_a_title() {
    let site = TestSite::empty();
    site.write("site.yaml", "title: T\nbase_url: /\n");
    site.write("content/notes.md", "---\ndate: 2020\n---\nText.\n");
    let run = site.build();
    run.expect_code(1);
    assert!(
        run.stderr.starts_with("error: missing required field `title`\n --> content/notes.md:1:1\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_reference_that_feeds_a_taxonomy_makes_the_referenced_pages_its_terms() {
    let site = TestSite::empty();
    site.write(
        "site.yaml",
        "title: Shelf\nbase_url: /\ntaxonomies:\n  writers: { title: Writers }\ncollections:\n  books:\n    fields:\n\
         \x20     author: { type: reference, to: authors, taxonomy: writers }\n  authors: {}\n",
    );
    site.write("content/authors/ann.md", "---\ntitle: Ann Archer\n---\n");
    site.write("content/books/one.md", "---\ntitle: Book one\nauthor: ann\n---\n");
    site.build().expect_code(0);
    // The term is named, and its URL made, from the referenced page's title.
    let term = site.read("public/writers/ann-archer/index.html");
    assert!(term.contains("Ann Archer") && term.contains("href=\"/books/one/\">Book one</a>"), "{term}");
}

#[test]
fn the_books_fixture_builds_with_the_built_in_theme() {
    let site = TestSite::fixture("books");
    let yaml = site.read("site.yaml").replace("theme: plain\n", "");
    site.write("site.yaml", &yaml);
    let _ = std::fs::remove_dir_all(site.path("themes"));
    let _ = std::fs::remove_dir_all(site.path("templates"));
    site.build().expect_code(0);
    let author = site.read("public/auteurs/hella-haasse/index.html");
    assert!(
        author.contains("<dt>Geboren</dt><dd><time datetime=\"1918-02-02\">2 februari 1918</time></dd>"),
        "{author}"
    );
    assert!(author.contains("<h2 id=\"backlinks-heading\">Verwijst hierheen</h2>"), "{author}");
    assert!(site.exists("public/genres/roman/index.html") && site.exists("public/search/index.html"));
}

/// `git` in `dir` with a fixed author and committer date.
fn git(dir: &std::path::Path, args: &[&str], date: &str) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=Editor", "-c", "user.email=editor@example.org", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn pages_know_when_their_file_last_changed_in_git_and_where_to_edit_it() {
    let site = init(None);
    let kb = site.path("kb");
    let yaml = site.read("kb/site.yaml");
    site.write("kb/site.yaml", &format!("{yaml}edit_url: https://git.example/kb/edit/main/{{path}}\n"));
    git(&kb, &["init", "-q"], "2024-01-01T12:00:00Z");
    git(&kb, &["add", "."], "2024-01-01T12:00:00Z");
    git(&kb, &["commit", "-q", "-m", "start"], "2024-01-01T12:00:00Z");
    site.write(
        "kb/content/projects/repair-day.md",
        &site.read("kb/content/projects/repair-day.md").replace("bicycles", "bikes"),
    );
    git(&kb, &["commit", "-q", "-am", "edit"], "2025-06-30T09:00:00Z");
    site.run(&["build", "--root", "kb"]).expect_code(0);
    let repair = site.read("kb/public/projects/repair-day/index.html");
    assert!(repair.contains("<p>Last updated: <time datetime=\"2025-06-30\">30 June 2025</time></p>"), "{repair}");
    assert!(
        repair
            .contains("<a href=\"https://git.example/kb/edit/main/content/projects/repair-day.md\">Edit this page</a>"),
        "{repair}"
    );
    assert!(
        site.read("kb/public/projects/coding-club/index.html")
            .contains("datetime=\"2024-01-01\">1 January 2024</time>")
    );
    let sitemap = site.read("kb/public/sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://example.org/projects/repair-day/</loc>\n    <lastmod>2025-06-30</lastmod>"),
        "{sitemap}"
    );
    // The feed: published on the page's date, updated when the file changed.
    let feed = site.read("kb/public/projects/atom.xml");
    assert!(
        feed.contains("<updated>2025-06-30T00:00:00Z</updated>\n    <published>2025-03-01T00:00:00Z</published>"),
        "{feed}"
    );
    // An uncommitted change does not count in a build: the same on every machine.
    site.write(
        "kb/content/projects/repair-day.md",
        &site.read("kb/content/projects/repair-day.md").replace("lamps", "lights"),
    );
    site.run(&["build", "--root", "kb"]).expect_code(0);
    assert!(site.read("kb/public/projects/repair-day/index.html").contains("30 June 2025"));

    site.write("kb/site.yaml", &format!("{yaml}edit_url: /edit/\n"));
    let run = site.run(&["check", "--root", "kb"]);
    run.expect_code(1);
    assert!(run.stderr.starts_with("error: `/edit/` is not an edit URL\n"), "{}", run.stderr);
}

#[test]
fn a_collection_with_a_schema_gives_its_pages_json_ld_and_open_graph_tags() {
    let site = init(None);
    let yaml = site.read("kb/site.yaml").replace(
        "    singular: Project\n",
        "    singular: Project\n    schema: { type: Project, properties: { sponsor: lead, foundingDate: date } }\n",
    );
    site.write(
        "kb/site.yaml",
        &yaml.replace(
            "    singular: Organisation\n",
            "    singular: Organisation\n    schema: { type: Organization }\n",
        ),
    );
    site.write(
        "kb/content/projects/repair-day.md",
        &site.read("kb/content/projects/repair-day.md").replace("description: Bring", "description: </script> Bring"),
    );
    site.run(&["build", "--root", "kb"]).expect_code(0);
    let html = site.read("kb/public/projects/repair-day/index.html");
    let json = html.split("<script type=\"application/ld+json\">").nth(1).unwrap().split("</script>").next().unwrap();
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(v["@type"], "Project");
    assert_eq!(v["name"], "Repair day");
    assert_eq!(v["foundingDate"], "2025-03");
    assert_eq!(
        v["sponsor"],
        serde_json::json!({"@type": "Organization", "name": "Riverside Makers", "url": "https://example.org/organisations/riverside-makers/"})
    );
    assert!(v["description"].as_str().unwrap().starts_with("</script> Bring"), "{json}");
    assert!(html.contains("<meta property=\"og:title\" content=\"Repair day\">"), "{html}");
    assert!(html.contains("<meta property=\"og:type\" content=\"article\">"), "{html}");

    site.write("kb/site.yaml", &yaml.replace("sponsor: lead", "sponsor: leader"));
    let run = site.run(&["check", "--root", "kb"]);
    run.expect_code(1);
    assert!(run.stderr.starts_with("error: `leader` is not a field of `projects`\n"), "{}", run.stderr);
    assert!(run.stderr.contains("= help: did you mean `lead`?"), "{}", run.stderr);
}

#[test]
fn a_taxonomy_with_feed_true_has_a_feed_per_term() {
    let site = init(None);
    let yaml = site.read("kb/site.yaml").replace(
        "topics: { title: Topics, singular: Topic }",
        "topics: { title: Topics, singular: Topic, feed: true }",
    );
    site.write("kb/site.yaml", &yaml);
    site.run(&["build", "--root", "kb"]).expect_code(0);
    let feed = site.read("kb/public/topics/community/atom.xml");
    assert!(feed.contains("<title>Topics: community | My knowledge base</title>"), "{feed}");
    assert_eq!(feed.matches("<entry>").count(), 2, "{feed}");
    assert!(feed.find("Repair day").unwrap() < feed.find("Reading café").unwrap(), "newest first: {feed}");
}

#[test]
fn new_writes_a_description_of_several_lines_as_one_comment() {
    let site = init(None);
    let yaml = site.read("kb/site.yaml").replace(
        "      city: { type: text, label: City }",
        "      city:\n        type: text\n        required: true\n        description: |\n          The town.\n          Not the province.",
    );
    site.write("kb/site.yaml", &yaml);
    site.run(&["new", "--root", "kb", "organisations", "Town hall"]).expect_code(0);
    let text = site.read("kb/content/organisations/town-hall.md");
    assert!(text.contains("# city: The town. Not the province; required\ncity: \"...\"\n"), "{text}");
    site.run(&["check", "--root", "kb"]).expect_code(0);
}

#[test]
fn a_collections_list_page_shows_its_pages_per_year_as_a_picture_with_a_text() {
    let site = init(None);
    site.run(&["build", "--root", "kb"]).expect_code(0);
    let list = site.read("kb/public/projects/index.html");
    assert!(
        list.contains("<svg role=\"img\" aria-labelledby=\"chart-projects-title\"")
            && list.contains("<title id=\"chart-projects-title\">Projects per year: 2023: 1, 2024: 1, 2025: 1</title>"),
        "{list}"
    );
    // Organisations have no dates: no chart.
    assert!(!site.read("kb/public/organisations/index.html").contains("class=\"chart\""));
}

#[test]
fn a_tile_map_shows_where_the_pages_of_a_taxonomy_are_with_a_text_for_screen_readers() {
    let site = common::Fixture::empty();
    site.write(
        "site.yaml",
        "title: T\nbase_url: /\ntaxonomies:\n  regions:\n    title: Regions\n    tiles: { North: [1, 0], West: [0, 1], East: [2, 1], South: [1, 2] }\n\
collections:\n  teams:\n    fields:\n      regions: { type: list, items: { type: text }, taxonomy: regions }\n      year: { type: integer }\n",
    );
    site.write("content/teams/a.md", "---\ntitle: Team A\nregions: [North, East]\nyear: 2016\n---\n");
    site.write("content/teams/b.md", "---\ntitle: Team B\nregions: [north]\nyear: 2018\n---\n");
    // All pages of the taxonomy, then only the teams of 2018.
    site.write(
        "templates/maps.html",
        "<!DOCTYPE html><title>{{ page.title }}</title>{{ tile_map(taxonomy=\"regions\") }}\
{{ tile_map(taxonomy=\"regions\", pages=[t for t in collection(name=\"teams\") if t.fields.year == 2018], caption=\"In 2018\") }}",
    );
    site.write("content/maps.md", "---\ntitle: Maps\ntemplate: maps.html\n---\n");
    site.run(&["build"]).expect_code(0);
    let html = site.read("public/maps/index.html");
    assert!(html.contains("<title id=\"tile-map-regions-title\">Regions: North: 2; East: 1</title>"), "{html}");
    assert!(html.contains("<title id=\"tile-map-in-2018-title\">Regions: North: Team B</title>"), "{html}");
    assert!(html.contains("<figcaption>In 2018</figcaption>"), "{html}");
    assert_eq!(html.matches("<g class=\"tile tile-on\">").count(), 3, "{html}");

    // Two terms on one tile: an error at the second.
    let yaml = site.read("site.yaml");
    site.write("site.yaml", &yaml.replace("South: [1, 2]", "South: [1, 0]"));
    let run = site.run(&["build"]);
    assert!(run.stderr.contains("error: `South` and `North` are both at [1, 0] on the tile map"), "{}", run.stderr);
    assert!(run.stderr.contains("--> site.yaml:6:64"), "{}", run.stderr);
    site.write("site.yaml", &yaml);

    // A taxonomy without tiles is an error that says what to add.
    site.write("templates/maps.html", "{{ tile_map(taxonomy=\"nope\") }}");
    let run = site.run(&["build"]);
    assert!(run.stderr.contains("tile_map: no taxonomy `nope` in site.yaml"), "{}", run.stderr);
}
