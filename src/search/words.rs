//! `pagefind/words.json`: the index's own vocabulary, so that the search page can say
//! "Did you mean …?" when a query finds nothing (Pagefind's JavaScript API does not expose
//! its words). Every word of the records' text, lower-cased, with how many records have it;
//! the most common first, at most [`MAX_WORDS`].

use super::Record;
use crate::output::{Output, OutputData};
use std::collections::HashMap;
use std::sync::Arc;

/// The file, next to Pagefind's.
pub(super) const WORDS_FILE: &str = "words.json";

/// Enough for a large knowledge base's vocabulary; rare words beyond it are left out.
pub(super) const MAX_WORDS: usize = 20_000;

/// The vocabulary of `records` as `[[word, records], ...]`, most common first, then by word.
pub(super) fn file(records: &[Arc<Record>]) -> Output {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for r in records {
        let mut seen: Vec<String> = words(&r.content).collect();
        seen.sort_unstable();
        seen.dedup();
        for w in seen {
            *counts.entry(w).or_default() += 1;
        }
    }
    let mut list: Vec<(String, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list.truncate(MAX_WORDS);
    let json = serde_json::to_string(&list).unwrap_or_else(|_| "[]".into());
    Output { path: format!("{}/{WORDS_FILE}", super::OUTPUT_DIR), data: OutputData::Bytes(json.into_bytes()) }
}

/// The words of a text worth suggesting: letters only (a hyphen or apostrophe inside a word
/// is kept), three to forty characters, lower-cased.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphabetic() || c == '-' || c == '\''))
        .map(|w| w.trim_matches(|c| c == '-' || c == '\''))
        .filter(|w| (3..=40).contains(&w.chars().count()))
        .map(str::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(content: &str) -> Arc<Record> {
        Arc::new(Record { url: "/x/".into(), content: content.into(), ..Default::default() })
    }

    #[test]
    fn counts_each_word_once_per_record_most_common_first() {
        let out = file(&[record("De Bibliotheek, de bibliotheek! 2016 e-book"), record("Een bibliotheek-")]);
        let OutputData::Bytes(b) = out.data else { panic!("bytes") };
        assert_eq!(String::from_utf8(b).unwrap(), r#"[["bibliotheek",2],["e-book",1],["een",1]]"#);
        assert_eq!(out.path, "pagefind/words.json");
    }
}
