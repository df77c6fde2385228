//! Shortcodes in Zola's syntax: inline `{{ name(...) }}` and `{% name(...) %} ... {% end %}`,
//! rendered by templates in `shortcodes/` (the built-in `figure`, `note`, `quote` and `card`,
//! and a site's own, HTML or Markdown), left alone in code, with errors at file:line:col.

mod common;
use common::site::{NO_SEARCH, TestSite};

/// An English site on the built-in theme with two pages.
fn site(body: &str) -> TestSite {
    let site = TestSite::empty();
    site.write("site.yaml", "title: Shelf\nbase_url: /\ncollections:\n  people:\n    singular: Person\n");
    let site = site.without_search();
    site.write("content/people/ann.md", "---\ntitle: Ann Archer\ndescription: Writes about libraries.\n---\nText.\n");
    site.write("content/notes.md", &format!("---\ntitle: Notes\n---\n{body}"));
    site
}

fn markdown_of(site: &TestSite, rel: &str) -> String {
    let html = site.read(rel);
    let start = html.find("<div class=\"markdown\">").expect("a markdown block");
    let end = html[start..].find("\n  </div>").map(|e| start + e).unwrap_or(html.len());
    html[start + "<div class=\"markdown\">".len()..end].trim().to_string()
}

#[test]
fn built_in_shortcodes_render_inline_and_with_a_body() {
    let s = site(
        "{{ figure(src=\"cat.jpg\", alt=\"A cat on a shelf\", caption=\"Our cat\", width=640) }}\n\n\
         {% note(kind=\"warning\") %}\nMind [Ann](@/people/ann.md).\n\n## Inside\n{% end %}\n\n\
         {% quote(source=\"Ann Archer\") %}\nBooks are *doors*.\n{% end %}\n\n\
         {{ card(to=\"@/people/ann.md\") }}\n",
    );
    s.build().expect_code(0);
    assert_eq!(
        markdown_of(&s, "public/notes/index.html"),
        "<figure class=\"figure\">\n<img src=\"cat.jpg\" alt=\"A cat on a shelf\" width=\"640\" loading=\"lazy\">\n\
         <figcaption>Our cat</figcaption>\n</figure>\n\n\
         <div class=\"callout callout-warning\" role=\"note\">\n<p class=\"callout-title\">Warning</p>\n\n\
         <p>Mind <a href=\"/people/ann/\">Ann</a>.</p>\n<h2 id=\"inside\">Inside</h2>\n\n</div>\n\n\
         <figure class=\"quote\">\n<blockquote>\n\n<p>Books are <em>doors</em>.</p>\n\n</blockquote>\n\
         <figcaption>Ann Archer</figcaption>\n</figure>\n\n\
         <div class=\"page-card\">\n<p class=\"page-card-kind\">Person</p>\n\
         <p class=\"page-card-title\"><a href=\"/people/ann/\">Ann Archer</a></p>\n\
         <p class=\"page-card-text\">Writes about libraries.</p>\n</div>"
    );
    // The card and the link in the note are links: Ann's page lists the notes.
    assert!(s.read("public/people/ann/index.html").contains("href=\"/notes/\">Notes</a>"));
}

#[test]
fn a_sites_own_shortcodes_in_html_and_markdown() {
    let s = site(
        "Say {{ hello(who=\"you\") }} and {{ hello(who=\"me\") }}.\n\n{{ stars(n=3) }}\n\nNot {{ this }} or `{{ hello(who=\"code\") }}`.\n\n```\n{% note() %}\n```\n\nWrite {{/* hello(who=\"x\") */}} for a greeting.\n",
    );
    s.write("templates/shortcodes/hello.md", "**{{ who }}** (call {{ nth }} on {{ page.title }})");
    s.write("templates/shortcodes/stars.html", "<span class=\"stars\">{% for i in range(end=n) %}★{% endfor %}</span>");
    s.build().expect_code(0);
    assert_eq!(
        markdown_of(&s, "public/notes/index.html"),
        "<p>Say <strong>you</strong> (call 1 on Notes) and <strong>me</strong> (call 2 on Notes).</p>\n\
         <span class=\"stars\">★★★</span>\n\
         <p>Not {{ this }} or <code>{{ hello(who=\"code\") }}</code>.</p>\n\
         <pre><code>{% note() %}\n</code></pre>\n\
         <p>Write {{ hello(who=\"x\") }} for a greeting.</p>"
    );
}

#[test]
fn shortcode_errors_name_the_call() {
    let s = site(
        "{{ figur(src=\"x.jpg\") }}\n\n{{ figure(src=\"x.jpg\") }}\n\n{{ figure(src=\"x.jpg\", alt=\"\", size=3) }}\n\n{{ card(to=\"@/people/bob.md\") }}\n",
    );
    let run = s.build();
    run.expect_code(1);
    assert!(
        run.stderr.starts_with("error: link to a missing page: `@/people/bob.md`\n  --> content/notes.md:10:1\n")
            && run.stderr.contains("= help: internal links name a file under content/, such as `@/people/ann.md`"),
        "{}",
        run.stderr
    );
    s.write("content/notes.md", "---\ntitle: Notes\n---\n{{ figur(src=\"x.jpg\") }}\n\n{{ figure(src=\"x.jpg\") }}\n\n{{ figure(src=\"x.jpg\", alt=\"\", size=3) }}\n");
    let run = s.build();
    run.expect_code(1);
    for expected in [
        "error: unknown shortcode `figur`\n --> content/notes.md:4:1\n",
        "= help: did you mean `figure`?",
        "error: shortcode `figure` needs the argument `alt`\n --> content/notes.md:6:1\n",
        "= help: add `alt=...` to the call",
        "error: shortcode `figure` has no argument `size`\n --> content/notes.md:8:1\n",
        "3 errors found",
    ] {
        assert!(run.stderr.contains(expected), "missing {expected:?} in\n{}", run.stderr);
    }
    s.write(
        "content/notes.md",
        "---\ntitle: Notes\n---\nText.\n\n{% note(kind=\"tip\") %}\nNever closed.\n\n{{ figure(src=) }}\n",
    );
    let run = s.build();
    run.expect_code(1);
    for expected in [
        "error: shortcode `note` has no `{% end %}`\n --> content/notes.md:6:1\n",
        "= help: close the shortcode's body with a line `{% end %}`",
        "error: shortcode `figure`: expected a value (text in quotes, a number, true or false), found `)`\n --> content/notes.md:9:1\n",
    ] {
        assert!(run.stderr.contains(expected), "missing {expected:?} in\n{}", run.stderr);
    }
}

#[test]
fn callouts_and_notes_follow_the_sites_language() {
    let s = site("> [!TIP]\n> Kijk.\n\n{% note() %}\nLet op.\n{% end %}\n");
    s.write(
        "site.yaml",
        &format!("title: Plank\nbase_url: /\nlanguage: nl\ncollections:\n  people: {{}}\n{NO_SEARCH}"),
    );
    s.build().expect_code(0);
    let md = markdown_of(&s, "public/notes/index.html");
    assert!(md.contains("<p class=\"callout-title\">Tip</p>\n<p>Kijk.</p>"), "{md}");
    assert!(md.contains("<p class=\"callout-title\">Opmerking</p>"), "{md}");
}

#[test]
fn shortcode_templates_can_call_site_functions() {
    let s = site("Written by {{ person(path=\"people/ann.md\") }}; {{ count(name=\"people\") }} people.\n");
    s.write(
        "templates/shortcodes/person.html",
        "{% set p = get_page(path=path) %}<a href=\"{{ p.url }}\">{{ p.title }}</a>",
    );
    s.write("templates/shortcodes/count.html", "{{ collection(name=name) | length }}");
    s.build().expect_code(0);
    assert_eq!(
        markdown_of(&s, "public/notes/index.html"),
        "<p>Written by <a href=\"/people/ann/\">Ann Archer</a>; 1 people.</p>"
    );
}

#[test]
fn bodies_in_lists_cut_summaries_and_misused_shortcodes() {
    let s = site("- item\n\n  {% note() %}\n  text\n\n  more\n  {% end %}\n- item 2\n");
    s.build().expect_code(0);
    let md = markdown_of(&s, "public/notes/index.html");
    assert!(md.contains("</div>\n\n</li>\n<li>\n<p>item 2</p>"), "the note stays in its list item:\n{md}");
    assert_eq!(md.matches("<ul>").count(), 1, "{md}");

    // A summary cut inside a note is closed.
    s.write("content/people/bob.md", "---\ntitle: Bob\n---\n{% note(kind=\"tip\") %}\nFirst.\n\nSecond.\n{% end %}\n");
    s.build().expect_code(0);
    let list = s.read("public/people/index.html");
    let item = &list[list.find("Bob").unwrap()..];
    let item = &item[..item.find("</li>").unwrap()];
    assert_eq!(item.matches("<div").count(), item.matches("</div>").count(), "{item}");

    s.write("content/notes.md", "---\ntitle: Notes\n---\n{% figure(src=\"a.png\", alt=\"x\") %}\nLost?\n{% end %}\n\n{{ note() }}\n\n{{ figure(src=\"a.png\", alt=\"x\", nth=2) }}\n");
    let run = s.build();
    run.expect_code(1);
    for expected in [
        "error: shortcode `figure` takes no body\n --> content/notes.md:4:1\n",
        "error: shortcode `note` needs a body\n --> content/notes.md:8:1\n",
        "= help: write it as `{% note(...) %}`, then the text, then `{% end %}`",
        "error: `nth` cannot be an argument of a shortcode\n  --> content/notes.md:10:1\n",
    ] {
        assert!(run.stderr.contains(expected), "missing {expected:?} in\n{}", run.stderr);
    }
}
