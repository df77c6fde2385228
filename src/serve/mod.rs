//! `innobieb serve`: build in memory, serve on 127.0.0.1, rebuild on change.
//!
//! The served site is the in-memory result of `pipeline::Rebuilder`: the stages that
//! `build` runs, with caches (unchanged files are not parsed or rendered again) and a
//! local base URL. A failed rebuild keeps the last good
//! version online and shows the errors in the terminal and as a browser overlay.
//! Live reload uses Server-Sent Events; the script is injected into served
//! HTML responses only, never into `build` output.

pub mod classify;
pub mod http;
pub mod state;

use crate::console::{EXIT_INTERNAL, Verbosity, print_diagnostics, print_timings};
use crate::pipeline::Rebuilder;
use notify::{RecursiveMode, Watcher};
use state::{Shared, errors_json};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: String,
    pub port: u16,
    pub watch: bool,
    pub drafts: bool,
    pub open: bool,
    pub verbosity: Verbosity,
}

/// Runs the server until the process is stopped. Returns an exit code on startup failure.
pub fn run(opts: ServeOptions) -> i32 {
    let ip: IpAddr = match opts.bind.parse() {
        Ok(ip) => ip,
        Err(_) => {
            eprintln!("error: `{}` is not an IP address (use for example 127.0.0.1)", opts.bind);
            return EXIT_INTERNAL;
        }
    };
    if !ip.is_loopback() {
        eprintln!("warning: listening on {ip}: anyone on your network can open this preview");
    }
    let listener = match std::net::TcpListener::bind((ip, opts.port)) {
        Ok(l) => l,
        Err(e) => {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                eprintln!(
                    "error: port {} is already in use; stop the other server or choose another port with --port",
                    opts.port
                );
            } else {
                eprintln!("error: cannot listen on {ip}:{}: {e}", opts.port);
            }
            return EXIT_INTERNAL;
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(opts.port);
    let host = if ip.is_unspecified() { "127.0.0.1".to_string() } else { ip.to_string() };
    let host = if host.contains(':') { format!("[{host}]") } else { host };
    let base_url = format!("http://{host}:{port}/");
    // Watch before the first build, so that nothing saved from now on is missed.
    let (tx, rx) = std::sync::mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = if opts.watch {
        match notify::recommended_watcher(tx) {
            Ok(mut w) => {
                watch_all(&mut w, &opts.root);
                Some(w)
            }
            Err(e) => {
                eprintln!("error: cannot watch files: {e}");
                return EXIT_INTERNAL;
            }
        }
    } else {
        None
    };
    let shared = Arc::new(Shared::new(&opts.root));
    let mut session = Session {
        pipeline: Rebuilder::new(opts.root.clone(), base_url.clone(), opts.drafts),
        shared: shared.clone(),
        search: SearchWorker::start(shared.clone()),
        verbosity: opts.verbosity,
    };
    session.rebuild(false, None);
    println!("Serving {} at {base_url} (Ctrl-C to stop)", opts.root.display());

    {
        let shared = shared.clone();
        // Requests to a loopback address must name it (DNS rebinding sends another name).
        let policy = http::Policy { bound: host.clone(), check_host: ip.is_loopback() };
        let spawned = std::thread::Builder::new()
            .name("innobieb-http".into())
            .spawn(move || http::serve(listener, shared, policy));
        if let Err(e) = spawned {
            eprintln!("error: cannot start the HTTP server: {e}");
            return EXIT_INTERNAL;
        }
    }
    if opts.open {
        open_browser(&base_url);
    }
    match watcher.as_mut() {
        Some(w) => watch_loop(w, &rx, &opts.root, &mut session),
        None => loop {
            std::thread::park();
        },
    }
}

/// Watches the site root (for site.yaml and new folders) and the folders a build reads.
fn watch_all(w: &mut notify::RecommendedWatcher, root: &Path) {
    let _ = w.watch(root, RecursiveMode::NonRecursive);
    for dir in ["content", "templates", "static", "themes"] {
        let p = root.join(dir);
        if p.is_dir() {
            let _ = w.watch(&p, RecursiveMode::Recursive);
        }
    }
}

/// What a rebuild needs, kept between rebuilds: the pipeline's caches, what is served,
/// the search index's worker.
struct Session {
    pipeline: Rebuilder,
    shared: Arc<Shared>,
    search: SearchWorker,
    verbosity: Verbosity,
}

fn watch_loop(
    watcher: &mut notify::RecommendedWatcher,
    rx: &std::sync::mpsc::Receiver<notify::Result<notify::Event>>,
    root: &Path,
    session: &mut Session,
) -> i32 {
    let root_abs = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    while let Some(paths) = next_batch(rx) {
        let mut changes = classify::classify(&root_abs, &paths);
        if changes.is_empty() {
            let abs: Vec<PathBuf> = paths.iter().map(|p| p.canonicalize().unwrap_or_else(|_| p.clone())).collect();
            changes = classify::classify(&root_abs, &abs);
            if changes.is_empty() {
                continue;
            }
        }
        if changes.layout {
            watch_all(watcher, root);
        }
        // The watcher saw these change: read them again whatever their stamps say.
        let content = root_abs.join("content");
        let mut content_files = Vec::new();
        for p in &paths {
            let p = p.canonicalize().unwrap_or_else(|_| p.clone());
            if let Ok(rel) = p.strip_prefix(&content) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                session.pipeline.forget(&rel);
                if !rel.rsplit('/').next().is_some_and(crate::load::is_ignored_name) {
                    content_files.push(rel);
                }
            }
        }
        if changes.config {
            session.pipeline.reset();
            session.shared.read_language();
        }
        // Only Markdown files changed: the pipeline may patch the last build.
        let only_pages = !(changes.config
            || changes.templates
            || changes.statics
            || changes.layout
            || content_files.is_empty()
            || content_files.iter().any(|f| !f.ends_with(".md")));
        session.rebuild(changes.css_only, only_pages.then_some(content_files.as_slice()));
    }
    0
}

/// Waits for the next burst of changes and returns its paths. Editors save in
/// bursts and `git checkout` touches many files: a burst ends after a short quiet
/// spell (or a maximum wait), so it becomes one rebuild. Reads (`Access` events,
/// which the build itself causes) are not changes.
fn next_batch(rx: &std::sync::mpsc::Receiver<notify::Result<notify::Event>>) -> Option<Vec<PathBuf>> {
    const QUIET: Duration = Duration::from_millis(10);
    const MAX_WAIT: Duration = Duration::from_millis(400);
    let is_change = |e: &notify::Event| !matches!(e.kind, notify::EventKind::Access(_));
    let mut paths = Vec::new();
    loop {
        match rx.recv() {
            Ok(Ok(e)) if is_change(&e) => {
                paths.extend(e.paths);
                break;
            }
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
    let start = Instant::now();
    while start.elapsed() < MAX_WAIT {
        match rx.recv_timeout(QUIET) {
            Ok(Ok(e)) if is_change(&e) => paths.extend(e.paths),
            Ok(_) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    }
    paths.sort();
    paths.dedup();
    Some(paths)
}

/// How long the site must be left alone before the search index is rebuilt: 1.5 s, or
/// `INNOBIEB_SEARCH_QUIET_MS` (the tests use a short spell).
fn search_quiet() -> Duration {
    let ms = std::env::var("INNOBIEB_SEARCH_QUIET_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(1500);
    Duration::from_millis(ms)
}

/// The newest index request (site version and inputs) and its signal.
type Pending = Arc<(std::sync::Mutex<Option<(u64, crate::search::Deferred)>>, std::sync::Condvar)>;

/// Builds search indexes one at a time on its own thread. Requests that arrive while it
/// works replace each other: only the newest version is indexed next.
struct SearchWorker {
    pending: Pending,
}

impl SearchWorker {
    fn start(shared: Arc<Shared>) -> SearchWorker {
        let pending: Pending = Default::default();
        let queue = pending.clone();
        let quiet = search_quiet();
        std::thread::spawn(move || {
            lower_priority();
            // The shards of the last index: only those whose records changed are built again.
            let mut shards = crate::search::ShardCache::default();
            loop {
                let (version, job) = {
                    let (lock, ready) = &*queue;
                    let Ok(mut slot) = lock.lock() else { return };
                    // Wait for a request, then for a quiet spell: while an editor keeps saving,
                    // the index (a full, serial Pagefind run) would only compete with the rebuilds.
                    loop {
                        if slot.is_some() {
                            let (s, timeout) = match ready.wait_timeout(slot, quiet) {
                                Ok(r) => r,
                                Err(_) => return,
                            };
                            slot = s;
                            if timeout.timed_out() {
                                break slot.take().expect("checked above");
                            }
                        } else {
                            slot = match ready.wait(slot) {
                                Ok(s) => s,
                                Err(_) => return,
                            };
                        }
                    }
                };
                match job.build_reusing(&mut shards) {
                    Ok(files) => {
                        if shared.publish_search(version, files) {
                            shared.broadcast(&serde_json::json!({ "type": "search", "version": version }));
                        }
                    }
                    Err(d) => eprintln!("{}", d.render()),
                }
            }
        });
        SearchWorker { pending }
    }

    fn request(&self, version: u64, job: crate::search::Deferred) {
        let (lock, ready) = &*self.pending;
        if let Ok(mut slot) = lock.lock() {
            *slot = Some((version, job));
            ready.notify_one();
        }
    }
}

impl Session {
    /// Rebuilds and publishes; on failure keeps the last good version and reports.
    /// `changed`: the Markdown files the watcher reported, when nothing else changed.
    fn rebuild(&mut self, css_only: bool, changed: Option<&[String]>) {
        let (shared, search_worker, verbosity) = (&self.shared, &self.search, self.verbosity);
        let start = Instant::now();
        match self.pipeline.rebuild(changed) {
            Ok(built) => {
                let pages = built.page_count;
                let timings = built.timings.clone();
                let rendered: usize = built.template_metrics.iter().map(|m| m.2).sum();
                let patched = built.patch;
                let diff =
                    if built.patch { shared.publish_patch(built.outputs) } else { shared.publish(built.outputs) };
                let version = shared.snapshot().version;
                // Open tabs reload everything only when pages disappeared or very many changed.
                let all =
                    diff.changed.len() > 500 || diff.removed.iter().any(|p| p.ends_with('/') || p.ends_with(".html"));
                shared.broadcast(&serde_json::json!({
                    "type": "built",
                    "version": version,
                    "paths": if all { Vec::new() } else { diff.changed.clone() },
                    "all": all,
                    "css_only": css_only,
                }));
                // The search index is slow to build (Pagefind is serial): it never holds up the
                // reload. One worker builds it, always for the newest version waiting.
                if let Some(search) = built.search {
                    search_worker.request(version, search);
                }
                if verbosity >= Verbosity::Normal {
                    println!(
                        "Built {pages} pages in {:.0} ms ({} files changed)",
                        start.elapsed().as_secs_f64() * 1000.0,
                        diff.changed.len() + diff.removed.len()
                    );
                }
                // Warnings (missing translations, `unknown_fields: warn`) are shown on every build.
                crate::console::print_warnings(&built.warnings, false);
                print_timings(&timings, verbosity);
                if verbosity == Verbosity::Verbose {
                    eprintln!("  ({rendered} pages rendered{})", if patched { ", patched" } else { "" });
                }
            }
            Err(failed) => {
                print_diagnostics(&failed.diagnostics);
                eprintln!("The last good version is still being served.");
                shared.set_errors(failed.diagnostics.clone());
                shared.broadcast(&serde_json::json!({ "type": "errors", "errors": errors_json(&failed.diagnostics) }));
            }
        }
    }
}

/// Lets rebuilds win the CPU from the search worker: on Linux the nice value belongs to
/// the thread (and the threads it starts inherit it). Elsewhere nothing changes.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its arguments; 0 names the calling thread on Linux.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(cmd).arg(url).spawn() {
        eprintln!("warning: could not open a browser ({e}); open {url} yourself");
    }
}
