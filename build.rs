//! Embeds the built-in default theme (`themes/default/`) into the binary: every file
//! under it becomes an entry of `DEFAULT_THEME` (see `src/theme.rs`). The theme stays a
//! plain folder in the repository, editable and testable like any other theme.

use std::path::Path;

fn main() {
    // Read at run time, not with env!(), which fixes the path when the build script is
    // compiled: once, with a target folder shared by two checkouts (a git worktree), that
    // embedded an empty theme. The assert below makes such a build fail instead.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("themes/default");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    assert!(
        files.iter().any(|f| f.starts_with("templates/")),
        "the built-in theme is missing: no templates under {}",
        root.display()
    );
    let mut out = String::from("&[\n");
    for rel in &files {
        let abs = root.join(rel);
        println!("cargo:rerun-if-changed={}", abs.display());
        out.push_str(&format!("    ({rel:?}, include_bytes!({:?}) as &[u8]),\n", abs.display().to_string()));
    }
    out.push_str("]\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("default_theme.rs");
    std::fs::write(dest, out).expect("write the embedded theme list");
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            collect(base, &p, out);
        } else if let Ok(rel) = p.strip_prefix(base) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}
