//! The content model: typed collections, checked references, backlinks,
//! taxonomies, partial dates, `check` and `new`. Exact messages with file:line:col.

mod common;
use common::site::TestSite;

/// A small knowledge base: people with roles in regions, entries that mention people.
fn kb() -> TestSite {
    TestSite::new(
        r#"language: nl
taxonomies:
  provincies: { title: Provincies }
  jaren: { title: Jaren }
collections:
  personen:
    sort_by: title
    fields:
      rollen:
        type: list
        items:
          type: record
          fields:
            rol: { type: text, required: true }
            regio: { type: reference, to: regios }
            van: { type: date }
      soort: { type: text, values: [gids, lid] }
  regios:
    sort_by: title
    fields:
      provincies: { type: list, items: { type: text }, taxonomy: provincies }
  tijdlijn:
    title: Tijdlijn
    sort_by: date
    fields:
      date: { type: date, required: true, taxonomy: jaren }
      personen: { type: reference, to: personen, many: true, label: Genoemde personen }
      aantal: { type: integer }
"#,
    )
}

fn write_kb_pages(site: &TestSite) {
    site.write(
        "content/regios/noordoost.md",
        "---\ntitle: Noordoost-Nederland\nprovincies: [Groningen, Drenthe]\n---\n",
    );
    site.write(
        "content/personen/ilona-ebels.md",
        "---\ntitle: Ilona Ebels\nrollen:\n  - rol: regiogids\n    regio: noordoost\n    van: 2018-05\n---\n",
    );
    site.write("content/personen/henriette-de-kok.md", "---\ntitle: Henriëtte de Kok\n---\n## Loopbaan\n");
    site.write("content/tijdlijn/a.md", "---\ntitle: Regiogidsen gestart\ndate: 2018-05\npersonen: [ilona-ebels]\n---\nMet [Henriëtte](@/personen/henriette-de-kok.md#loopbaan).\n");
    site.write(
        "content/tijdlijn/b.md",
        "---\ntitle: Innovatieagenda\ndate: 2018\npersonen: [ilona-ebels, henriette-de-kok]\n---\n",
    );
    site.write("content/tijdlijn/c.md", "---\ntitle: Nieuwe gidsen\ndate: 2018-05-30\n---\n");
}

#[test]
fn unknown_field_missing_field_wrong_type_and_enum_are_all_reported_at_once() {
    let site = kb();
    write_kb_pages(&site);
    site.write("content/personen/x.md", "---\ntitle: X\nrolen: []\nsoort: gidz\n---\n");
    site.write("content/tijdlijn/d.md", "---\ntitle: D\naantal: veel\n---\n");
    site.write("content/personen/y.md", "---\ntitle: Y\nrollen:\n  - regio: noordoost\n    rool: gids\n---\n");
    let run = site.run(&["check"]);
    run.expect_code(1);
    let expected = [
        "error: unknown field `rolen`\n --> content/personen/x.md:3:1\n  |\n3 | rolen: []\n  | ^^^^^\n  |\n  = help: did you mean `rollen`?",
        "error: `gidz` is not an allowed value of `soort`\n --> content/personen/x.md:4:8\n  |\n4 | soort: gidz\n  |        ^^^^\n  |\n  = help: did you mean `gids`? allowed: gids, lid",
        "error: `aantal` must be a whole number, not text\n --> content/tijdlijn/d.md:3:9",
        "error: missing required field `date`\n --> content/tijdlijn/d.md:1:1\n  |\n1 | ---\n  | ^^^\n  |\n  = help: add a line `date: 2016-06-30` to the front matter",
        "error: unknown field `rool` in `rollen`\n --> content/personen/y.md:5:5",
        "error: missing required field `rol`\n --> content/personen/y.md:4:5",
        "6 errors found",
    ];
    for e in expected {
        assert!(run.stderr.contains(e), "missing {e:?} in\n{}", run.stderr);
    }
    assert!(!site.exists("public"), "check writes nothing");
}

#[test]
fn missing_reference_suggests_the_closest_slug() {
    let site = kb();
    write_kb_pages(&site);
    site.write("content/tijdlijn/d.md", "---\ntitle: D\ndate: 2019\npersonen: [ilona-ebles]\n---\n");
    let run = site.build();
    run.expect_code(1);
    let e = "error: `ilona-ebles` is not a page in personen\n --> content/tijdlijn/d.md:4:12\n  |\n4 | personen: [ilona-ebles]\n  |            ^^^^^^^^^^^\n  |\n  = help: did you mean `ilona-ebels`?";
    assert!(run.stderr.contains(e), "{}", run.stderr);
}

#[test]
fn duplicate_slugs_name_both_files() {
    let site = kb();
    write_kb_pages(&site);
    site.write("content/personen/ilona.md", "---\ntitle: Ilona\nslug: ilona-ebels\n---\n");
    let run = site.build();
    run.expect_code(1);
    assert!(
        run.stderr.contains("error: `/personen/ilona-ebels/` is the URL of two pages: content/personen/ilona-ebels.md and content/personen/ilona.md\n --> content/personen/ilona.md:3:7"),
        "{}",
        run.stderr
    );
}

#[test]
fn impossible_dates_are_errors() {
    let site = kb();
    write_kb_pages(&site);
    site.write("content/tijdlijn/d.md", "---\ntitle: D\ndate: 2016-02-30\n---\n");
    let run = site.build();
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("error: `2016-02-30` does not exist: februari 2016 has 29 days\n --> content/tijdlijn/d.md:3:7"),
        "{}",
        run.stderr
    );
}

#[test]
fn references_become_pages_and_backlinks_go_through_nested_records_and_body_links() {
    let site = kb();
    write_kb_pages(&site);
    site.write("templates/page.html", "{{ page.title }}|{% for g in page.backlinks %}[{{ g.collection }}.{{ g.field }}:{% for l in g.links %}{{ l.page.title }}{% if l.record %}/{{ l.record.rol }}/{{ l.record.van | datum }}{% endif %},{% endfor %}]{% endfor %}|{% if page.fields.personen %}{% for p in page.fields.personen %}<a href=\"{{ p.url }}\">{{ p.title }}</a>{% endfor %}{% endif %}");
    site.build().expect_code(0);
    // A region lists its regiogidsen through the nested role record.
    assert_eq!(
        site.read("public/regios/noordoost/index.html"),
        "Noordoost-Nederland|[personen.rollen.regio:Ilona Ebels/regiogids/mei 2018,]|"
    );
    // A person lists the entries that name them (field) and that link to them (body).
    assert_eq!(
        site.read("public/personen/henriette-de-kok/index.html"),
        "Henriëtte de Kok|[tijdlijn.personen:Innovatieagenda,][tijdlijn.body:Regiogidsen gestart,]|"
    );
    assert_eq!(
        site.read("public/personen/ilona-ebels/index.html"),
        "Ilona Ebels|[tijdlijn.personen:Regiogidsen gestart,Innovatieagenda,]|"
    );
    // The reference field gives the template the page itself.
    let b = site.read("public/tijdlijn/b/index.html");
    assert!(b.ends_with("|<a href=\"/personen/ilona-ebels/\">Ilona Ebels</a><a href=\"/personen/henriette-de-kok/\">Henriëtte de Kok</a>"), "{b}");
    // Body link with anchor resolves.
    assert!(site.read("public/tijdlijn/a/index.html").contains("Regiogidsen gestart"));
}

#[test]
fn partial_dates_sort_and_print_in_dutch() {
    let site = kb();
    write_kb_pages(&site);
    site.write("content/tijdlijn/e.md", "---\ntitle: Oud\ndate: 2015-02\n---\n");
    site.build().expect_code(0);
    let list = site.read("public/tijdlijn/index.html");
    // Newest first: a day before its month, a month before its year.
    let order: Vec<usize> = ["Nieuwe gidsen", "Regiogidsen gestart", "Innovatieagenda", "Oud"]
        .iter()
        .map(|t| list.find(t).expect(t))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{list}");
    assert!(list.contains("<time>30 mei 2018</time>"), "{list}");
    assert!(list.contains("<time>mei 2018</time>"), "{list}");
    assert!(list.contains("<time>2018</time>"), "{list}");
    assert!(list.contains("<time>februari 2015</time>"), "{list}");
}

#[test]
fn links_to_missing_pages_and_anchors_are_errors_with_lines() {
    let site = kb();
    write_kb_pages(&site);
    site.write(
        "content/tijdlijn/d.md",
        "---\ntitle: D\ndate: 2019\n---\nEerst tekst.\n\nZie [weg](@/personen/niemand.md) en [kop](../personen/henriette-de-kok.md#lopbaan).\n\n[rel](../personen/ilona-ebels.md) en [mis](geen.md)\n",
    );
    let run = site.build();
    run.expect_code(1);
    let expected = [
        "error: link to a missing page: `@/personen/niemand.md`\n --> content/tijdlijn/d.md:7:5",
        "error: no heading `#lopbaan` in content/personen/henriette-de-kok.md\n --> content/tijdlijn/d.md:7:37",
        "= help: did you mean `#loopbaan`?",
        "= help: internal links name a file under content/, such as `@/personen/henriette-de-kok.md`",
        "error: link to a missing page: `geen.md`\n --> content/tijdlijn/d.md:9:38",
        "3 errors found",
    ];
    for e in expected {
        assert!(run.stderr.contains(e), "missing {e:?} in\n{}", run.stderr);
    }
}

#[test]
fn reference_cycles_are_fine() {
    let site = TestSite::new("collections:\n  a:\n    fields:\n      ander: { type: reference, to: a }\n");
    site.write("content/a/een.md", "---\ntitle: Een\nander: twee\n---\n");
    site.write("content/a/twee.md", "---\ntitle: Twee\nander: een\n---\n");
    site.write(
        "templates/page.html",
        "{{ page.title }}>{{ page.fields.ander.title }}>{{ page.fields.ander.fields.ander.title }}",
    );
    site.build().expect_code(0);
    assert_eq!(site.read("public/a/een/index.html"), "Een>Twee>Een");
}

#[test]
fn taxonomies_have_list_and_term_pages_with_counts() {
    let site = kb();
    write_kb_pages(&site);
    site.build().expect_code(0);
    let jaren = site.read("public/jaren/index.html");
    assert!(jaren.contains("<a href=\"/jaren/2018/\">2018</a> (3)"), "{jaren}");
    let term = site.read("public/provincies/groningen/index.html");
    assert!(term.contains("<h1>Groningen</h1>") && term.contains("Noordoost-Nederland"), "{term}");
}

#[test]
fn related_pages_come_from_shared_references() {
    let site = kb();
    write_kb_pages(&site);
    site.build().expect_code(0);
    let a = site.read("public/tijdlijn/a/index.html");
    assert!(a.contains("class=\"rel\" href=\"/personen/ilona-ebels/\""), "{a}");
    assert!(a.contains("class=\"rel\" href=\"/tijdlijn/b/\""), "{a}");
}

#[test]
fn a_page_knows_the_pages_before_and_after_it_in_its_collection() {
    let site = kb();
    write_kb_pages(&site);
    site.write(
        "themes/t/templates/page.html",
        "{% extends \"base.html\" %}{% block main %}<h1>{{ page.title }}</h1>\
         <p>{% if page.previous %}previous={{ page.previous.title }} {{ page.previous.url }}{% endif %};\
         {% if page.next %}next={{ page.next.title }} {{ page.next.date }}{% endif %}</p>{% endblock %}\n",
    );
    // The timeline's order, as its list shows it (sort_by: date: newest first, an entry with
    // only a year after that year's months): c (2018-05-30), a (2018-05), b (2018).
    site.write("content/tijdlijn/d.md", "---\ntitle: Concept\ndate: 2019\ndraft: true\n---\n");
    site.build().expect_code(0);
    let p = |path: &str| site.read(&format!("public/{path}/index.html"));
    let list = p("tijdlijn");
    assert!(
        list.find("/tijdlijn/c/") < list.find("/tijdlijn/a/") && list.find("/tijdlijn/a/") < list.find("/tijdlijn/b/")
    );
    assert!(p("tijdlijn/c").contains("<p>;next=Regiogidsen gestart 2018-05</p>"), "{}", p("tijdlijn/c"));
    assert!(
        p("tijdlijn/a").contains("<p>previous=Nieuwe gidsen /tijdlijn/c/;next=Innovatieagenda 2018</p>"),
        "{}",
        p("tijdlijn/a")
    );
    assert!(p("tijdlijn/b").contains("<p>previous=Regiogidsen gestart /tijdlijn/a/;</p>"), "{}", p("tijdlijn/b"));
    // Another collection is another sequence; a draft is not in it.
    assert!(p("personen/henriette-de-kok").contains("<p>;next=Ilona Ebels"), "{}", p("personen/henriette-de-kok"));
    assert!(p("personen/ilona-ebels").contains("<p>previous=Henriëtte de Kok /personen/henriette-de-kok/;</p>"));
    assert!(!site.root.join("public/tijdlijn/d").exists());
}

#[test]
fn references_to_drafts_say_so() {
    let site = kb();
    write_kb_pages(&site);
    site.write("content/personen/geheim.md", "---\ntitle: Geheim\ndraft: true\n---\n");
    site.write("content/tijdlijn/d.md", "---\ntitle: D\ndate: 2019\npersonen: [geheim]\n---\n");
    let run = site.build();
    run.expect_code(1);
    assert!(
        run.stderr.contains("help: `geheim` is a draft; build with --drafts or remove `draft: true` from it"),
        "{}",
        run.stderr
    );
    site.run(&["build", "--drafts"]).expect_code(0);
}

#[test]
fn a_different_model_builds_with_the_same_binary() {
    let site = TestSite::fixture("books").without_search();
    site.build().expect_code(0);
    let book = site.read("public/boeken/oeroeg/index.html");
    assert!(book.contains("<p class=\"auteur\"><a href=\"/auteurs/hella-haasse/\">Hella Haasse</a></p>"), "{book}");
    assert!(book.contains("<p class=\"datum\">1948</p>"), "{book}");
    let author = site.read("public/auteurs/hella-haasse/index.html");
    assert!(author.contains("<h2>Auteur (2)</h2>"), "{author}");
    assert_eq!(site.read("public/genres/index.html").trim(), "roman=2;");
    assert!(
        site.read("public/boeken/index.html").find("Het woud").unwrap()
            < site.read("public/boeken/index.html").find("Oeroeg").unwrap()
    );
}

#[test]
fn check_passes_a_good_site_without_writing() {
    let site = TestSite::fixture("books").without_search();
    let run = site.run(&["check"]);
    run.expect_code(0);
    assert!(run.stdout.contains("No problems found in"), "{}", run.stdout);
    assert!(!site.exists("public"));
}

#[test]
fn open_data_has_references_as_urls() {
    let site = TestSite::fixture("books").without_search();
    site.build().expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&site.read("public/data/boeken.json")).unwrap();
    let oeroeg = json["records"].as_array().unwrap().iter().find(|r| r["slug"] == "oeroeg").unwrap();
    assert_eq!(oeroeg["fields"]["auteur"], "https://boeken.example/auteurs/hella-haasse/");
    assert_eq!(oeroeg["fields"]["paginas"], 96);
    let index: serde_json::Value = serde_json::from_str(&site.read("public/data/index.json")).unwrap();
    assert_eq!(index["collections"][0]["name"], "boeken");
}

#[test]
fn new_creates_a_page_template_with_the_collections_fields() {
    let site = kb();
    let run = site.run(&["new", "personen", "Willy Blom - van 't Land"]);
    run.expect_code(0);
    let text = site.read("content/personen/willy-blom-van-t-land.md");
    assert!(text.starts_with("---\ntitle: \"Willy Blom - van 't Land\"\n"), "{text}");
    assert!(text.contains("# soort: optioneel; een van: gids, lid\n# soort: gids\n"), "{text}");
    assert!(text.contains("#   - rol: \"...\""), "{text}");
    // The new page builds as it is.
    site.build().expect_code(0);
    let again = site.run(&["new", "personen", "Willy Blom - van 't Land"]);
    again.expect_code(2);
    let wrong = site.run(&["new", "persoon", "X"]);
    assert!(wrong.stderr.contains("did you mean `personen`?"), "{}", wrong.stderr);
}

#[test]
fn undeclared_folders_build_with_common_fields_only() {
    let site = TestSite::new("");
    site.write("content/notities/_index.md", "---\ntitle: Notities\n---\n");
    site.write("content/notities/a.md", "---\ntitle: A\nweight: 2\n---\n");
    site.write("content/notities/b.md", "---\ntitle: B\nweight: 1\n---\n");
    site.build().expect_code(0);
    let list = site.read("public/notities/index.html");
    assert!(list.find(">B<").unwrap() < list.find(">A<").unwrap(), "{list}");
    site.write("content/notities/c.md", "---\ntitle: C\nauteur: x\n---\n");
    let run = site.build();
    run.expect_code(1);
    assert!(run.stderr.contains("help: pages here have only the common fields"), "{}", run.stderr);
}

#[test]
fn config_errors_point_into_site_yaml() {
    let site = TestSite::new("colections: {}\n");
    let run = site.build();
    run.expect_code(1);
    assert!(run.stderr.contains("error: unknown field `colections`\n --> site.yaml:4:1"), "{}", run.stderr);
    assert!(run.stderr.contains("help: did you mean `collections`?"), "{}", run.stderr);
}

#[test]
fn sort_by_errors_point_into_site_yaml_with_the_choices() {
    let site = TestSite::new("taxonomies:\n  tags: { sort_by: counts }\ncollections:\n  notes:\n    sort_by: rang\n");
    site.write("content/a.md", "---\ntitle: A\n---\n");
    let run = site.build();
    run.expect_code(1);
    assert!(run.stderr.contains("error: unknown value `counts`\n --> site.yaml:5:20"), "{}", run.stderr);
    assert!(run.stderr.contains("help: did you mean `count`?"), "{}", run.stderr);
    site.write("site.yaml", &site.read("site.yaml").replace("counts", "count"));
    let run = site.build();
    run.expect_code(1);
    assert!(run.stderr.contains("error: cannot sort by `rang`\n --> site.yaml:8:14"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "help: sort_by is `date`, `title`, `weight`, `none` or the name of one of the collection's fields"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn template_functions_look_things_up() {
    let site = kb();
    write_kb_pages(&site);
    site.write(
        "templates/index.html",
        "{% for p in collection(name=\"tijdlijn\", limit=2) %}{{ p.title }};{% endfor %}|{% set p = get_page(path=\"personen/ilona-ebels.md\") %}{{ p.backlink_count }}|{{ url(path=\"@/personen/henriette-de-kok.md#loopbaan\") }}|{{ url(path=\"css/x.css\") }}|{% set tax = taxonomy(name=\"jaren\") %}{% for t in tax.terms %}{{ t.name }}={{ t.count }};{% endfor %}",
    );
    site.build().expect_code(0);
    assert_eq!(
        site.read("public/index.html"),
        "Nieuwe gidsen;Regiogidsen gestart;|2|/personen/henriette-de-kok/#loopbaan|/css/x.css|2018=3;"
    );
    site.write("templates/index.html", "{% set p = get_page(path=\"personen/niemand.md\") %}{{ p.title }}");
    let run = site.build();
    run.expect_code(1);
    assert!(run.stderr.contains("get_page: no page at `personen/niemand.md`"), "{}", run.stderr);
}

#[test]
fn related_pages_say_what_they_share() {
    let site = common::Fixture::empty();
    site.write(
        "site.yaml",
        "title: T\nbase_url: /\ntaxonomies:\n  tags: { singular: Tag }\ncollections:\n  people: { singular: Person }\n  notes:\n    fields:\n      people: { type: reference, to: people, many: true }\n      tags: { type: list, items: { type: text }, taxonomy: tags }\n",
    );
    site.write("content/people/ann.md", "---\ntitle: Ann\n---\n");
    site.write("content/notes/a.md", "---\ntitle: A\npeople: [ann]\ntags: [x, y]\n---\nSee [B](@/notes/b.md).\n");
    site.write("content/notes/b.md", "---\ntitle: B\npeople: [ann]\ntags: [x]\n---\n");
    site.write(
        "templates/page.html",
        "<!DOCTYPE html><title>{{ page.title }}</title>{% for r in page.related_reasons %}<p>{{ r.page.title }}: \
linked={{ r.linked }}; {% for p in r.pages %}{{ p.singular }} {{ p.title }}; {% endfor %}\
{% for t in r.terms %}{{ t.singular }} {{ t.name }} {{ t.url }}; {% endfor %}</p>{% endfor %}",
    );
    site.run(&["build"]).expect_code(0);
    let a = site.read("public/notes/a/index.html");
    assert!(a.contains("<p>B: linked=true; Person Ann; Tag x /tags/x/; </p>"), "{a}");
    assert!(a.contains("<p>Ann: linked=true; </p>"), "{a}");
}
