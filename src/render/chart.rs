//! Pictures made at build time: a bar chart of a collection's pages per year, as inline SVG
//! with a text alternative (no script, no external fonts). Templates call
//! `chart(collection="tijdlijn")`; it is empty when the pages span fewer than two years.

use crate::i18n::Translations;
use crate::markdown::html_escape as escape;
use std::collections::BTreeMap;

/// The chart of `counts` (year -> pages), or `""` for fewer than two years. Years without
/// pages between the first and the last get an empty bar, so the axis is even.
pub fn per_year(id: &str, title: &str, counts: &BTreeMap<i32, usize>, i18n: &Translations) -> String {
    let (Some(&first), Some(&last)) = (counts.keys().next(), counts.keys().next_back()) else { return String::new() };
    if first == last || last - first > 200 {
        return String::new();
    }
    let years: Vec<(i32, usize)> = (first..=last).map(|y| (y, counts.get(&y).copied().unwrap_or(0))).collect();
    let max = years.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let (bar, gap, height, top, bottom) = (28usize, 8usize, 120usize, 18usize, 22usize);
    let width = years.len() * (bar + gap) + gap;
    let total = top + height + bottom;
    let values: Vec<String> = years.iter().map(|(y, n)| format!("{y}: {n}")).collect();
    let label = i18n.t("ui.chart_per_year", &[("title", title.to_string()), ("values", values.join(", "))]);
    let mut svg = format!(
        "<figure class=\"chart\"><svg role=\"img\" aria-labelledby=\"{id}-title\" width=\"{width}\" height=\"{total}\" \
         viewBox=\"0 0 {width} {total}\"><title id=\"{id}-title\">{}</title>",
        escape(&label)
    );
    for (i, (year, n)) in years.iter().enumerate() {
        let x = gap + i * (bar + gap);
        let h = if *n == 0 { 0 } else { (n * height / max).max(2) };
        let y = top + height - h;
        svg.push_str(&format!(
            "<rect class=\"chart-bar\" x=\"{x}\" y=\"{y}\" width=\"{bar}\" height=\"{h}\"></rect>\
             <text class=\"chart-count\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{n}</text>\
             <text class=\"chart-year\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x + bar / 2,
            y.saturating_sub(4).max(12),
            x + bar / 2,
            top + height + 16,
            short_year(*year, years.len())
        ));
    }
    svg.push_str("</svg>");
    svg.push_str(&format!(
        "<figcaption>{}</figcaption></figure>",
        escape(&i18n.t("ui.chart_caption", &[("title", title.to_string())]))
    ));
    svg
}

/// A year as its axis label: in full, or `'16` when many bars share the width.
fn short_year(year: i32, bars: usize) -> String {
    if bars > 12 { format!("'{:02}", year.rem_euclid(100)) } else { year.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_without_pages_get_empty_bars_and_one_year_gives_no_chart() {
        let en = Translations::english();
        let counts: BTreeMap<i32, usize> = [(2015, 2), (2017, 4)].into_iter().collect();
        let svg = per_year("c", "News", &counts, &en);
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("<title id=\"c-title\">News per year: 2015: 2, 2016: 0, 2017: 4</title>"), "{svg}");
        assert!(svg.contains("height=\"0\""), "{svg}");
        assert_eq!(per_year("c", "News", &[(2015, 2)].into_iter().collect(), &en), "");
    }
}
