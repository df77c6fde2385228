//! The bundled site on a phone (375 px wide) in headless Chromium, with JavaScript switched
//! off: the header is small, the main menu sits behind a "Menu" button that opens and closes
//! without a script, the home page has one search field, and the Projectendag's day programme
//! is a list of cards instead of a table that scrolls sideways. At 1280 px the menu is a bar
//! and the programme a table.
//!
//! Needs Chromium, so ignored by a bare `cargo test`; run with
//! `cargo test --test browser_phone -- --include-ignored`. Set `INNOBIEB_SCREENSHOTS=<folder>`
//! to keep screenshots.

mod common;

use common::browser::Browser;
use common::server::StaticServer;
use serde_json::{Value, json};
use std::path::PathBuf;

const PHONE: u32 = 375;

/// The bundled site built into a temp folder (removed when dropped).
struct Site(PathBuf);

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn build_bundled_site() -> Site {
    let out = common::temp_dir("phone-site");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_innobieb"))
        .args(["build", "--quiet", "--root"])
        .arg(common::repo_path(""))
        .arg("--output")
        .arg(&out)
        .output()
        .expect("run innobieb");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    Site(out)
}

/// Chromium at phone width with the page's scripts switched off.
fn phone_without_javascript() -> Browser {
    let mut b = Browser::launch();
    b.call("Emulation.setScriptExecutionDisabled", json!({ "value": true })).unwrap();
    b.set_viewport(PHONE, 800).unwrap();
    b
}

fn screenshot(b: &mut Browser, name: &str) {
    if let Some(dir) = std::env::var_os("INNOBIEB_SCREENSHOTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        b.screenshot(&dir.join(format!("phone-{name}.png")), false).unwrap();
    }
}

fn number(b: &mut Browser, js: &str) -> f64 {
    let v = b.eval(js).unwrap();
    v.as_f64().unwrap_or_else(|| panic!("`{js}` is not a number: {v}"))
}

/// Whether an element is rendered (`checkVisibility`: not in a closed `<details>`, not
/// `display: none`, not `visibility: hidden`), by selector; false when it is not there.
fn shown(b: &mut Browser, selector: &str) -> bool {
    let js = format!(
        "(() => {{ const e = document.querySelector({}); return !!e && e.checkVisibility({{ visibilityProperty: true }}); }})()",
        serde_json::to_string(selector).unwrap()
    );
    b.eval(&js).unwrap() == Value::Bool(true)
}

/// The texts of the rendered main-menu links (whichever menu shows them).
fn visible_menu_links(b: &mut Browser) -> Vec<String> {
    let v = b
        .eval(
            "[...document.querySelectorAll('nav.hoofdmenu a, nav.menu-klein a')] \
             .filter(a => a.checkVisibility({ visibilityProperty: true })) \
             .map(a => a.textContent.trim())",
        )
        .unwrap();
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// Clicks the centre of an element the way a finger does (no script involved).
fn tap(b: &mut Browser, selector: &str) {
    let js = format!(
        "(() => {{ const r = document.querySelector({}).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
        serde_json::to_string(selector).unwrap()
    );
    let at = b.eval(&js).unwrap();
    let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
    for kind in ["mousePressed", "mouseReleased"] {
        b.call("Input.dispatchMouseEvent", json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }))
            .unwrap();
    }
}

const MENU: [&str; 9] = [
    "Tijdlijn",
    "Personen",
    "Regio's",
    "Organisaties",
    "Themagroepen",
    "Prioriteiten",
    "Projecten",
    "Programma's",
    "Evenementen",
];

#[test]
#[ignore = "needs chromium"]
fn on_a_phone_the_menu_is_behind_a_button_that_works_without_javascript() {
    let site = build_bundled_site();
    let server = StaticServer::start(&site.0);
    let mut b = phone_without_javascript();

    for (path, max_header) in [("/", 90.0), ("/evenementen/projectendag-2017/", 140.0), ("/personen/", 140.0)] {
        b.navigate(&server.url(path)).unwrap();
        // Two rows at most: the name and the Menu button, then the search field (not on the
        // home page, which has its own large search field). Before: four rows of menu items,
        // 279 px.
        let header = number(&mut b, "document.querySelector('header.site-kop').getBoundingClientRect().height");
        assert!(header <= max_header, "{path}: the header is {header} px tall at {PHONE} px");
        let early = visible_menu_links(&mut b);
        assert!(early.is_empty(), "{path}: menu links show before the menu is opened: {early:?}");
        assert!(shown(&mut b, "summary.menu-knop"), "{path}: no Menu button");
        let searches = number(
            &mut b,
            "[...document.querySelectorAll('form[role=search]')].filter(f => f.checkVisibility()).length",
        );
        assert_eq!(searches, 1.0, "{path}: one search field");
        let scroll = number(&mut b, "document.documentElement.scrollWidth");
        assert!(scroll <= f64::from(PHONE), "{path}: the page is {scroll} px wide");
    }

    // Open the menu on a record page: all nine links, between the name and the search field,
    // each a comfortable target, the current section marked.
    b.navigate(&server.url("/evenementen/projectendag-2017/")).unwrap();
    assert_eq!(b.eval("document.querySelector('details.menu-uitklap').open").unwrap(), Value::Bool(false));
    tap(&mut b, "summary.menu-knop");
    assert_eq!(b.eval("document.querySelector('details.menu-uitklap').open").unwrap(), Value::Bool(true));
    assert_eq!(visible_menu_links(&mut b), MENU);
    screenshot(&mut b, "menu-open");
    let layout = b
        .eval(
            "(() => { const links = [...document.querySelectorAll('.menu-uitklap a')].map(a => a.getBoundingClientRect()); \
             return { brand: document.querySelector('.merk').getBoundingClientRect().bottom, \
                      search: document.querySelector('.zoekform--kop').getBoundingClientRect().top, \
                      first: links[0].top, last: links[links.length - 1].bottom, \
                      smallest: Math.min(...links.map(r => r.height)), \
                      current: document.querySelector('.menu-uitklap a[aria-current]').textContent }; })()",
        )
        .unwrap();
    let f = |k: &str| layout[k].as_f64().unwrap();
    assert!(
        f("first") >= f("brand") && f("last") <= f("search"),
        "the open menu is not between name and search: {layout}"
    );
    assert!(f("smallest") >= 44.0, "a menu link is smaller than 44 px: {layout}");
    assert_eq!(layout["current"], "Evenementen");
    tap(&mut b, "summary.menu-knop");
    assert!(visible_menu_links(&mut b).is_empty(), "the menu does not close again");

    // On a wide screen the menu is a bar of nine links in one row, without the button.
    b.set_viewport(1280, 900).unwrap();
    b.navigate(&server.url("/evenementen/projectendag-2017/")).unwrap();
    assert!(!shown(&mut b, "summary.menu-knop"));
    assert_eq!(visible_menu_links(&mut b), MENU);
    let rows = number(
        &mut b,
        "new Set([...document.querySelectorAll('nav.hoofdmenu a')].map(a => Math.round(a.getBoundingClientRect().top))).size",
    );
    assert_eq!(rows, 1.0, "the menu bar takes {rows} rows at 1280 px");
}

#[test]
#[ignore = "needs chromium"]
fn on_a_phone_the_day_programme_is_a_list_of_cards() {
    let site = build_bundled_site();
    let server = StaticServer::start(&site.0);
    let mut b = phone_without_javascript();
    let page = server.url("/evenementen/projectendag-2017/");
    b.navigate(&page).unwrap();

    assert!(!shown(&mut b, ".dagprogramma table"), "the table still shows at {PHONE} px");
    let cards = b
        .eval(
            "[...document.querySelectorAll('.dagprogramma-kaart')].filter(c => c.checkVisibility()) \
             .map(c => ({ text: c.innerText.replace(/\\s+/g, ' ').trim(), width: c.getBoundingClientRect().width, \
                          right: c.getBoundingClientRect().right }))",
        )
        .unwrap();
    let cards = cards.as_array().unwrap();
    let rows = number(&mut b, "document.querySelectorAll('.dagprogramma tbody tr').length");
    assert_eq!(cards.len() as f64, rows, "one card per row of the programme");
    assert!(cards.len() >= 15, "{cards:?}");
    let first = cards[0]["text"].as_str().unwrap();
    assert_eq!(first, "09:30 Ontvangst Locatie Kantine");
    let opening = cards[1]["text"].as_str().unwrap();
    assert!(opening.contains("Wie Richard Engelfriet"), "{opening:?}");
    for c in cards {
        assert!(c["right"].as_f64().unwrap() <= f64::from(PHONE), "a card sticks out: {c}");
    }
    let scroll = number(&mut b, "document.documentElement.scrollWidth");
    assert!(scroll <= f64::from(PHONE), "the page is {scroll} px wide");
    b.eval("document.querySelector('.dagprogramma').scrollIntoView()").unwrap();
    screenshot(&mut b, "dagprogramma");

    b.set_viewport(1280, 900).unwrap();
    b.navigate(&page).unwrap();
    assert!(shown(&mut b, ".dagprogramma table"));
    assert!(!shown(&mut b, ".dagprogramma-kaart"));
}
