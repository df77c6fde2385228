//! Live reload end to end: `innobieb serve` with a page open in headless Chromium. Edits to
//! a content file show up in the open tab without a manual reload, a broken file shows
//! the error overlay (with the file and line) and fixing it removes the overlay, and a
//! change to a stylesheet only swaps the stylesheet (the page is not reloaded).
//!
//! Needs Chromium, so ignored by a bare `cargo test`; run with
//! `cargo test --test browser_serve -- --include-ignored`.

mod common;

use common::browser::Browser;
use common::http::Server;
use common::site::TestSite;
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

const PAGE: &str = "content/tijdlijn/bericht-1.md";
const FRONT_MATTER: &str = "---\ntitle: Bericht 1\ndate: 2016-01\npersonen: [ilona-ebels]\n---\n";
const STYLE: &str = "themes/t/static/css/test.css";

/// Counts the live-reload stream's messages in `window.__innobiebMessages`, so that the
/// test knows when the page listens (the first message, `hello`, has arrived). Added to
/// every document before its own scripts run, so it survives reloads.
const WATCH_EVENTS: &str = r#"(() => {
  const Original = window.EventSource;
  window.__innobiebMessages = 0;
  window.EventSource = function (url, options) {
    const es = new Original(url, options);
    es.addEventListener('message', () => { window.__innobiebMessages += 1; });
    return es;
  };
  window.EventSource.prototype = Original.prototype;
})();"#;

/// The kb fixture with the minimal theme, plus a stylesheet in the theme's static folder
/// linked from base.html.
fn site() -> TestSite {
    let site = TestSite::fixture("kb").with_mini_theme();
    let base = site.read("themes/t/templates/base.html");
    assert!(base.contains("</head>"), "{base}");
    site.write(
        "themes/t/templates/base.html",
        &base.replacen("</head>", "<link rel=\"stylesheet\" href=\"/css/test.css\"></head>", 1),
    );
    site.write(STYLE, "body { background-color: rgb(255, 255, 255); }\n");
    site
}

fn js_str(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

/// Waits for `expression`, or fails with what the page shows and what happened in it.
fn wait(b: &mut Browser, what: &str, expression: &str) {
    if let Err(e) = b.wait_for(expression, WAIT) {
        let text = b.eval("document.body ? document.body.innerText : '(no body)'").unwrap_or_default();
        panic!(
            "{what}: {e}\n--- page text\n{}\n--- exceptions\n{:?}\n--- console\n{:?}",
            text.as_str().unwrap_or_default(),
            b.exceptions(),
            b.console()
        );
    }
}

/// Waits until the open page listens to the live-reload stream.
fn wait_listening(b: &mut Browser) {
    wait(b, "the page did not connect to the live-reload stream", "window.__innobiebMessages > 0");
}

fn body_has(text: &str) -> String {
    format!("document.body.innerText.includes({})", js_str(text))
}

const OVERLAY: &str = "document.getElementById('innobieb-overlay')";

#[test]
#[ignore = "needs chromium"]
fn edits_errors_and_styles_reach_the_open_page_without_a_manual_reload() {
    let site = site();
    let server = Server::start(&site.root, &[]);
    let mut b = Browser::launch();
    b.call("Page.addScriptToEvaluateOnNewDocument", json!({ "source": WATCH_EVENTS })).unwrap();
    b.navigate(&server.url("/tijdlijn/bericht-1/")).unwrap();
    wait_listening(&mut b);
    assert_eq!(b.eval("document.querySelector('h1').textContent").unwrap(), "Bericht 1");
    assert_eq!(b.eval(&body_has("Zie Joost")).unwrap(), true, "the page as built");
    // Survives only as long as the page is not reloaded.
    b.eval("window.__marker = 1").unwrap();

    // (a) An edit to the page's source shows up in the open tab: the page reloads itself.
    site.write(PAGE, &format!("{FRONT_MATTER}Lees over [Joost](@/personen/joost-zijderveld.md).\n"));
    wait(&mut b, "the edited text did not appear", &body_has("Lees over Joost"));
    assert!(b.eval("window.__marker").unwrap().is_null(), "the page was reloaded to show the edit");
    wait_listening(&mut b);

    // (b) A broken file: the overlay names the file and the line; the page stays.
    b.eval("window.__marker = 2").unwrap();
    site.write(PAGE, "---\ntitle: [kapot\ndate: 2016-01\n---\nLees over Joost.\n");
    wait(&mut b, "no error overlay", &format!("{OVERLAY} !== null"));
    let overlay = b.eval(&format!("{OVERLAY}.innerText")).unwrap();
    let overlay = overlay.as_str().unwrap_or_default();
    println!("the overlay says:\n{overlay}");
    assert!(
        overlay.contains("--> content/tijdlijn/bericht-1.md:2:8"),
        "the file, line and column of the `[` in the overlay:\n{overlay}"
    );
    assert!(overlay.contains("last good version"), "{overlay}");
    assert_eq!(b.eval("window.__marker").unwrap(), 2, "the overlay is shown without a reload");
    assert_eq!(b.eval(&body_has("Lees over Joost")).unwrap(), true, "the last good version stays under the overlay");

    // (c) Fixing the file removes the overlay and shows the fixed text.
    site.write(PAGE, &format!("{FRONT_MATTER}Weer heel: [Joost](@/personen/joost-zijderveld.md).\n"));
    wait(
        &mut b,
        "the overlay did not go, or the fixed text did not appear",
        &format!("{OVERLAY} === null && {}", body_has("Weer heel: Joost")),
    );
    wait_listening(&mut b);

    // (d) A stylesheet change applies without reloading the page.
    let background = "getComputedStyle(document.body).backgroundColor";
    assert_eq!(b.eval(background).unwrap(), "rgb(255, 255, 255)");
    b.eval("window.__marker = 1").unwrap();
    site.write(STYLE, "body { background-color: rgb(250, 235, 200); }\n");
    wait(&mut b, "the new style did not apply", &format!("{background} === 'rgb(250, 235, 200)'"));
    // Give a (wrong) reload that might follow the style swap the time to happen.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(b.eval("window.__marker").unwrap(), 1, "the page was reloaded for a CSS change");
    assert_eq!(b.eval(background).unwrap(), "rgb(250, 235, 200)");
    assert!(b.exceptions().is_empty(), "uncaught exceptions: {:?}", b.exceptions());
}

#[test]
#[ignore = "needs chromium"]
fn the_error_overlay_speaks_the_sites_language_takes_focus_and_can_be_closed() {
    let site = site();
    let yaml = site.read("site.yaml");
    if !yaml.contains("language:") {
        site.write("site.yaml", &format!("{yaml}language: nl\n"));
    }
    let server = Server::start(&site.root, &[]);
    let mut b = Browser::launch();
    b.call("Page.addScriptToEvaluateOnNewDocument", json!({ "source": WATCH_EVENTS })).unwrap();
    b.navigate(&server.url("/tijdlijn/bericht-1/")).unwrap();
    wait_listening(&mut b);

    site.write(PAGE, "---\ntitle: [kapot\ndate: 2016-01\n---\nTekst.\n");
    wait(&mut b, "no error overlay", &format!("{OVERLAY} !== null"));
    let title = b.eval(&format!("{OVERLAY}.querySelector('h2').textContent")).unwrap();
    assert_eq!(title, "1 probleem: de laatste goede versie blijft zichtbaar");
    assert_eq!(b.eval(&format!("{OVERLAY}.getAttribute('role')")).unwrap(), "alertdialog");
    assert_eq!(b.eval(&format!("document.activeElement === {OVERLAY}")).unwrap(), true, "the overlay has the focus");
    let text = b.eval(&format!("{OVERLAY}.innerText")).unwrap();
    let text = text.as_str().unwrap_or_default();
    assert!(text.contains("content/tijdlijn/bericht-1.md:2:"), "the place of the problem:\n{text}");
    assert!(text.contains("Zo lost u het op:"), "the hint, introduced in Dutch:\n{text}");
    // Closed with its button (named in Dutch) or with Escape; it stays closed for these errors.
    assert_eq!(b.eval(&format!("{OVERLAY}.querySelector('button').textContent")).unwrap(), "Sluiten");
    b.eval(&format!("{OVERLAY}.querySelector('button').click()")).unwrap();
    wait(&mut b, "the overlay did not close", &format!("{OVERLAY} === null"));

    // A new problem opens it again; Escape closes it.
    site.write(PAGE, "---\ntitle: [nog steeds kapot\ndate: 2016-01\n---\nTekst.\n");
    wait(&mut b, "no overlay for the new problem", &format!("{OVERLAY} !== null"));
    b.eval(&format!("{OVERLAY}.dispatchEvent(new KeyboardEvent('keydown', {{ key: 'Escape', bubbles: true }}))"))
        .unwrap();
    wait(&mut b, "Escape did not close the overlay", &format!("{OVERLAY} === null"));

    // Fixed: the page shows the new version.
    site.write(PAGE, &format!("{FRONT_MATTER}Weer heel.\n"));
    wait(&mut b, "the fixed page did not appear", &body_has("Weer heel."));
}

#[test]
#[ignore = "needs chromium"]
fn what_themes_mark_as_preview_only_shows_in_serve_and_not_in_the_build() {
    let site = site();
    let base = site.read("themes/t/templates/page.html");
    site.write(
        "themes/t/templates/page.html",
        &base.replacen(
            "{% block main %}",
            "{% block main %}<p id=\"src\" data-innobieb-preview hidden>{{ page.source }}</p>",
            1,
        ),
    );
    site.build().expect_success();
    assert!(site.read("public/tijdlijn/bericht-1/index.html").contains("data-innobieb-preview hidden>"));
    let server = Server::start(&site.root, &[]);
    let mut b = Browser::launch();
    b.call("Page.addScriptToEvaluateOnNewDocument", json!({ "source": WATCH_EVENTS })).unwrap();
    b.navigate(&server.url("/tijdlijn/bericht-1/")).unwrap();
    wait_listening(&mut b);
    assert_eq!(b.eval("document.getElementById('src').hidden").unwrap(), false);
    assert_eq!(b.eval(&body_has("content/tijdlijn/bericht-1.md")).unwrap(), true);
}
