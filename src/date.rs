//! Partial dates: `2016`, `2016-06` and `2016-06-30`, as sources give them.
//!
//! Ordering: a year sorts before its months and a month before its days
//! (`2016` < `2016-01` < `2016-01-01` < `2016-02`), so a less precise date
//! comes first in ascending order and last in newest-first lists.

use serde::{Serialize, Serializer};
use std::fmt;

/// A date known to the year, the month or the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

pub const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (also with a time part, which is ignored:
    /// `2016-06-30T10:00:00`). Returns a message saying what is wrong otherwise.
    pub fn parse(text: &str) -> Result<PartialDate, String> {
        let text = text.trim();
        let date_part = text.split(['T', ' ']).next().unwrap_or("");
        let parts: Vec<&str> = date_part.split('-').collect();
        let bad = || format!("`{text}` is not a date; write `2016`, `2016-06` or `2016-06-30`");
        if parts.is_empty() || parts.len() > 3 {
            return Err(bad());
        }
        let num = |s: &str, len: usize| -> Option<u32> {
            (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
        };
        let year = num(parts[0], 4).ok_or_else(bad)? as i32;
        let month = match parts.get(1) {
            Some(m) => Some(num(m, 2).ok_or_else(bad)? as u8),
            None => None,
        };
        let day = match parts.get(2) {
            Some(d) => Some(num(d, 2).ok_or_else(bad)? as u8),
            None => None,
        };
        if let Some(m) = month {
            let month =
                time::Month::try_from(m).map_err(|_| format!("`{text}` has no month {m}: months run from 01 to 12"))?;
            if let Some(d) = day {
                time::Date::from_calendar_date(year, month, d).map_err(|_| {
                    format!(
                        "`{text}` does not exist: {} {year} has {} days",
                        MONTHS_NL[m as usize - 1],
                        time::util::days_in_month(month, year)
                    )
                })?;
            }
        }
        Ok(PartialDate { year, month, day })
    }

    /// `2016`, `juni 2016` or `30 juni 2016`.
    pub fn dutch(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{d} {} {}", MONTHS_NL[m as usize - 1], self.year),
            (Some(m), None) => format!("{} {}", MONTHS_NL[m as usize - 1], self.year),
            _ => self.year.to_string(),
        }
    }

    /// `year`, `month` or `day`.
    pub fn precision(&self) -> &'static str {
        match (self.month, self.day) {
            (Some(_), Some(_)) => "day",
            (Some(_), None) => "month",
            _ => "year",
        }
    }

    /// RFC 3339 timestamp at the start of the period, for feeds and sitemaps.
    pub fn rfc3339(&self) -> String {
        format!("{:04}-{:02}-{:02}T00:00:00Z", self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> PartialDate {
        PartialDate::parse(s).unwrap()
    }

    #[test]
    fn parses_three_precisions() {
        assert_eq!(d("2016").to_string(), "2016");
        assert_eq!(d("2016-06").to_string(), "2016-06");
        assert_eq!(d("2016-06-30").to_string(), "2016-06-30");
        assert_eq!(d("2016-06-30T12:00:00Z").to_string(), "2016-06-30");
    }

    #[test]
    fn rejects_impossible_dates() {
        let err = PartialDate::parse("2016-02-30").unwrap_err();
        assert_eq!(err, "`2016-02-30` does not exist: februari 2016 has 29 days");
        assert!(PartialDate::parse("2016-13").is_err());
        assert!(PartialDate::parse("16-01").is_err());
        assert!(PartialDate::parse("juni 2016").is_err());
        assert!(PartialDate::parse("2016-1-1").is_err());
    }

    #[test]
    fn sorts_year_before_month_before_day() {
        let mut v = [d("2016-02"), d("2016-01-01"), d("2016"), d("2015-12-31"), d("2016-01")];
        v.sort();
        let s: Vec<String> = v.iter().map(|d| d.to_string()).collect();
        assert_eq!(s, ["2015-12-31", "2016", "2016-01", "2016-01-01", "2016-02"]);
    }

    #[test]
    fn formats_in_dutch() {
        assert_eq!(d("2016").dutch(), "2016");
        assert_eq!(d("2016-06").dutch(), "juni 2016");
        assert_eq!(d("2016-06-30").dutch(), "30 juni 2016");
    }
}
