//! Shared test helpers. See tests/README.md.
//! `site`: throw-away sites built with the real binary; `http`: a running `innobieb serve`;
//! `server`: a static file server; `browser`: a headless-Chromium (DevTools) client.
#![allow(dead_code)]

pub mod browser;
pub mod http;
pub mod server;
pub mod site;

#[allow(unused_imports)] // not every test binary uses both names
pub use site::{Run, TestSite as Fixture};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty folder under the system temp folder (`/tmp/innobieb-<what>-<pid>-<n>`).
pub fn temp_dir(what: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("innobieb-{what}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// A path in the repository (`themes/innovatiebieb/static/zoeken.js`).
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}
