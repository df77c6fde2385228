//! The dependency rule of ARCHITECTURE.md: `src/lib.rs` declares the modules in
//! dependency order, and a module uses (`crate::...`) only modules declared above it,
//! so there are no import cycles. `.ci/import-cycles.py` prints the same map.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// `pub mod name;` lines of lib.rs, in order.
fn declared_order(lib: &str) -> Vec<String> {
    lib.lines().filter_map(|l| Some(l.trim().strip_prefix("pub mod ")?.split_once(';')?.0.to_string())).collect()
}

/// The text without comments and with string and char literals emptied.
fn strip(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let (mut out, mut i) = (String::new(), 0);
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let at = |s: &str| s.chars().enumerate().all(|(k, x)| c.get(i + k) == Some(&x));
        if at("//") {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if at("/*") {
            let mut depth = 0;
            loop {
                if i >= c.len() {
                    break;
                }
                let here = |s: &str| s.chars().enumerate().all(|(k, x)| c.get(i + k) == Some(&x));
                if here("/*") {
                    depth += 1;
                    i += 2;
                } else if here("*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c[i] == 'r' && (i == 0 || !ident(c[i - 1]) || (c[i - 1] == 'b' && (i < 2 || !ident(c[i - 2])))) && {
            let mut j = i + 1;
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            c.get(j) == Some(&'"')
        } {
            let mut j = i + 1;
            let mut hashes = 0;
            while c[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            while j < c.len() && !(c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#'))) {
                j += 1;
            }
            i = j + 1 + hashes;
            out.push_str("\"\"");
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' {
            // A char literal ('a', '\n', '\u{e9}'), not a lifetime ('a).
            let end = if c.get(i + 1) == Some(&'\\') {
                (i + 2..c.len().min(i + 12)).find(|&j| c[j] == '\'')
            } else {
                (c.get(i + 2) == Some(&'\'')).then_some(i + 2)
            };
            match end {
                Some(e) => {
                    i = e + 1;
                    out.push_str("' '");
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The top-level modules a file names through `crate::`.
fn used_modules(text: &str) -> BTreeSet<String> {
    let text = strip(text);
    let mut used = BTreeSet::new();
    let word = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    for (at, _) in text.match_indices("crate::") {
        if at > 0 && text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::{c, d}, e}`: the first name of each item at depth 0.
            let (mut depth, mut start) = (0, true);
            for (k, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        used.insert(word(&group[k..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            used.insert(word(rest));
        }
    }
    used
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn modules_use_only_modules_declared_above_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let order = declared_order(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let rank: BTreeMap<&str, usize> = order.iter().enumerate().map(|(i, m)| (m.as_str(), i)).collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        assert!(rank.contains_key(module.as_str()), "src/{} is not declared in lib.rs", rel.display());
        let text = std::fs::read_to_string(f).unwrap();
        for used in used_modules(&text) {
            if used != module && rank.contains_key(used.as_str()) {
                edges.entry(module.clone()).or_default().insert(used);
            }
        }
    }
    assert!(edges.len() > 10, "the import scan found almost nothing: {edges:?}");
    let upward: Vec<String> = edges
        .iter()
        .flat_map(|(m, used)| {
            used.iter().filter(|u| rank[u.as_str()] > rank[m.as_str()]).map(move |u| format!("{m} -> {u}"))
        })
        .collect();
    assert!(
        upward.is_empty(),
        "these modules use modules that src/lib.rs declares below them (see ARCHITECTURE.md, \
         \"Dependency rule\"; `python3 .ci/import-cycles.py` shows the whole map):\n  {}",
        upward.join("\n  ")
    );
}

#[test]
fn the_import_scan_sees_groups_and_skips_comments_and_strings() {
    let text = r##"
        use crate::a::X;
        use crate::{b, c::{D, E}, self_};
        // use crate::commented;
        /* crate::blocked /* nested */ crate::still */
        let s = "crate::quoted"; let r = r#"crate::raw"#; let c = '"'; fn f<'x>() {}
        let v = crate::inline::call();
    "##;
    let found: Vec<String> = used_modules(text).into_iter().collect();
    assert_eq!(found, ["a", "b", "c", "inline", "self_"]);
}
