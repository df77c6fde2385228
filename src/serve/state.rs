//! What the dev server serves: the last good build in memory, the current
//! errors, and the subscribers to live-reload events. Held behind one `Shared`
//! handle (no globals), swapped whole after each rebuild. Pages a rebuild left for later
//! are marked pending: a request for one asks the build thread to render it first.

use crate::diagnostic::Diagnostic;
use crate::hash::hash_of as hash;
use crate::output::{Output, OutputData};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub enum Served {
    Bytes(Arc<Vec<u8>>),
    /// A static file or asset, read at request time.
    File(Captured),
}

/// A file the build copied, as the build saw it: served only while its path still leads
/// to the same real file inside the site, so a file replaced by a link to something
/// outside (which the next rebuild rejects) is never served from the last good version.
#[derive(Debug, Clone)]
pub struct Captured {
    path: PathBuf,
    /// The real path when the build captured it, if it was inside the site.
    real: Option<PathBuf>,
}

impl Captured {
    fn new(path: PathBuf, root: &Path) -> Captured {
        let real = path.canonicalize().ok().filter(|r| r.starts_with(root));
        Captured { path, real }
    }

    /// The file's bytes, or `None` when it is gone or no longer the file the build saw.
    pub fn read(&self) -> Option<Vec<u8>> {
        use std::io::Read;
        let real = self.path.canonicalize().ok()?;
        if self.real.as_ref() != Some(&real) {
            return None;
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        // The last step may not have become a link since it was resolved just now.
        #[cfg(target_os = "linux")]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
        let mut file = options.open(&real).ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).ok()?;
        Some(bytes)
    }
}

/// One consistent version of the site.
#[derive(Debug, Default, Clone)]
pub struct State {
    pub files: HashMap<String, Served>,
    /// Content hash per path, to tell which files a rebuild changed.
    pub hashes: HashMap<String, u64>,
    /// Output paths of pages this version has not rendered yet (`Rebuilder::render_later`):
    /// `files` holds what an earlier version made of them, if anything.
    pub pending: HashSet<String>,
    pub errors: Vec<Diagnostic>,
    /// The build this version is (the search worker publishes an index for one build).
    pub version: u64,
    /// Counts every change of what is served, pages rendered later too: a tab that
    /// reconnects reloads when it differs from the one it saw.
    pub revision: u64,
}

impl State {
    /// Whether this version has a file at `path` (rendered or still pending).
    pub fn has(&self, path: &str) -> bool {
        self.files.contains_key(path) || self.pending.contains(path)
    }
}

/// What wakes `serve`'s build thread.
pub enum Message {
    /// A file change the watcher saw.
    Files(notify::Result<notify::Event>),
    /// A request for a page that is still pending: render it now (if it is still left for
    /// later), publish it, then answer.
    Render(String, std::sync::mpsc::SyncSender<()>),
}

#[derive(Default)]
pub struct Shared {
    state: RwLock<Arc<State>>,
    /// Open event streams, with the output path of the page each one shows.
    subscribers: Mutex<Vec<(mpsc::UnboundedSender<String>, String)>>,
    /// Where requests for pending pages go (the build thread).
    renderer: Mutex<Option<std::sync::mpsc::Sender<Message>>>,
    /// The site's real root: served static files must stay inside it.
    root: PathBuf,
    /// The live-reload script, with the error overlay's texts in the site's language.
    script: RwLock<Arc<str>>,
}

/// What changed between two versions.
#[derive(Debug, Default)]
pub struct Diff {
    /// URL paths of changed or new pages (`/a/`), and other changed files (`/style.css`).
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

impl Shared {
    pub fn new(root: &Path) -> Shared {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let shared = Shared { root, ..Shared::default() };
        shared.read_language();
        shared
    }

    /// Reads the site's language again (at the start, and when site.yaml changed), so that
    /// the error overlay speaks it; English while site.yaml cannot be read.
    pub fn read_language(&self) {
        let i18n = crate::config::Config::load(&self.root)
            .map(|c| c.i18n.clone())
            .unwrap_or_else(|_| std::sync::Arc::new(crate::i18n::Translations::english()));
        let text = |k: &str| i18n.t(&format!("overlay.{k}"), &[]);
        let texts = serde_json::json!({
            "one": text("one_problem"),
            "many": i18n.t("overlay.problems", &[("count", "{count}".into())]),
            "close": text("close"),
            "fix": text("how_to_fix"),
            "label": text("label"),
            "lang": i18n.language,
        });
        let script = format!("window.INNOBIEB_TEXTS = {texts};\n{}", super::http::SCRIPT);
        if let Ok(mut s) = self.script.write() {
            *s = script.into();
        }
    }

    /// The live-reload script (with the overlay's texts).
    pub fn script(&self) -> Arc<str> {
        self.script.read().map(|s| s.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }

    pub fn snapshot(&self) -> Arc<State> {
        self.state.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Sends requests for pending pages to `renderer`.
    pub fn set_renderer(&self, renderer: std::sync::mpsc::Sender<Message>) {
        if let Ok(mut r) = self.renderer.lock() {
            *r = Some(renderer);
        }
    }

    /// Asks the build thread to render the pending page at `path` now. The answer comes once
    /// it is published (or was not pending any more); `None` without a build thread.
    pub fn request_render(&self, path: &str) -> Option<std::sync::mpsc::Receiver<()>> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let renderer = self.renderer.lock().ok()?.clone()?;
        renderer.send(Message::Render(path.to_string(), tx)).ok()?;
        Some(rx)
    }

    /// Installs a successful build; returns what changed. `pending`: output paths of pages
    /// it left for later; they keep what the last version served until they are rendered.
    /// `index_follows`: the build's search index is being made; until it is published, the
    /// last one is served (not none).
    pub fn publish(&self, outputs: Vec<Output>, pending: Vec<String>, index_follows: bool) -> Diff {
        let hashed = self.prepare(outputs);
        let mut diff = Diff::default();
        let mut files = HashMap::with_capacity(hashed.len());
        let mut hashes = HashMap::with_capacity(hashed.len());
        let Ok(mut guard) = self.state.write() else { return diff };
        for (path, served, h) in hashed {
            if guard.hashes.get(&path) != Some(&h) {
                diff.changed.push(url_of(&path));
            }
            files.insert(path.clone(), served);
            hashes.insert(path, h);
        }
        let pending: HashSet<String> = pending.into_iter().collect();
        let index = format!("{}/", crate::search::OUTPUT_DIR);
        let kept = guard.files.keys().filter(|p| pending.contains(*p) || (index_follows && p.starts_with(&index)));
        let kept: Vec<String> = kept.filter(|p| !files.contains_key(*p)).cloned().collect();
        for path in kept {
            if let (Some(f), Some(&h)) = (guard.files.get(&path), guard.hashes.get(&path)) {
                files.insert(path.clone(), f.clone());
                hashes.insert(path, h);
            }
        }
        for path in guard.hashes.keys() {
            if !hashes.contains_key(path) && !pending.contains(path) {
                diff.removed.push(url_of(path));
            }
        }
        diff.changed.sort();
        diff.removed.sort();
        let (version, revision) = (guard.version + 1, guard.revision + 1);
        *guard = Arc::new(State { files, hashes, pending, errors: Vec::new(), version, revision });
        diff
    }

    /// What to serve for outputs, with their hashes, in parallel (outside the lock: hashing
    /// reads the current version only to reuse known hashes).
    fn prepare(&self, outputs: Vec<Output>) -> Vec<(String, Served, u64)> {
        use rayon::prelude::*;
        let old = self.snapshot();
        outputs
            .into_par_iter()
            .map(|o| {
                let (served, h) = served(&o.path, o.data, &old, &self.root);
                (o.path, served, h)
            })
            .collect()
    }

    /// Installs the files a patched build changed (`Built::patch`); all others stay.
    /// `pending`: as for [`Shared::publish`].
    pub fn publish_patch(&self, outputs: Vec<Output>, pending: Vec<String>) -> Diff {
        let prepared = self.prepare(outputs);
        let mut diff = Diff::default();
        // Read-modify-write under the lock: a search index published meanwhile is kept.
        let Ok(mut guard) = self.state.write() else { return diff };
        let mut files = guard.files.clone();
        let mut hashes = guard.hashes.clone();
        for (path, served, h) in prepared {
            if hashes.insert(path.clone(), h) != Some(h) {
                diff.changed.push(url_of(&path));
            }
            files.insert(path, served);
        }
        diff.changed.sort();
        let (version, revision) = (guard.version + 1, guard.revision + 1);
        let pending = pending.into_iter().collect();
        *guard = Arc::new(State { files, hashes, pending, errors: Vec::new(), version, revision });
        diff
    }

    /// Installs pages the build thread rendered later (`Rebuilder::render_later`) into the
    /// current version; `paths` are no longer pending. Returns what changed.
    pub fn publish_later(&self, outputs: Vec<Output>, paths: &[String]) -> Diff {
        let prepared = self.prepare(outputs);
        let mut diff = Diff::default();
        let Ok(mut guard) = self.state.write() else { return diff };
        // In place, unless a request holds this version (then it is copied).
        let state = Arc::make_mut(&mut guard);
        for (path, served, h) in prepared {
            if state.hashes.insert(path.clone(), h) != Some(h) {
                diff.changed.push(url_of(&path));
            }
            state.files.insert(path, served);
        }
        for p in paths {
            state.pending.remove(p);
        }
        if !diff.changed.is_empty() {
            state.revision += 1;
        }
        diff.changed.sort();
        diff
    }

    /// Goes back to `before` (a version whose pages all rendered) with `errors`: a page left
    /// for later failed to render (so the version it belongs to was not good after all), or
    /// the next build failed before the pending pages were done.
    pub fn restore(&self, before: &State, errors: Vec<Diagnostic>) {
        if let Ok(mut guard) = self.state.write() {
            let (version, revision) = (guard.version + 1, guard.revision + 1);
            let (files, hashes) = (before.files.clone(), before.hashes.clone());
            *guard = Arc::new(State { files, hashes, pending: HashSet::new(), errors, version, revision });
        }
    }

    /// Replaces the search index files (under `pagefind/`) of version `version`.
    /// Returns false (and changes nothing) when a newer build has been published since.
    pub fn publish_search(&self, version: u64, files: Vec<Output>) -> bool {
        let Ok(mut guard) = self.state.write() else { return false };
        if guard.version != version {
            return false;
        }
        let prefix = format!("{}/", crate::search::OUTPUT_DIR);
        let mut next_files = guard.files.clone();
        let mut next_hashes = guard.hashes.clone();
        next_files.retain(|p, _| !p.starts_with(&prefix));
        next_hashes.retain(|p, _| !p.starts_with(&prefix));
        for o in files {
            let (served, h) = served(&o.path, o.data, &guard, &self.root);
            next_hashes.insert(o.path.clone(), h);
            next_files.insert(o.path, served);
        }
        let (errors, pending, revision) = (guard.errors.clone(), guard.pending.clone(), guard.revision);
        *guard = Arc::new(State { files: next_files, hashes: next_hashes, pending, errors, version, revision });
        true
    }

    /// Keeps the last good files and records the errors. (A build that fails while pages
    /// are pending goes back to the version before instead: `restore`.)
    /// Read and written under one lock: a search index published meanwhile is kept.
    pub fn set_errors(&self, errors: Vec<Diagnostic>) {
        if let Ok(mut guard) = self.state.write() {
            let state = Arc::make_mut(&mut guard);
            state.errors = errors;
            state.pending.clear();
        }
    }

    /// The output paths of the pages open event streams show (`index.html`, `a/index.html`).
    pub fn open_pages(&self) -> HashSet<String> {
        let Ok(subs) = self.subscribers.lock() else { return HashSet::new() };
        subs.iter().map(|(_, path)| path.clone()).collect()
    }

    /// A new event stream for a tab showing the output path `page`; it first receives the
    /// current state. `None` when too many are open.
    pub fn subscribe(&self, max: usize, page: String) -> Option<mpsc::UnboundedReceiver<String>> {
        let (tx, rx) = mpsc::unbounded_channel();
        let state = self.snapshot();
        let hello = serde_json::json!({
            "type": "hello", "version": state.version, "revision": state.revision, "errors": errors_json(&state.errors),
        });
        tx.send(hello.to_string()).ok()?;
        let mut subs = self.subscribers.lock().ok()?;
        // Closed streams are found by sending them a message they ignore.
        subs.retain(|(s, _)| s.send("{\"type\":\"ping\"}".into()).is_ok());
        if subs.len() >= max {
            return None;
        }
        subs.push((tx, page));
        Some(rx)
    }

    /// Sends a message to every open stream, dropping closed ones.
    pub fn broadcast(&self, msg: &serde_json::Value) {
        let text = msg.to_string();
        if let Ok(mut subs) = self.subscribers.lock() {
            subs.retain(|(s, _)| s.send(text.clone()).is_ok());
        }
    }
}

pub fn errors_json(errors: &[Diagnostic]) -> serde_json::Value {
    serde_json::Value::Array(
        errors
            .iter()
            .map(|d| {
                serde_json::json!({
                    "message": d.message,
                    "location": d.location(),
                    "source_line": d.source_line,
                    "help": d.help,
                    "rendered": d.render(),
                })
            })
            .collect(),
    )
}

/// What to serve for an output, and its content hash (a static file's: its path, length and
/// modification time). Bytes shared with the same path in `old` keep their known hash.
fn served(path: &str, data: OutputData, old: &State, root: &Path) -> (Served, u64) {
    match data {
        OutputData::Bytes(b) => {
            let h = hash(&b);
            (Served::Bytes(Arc::new(b)), h)
        }
        // The same bytes as last time (an unchanged page): no need to hash them again.
        OutputData::Shared(b) => match (old.files.get(path), old.hashes.get(path)) {
            (Some(Served::Bytes(prev)), Some(&h)) if Arc::ptr_eq(prev, &b) => (Served::Bytes(b), h),
            _ => {
                let h = hash(&b[..]);
                (Served::Bytes(b), h)
            }
        },
        OutputData::Copy(p) => {
            let meta = std::fs::metadata(&p).ok();
            let h = hash(&(p.clone(), meta.as_ref().map(|m| m.len()), meta.and_then(|m| m.modified().ok())));
            (Served::File(Captured::new(p, root)), h)
        }
    }
}

/// `a/index.html` -> `/a/`; `style.css` -> `/style.css`.
fn url_of(path: &str) -> String {
    match path.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn output(path: &str, text: &str) -> Output {
        Output { path: path.into(), data: OutputData::Bytes(text.as_bytes().to_vec()) }
    }

    /// The search worker publishes while the watch loop records errors: no index may be lost.
    #[test]
    fn a_search_index_published_while_errors_are_recorded_is_kept() {
        let shared = Arc::new(Shared::default());
        shared.publish(vec![output("index.html", "home")], Vec::new(), false);
        let version = shared.snapshot().version;
        let rounds = Arc::new(AtomicU64::new(0));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let errors = {
            let (shared, rounds, done) = (shared.clone(), rounds.clone(), done.clone());
            std::thread::spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    shared.set_errors(Vec::new());
                    rounds.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        let mut lost = 0;
        for i in 0..300 {
            let file = format!("pagefind/{i}.js");
            assert!(shared.publish_search(version, vec![output(&file, "x")]));
            // Wait until a `set_errors` that started after this publish has finished.
            let seen = rounds.load(Ordering::SeqCst);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while rounds.load(Ordering::SeqCst) < seen + 2 && std::time::Instant::now() < deadline {
                std::thread::yield_now();
            }
            if !shared.snapshot().files.contains_key(&file) {
                lost += 1;
            }
        }
        done.store(true, Ordering::SeqCst);
        errors.join().unwrap();
        assert_eq!(lost, 0, "search indexes lost to a concurrent set_errors");
        assert!(shared.snapshot().files.contains_key("index.html"));
    }
}
