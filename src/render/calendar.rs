//! iCalendar files (RFC 5545) for collections with `calendar: true`: one per collection
//! (`/<folder>/calendar.ics`, every page with a date that has a day) and one per such page
//! (`/<folder>/<slug>/calendar.ics`). Events last the whole day of the page's `date` (a
//! floating date, no time zone); the summary is the title, the description the page's
//! `description`, the location the fields named by `calendar_location`. UIDs are made from
//! the page's address, so they stay the same from build to build.

pub use crate::model::calendar::{collection_path, has_event, page_path};
use crate::model::{Page, PageId, Site, Value as V};

/// A calendar with the events of `pages` (those with an event), in their order.
pub fn calendar(site: &Site, name: &str, pages: &[PageId]) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//innobieb//innobieb//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, &format!("X-WR-CALNAME:{}", text(&format!("{name} | {}", site.config.title))));
    for &id in pages {
        let p = &site.pages[id];
        if has_event(site, p) {
            event(&mut out, site, p);
        }
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn event(out: &mut String, site: &Site, p: &Page) {
    let Some(d) = p.common.date else { return };
    let (Some(month), Some(day)) = (d.month, d.day) else { return };
    let start =
        time::Date::from_calendar_date(d.year, time::Month::try_from(month).unwrap_or(time::Month::January), day);
    let Ok(start) = start else { return };
    let end = start.next_day().unwrap_or(start);
    let ymd = |d: time::Date| format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day());
    let host = site.config.base_url.split("://").nth(1).and_then(|r| r.split('/').next()).unwrap_or("innobieb");
    line(out, "BEGIN:VEVENT");
    line(out, &format!("UID:{}@{host}", text(p.path.trim_end_matches('/')).replace('/', "-")));
    // DTSTAMP is required; the day the page last changed (or its date) keeps builds equal.
    let stamp = p.updated.as_deref().map(|u| u.replace('-', "")).unwrap_or_else(|| ymd(start));
    line(out, &format!("DTSTAMP:{stamp}T000000Z"));
    line(out, &format!("DTSTART;VALUE=DATE:{}", ymd(start)));
    line(out, &format!("DTEND;VALUE=DATE:{}", ymd(end)));
    line(out, &format!("SUMMARY:{}", text(&p.title)));
    if let Some(desc) = &p.common.description {
        line(out, &format!("DESCRIPTION:{}", text(desc)));
    }
    let def = p.collection.as_ref().and_then(|c| site.config.collections.get(c));
    // The fields' texts, each unless an earlier one already holds it (a venue with its town).
    let mut location: Vec<String> = Vec::new();
    for v in def.and_then(|d| d.calendar_location.as_ref()).map(|n| n.as_slice()).unwrap_or(&[]) {
        if let Some(t) = p.fields.get(v).and_then(plain) {
            if !location.iter().any(|l| l.contains(t.as_str())) {
                location.push(t);
            }
        }
    }
    if !location.is_empty() {
        line(out, &format!("LOCATION:{}", text(&location.join(", "))));
    }
    line(out, &format!("URL:{}", site.permalink(&p.path)));
    line(out, "END:VEVENT");
}

/// A field value as plain text, for the location.
fn plain(v: &V) -> Option<String> {
    match v {
        V::Text(s) | V::Url(s) => Some(s.clone()).filter(|s| !s.trim().is_empty()),
        _ => None,
    }
}

/// A TEXT value escaped (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded at 75 octets (RFC 5545 3.1: CRLF and a space, never
/// inside a character), ended with CRLF.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_lines_are_folded_at_75_octets() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let mut out = String::new();
        line(&mut out, &format!("SUMMARY:{}", "é".repeat(60)));
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')));
        let unfolded: String = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "é".repeat(60)));
    }
}
