//! Pictures made at build time, as inline SVG with a text alternative (no script, no external
//! tiles or fonts): a bar chart of a collection's pages per year (`chart(collection="tijdlijn")`,
//! empty when the pages span fewer than two years) and a schematic tile map of a taxonomy's
//! terms (`tile_map(taxonomy="provincies")`, one tile per term where site.yaml's `tiles` puts it).

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
    let mut svg = String::new();
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
    let caption = i18n.t("ui.chart_caption", &[("title", title.to_string())]);
    figure("chart", id, (width, total), &label, &svg, &caption)
}

/// A picture as a `<figure>`: an SVG of `size` with `body` inside, `role="img"` and `label`
/// as its text alternative (`<title id="{id}-title">`), then the visible `caption`.
fn figure(class: &str, id: &str, (width, height): (usize, usize), label: &str, body: &str, caption: &str) -> String {
    format!(
        "<figure class=\"{class}\"><svg role=\"img\" aria-labelledby=\"{id}-title\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\"><title id=\"{id}-title\">{}</title>{body}</svg><figcaption>{}</figcaption></figure>",
        escape(label),
        escape(caption)
    )
}

/// One tile of a tile map: its term's name, its place and what it holds.
pub struct Tile<'a> {
    pub name: &'a str,
    pub column: u16,
    pub row: u16,
    /// How many pages have the term (among those shown).
    pub count: usize,
    /// Their titles, for the text alternative (empty: the count stands for them).
    pub titles: Vec<String>,
}

/// A schematic map: one square per tile, filled where it holds pages, with the term's name
/// and count; `title` starts the text alternative, which names every tile that holds pages.
pub fn tile_map(id: &str, title: &str, caption: &str, tiles: &[Tile<'_>], i18n: &Translations) -> String {
    const W: usize = 104;
    const H: usize = 56;
    const GAP: usize = 4;
    let columns = tiles.iter().map(|t| t.column as usize + 1).max().unwrap_or(0);
    let rows = tiles.iter().map(|t| t.row as usize + 1).max().unwrap_or(0);
    let (width, height) = (columns * (W + GAP) + GAP, rows * (H + GAP) + GAP);
    let held: Vec<String> = tiles
        .iter()
        .filter(|t| t.count > 0)
        .map(|t| match t.titles.is_empty() {
            true => format!("{}: {}", t.name, t.count),
            false => format!("{}: {}", t.name, t.titles.join(", ")),
        })
        .collect();
    let label = match held.is_empty() {
        true => i18n.t("ui.tile_map_empty", &[("title", title.to_string())]),
        false => i18n.t("ui.tile_map", &[("title", title.to_string()), ("values", held.join("; "))]),
    };
    let mut svg = String::new();
    for t in tiles {
        let (x, y) = (GAP + t.column as usize * (W + GAP), GAP + t.row as usize * (H + GAP));
        let (class, fill, ink) = match t.count {
            0 => ("tile", "#f2f2f2", "#1a1a1a"),
            _ => ("tile tile-on", "#1d4e89", "#ffffff"),
        };
        svg.push_str(&format!(
            "<g class=\"{class}\"><rect x=\"{x}\" y=\"{y}\" width=\"{W}\" height=\"{H}\" rx=\"4\" fill=\"{fill}\" stroke=\"#767676\"></rect>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" fill=\"{ink}\">{}</text>",
            x + W / 2,
            y + 24,
            escape(t.name)
        ));
        if t.count > 0 {
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\" fill=\"{ink}\">{}</text>",
                x + W / 2,
                y + 42,
                t.count
            ));
        }
        svg.push_str("</g>");
    }
    figure("tile-map", id, (width, height), &label, &svg, caption)
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

    #[test]
    fn a_tile_map_fills_the_tiles_that_hold_pages_and_names_them_in_its_text() {
        let en = Translations::english();
        let tile = |name, column, row, count, titles: &[&str]| Tile {
            name,
            column,
            row,
            count,
            titles: titles.iter().map(|t| t.to_string()).collect(),
        };
        let tiles = [tile("North", 1, 0, 2, &[]), tile("West", 0, 1, 0, &[]), tile("South <S>", 1, 2, 1, &["Hills"])];
        let svg = tile_map("m", "Regions", "Where", &tiles, &en);
        assert!(svg.contains("<title id=\"m-title\">Regions: North: 2; South &lt;S&gt;: Hills</title>"), "{svg}");
        assert!(svg.contains("width=\"220\" height=\"184\""), "{svg}");
        assert_eq!(svg.matches("tile tile-on").count(), 2);
        assert!(svg.ends_with("<figcaption>Where</figcaption></figure>"));
        let none = tile_map("m", "Regions", "Where", &[tile("West", 0, 0, 0, &[])], &en);
        assert!(none.contains("<title id=\"m-title\">Regions: none</title>"), "{none}");
    }
}
