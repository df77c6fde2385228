//! iCalendar files for collections with `calendar: true` (RFC 5545).

mod common;
use common::site::TestSite;

fn events_site(extra: &str) -> TestSite {
    let site = TestSite::empty();
    site.write(
        "site.yaml",
        &format!(
            "title: Library days\nbase_url: https://days.example/\ncollections:\n  events:\n    calendar: true\n\
             \x20   calendar_location: [venue, town]\n    fields:\n      venue: {{ type: text }}\n      town: {{ type: text }}\n{extra}"
        ),
    );
    let site = site.without_search();
    site.write(
        "content/events/open-day.md",
        "---\ntitle: Open day; tours, coffee\ndate: 2026-12-31\nvenue: Main library, Hall 2\ntown: Northside\n\
         description: A day to visit every floor of the library, with tours on the hour and coffee in the reading room.\n---\n",
    );
    site.write("content/events/someday.md", "---\ntitle: Someday\ndate: 2027-05\n---\n");
    site
}

#[test]
fn a_calendar_per_collection_and_per_dated_page() {
    let site = events_site("");
    site.build().expect_code(0);
    let page = site.read("public/events/open-day/calendar.ics");
    assert_eq!(
        page,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//innobieb//innobieb//EN\r\nCALSCALE:GREGORIAN\r\n\
         X-WR-CALNAME:Open day\\; tours\\, coffee | Library days\r\nBEGIN:VEVENT\r\n\
         UID:events-open-day@days.example\r\nDTSTAMP:20261231T000000Z\r\n\
         DTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270101\r\n\
         SUMMARY:Open day\\; tours\\, coffee\r\n\
         DESCRIPTION:A day to visit every floor of the library\\, with tours on the h\r\n our and coffee in the reading room.\r\n\
         LOCATION:Main library\\, Hall 2\\, Northside\r\nURL:https://days.example/events/open-day/\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    // The collection's calendar has the events with a day; a month alone is no event.
    let all = site.read("public/events/calendar.ics");
    assert_eq!(all.matches("BEGIN:VEVENT").count(), 1);
    assert!(!site.exists("public/events/someday/calendar.ics"));
    let html = site.read("public/events/open-day/index.html");
    assert!(
        html.contains("<a href=\"/events/open-day/calendar.ics\" type=\"text/calendar\">Add to calendar</a>"),
        "{html}"
    );
}

#[test]
fn calendar_location_names_fields_of_the_collection() {
    let site = events_site("");
    let yaml = site.read("site.yaml").replace("[venue, town]", "[venue, twon]");
    site.write("site.yaml", &yaml);
    let run = site.build();
    run.expect_code(1);
    assert!(
        run.stderr.starts_with("error: `twon` is not a field of `events`\n --> site.yaml:6:32\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("= help: did you mean `town`?"), "{}", run.stderr);
}
