//! `innobieb serve`: HTTP behaviour, live-reload events, errors, and the central
//! invariant: after any sequence of edits the served site equals a fresh build.

mod common;
use common::http::{Connection, Server, next_build_event, parse_response, request, wait_for_search};
use common::site::TestSite;
use innobieb::serve::http::{HEADER_TIMEOUT, MAX_CONNECTIONS};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const SCRIPT_TAG: &str = "<script src=\"/__innobieb/livereload.js\"></script>";

fn kb() -> TestSite {
    TestSite::fixture("kb").with_mini_theme()
}

#[test]
fn serves_pages_with_the_reload_script_and_refuses_bad_requests() {
    let site = kb();
    let server = Server::start(&site.root, &["--no-watch"]);
    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert!(home.text().contains(SCRIPT_TAG), "{}", home.text());
    assert!(home.headers.contains("text/html"), "{}", home.headers);
    // Links use the local base URL.
    assert!(server.get("/tijdlijn/").text().contains("href=\"/tijdlijn/bericht-4/\""));
    let redirect = server.get("/tijdlijn");
    assert_eq!(redirect.status, 301);
    assert!(redirect.headers.to_ascii_lowercase().contains("location: /tijdlijn/"), "{}", redirect.headers);
    let missing = server.get("/bestaat-niet/");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("404"));
    for path in
        ["/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/tijdlijn%2f..%2f..%2fsite.yaml", "/..%5csite.yaml", "/a/./b"]
    {
        assert_eq!(server.get(path).status, 400, "{path}");
    }
    let absolute = request(
        server.port,
        "GET http://127.0.0.1/../site.yaml HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(absolute.status, 400, "{absolute:?}");
    let post =
        request(server.port, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert_eq!(post.status, 405);
    let garbage = request(server.port, "HELLO\r\n\r\n");
    assert_eq!(garbage.status, 400, "{garbage:?}");
    // The server is still fine after all that.
    assert_eq!(server.get("/").status, 200);
    // `build` output never contains the script.
    site.build().expect_code(0);
    assert!(!site.read("public/index.html").contains("livereload"));
}

#[test]
fn edits_rebuild_and_errors_keep_the_last_good_version() {
    let site = kb();
    let server = Server::start(&site.root, &[]);
    let events = server.events();
    site.write(
        "content/personen/ilona-ebels.md",
        "---\ntitle: Ilona E.\nrollen:\n  - rol: regiogids\n    regio: noordoost\n---\n",
    );
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    let paths: Vec<&str> = e["paths"].as_array().unwrap().iter().filter_map(|p| p.as_str()).collect();
    // The renamed person appears on the pages that show them: those changed too, others not.
    for p in ["/personen/ilona-ebels/", "/tijdlijn/bericht-1/", "/regios/noordoost/", "/personen/"] {
        assert!(paths.contains(&p), "{p} not in {paths:?}");
    }
    assert!(!paths.contains(&"/regios/zuidwest/"), "{paths:?}");
    assert!(server.get("/personen/ilona-ebels/").text().contains("<h1>Ilona E.</h1>"));
    assert!(server.get("/regios/noordoost/").text().contains(">Ilona E.</a>"));

    site.write("content/personen/joost-zijderveld.md", "---\ntitle: Joost Z.\n---\n## Loopbaan\n");
    assert_eq!(next_build_event(&events)["type"], "built");
    site.write("content/personen/joost-zijderveld.md", "---\ntitle: [Joost\n---\n");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "errors", "{e}");
    let rendered = e["errors"][0]["rendered"].as_str().unwrap();
    assert!(rendered.contains("--> content/personen/joost-zijderveld.md:2:8"), "{rendered}");
    assert!(server.get("/personen/joost-zijderveld/").text().contains("<h1>Joost Z.</h1>"), "last good version served");

    site.write("content/personen/joost-zijderveld.md", "---\ntitle: Joost Zijderveld\n---\n## Loopbaan\n");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    assert!(server.get("/personen/joost-zijderveld/").text().contains("<h1>Joost Zijderveld</h1>"));
}

#[test]
fn deleting_a_referenced_page_is_an_error_not_a_stale_link_and_adding_one_updates_lists() {
    let site = kb();
    let server = Server::start(&site.root, &[]);
    let events = server.events();
    site.remove("content/regios/zuidwest.md");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "errors", "{e}");
    assert!(e["errors"][0]["rendered"].as_str().unwrap().contains("`zuidwest` is not a page in regios"), "{e}");
    site.write("content/regios/zuidwest.md", "---\ntitle: Zuidwest\n---\n");
    assert_eq!(next_build_event(&events)["type"], "built");
    site.write(
        "content/tijdlijn/bericht-5.md",
        "---\ntitle: Bericht vijf\ndate: 2020\npersonen: [marina-polderman]\n---\n",
    );
    assert_eq!(next_build_event(&events)["type"], "built");
    assert!(server.get("/tijdlijn/").text().contains("Bericht vijf"));
    assert!(server.get("/jaren/2020/").text().contains("Bericht vijf"));
    assert!(server.get("/personen/marina-polderman/").text().contains("Bericht vijf"));
}

/// The URL paths a `built` event says changed.
fn changed_paths(e: &serde_json::Value) -> Vec<String> {
    e["paths"].as_array().unwrap().iter().filter_map(|p| p.as_str().map(str::to_string)).collect()
}

/// The kb fixture with lists that show each page's summary.
fn kb_with_summaries() -> TestSite {
    let site = kb();
    site.write(
        "templates/section.html",
        "{% extends \"base.html\" %}{% block main %}<ul>{% for p in paginator.pages %}<li>{{ p.title }}: {{ p.summary }}</li>{% endfor %}</ul>{% endblock %}\n",
    );
    site
}

/// bericht-4's front matter and its one link, for edits of its text.
const BERICHT_4_FRONT: &str = "---\ntitle: Bericht 4\ndate: 2019-04\npersonen: [ilona-ebels]\n---\n";
const BERICHT_4_LINK: &str = "Zie [Joost](@/personen/joost-zijderveld.md).";

#[test]
fn new_text_changes_the_page_and_the_lists_that_show_its_summary_and_nothing_else() {
    let site = kb_with_summaries();
    let server = Server::start(&site.root, &[]);
    let events = server.events();
    let (front, link) = (BERICHT_4_FRONT, BERICHT_4_LINK);

    // A paragraph after the summary: only the page itself changes.
    site.write("content/tijdlijn/bericht-4.md", &format!("{front}{link}\n\nTweede alinea.\n"));
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    assert_eq!(changed_paths(&e), ["/tijdlijn/bericht-4/"]);
    assert!(server.get("/tijdlijn/bericht-4/").text().contains("<p>Tweede alinea.</p>"));

    // A new first paragraph is the new summary: the timeline list shows it too.
    site.write("content/tijdlijn/bericht-4.md", &format!("{front}Eerst dit. {link}\n\nTweede alinea.\n"));
    let e = next_build_event(&events);
    assert_eq!(changed_paths(&e), ["/tijdlijn/", "/tijdlijn/bericht-4/"]);
    assert!(
        server.get("/tijdlijn/").text().contains("Bericht 4: <p>Eerst dit."),
        "{}",
        server.get("/tijdlijn/").text()
    );

    // A heading is new structure (an anchor others may link to): still correct.
    site.write("content/tijdlijn/bericht-4.md", &format!("{front}Eerst dit. {link}\n\n## Meer\n\nTweede alinea.\n"));
    let e = next_build_event(&events);
    assert_eq!(changed_paths(&e), ["/tijdlijn/bericht-4/"]);
    assert!(server.get("/tijdlijn/bericht-4/").text().contains("id=\"meer\""));

    wait_for_search(&events, &e["version"]);
    assert!(assert_served_equals_fresh_build(&site, &server, "after text edits", &mut BTreeMap::new()));
}

#[test]
fn a_page_saved_through_a_temporary_file_is_patched() {
    // Editors save through files that are gone once the page is saved: vim probes the folder
    // with `4913`, others write `x.md___jb_tmp___` and rename it over the page. Those files
    // changed nothing: the save is new text in one page, patched like any other.
    let site = kb();
    let server = Server::start(&site.root, &["-v"]);
    let events = server.events();
    server.pages_rendered_last(0);
    let dir = site.root.join("content/tijdlijn");
    let (probe, temporary) = (dir.join("4913"), dir.join("bericht-4.md___jb_tmp___"));
    std::fs::write(&probe, "").expect("write");
    std::fs::remove_file(&probe).expect("remove");
    std::fs::write(&temporary, format!("{BERICHT_4_FRONT}{BERICHT_4_LINK}\n\nTweede alinea.\n")).expect("write");
    std::fs::rename(&temporary, dir.join("bericht-4.md")).expect("rename");
    let e = next_build_event(&events);
    assert_eq!(changed_paths(&e), ["/tijdlijn/bericht-4/"]);
    let (_, line) = left_for_later(&server, 1);
    assert!(line.contains(", patched"), "{line}");
    assert!(server.get("/tijdlijn/bericht-4/").text().contains("<p>Tweede alinea.</p>"));
}

#[test]
fn a_folder_moved_out_of_content_takes_its_pages_with_it() {
    // The watcher reports only the folder, which is gone: it is not an editor's temporary file.
    let site = kb();
    let server = Server::start(&site.root, &[]);
    let events = server.events();
    site.write("content/over/team.md", "---\ntitle: Het team\n---\nWie wij zijn.\n");
    assert_eq!(next_build_event(&events)["type"], "built");
    assert_eq!(server.get("/over/team/").status, 200);
    std::fs::rename(site.root.join("content/over"), site.root.join("over-elders")).expect("rename");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    assert_eq!(server.get("/over/team/").status, 404);
}

#[test]
fn removing_a_broken_link_the_last_build_rejected_clears_its_error() {
    // The build rejected the link, so it is not among the files it found: once it is gone,
    // it is still a change (not an editor's temporary file).
    let site = kb();
    let server = Server::start(&site.root, &[]);
    let events = server.events();
    let link = site.root.join("content/kapot.png");
    std::os::unix::fs::symlink(site.root.join("nergens.png"), &link).expect("symlink");
    let e = next_errors_event(&events);
    assert!(!e["errors"].as_array().unwrap().is_empty(), "{e}");
    std::fs::remove_file(&link).expect("remove");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
}

#[test]
fn a_page_follows_the_summary_of_the_page_before_it_in_its_collection() {
    let site = kb();
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block main %}<h1>{{ page.title }}</h1>\
         {% if page.previous %}<p class=\"previous\">{{ page.previous.title }}: {{ page.previous.summary }}</p>{% endif %}{% endblock %}\n",
    );
    // Two entries that share nothing (no references, no terms), so only their order ties
    // them: newest first, y (2011) comes before x (2010).
    let y = "---\ntitle: Y\ndate: 2011\n---\n";
    site.write("content/tijdlijn/x.md", "---\ntitle: X\ndate: 2010\n---\nTekst van x.\n");
    site.write("content/tijdlijn/y.md", &format!("{y}Tekst van y.\n"));
    let server = Server::start(&site.root, &[]);
    let events = server.events();
    assert!(server.get("/tijdlijn/x/").text().contains("<p class=\"previous\">Y: <p>Tekst van y.</p>"));
    site.write("content/tijdlijn/y.md", &format!("{y}Nieuwe tekst van y.\n"));
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    assert!(changed_paths(&e).contains(&"/tijdlijn/x/".to_string()), "{e}");
    let page = server.get("/tijdlijn/x/").text();
    assert!(page.contains("<p class=\"previous\">Y: <p>Nieuwe tekst van y.</p>"), "{page}");
    wait_for_search(&events, &e["version"]);
    assert!(assert_served_equals_fresh_build(&site, &server, "after the edit", &mut BTreeMap::new()));
}

#[test]
fn after_a_text_edit_fails_in_a_template_the_fix_publishes_everything_it_changed() {
    let site = kb_with_summaries();
    // A page whose text says BOOM breaks its template.
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block main %}{% if \"BOOM\" in page.content %}{{ page.nope.nope }}{% endif %}{{ page.content }}{% endblock %}\n",
    );
    let server = Server::start(&site.root, &[]);
    let events = server.events();
    let (front, link) = (BERICHT_4_FRONT, BERICHT_4_LINK);
    // A new summary (the list changes) and a page that fails: nothing is published.
    site.write("content/tijdlijn/bericht-4.md", &format!("{front}Nieuw begin. {link}\n\nBOOM\n"));
    let e = next_build_event(&events);
    assert_eq!(e["type"], "errors", "{e}");
    assert!(!server.get("/tijdlijn/").text().contains("Nieuw begin."));
    // The fix keeps the new summary: the list must now show it too.
    site.write("content/tijdlijn/bericht-4.md", &format!("{front}Nieuw begin. {link}\n\nRustig.\n"));
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    assert!(server.get("/tijdlijn/").text().contains("Bericht 4: <p>Nieuw begin."));
    wait_for_search(&events, &e["version"]);
    assert!(assert_served_equals_fresh_build(&site, &server, "after the fix", &mut BTreeMap::new()));
}

#[test]
fn a_burst_of_requests_over_many_connections_is_answered() {
    let site = kb();
    let server = Server::start(&site.root, &["--no-watch"]);
    let port = server.port;
    let threads: Vec<_> = (0..50)
        .map(|i| {
            std::thread::spawn(move || {
                let mut ok = 0;
                for j in 0..40 {
                    let path = if (i + j) % 7 == 0 { "/%2e%2e/x" } else { "/tijdlijn/" };
                    let r =
                        request(port, &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
                    if (path == "/tijdlijn/" && r.status == 200) || (path != "/tijdlijn/" && r.status == 400) {
                        ok += 1;
                    }
                }
                ok
            })
        })
        .collect();
    let ok: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(ok, 2000);
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_static_file_replaced_by_a_link_to_outside_the_site_is_not_served() {
    let site = kb();
    site.write("static/notes.txt", "inside the site\n");
    let outside = site.root.with_extension("outside.txt");
    std::fs::write(&outside, "outside the site\n").unwrap();
    let server = Server::start(&site.root, &[]);
    let events = server.events();
    let before = server.get("/notes.txt");
    assert_eq!((before.status, before.text().as_str()), (200, "inside the site\n"));
    site.remove("static/notes.txt");
    std::os::unix::fs::symlink(&outside, site.path("static/notes.txt")).unwrap();
    // The rebuild refuses the link; the last good version is served without it.
    let e = next_build_event(&events);
    assert_eq!(e["type"], "errors", "{e}");
    assert!(e["errors"][0]["rendered"].as_str().unwrap().contains("points outside the site folder"), "{e}");
    let after = server.get("/notes.txt");
    assert_eq!(after.status, 404, "{after:?}");
    assert!(!after.text().contains("outside the site"), "{after:?}");
    // A link to a file inside the site is fine (the build follows it too).
    site.write("static/real.txt", "real\n");
    site.remove("static/notes.txt");
    std::os::unix::fs::symlink(site.path("static/real.txt"), site.path("static/notes.txt")).unwrap();
    assert_eq!(next_build_event(&events)["type"], "built");
    assert_eq!(server.get("/notes.txt").text(), "real\n");
    let _ = std::fs::remove_file(outside);
}

#[test]
fn a_loopback_server_answers_only_to_its_own_host_names() {
    let site = kb();
    let server = Server::start(&site.root, &["--no-watch"]);
    let port = server.port;
    let get = |host: &str| request(port, &format!("GET / HTTP/1.1\r\n{host}Connection: close\r\n\r\n"));
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}"), "localhost".into()]
    {
        assert_eq!(get(&format!("Host: {host}\r\n")).status, 200, "{host}");
    }
    // A DNS-rebinding page sends its own name.
    for host in ["Host: evil.example\r\n".to_string(), format!("Host: evil.example:{port}\r\n"), String::new()] {
        let r = get(&host);
        assert_eq!(r.status, 403, "{host:?}: {r:?}");
        assert_eq!(r.text(), "forbidden: this preview answers only to Host localhost, 127.0.0.1 or [::1]\n");
    }
}

/// Writes `head` (ignoring a connection the server closed early) and reads what comes back
/// within `limit`; returns the response and how long it took.
fn send_and_read(port: u16, head: Vec<u8>, limit: Duration) -> (common::http::Response, Duration) {
    let start = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let w = std::thread::spawn(move || {
        let _ = writer.write_all(&head);
    });
    let mut buf = Vec::new();
    let mut chunk = [0; 4096];
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let took = start.elapsed();
    drop(stream);
    let _ = w.join();
    (parse_response(&buf), took)
}

#[test]
fn oversized_and_slow_request_heads_are_cut_off() {
    let site = kb();
    let server = Server::start(&site.root, &["--no-watch"]);
    let head = |size: usize| {
        format!("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "a".repeat(size))
            .into_bytes()
    };
    // Just over the cap: a clean 431.
    let (r, took) = send_and_read(server.port, head(40 * 1024), Duration::from_secs(5));
    assert_eq!(r.status, 431, "{r:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    // A 1 MiB header line is not buffered whole: 431, or the connection is closed, at once.
    let (r, took) = send_and_read(server.port, head(1024 * 1024), Duration::from_secs(5));
    assert!(r.status == 431 || (r.status == 0 && r.body.is_empty()), "{r:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    // A request head that never ends is closed after the header timeout.
    let (r, took) =
        send_and_read(server.port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".to_vec(), Duration::from_secs(15));
    assert_ne!(r.status, 200, "{r:?}");
    assert!(
        took >= HEADER_TIMEOUT - Duration::from_millis(500) && took < HEADER_TIMEOUT + Duration::from_secs(3),
        "{took:?}"
    );
    // A small header is fine.
    let (r, _) = send_and_read(server.port, head(1000), Duration::from_secs(5));
    assert_eq!(r.status, 200);
}

#[test]
fn open_connections_are_bounded() {
    let site = kb();
    let server = Server::start(&site.root, &["--no-watch"]);
    // Idle connections, up to the limit: all accepted.
    let idle: Vec<TcpStream> =
        (0..MAX_CONNECTIONS).map(|_| TcpStream::connect(("127.0.0.1", server.port)).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    // One more is told so at once, without having to send anything.
    let (r, took) = send_and_read(server.port, Vec::new(), Duration::from_secs(5));
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.text(), "too many open connections to serve\n");
    assert!(took < Duration::from_secs(2), "{took:?}");
    drop(idle);
    // Closed connections free their places.
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.get("/").status != 200 {
        assert!(Instant::now() < deadline, "the server did not recover");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_reused_keep_alive_connection_answers_large_pages_without_delay() {
    let site = kb();
    // A page of well over 13 KB.
    site.write(
        "content/tijdlijn/lang.md",
        &format!("---\ntitle: Lang\ndate: 2019-05\n---\n{}\n", "Een lange zin over de regio. ".repeat(800)),
    );
    let server = Server::start(&site.root, &["--no-watch"]);
    let mut connection = Connection::open(server.port);
    let mut times = Vec::new();
    for _ in 0..40 {
        let start = Instant::now();
        let r = connection.get("/tijdlijn/lang/");
        times.push(start.elapsed());
        assert_eq!(r.status, 200);
        assert!(r.body.len() >= 20_000, "{}", r.body.len());
    }
    times.sort();
    let median = times[times.len() / 2];
    println!("median over one keep-alive connection: {median:?}");
    // Nagle's algorithm meeting a delayed ACK costs ~40 ms per response.
    assert!(median < Duration::from_millis(20), "median {median:?}");
}

/// A small deterministic random generator (xorshift), so failures can be replayed by seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The served site (every file of a fresh build of the same sources) must match byte for byte.
fn assert_served_equals_fresh_build(
    site: &TestSite,
    server: &Server,
    step: &str,
    previous: &mut BTreeMap<String, Vec<u8>>,
) -> bool {
    let out = site.root.with_extension("fresh");
    let _ = std::fs::remove_dir_all(&out);
    let run = site.run(&["build", "-q", "--base-url", &server.url("/"), "-o", out.to_str().unwrap()]);
    if run.code != 0 {
        return false;
    }
    let mut fresh = BTreeMap::new();
    let mut stack = vec![out.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&out).unwrap().to_string_lossy().replace('\\', "/");
                if rel != ".innobieb-output" {
                    fresh.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
    }
    for (rel, bytes) in &fresh {
        let r = server.get(&format!("/{rel}"));
        assert_eq!(r.status, 200, "{step}: /{rel} not served");
        // Served HTML carries the live-reload script; everything else must be identical.
        let served = if rel.ends_with(".html") {
            String::from_utf8_lossy(&r.body).replace(SCRIPT_TAG, "").into_bytes()
        } else {
            r.body.clone()
        };
        assert!(served == *bytes, "{step}: /{rel} differs from a fresh build");
    }
    for gone in previous.keys().filter(|k| !fresh.contains_key(*k)) {
        assert_eq!(server.get(&format!("/{gone}")).status, 404, "{step}: /{gone} should be gone");
    }
    let _ = std::fs::remove_dir_all(&out);
    *previous = fresh;
    true
}

#[test]
fn after_random_edits_the_served_site_equals_a_fresh_build() {
    random_edits(kb(), PAGE_TEMPLATE, 0x5eed_1234, false);
}

/// A page template; `{V}` is replaced by a version number when the random edits change it.
const PAGE_TEMPLATE: &str =
    "{% extends \"base.html\" %}{% block main %}<h1>{{ page.title }}</h1>v{V}{{ page.content }}{% endblock %}";

/// Templates that call every site function and print whole values, the way themes written
/// for Hugo or Zola look pages up (`get_page`) and list them (`collection`, `taxonomy`). Each
/// kind of page calls other functions, so that one call's changes do not hide another's.
/// The two regions show their title and nothing else of themselves.
const SITE_FUNCTION_PAGE: &str = "{% extends \"base.html\" %}{% block main %}<h1>{{ page.title }}</h1>v{V}\
{% if page.slug == \"noordoost\" %}\
{% set k = taxonomy(name=\"jaren\", pages=false) %}<pre>{{ k }}</pre>\
{% elif page.slug == \"zuidwest\" %}\
<ol>{% for x in collection(name=\"tijdlijn\", limit=2) %}<li>{{ x }}</li>{% endfor %}</ol>\
{% for r in recent_pages(limit=1) %}<pre>{{ r }}</pre>{% endfor %}{{ chart(collection=\"tijdlijn\") }}\
{% elif page.collection == \"personen\" %}<pre>{{ page }}</pre>\
{% set joost = get_page(path=\"personen/joost-zijderveld.md\") %}<pre>{{ joost }}</pre>\
<p>{{ url(path=\"@/personen/ilona-ebels.md#loopbaan\") }} {{ url(path=\"/x/\") }}</p>\
{% else %}<pre>{{ page }}</pre>\
{% for p in page.fields.personen | default(value=[]) %}{% set q = get_page(path=p.relative_path) %}<pre>{{ q }}</pre>{% endfor %}\
{% set s = get_section(path=\"tijdlijn/_index.md\") %}<p>{{ s.title }} {{ s.pages | length }}</p>\
{% endif %}{% endblock %}";

const SITE_FUNCTION_THEME: &[(&str, &str)] = &[
    (
        "themes/t/templates/section.html",
        "{% extends \"base.html\" %}{% block main %}<pre>{{ paginator }}</pre><pre>{{ section }}</pre>\
{% set s = get_section(path=\"personen/_index.md\") %}{{ s.pages | length }}\
{% for x in collection(name=\"personen\") %}{{ x.title }} {% endfor %}{% endblock %}",
    ),
    (
        "themes/t/templates/term.html",
        "{% extends \"base.html\" %}{% block main %}<pre>{{ term }}</pre><pre>{{ paginator }}</pre>\
{% for p in paginator.pages %}{% set q = get_page(path=p.relative_path) %}{{ q.backlink_count }} {% endfor %}\
{% set j = taxonomy(name=\"jaren\") %}{% for t in j.terms %}{{ t.name }} ({{ t.count }}) {% endfor %}{% endblock %}",
    ),
    (
        "themes/t/templates/taxonomy.html",
        "{% extends \"base.html\" %}{% block main %}<pre>{{ taxonomy }}</pre>{% endblock %}",
    ),
];

#[test]
fn after_random_edits_a_theme_that_calls_every_site_function_serves_what_a_fresh_build_makes() {
    let site = kb();
    site.write("themes/t/templates/page.html", &SITE_FUNCTION_PAGE.replace("{V}", ""));
    for (path, text) in SITE_FUNCTION_THEME {
        site.write(path, text);
    }
    random_edits(site, SITE_FUNCTION_PAGE, 0x0ddba11, false);
}

/// The same with every changed page left for later (rendered in the background, or when it
/// is requested): what is served is still what a fresh build makes.
#[test]
fn after_random_edits_with_every_page_left_for_later_the_served_site_equals_a_fresh_build() {
    let site = kb();
    site.write("themes/t/templates/page.html", &SITE_FUNCTION_PAGE.replace("{V}", ""));
    for (path, text) in SITE_FUNCTION_THEME {
        site.write(path, text);
    }
    random_edits(site, SITE_FUNCTION_PAGE, 0x1a7e, true);
}

/// Random edits of the kb fixture, renames, deletions, broken files and template changes (to
/// `page_template`) while `serve` runs; after each step the served site must equal a fresh build.
/// `later`: every changed page is left for later (rendered when requested or in the background).
fn random_edits(site: TestSite, page_template: &str, default_seed: u64, later: bool) {
    let seed: u64 = std::env::var("INNOBIEB_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(default_seed);
    let steps: usize = std::env::var("INNOBIEB_STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(24);
    let server = if later {
        Server::start_with(&site.root, &["-v"], &[("INNOBIEB_RENDER_NOW", "0")])
    } else {
        Server::start(&site.root, &[])
    };
    let events = server.events();
    let mut rng = Rng(seed);
    let mut previous = BTreeMap::new();
    // The first search index is published shortly after the first pages.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while server.get("/pagefind/pagefind.js").status != 200 {
        assert!(std::time::Instant::now() < deadline, "no search index");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(assert_served_equals_fresh_build(&site, &server, "start", &mut previous));
    let people = ["ilona-ebels", "marina-polderman", "joost-zijderveld"];
    let mut broken: Option<(String, String)> = None;
    for step in 0..steps {
        let entries: Vec<String> = site.files("content/tijdlijn").into_iter().filter(|f| f != "_index.md").collect();
        let op = rng.below(10);
        let label;
        if let Some((path, text)) = broken.take() {
            site.write(&path, &text);
            label = format!("step {step} (seed {seed}): fix {path}");
        } else {
            match op {
                0 => {
                    let p = people[rng.below(3)];
                    let title = format!("Persoon {}", rng.below(1000));
                    let text = site.read(&format!("content/personen/{p}.md"));
                    let new: String = text
                        .lines()
                        .map(|l| if l.starts_with("title:") { format!("title: {title}") } else { l.to_string() })
                        .collect::<Vec<_>>()
                        .join("\n");
                    site.write(&format!("content/personen/{p}.md"), &format!("{new}\n"));
                    label = format!("step {step} (seed {seed}): rename {p} to {title}");
                }
                1 => {
                    let n = rng.below(10_000);
                    let who = people[rng.below(3)];
                    site.write(
                        &format!("content/tijdlijn/nieuw-{n}.md"),
                        &format!(
                            "---\ntitle: Nieuw {n}\ndate: 20{:02}-0{}\npersonen: [{who}]\n---\nTekst {n}.\n",
                            10 + rng.below(10),
                            1 + rng.below(9)
                        ),
                    );
                    label = format!("step {step} (seed {seed}): add nieuw-{n}");
                }
                2 if entries.len() > 2 => {
                    let e = &entries[rng.below(entries.len())];
                    site.remove(&format!("content/tijdlijn/{e}"));
                    label = format!("step {step} (seed {seed}): delete {e}");
                }
                3 if !entries.is_empty() => {
                    let e = &entries[rng.below(entries.len())];
                    let to = format!("hernoemd-{}.md", rng.below(10_000));
                    std::fs::rename(
                        site.path(&format!("content/tijdlijn/{e}")),
                        site.path(&format!("content/tijdlijn/{to}")),
                    )
                    .unwrap();
                    label = format!("step {step} (seed {seed}): rename file {e} to {to}");
                }
                4 if !entries.is_empty() => {
                    let e = format!("content/tijdlijn/{}", entries[rng.below(entries.len())]);
                    let good = site.read(&e);
                    site.write(&e, "---\ntitle: [kapot\n---\n");
                    broken = Some((e.clone(), good));
                    label = format!("step {step} (seed {seed}): break {e}");
                }
                5 => {
                    let p = people[rng.below(3)];
                    let r = ["noordoost", "zuidwest"][rng.below(2)];
                    site.write(
                        &format!("content/personen/{p}.md"),
                        &format!("---\ntitle: {p}\nrollen:\n  - rol: gids\n    regio: {r}\n---\n"),
                    );
                    label = format!("step {step} (seed {seed}): {p} now in {r}");
                }
                6 => {
                    site.write("templates/page.html", &page_template.replace("{V}", &rng.below(100).to_string()));
                    label = format!("step {step} (seed {seed}): change a template");
                }
                7 if !entries.is_empty() => {
                    // A new date: mostly another of the fixture's years (a term's count changes,
                    // not the number of terms), another place in the sorted lists.
                    let e = format!("content/tijdlijn/{}", entries[rng.below(entries.len())]);
                    let date = format!("date: 20{:02}-0{}", 16 + rng.below(4), 1 + rng.below(9));
                    let text: Vec<String> = site
                        .read(&e)
                        .lines()
                        .map(|l| if l.starts_with("date:") { date.clone() } else { l.to_string() })
                        .collect();
                    site.write(&e, &format!("{}\n", text.join("\n")));
                    label = format!("step {step} (seed {seed}): {e} gets {date}");
                }
                8 | 9 if !entries.is_empty() => {
                    // A body-only edit (the front matter stays as it is).
                    let e = format!("content/tijdlijn/{}", entries[rng.below(entries.len())]);
                    let text = site.read(&e);
                    site.write(&e, &format!("{text}\nNieuwe alinea {}.\n\n<!-- more -->\n", rng.below(1000)));
                    label = format!("step {step} (seed {seed}): body-only edit of {e}");
                }
                _ => {
                    site.write("content/_index.md", &format!("---\ntitle: Home {}\n---\nWelkom.\n", rng.below(100)));
                    label = format!("step {step} (seed {seed}): edit home");
                }
            }
        }
        let e = next_build_event(&events);
        if e["type"] == "built" {
            wait_for_search(&events, &e["version"]);
        }
        let ok = assert_served_equals_fresh_build(&site, &server, &label, &mut previous);
        assert_eq!(ok, e["type"] == "built", "{label}: server said {e}, fresh build ok = {ok}");
    }
    if later {
        let lines = server.stderr_lines();
        let left = lines.iter().filter(|l| l.contains(" left for later)")).count();
        assert!(left >= 3, "only {left} builds left pages for later: {lines:?}");
    }
}

#[test]
fn a_card_shortcode_follows_the_page_it_shows() {
    let site = common::Fixture::empty();
    site.write("site.yaml", "title: T\nbase_url: /\ncollections:\n  people: {}\n");
    site.write("content/people/ann.md", "---\ntitle: Ann\ndescription: Writes.\n---\nFirst words.\n");
    site.write("content/notes.md", "---\ntitle: Notes\n---\n{{ card(to=\"@/people/ann.md\") }}\n");
    let server = Server::start(&site.root, &[]);
    let events = server.events();
    assert!(server.get("/notes/").text().contains(">Ann</a>"));
    // A new title of the page shown: the card follows.
    site.write("content/people/ann.md", "---\ntitle: Ann Archer\n---\nOther words.\n");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    let notes = server.get("/notes/").text();
    assert!(notes.contains(">Ann Archer</a>") && notes.contains("Other words."), "{notes}");
    // New text only (no description now, so the card shows the summary): the card follows too.
    site.write("content/people/ann.md", "---\ntitle: Ann Archer\n---\nNewest words.\n");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    let notes = server.get("/notes/").text();
    assert!(notes.contains("Newest words."), "{notes}");
}

#[test]
fn new_text_re_renders_only_the_pages_that_read_the_page_through_get_page() {
    let site = common::Fixture::empty();
    site.write(
        "site.yaml",
        "title: T\nbase_url: /\ncollections:\n  people: {}\n  notes:\n    fields:\n      people: { type: reference, to: people, many: true }\n",
    );
    // Every page shows the whole text of the people it names, looked up with get_page.
    site.write(
        "templates/page.html",
        "<!DOCTYPE html><title>{{ page.title }}</title><h1>{{ page.title }}</h1>{{ page.content }}\
{% for p in page.fields.people | default(value=[]) %}{% set q = get_page(path=p.relative_path) %}<section>{{ q.title }}: {{ q.content }}</section>{% endfor %}",
    );
    site.write("content/people/ann.md", "---\ntitle: Ann\n---\nAnn writes.\n\nAnd reads.\n");
    site.write("content/people/bob.md", "---\ntitle: Bob\n---\nBob reads.\n");
    site.write("content/notes/n1.md", "---\ntitle: N1\npeople: [ann]\n---\nOne.\n");
    site.write("content/notes/n2.md", "---\ntitle: N2\npeople: [bob]\n---\nTwo.\n");
    site.write("content/notes/n3.md", "---\ntitle: N3\n---\nThree.\n");
    let server = Server::start(&site.root, &["-v"]);
    let events = server.events();
    let all = server.pages_rendered_last(0);

    // A new second paragraph (the summary stays): Ann's page and the one page that reads it
    // are rendered, and nothing else.
    site.write("content/people/ann.md", "---\ntitle: Ann\n---\nAnn writes.\n\nAnd edits.\n");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    assert_eq!(changed_paths(&e), ["/notes/n1/", "/people/ann/"]);
    assert_eq!(server.pages_rendered_last(1), 2, "of {all}");
    assert!(
        server.get("/notes/n1/").text().contains("<section>Ann: <p>Ann writes.</p>\n<p>And edits.</p>\n</section>")
    );

    // A new title goes through the full path (resolve again): still only the pages that show Ann.
    site.write("content/people/ann.md", "---\ntitle: Ann Archer\n---\nAnn writes.\n\nAnd edits.\n");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    let changed = changed_paths(&e);
    assert!(
        changed.contains(&"/notes/n1/".to_string()) && changed.contains(&"/people/ann/".to_string()),
        "{changed:?}"
    );
    assert!(!changed.iter().any(|p| p == "/notes/n2/" || p == "/notes/n3/" || p == "/people/bob/"), "{changed:?}");
    // Ann's page, the list of people, N1 (which reads her), the list of notes (N1's stub
    // links to her), and the pages next to Ann and N1 (Bob, N2: `page.previous`/`next`
    // hold their stubs).
    assert_eq!(server.pages_rendered_last(2), 6, "of {all}");
    // `resolve` updated the last site instead of starting over (`-v` says so).
    let resolves: Vec<String> = server
        .stderr_lines()
        .iter()
        .map(|l| l.trim())
        .filter(|l| l.starts_with("resolve"))
        .map(str::to_string)
        .collect();
    assert_eq!(resolves.len(), 2, "{resolves:?}");
    assert!(resolves[0].starts_with("resolve ") && resolves[1].starts_with("resolve (incremental) "), "{resolves:?}");
    wait_for_search(&events, &e["version"]);
    assert!(assert_served_equals_fresh_build(&site, &server, "after edits", &mut BTreeMap::new()));
}

#[test]
fn a_list_of_terms_follows_the_counts_and_not_the_texts_of_the_pages() {
    let site = common::Fixture::empty();
    site.write(
        "site.yaml",
        "title: T\nbase_url: /\ntaxonomies:\n  years: {}\ncollections:\n  notes:\n    sort_by: date\n    fields:\n      date: { type: date, taxonomy: years }\n",
    );
    // A page of its own (no references, no related pages) that lists the years with counts.
    site.write(
        "templates/years.html",
        "<!DOCTYPE html><title>{{ page.title }}</title>{% set t = taxonomy(name=\"years\", pages=false) %}\
{% for y in t.terms %}<p>{{ y.name }}: {{ y.count }}</p>{% endfor %}",
    );
    site.write("content/overview.md", "---\ntitle: Years\ntemplate: years.html\n---\n");
    site.write("content/notes/a.md", "---\ntitle: A\ndate: 2019-01\n---\nA.\n");
    site.write("content/notes/b.md", "---\ntitle: B\ndate: 2019-02\n---\nB.\n");
    site.write("content/notes/c.md", "---\ntitle: C\ndate: 2020-01\n---\nC.\n");
    let server = Server::start(&site.root, &["-v"]);
    let events = server.events();
    let all = server.pages_rendered_last(0);
    assert!(server.get("/overview/").text().contains("<p>2019: 2</p><p>2020: 1</p>"));

    // New text in a note: its page and the lists that show its summary, not the list of years.
    site.write("content/notes/a.md", "---\ntitle: A\ndate: 2019-01\n---\nA, longer.\n");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    let rendered = server.pages_rendered_last(1);
    assert!(rendered < all, "{rendered} of {all}");

    // B moves to 2020: the counts change (not the number of terms), and the list shows them.
    site.write("content/notes/b.md", "---\ntitle: B\ndate: 2020-02\n---\nB.\n");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    let overview = server.get("/overview/").text();
    assert!(overview.contains("<p>2019: 1</p><p>2020: 2</p>"), "{overview}");
    wait_for_search(&events, &e["version"]);
    assert!(assert_served_equals_fresh_build(&site, &server, "after edits", &mut BTreeMap::new()));
}

#[test]
fn the_error_overlay_follows_a_change_of_the_sites_language() {
    let site = common::Fixture::empty();
    site.write("site.yaml", "title: T\nbase_url: /\nlanguage: nl\n");
    site.write("content/a.md", "---\ntitle: A\n---\nA.\n");
    let server = Server::start(&site.root, &[]);
    let events = server.events();
    let script = server.get("/__innobieb/livereload.js").text();
    assert!(script.contains("\"lang\":\"nl\"") && script.contains("\"close\":\"Sluiten\""), "{script}");
    site.write("site.yaml", "title: T\nbase_url: /\nlanguage: en\n");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    let script = server.get("/__innobieb/livereload.js").text();
    assert!(script.contains("\"lang\":\"en\"") && script.contains("\"close\":\"Close\""), "{script}");
}

#[test]
fn new_text_reaches_a_404_page_that_lists_recent_pages_and_the_dates_of_a_git_site() {
    text_edits_in_a_git_site(true);
}

#[test]
fn a_text_edit_in_a_git_site_dates_the_page_today_in_the_sitemap() {
    text_edits_in_a_git_site(false);
}

/// Two text edits of a page in a git work tree committed in 2020, with or without a 404 page
/// that shows the newest pages' summaries.
fn text_edits_in_a_git_site(not_found_page: bool) {
    let site = kb();
    if not_found_page {
        site.write(
        "themes/t/templates/404.html",
        "<!DOCTYPE html><title>Niet gevonden</title>{% for r in recent_pages(limit=2) %}<p>{{ r.title }}: {{ r.summary }}</p>{% endfor %}",
        );
    }
    // A git work tree whose files were all committed in 2020.
    let git = |args: &[&str], date: &str| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=Editor", "-c", "user.email=editor@example.org", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&site.root)
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .output()
            .expect("run git");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["init", "-q"], "2020-01-01T12:00:00Z");
    git(&["add", "."], "2020-01-01T12:00:00Z");
    git(&["commit", "-q", "-m", "start"], "2020-01-01T12:00:00Z");
    let server = Server::start(&site.root, &[]);
    let events = server.events();
    let lastmod = |server: &Server| {
        let sitemap = server.get("/sitemap.xml").text();
        let at = sitemap.find("/tijdlijn/bericht-4/</loc>").expect("in the sitemap");
        sitemap[at..].split("<lastmod>").nth(1).and_then(|x| x.split('<').next()).unwrap_or("").to_string()
    };
    assert_eq!(lastmod(&server), "2020-01-01");
    let today = innobieb::date::today();
    let mut version = serde_json::Value::Null;
    for (step, text) in ["Nieuw begin.", "Nieuwer begin."].into_iter().enumerate() {
        site.write("content/tijdlijn/bericht-4.md", &format!("{BERICHT_4_FRONT}{text} {BERICHT_4_LINK}\n"));
        let e = next_build_event(&events);
        assert_eq!(e["type"], "built", "{e}");
        version = e["version"].clone();
        // The 404 page shows the newest pages with their summaries; the sitemap knows the
        // file changed today (uncommitted), whichever way the rebuild went.
        if not_found_page {
            let not_found = server.get("/404.html").text();
            assert!(not_found.contains(text), "step {step}: {not_found}");
        }
        assert_eq!(lastmod(&server), today, "step {step}");
    }
    // Committed today, a fresh build says the same.
    git(&["commit", "-q", "-am", "edit"], &format!("{today}T12:00:00Z"));
    wait_for_search(&events, &version);
    assert!(assert_served_equals_fresh_build(&site, &server, "after text edits", &mut BTreeMap::new()));
}

#[test]
fn a_pages_warning_is_shown_after_every_rebuild_and_does_not_stop_incremental_resolves() {
    let site = common::Fixture::empty();
    site.write("site.yaml", "title: T\nbase_url: /\nunknown_fields: warn\ncollections:\n  notes: {}\n");
    site.write(
        "templates/page.html",
        "<!DOCTYPE html><title>{{ page.title }}</title><h1>{{ page.title }}</h1>{{ page.content }}",
    );
    site.write("content/notes/a.md", "---\ntitle: A\ncolour: blue\n---\nA.\n");
    site.write("content/notes/b.md", "---\ntitle: B\n---\nB.\n");
    let server = Server::start(&site.root, &["-v"]);
    let events = server.events();
    let count = |lines: &[String]| lines.iter().filter(|l| l.trim() == "1 warning").count();
    // The first build's lines on stderr may arrive after its URL on stdout.
    server.pages_rendered_last(0);
    assert_eq!(count(&server.stderr_lines()), 1, "{:?}", server.stderr_lines());

    // A new title elsewhere: resolved incrementally, and A's warning is shown again.
    site.write("content/notes/b.md", "---\ntitle: Bee\n---\nB.\n");
    assert_eq!(next_build_event(&events)["type"], "built");
    server.pages_rendered_last(1);
    let lines = server.stderr_lines();
    assert!(lines.iter().any(|l| l.trim().starts_with("resolve (incremental)")), "{lines:?}");
    assert_eq!(count(&lines), 2, "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("colour")), "{lines:?}");

    // New text only (the patch path): still shown.
    site.write("content/notes/b.md", "---\ntitle: Bee\n---\nB, again.\n");
    assert_eq!(next_build_event(&events)["type"], "built");
    server.pages_rendered_last(2);
    assert_eq!(count(&server.stderr_lines()), 3, "{:?}", server.stderr_lines());
}

/// Twenty notes that show the person they name, each slow to render (a long empty loop),
/// so that rendering them all takes a while; `extra` goes into the notes' template.
fn slow_notes(extra: &str) -> TestSite {
    slower_notes(extra, 60_000)
}

/// [`slow_notes`] with `steps` steps in each note's loop.
fn slower_notes(extra: &str, steps: usize) -> TestSite {
    let site = common::Fixture::empty();
    site.write(
        "site.yaml",
        "title: T\nbase_url: /\ncollections:\n  people: {}\n  notes:\n    fields:\n      person: { type: reference, to: people }\n",
    );
    site.write(
        "templates/page.html",
        &format!(
            "<!DOCTYPE html><title>{{{{ page.title }}}}</title><h1>{{{{ page.title }}}}</h1>\
{{% if page.fields.person %}}<p>By {{{{ page.fields.person.title }}}}</p>{extra}\
{{% for i in range(end={outer}) %}}{{% for j in range(end=4000) %}}{{% endfor %}}{{% endfor %}}{{% endif %}}",
            outer = steps / 4000
        ),
    );
    site.write("content/people/ann.md", "---\ntitle: Ann\n---\n");
    for i in 1..=20 {
        site.write(&format!("content/notes/n{i:02}.md"), &format!("---\ntitle: N{i}\nperson: ann\n---\nNote {i}.\n"));
    }
    site
}

/// The next `errors` event (after any `built` ones: pages published before the problem).
fn next_errors_event(events: &std::sync::mpsc::Receiver<serde_json::Value>) -> serde_json::Value {
    loop {
        let e = next_build_event(events);
        if e["type"] == "errors" {
            return e;
        }
    }
}

/// The build's event and the last "(N pages rendered, M left for later)" line.
fn left_for_later(server: &Server, builds_before: usize) -> (usize, String) {
    let rendered = server.pages_rendered_last(builds_before);
    let line = server.stderr_lines().into_iter().filter(|l| l.contains(" pages rendered")).nth(builds_before);
    (rendered, line.unwrap_or_default())
}

#[test]
fn a_page_still_left_for_later_is_rendered_when_it_is_requested() {
    let site = slow_notes("");
    let server = Server::start_with(&site.root, &["-v"], &[("INNOBIEB_RENDER_NOW", "0")]);
    let events = server.events();
    server.pages_rendered_last(0);
    site.write("content/people/ann.md", "---\ntitle: Ann Archer\n---\n");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    // The note rendered last in the background is asked for first: it is rendered for the
    // request, and shows the new title.
    let page = server.get("/notes/n20/").text();
    assert!(page.contains("<p>By Ann Archer</p>"), "{page}");
    let (rendered, line) = left_for_later(&server, 1);
    assert_eq!(rendered, 0, "{line}");
    // Ann's page, the twenty notes, and the lists of people and of notes.
    assert!(line.contains(", 23 left for later)"), "{line}");
    // The others follow in the background; then the served site is what a fresh build makes.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !server.stdout_lines().iter().any(|l| l.starts_with("Rendered 23 more pages in ")) {
        assert!(Instant::now() < deadline, "{:?}", server.stdout_lines());
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_for_search(&events, &e["version"]);
    assert!(assert_served_equals_fresh_build(&site, &server, "after the background", &mut BTreeMap::new()));
}

#[test]
fn a_page_open_in_a_browser_is_rendered_before_the_build_is_published() {
    let site = slow_notes("");
    let server = Server::start_with(&site.root, &["-v"], &[("INNOBIEB_RENDER_NOW", "0")]);
    let tab = server.events_of("/notes/n20/");
    server.pages_rendered_last(0);
    // The tab's stream is open before the edit (its hello has arrived).
    assert_eq!(tab.recv_timeout(Duration::from_secs(30)).unwrap()["type"], "hello");
    site.write("content/people/ann.md", "---\ntitle: Ann Archer\n---\n");
    // The first event already tells the tab that its page changed.
    assert_published_with_one_page(&server, &tab, "/notes/n20/");
}

#[test]
fn the_page_of_the_file_that_changed_is_rendered_before_the_build_is_published() {
    let site = slow_notes("");
    // At most one page renders before the publish, besides the open ones and the changed ones.
    let server = Server::start_with(&site.root, &["-v"], &[("INNOBIEB_RENDER_NOW", "1")]);
    let events = server.events();
    server.pages_rendered_last(0);
    site.write("content/people/ann.md", "---\ntitle: Ann Archer\n---\n");
    // No tab is open; Ann's own page is published with the build, the notes follow.
    assert_published_with_one_page(&server, &events, "/people/ann/");
}

/// After Ann's rename in `slow_notes`: the first build event names `page` as the one page
/// rendered before the publish (with the open data, which is not a page: it is always made
/// at once), and the other 22 pages are left for later.
fn assert_published_with_one_page(server: &Server, events: &std::sync::mpsc::Receiver<serde_json::Value>, page: &str) {
    let e = next_build_event(events);
    assert_eq!(e["type"], "built", "{e}");
    assert_eq!(changed_paths(&e), ["/data/people.json", page]);
    let (rendered, line) = left_for_later(server, 1);
    assert_eq!(rendered, 1, "{line}");
    assert!(line.contains(", 22 left for later)"), "{line}");
}

#[test]
fn when_a_page_left_for_later_fails_the_last_good_version_is_served_again() {
    // A note whose person is called "Boom" reads a field that does not exist: an error.
    let site =
        slow_notes("{% if page.fields.person.title == \"Boom\" %}{{ page.fields.person.nothing.here }}{% endif %}");
    let server = Server::start_with(&site.root, &["-v"], &[("INNOBIEB_RENDER_NOW", "0")]);
    let events = server.events();
    server.pages_rendered_last(0);
    site.write("content/people/ann.md", "---\ntitle: Boom\n---\n");
    // Published with every page left for later, then the errors of all twenty notes at once.
    assert_eq!(next_build_event(&events)["type"], "built");
    let e = next_errors_event(&events);
    let errors = e["errors"].as_array().unwrap();
    let text: String = errors.iter().map(|d| d["rendered"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(text.contains("(while rendering content/notes/n01.md and 19 other page(s))"), "{text}");
    assert!(server.stderr_lines().iter().any(|l| l == "The last good version is still being served."));
    // Every page is the last good one again, Ann's too (it rendered fine before the notes failed).
    assert!(server.get("/people/ann/").text().contains("<h1>Ann</h1>"));
    assert!(server.get("/notes/n01/").text().contains("<p>By Ann</p>"));
    // The fix is a build of its own, rendered and served in full.
    site.write("content/people/ann.md", "---\ntitle: Ann Archer\n---\n");
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    assert!(server.get("/notes/n01/").text().contains("<p>By Ann Archer</p>"));
    wait_for_search(&events, &e["version"]);
    assert!(assert_served_equals_fresh_build(&site, &server, "after the fix", &mut BTreeMap::new()));
}

#[test]
fn when_a_build_fails_while_pages_are_left_for_later_the_version_before_is_served_whole() {
    // Slow enough that the break arrives long before the notes are rendered.
    let site = slower_notes("", 1_200_000);
    let server = Server::start_with(&site.root, &["-v"], &[("INNOBIEB_RENDER_NOW", "0")]);
    let events = server.events();
    server.pages_rendered_last(0);
    site.write("content/people/ann.md", "---\ntitle: Ann Archer\n---\n");
    assert_eq!(next_build_event(&events)["type"], "built");
    // While the notes render in the background, a template breaks.
    site.write("templates/page.html", "{% if %}");
    let e = next_errors_event(&events);
    assert!(e["errors"][0]["rendered"].as_str().unwrap_or("").contains("templates/page.html"), "{e}");
    assert!(
        !server.stdout_lines().iter().any(|l| l.starts_with("Rendered ")),
        "the notes were all rendered before the template broke: {:?}",
        server.stdout_lines()
    );
    // Not half the notes with the new name and half with the old: all of them as before.
    for i in 1..=20 {
        let page = server.get(&format!("/notes/n{i:02}/")).text();
        assert!(page.contains("<p>By Ann</p>"), "n{i:02}: {page}");
    }
    assert!(server.get("/people/ann/").text().contains("<h1>Ann</h1>"));
}

#[test]
fn the_last_search_index_is_served_until_the_next_one_is_ready() {
    let site = kb();
    let server = Server::start(&site.root, &[]);
    let events = server.events();
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.get("/pagefind/pagefind.js").status != 200 {
        assert!(Instant::now() < deadline, "no search index");
        std::thread::sleep(Duration::from_millis(20));
    }
    // A new title: the pages are published at once, the index some time after.
    let text = site.read("content/personen/ilona-ebels.md");
    site.write("content/personen/ilona-ebels.md", &text.replacen("title:", "title: Dr.", 1));
    let e = next_build_event(&events);
    assert_eq!(e["type"], "built", "{e}");
    assert_eq!(server.get("/pagefind/pagefind.js").status, 200, "the index went missing");
    wait_for_search(&events, &e["version"]);
    assert!(assert_served_equals_fresh_build(&site, &server, "with the new index", &mut BTreeMap::new()));
}
