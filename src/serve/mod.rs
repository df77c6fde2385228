//! `innobieb serve`: build in memory, serve on 127.0.0.1, rebuild on change.
//!
//! The served site is the in-memory result of `pipeline::Rebuilder`: the stages that
//! `build` runs, with caches (unchanged files are not parsed or rendered again) and a
//! local base URL. A failed rebuild keeps the last good
//! version online and shows the errors in the terminal and as a browser overlay.
//! Live reload uses Server-Sent Events; the script is injected into served
//! HTML responses only, never into `build` output.
//!
//! One thread (the watch loop) owns the `Rebuilder`. When an edit changes many pages (a
//! title shown on hundreds of them), a rebuild renders only the pages open in a browser,
//! publishes, and leaves the rest pending: a thread of the watch loop renders them while the
//! loop answers requests for pending pages (`Message::Render`) by rendering those at once. A
//! request is answered with the page of the version published when it asked, or of a later
//! one. If a pending page fails to render, or the next build fails before the pending pages
//! are done, the last version whose pages all rendered is served again, with the problems.

pub mod classify;
pub mod http;
pub mod state;

use crate::console::{EXIT_INTERNAL, Verbosity, print_diagnostics, print_timings};
use crate::pipeline::Rebuilder;
use notify::{RecursiveMode, Watcher};
use state::{Message, Shared, State, errors_json};
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
    // Watch before the first build, so that nothing saved from now on is missed. File
    // changes and requests for pending pages reach the watch loop through one channel.
    let (tx, rx) = std::sync::mpsc::channel::<Message>();
    let files = tx.clone();
    let mut watcher = if opts.watch {
        match notify::recommended_watcher(move |e| {
            let _ = files.send(Message::Files(e));
        }) {
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
        late: None,
        stash: None,
        waiting: Vec::new(),
    };
    // Without watching there are no rebuilds: every page is rendered by the first build.
    if opts.watch {
        session.pipeline.defer_rendering(render_now());
        shared.set_renderer(tx);
    } else {
        drop(tx);
    }
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
    /// While pages of the last build are still to render.
    late: Option<Late>,
    /// The first change of a burst that stopped the rendering of pending pages.
    stash: Option<Vec<PathBuf>>,
    /// Requests for pending pages that came while a burst of changes was collected: answered
    /// by the build that follows (rendered first if they are still pending then).
    waiting: Vec<(String, std::sync::mpsc::SyncSender<()>)>,
}

/// Pages of the last build being rendered after it was published.
struct Late {
    started: Instant,
    rendered: usize,
    changed: usize,
    /// The last version whose pages all rendered: served again if one of these fails.
    good: Arc<State>,
}

/// Up to how many changed pages a rebuild renders before it is published: 64 (about 10 ms
/// of work), or `INNOBIEB_RENDER_NOW` (0: leave every page but the open ones for later).
/// More, and only the pages open in a browser are rendered at once.
fn render_now() -> usize {
    std::env::var("INNOBIEB_RENDER_NOW").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

fn is_change(e: &notify::Event) -> bool {
    !matches!(e.kind, notify::EventKind::Access(_))
}

fn watch_loop(
    watcher: &mut notify::RecommendedWatcher,
    rx: &std::sync::mpsc::Receiver<Message>,
    root: &Path,
    session: &mut Session,
) -> i32 {
    let root_abs = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    loop {
        let first = match session.stash.take() {
            Some(paths) => paths,
            // Pending pages are rendered until something else is to be done.
            None if session.pipeline.pending() > 0 => {
                if !session.render_later(rx) {
                    return 0;
                }
                continue;
            }
            None => {
                // Nothing is pending: every page is as new as it gets.
                for (path, answer) in std::mem::take(&mut session.waiting) {
                    session.shared.publish_later(Vec::new(), &[path]);
                    let _ = answer.send(());
                }
                match rx.recv() {
                    Ok(Message::Render(path, answer)) => {
                        session.shared.publish_later(Vec::new(), &[path]);
                        let _ = answer.send(());
                        continue;
                    }
                    Ok(Message::Files(Ok(e))) if is_change(&e) => e.paths,
                    Ok(Message::Files(_)) => continue,
                    Err(_) => return 0,
                }
            }
        };
        let Some(mut paths) = next_batch(first, rx, session) else { return 0 };
        let content = root_abs.join("content");
        paths = paths.into_iter().map(|p| under_root(p, &root_abs)).collect();
        paths.retain(|p| !is_transient(p, &content, &session.pipeline));
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
}

/// `path` under the canonical `root`: the watcher reports paths as it was given them (a
/// symbolic link or `..` in `--root` stays), and a file that is gone has no canonical path of
/// its own, so its folder's is taken.
fn under_root(path: PathBuf, root: &Path) -> PathBuf {
    if path.starts_with(root) {
        return path;
    }
    let in_folder = || Some(path.parent()?.canonicalize().ok()?.join(path.file_name()?));
    in_folder().unwrap_or(path)
}

/// Whether a changed path (under the canonical root) changed nothing: a file in `content/`
/// that is gone again, does not end in `.md` and was not there for the last build, such as
/// the temporary files editors save through (vim's `4913`, JetBrains' `x.md___jb_tmp___`).
/// Without it, the save of one page would never be patched.
fn is_transient(path: &Path, content: &Path, pipeline: &Rebuilder) -> bool {
    let Ok(rel) = path.strip_prefix(content) else { return false };
    let rel = rel.to_string_lossy().replace('\\', "/");
    std::fs::symlink_metadata(path).is_err()
        && !rel.is_empty()
        && !rel.ends_with(".md")
        && !pipeline.gone_may_matter(&rel)
}

/// Collects the burst of changes that began with `first` and returns its paths. Editors
/// save in bursts and `git checkout` touches many files: a burst ends after a short quiet
/// spell (or a maximum wait), so it becomes one rebuild. Reads (`Access` events, which the
/// build itself causes) are not changes. Requests for pending pages are answered meanwhile.
fn next_batch(
    first: Vec<PathBuf>,
    rx: &std::sync::mpsc::Receiver<Message>,
    session: &mut Session,
) -> Option<Vec<PathBuf>> {
    const QUIET: Duration = Duration::from_millis(10);
    const MAX_WAIT: Duration = Duration::from_millis(400);
    let mut paths = first;
    let start = Instant::now();
    // Only file changes make the burst longer; requests for pending pages wait for the build.
    let mut quiet_until = start + QUIET;
    while start.elapsed() < MAX_WAIT {
        match rx.recv_timeout(quiet_until.saturating_duration_since(Instant::now())) {
            Ok(Message::Files(Ok(e))) if is_change(&e) => {
                paths.extend(e.paths);
                quiet_until = Instant::now() + QUIET;
            }
            Ok(Message::Render(path, answer)) => session.waiting.push((path, answer)),
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
        let open = shared.open_pages();
        // The last version whose pages all rendered (this one, unless it still has pending pages).
        let late = self.late.take();
        let good = late.as_ref().map_or_else(|| shared.snapshot(), |l| l.good.clone());
        match self.pipeline.rebuild(changed, &open) {
            Ok(built) => {
                let pages = built.page_count;
                let timings = built.timings.clone();
                let rendered: usize = built.template_metrics.iter().map(|m| m.2).sum();
                let patched = built.patch;
                let pending = built.pending.len();
                let diff = if built.patch {
                    shared.publish_patch(built.outputs, built.pending)
                } else {
                    shared.publish(built.outputs, built.pending, built.search.is_some())
                };
                if pending > 0 {
                    self.late = Some(Late { started: Instant::now(), rendered: 0, changed: 0, good });
                }
                // Open tabs reload everything only when pages disappeared or very many changed.
                let all =
                    diff.changed.len() > 500 || diff.removed.iter().any(|p| p.ends_with('/') || p.ends_with(".html"));
                let version = announce_built(shared, if all { &[] } else { &diff.changed }, all, css_only);
                // The search index is slow to build (Pagefind is serial): it never holds up the
                // reload. One worker builds it, always for the newest version waiting.
                if let Some(search) = built.search {
                    search_worker.request(version, search);
                }
                if verbosity >= Verbosity::Normal {
                    let later = if pending > 0 { format!(", {pending} pages still rendering") } else { String::new() };
                    println!(
                        "Built {pages} pages in {:.0} ms ({} files changed{later})",
                        start.elapsed().as_secs_f64() * 1000.0,
                        diff.changed.len() + diff.removed.len()
                    );
                }
                // Warnings (missing translations, `unknown_fields: warn`) are shown on every build.
                crate::console::print_warnings(&built.warnings, false);
                print_timings(&timings, verbosity);
                if verbosity == Verbosity::Verbose {
                    let later = if pending > 0 { format!(", {pending} left for later") } else { String::new() };
                    eprintln!("  ({rendered} pages rendered{}{later})", if patched { ", patched" } else { "" });
                }
            }
            Err(failed) => {
                if late.is_some() {
                    // Pages of the version served were still pending: the version before it,
                    // whole, is the last good one.
                    shared.restore(&good, failed.diagnostics.clone());
                    self.pipeline.start_over();
                    announce_built(shared, &[], true, false);
                } else {
                    shared.set_errors(failed.diagnostics.clone());
                }
                report_failure(shared, &failed.diagnostics);
            }
        }
    }

    /// Renders pending pages and publishes them as they are done (tabs showing one that
    /// changed reload), answering requests for pending pages at once, until none is left or
    /// a file changes (kept in `stash`). After the last one: done, or (when some failed) the
    /// last good version is served again with the problems. False when the channel closed.
    fn render_later(&mut self, rx: &std::sync::mpsc::Receiver<Message>) -> bool {
        use std::sync::atomic::AtomicBool;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::mpsc::RecvTimeoutError;
        let (shared, stash) = (&self.shared, &mut self.stash);
        let (rendered, changed) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let good = self.late.as_ref().map(|l| l.good.clone());
        let restored = AtomicBool::new(false);
        let publish = |outputs: Vec<crate::output::Output>, paths: Vec<String>, failed: bool| {
            if failed {
                // A page of this version failed: the version before comes back at once, and
                // the pages rendered from now on only collect the problems.
                if !restored.swap(true, Ordering::Relaxed) {
                    if let Some(good) = &good {
                        shared.restore(good, Vec::new());
                        announce_built(shared, &[], true, false);
                    }
                }
                return;
            }
            rendered.fetch_add(outputs.len(), Ordering::Relaxed);
            let diff = shared.publish_later(outputs, &paths);
            if !diff.changed.is_empty() {
                changed.fetch_add(diff.changed.len(), Ordering::Relaxed);
                announce_built(shared, &diff.changed, false, false);
            }
        };
        let mut waiting = std::mem::take(&mut self.waiting).into_iter();
        let mut open = true;
        let result = self.pipeline.render_later(&publish, |now| {
            if let Some((path, answer)) = waiting.next() {
                now(&path);
                let _ = answer.send(());
                return true;
            }
            match rx.recv_timeout(Duration::from_millis(2)) {
                Ok(Message::Render(path, answer)) => {
                    now(&path);
                    let _ = answer.send(());
                    true
                }
                Ok(Message::Files(Ok(e))) if is_change(&e) => {
                    *stash = Some(e.paths);
                    false
                }
                Ok(Message::Files(_)) | Err(RecvTimeoutError::Timeout) => true,
                Err(RecvTimeoutError::Disconnected) => {
                    open = false;
                    false
                }
            }
        });
        self.waiting.extend(waiting);
        if restored.into_inner() {
            // What is served is no longer what the last build made.
            self.pipeline.start_over();
        }
        if let Some(late) = self.late.as_mut() {
            late.rendered += rendered.into_inner();
            late.changed += changed.into_inner();
        }
        let Some(failed) = result else { return open };
        let Some(late) = self.late.take() else { return open };
        if failed.is_empty() {
            if self.verbosity >= Verbosity::Normal {
                println!(
                    "Rendered {} more pages in {:.0} ms ({} files changed)",
                    late.rendered,
                    late.started.elapsed().as_secs_f64() * 1000.0,
                    late.changed
                );
            }
        } else {
            self.shared.restore(&late.good, failed.clone());
            report_failure(&self.shared, &failed);
        }
        open
    }
}

/// Tells the open tabs what the version now served changed: the tabs showing one of
/// `paths` reload (all of them with `all`; only their stylesheets with `css_only`).
/// Returns the version.
fn announce_built(shared: &Shared, paths: &[String], all: bool, css_only: bool) -> u64 {
    let state = shared.snapshot();
    shared.broadcast(&serde_json::json!({
        "type": "built",
        "version": state.version,
        "revision": state.revision,
        "paths": paths,
        "all": all,
        "css_only": css_only,
    }));
    state.version
}

/// Reports a failed build (or pages that failed after it was published) in the terminal and
/// to the open tabs; what is served was settled by the caller.
fn report_failure(shared: &Shared, problems: &[crate::diagnostic::Diagnostic]) {
    print_diagnostics(problems);
    eprintln!("The last good version is still being served.");
    shared.broadcast(&serde_json::json!({ "type": "errors", "errors": errors_json(problems) }));
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
