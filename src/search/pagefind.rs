//! The Pagefind adapter: records in, the index files out (under `pagefind/`). Only this
//! module knows Pagefind's API; it is compiled with the `search` feature.

use super::{OUTPUT_DIR, Record};
use crate::diagnostic::Diagnostic;
use crate::output::{Output, OutputData};
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use std::sync::Arc;

/// Files of Pagefind's bundle that only its own ready-made UIs use; `zoeken.js`
/// talks to `pagefind.js` directly, so these are not written.
const UNUSED: &[&str] = &[
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
];

pub(super) fn files(language: &str, records: Vec<Arc<Record>>) -> Result<Vec<Output>, Diagnostic> {
    // Pagefind reads the working directory when it starts (and unwraps the result).
    if let Err(e) = std::env::current_dir() {
        return Err(failed(format!("the current directory is not readable: {e}")));
    }
    let language = language.to_string();
    // Pagefind unwraps in places; a panic in it must not take the build (or `serve`) down.
    let result = std::panic::catch_unwind(move || run(&language, records));
    match result {
        Ok(Ok(files)) => Ok(files),
        Ok(Err(e)) => Err(failed(e)),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown error".into());
            Err(failed(format!("Pagefind panicked: {msg}")))
        }
    }
}

fn failed(detail: String) -> Diagnostic {
    Diagnostic::new(format!("cannot build the search index: {detail}"))
        .with_help("set `search: { enabled: false }` in site.yaml to build without search")
}

/// An error with its causes (`{:#}` on an `anyhow::Error`).
fn pf(e: impl std::fmt::Display) -> String {
    format!("{e:#}")
}

fn run(language: &str, records: Vec<Arc<Record>>) -> Result<Vec<Output>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("cannot start the indexing runtime: {e}"))?;
    runtime.block_on(async {
        let config = PagefindServiceConfig::builder().force_language(language.to_string()).build();
        let mut index = PagefindIndex::new(Some(config)).map_err(pf)?;
        // One at a time, in page order: the page numbers in the index follow this order.
        for r in records {
            let r = Arc::unwrap_or_clone(r);
            index
                .add_custom_record(r.url, r.content, language.to_string(), Some(r.meta), Some(r.filters), Some(r.sort))
                .await
                .map_err(pf)?;
        }
        let files = index.get_files().await.map_err(pf)?;
        let mut outputs = Vec::with_capacity(files.len());
        for f in files {
            let rel = f.filename.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            if UNUSED.contains(&rel.as_str()) || rel.starts_with("playground/") {
                continue;
            }
            outputs.push(Output { path: format!("{OUTPUT_DIR}/{rel}"), data: OutputData::Bytes(f.contents) });
        }
        outputs.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(outputs)
    })
}
