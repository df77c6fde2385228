//! Stage 7: write the site. The only stage that writes to disk.
//!
//! The site is written into a temporary sibling folder and swapped in only when
//! everything was written, so a failed build leaves the previous output exactly
//! as it was. Invariants: nothing is written outside the output folder (every
//! path is checked here, whatever earlier stages produced); a folder that
//! innobieb did not create (it has no marker file) is never replaced or deleted.
//!
//! `Output` (one file of the built site) is defined here, and this module uses no other:
//! `render`, `search`, the pipeline and `serve` produce or hold `Output`s and hand
//! them to `Staging`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One file of the built site, relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub path: String,
    pub data: OutputData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputData {
    Bytes(Vec<u8>),
    /// Bytes shared with an earlier build (an unchanged page in `serve`).
    Shared(Arc<Vec<u8>>),
    /// A file to copy as it is (static files, page assets).
    Copy(PathBuf),
}

/// The file that marks a folder as innobieb's output.
pub const MARKER: &str = ".innobieb-output";

#[derive(Debug)]
pub enum OutputError {
    /// The output folder exists, is not empty and was not made by innobieb.
    NotOurs(PathBuf),
    /// The output folder would contain the site's own sources.
    ContainsSources(PathBuf),
    /// The output folder is inside a folder the site is read from (output, source folder).
    InsideSources(PathBuf, String),
    /// Another build of the same output folder holds the lock (its pid, the lock file).
    Locked(u32, PathBuf),
    /// A generated path tried to leave the output folder.
    UnsafePath(String),
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::NotOurs(p) => write!(
                f,
                "the output folder {} exists and was not created by innobieb; refusing to replace it (choose another --output, or empty it yourself)",
                p.display()
            ),
            OutputError::ContainsSources(p) => {
                write!(
                    f,
                    "the output folder {} would contain the site's own files; choose another --output",
                    p.display()
                )
            }
            OutputError::InsideSources(p, src) => write!(
                f,
                "the output folder {} is inside the site's {src} folder, so every build would read the previous output as sources; choose an --output outside content/, static/, templates/ and themes/",
                p.display()
            ),
            OutputError::Locked(pid, lock) => {
                write!(f, "another build of this site is running (pid {pid}); wait for it or remove {}", lock.display())
            }
            OutputError::UnsafePath(p) => {
                write!(f, "refusing to write `{p}`: it is not a path inside the output folder")
            }
            OutputError::Io(p, e) => write!(f, "cannot write {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for OutputError {}

/// Checks that `path` is a plain relative path (no `..`, no root, no backslashes).
pub fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains('\0')
        && !path.contains(':')
        && path.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// Summary of a write.
#[derive(Debug, Default, Clone, Copy)]
pub struct WriteStats {
    pub files: usize,
    pub bytes: u64,
}

/// The folders of a site that are read as sources: an output folder may be in none of them.
pub const SOURCE_FOLDERS: [&str; 4] = ["content", "static", "templates", "themes"];

/// Checks that the output folder neither contains the site nor lies inside one of its
/// source folders (where every build would copy the previous output into itself).
pub fn check_location(out_dir: &Path, site_root: &Path) -> Result<(), OutputError> {
    let out_abs = absolute(out_dir);
    let root_abs = absolute(site_root);
    if root_abs.starts_with(&out_abs) {
        return Err(OutputError::ContainsSources(out_dir.to_path_buf()));
    }
    match SOURCE_FOLDERS.iter().find(|f| out_abs.starts_with(root_abs.join(f))) {
        Some(f) => Err(OutputError::InsideSources(out_dir.to_path_buf(), format!("{f}/"))),
        None => Ok(()),
    }
}

/// A build being written: files go into a temporary sibling of the output folder as
/// they are produced (so rendered pages need not be held in memory), and `commit`
/// swaps it in. Dropped without `commit` (a failed build), it removes itself.
pub struct Staging {
    tmp: PathBuf,
    out_abs: PathBuf,
    parent: PathBuf,
    name: String,
    dirs: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Paths written so far: the first file for a path wins (pages before static files).
    written: std::sync::Mutex<std::collections::HashSet<String>>,
    files: std::sync::atomic::AtomicUsize,
    bytes: std::sync::atomic::AtomicU64,
    committed: bool,
}

impl Staging {
    /// Checks that the output folder may be replaced and creates the temporary folder.
    pub fn begin(out_dir: &Path, site_root: &Path) -> Result<Staging, OutputError> {
        let out_abs = absolute(out_dir);
        check_location(out_dir, site_root)?;
        check_ours(&out_abs)?;
        let parent = out_abs.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        let name = out_abs.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "public".into());
        std::fs::create_dir_all(&parent).map_err(|e| OutputError::Io(parent.clone(), e))?;
        let tmp = parent.join(format!(".{name}.innobieb-tmp-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| OutputError::Io(tmp.clone(), e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| OutputError::Io(tmp.clone(), e))?;
        // The mark that lets a later build remove this folder if this one is killed.
        std::fs::write(tmp.join(STAGING_MARKER), format!("{}\n", std::process::id()))
            .map_err(|e| OutputError::Io(tmp.join(STAGING_MARKER), e))?;
        interrupt::set_tmp(Some(tmp.clone()));
        Ok(Staging {
            tmp,
            out_abs,
            parent,
            name,
            dirs: Default::default(),
            written: Default::default(),
            files: Default::default(),
            bytes: Default::default(),
            committed: false,
        })
    }

    /// Writes one file. Safe to call from many threads. Every path is checked here.
    pub fn put(&self, o: &Output) -> Result<(), OutputError> {
        use std::sync::atomic::Ordering::Relaxed;
        if !is_safe_relative(&o.path) {
            return Err(OutputError::UnsafePath(o.path.clone()));
        }
        if !self.written.lock().map(|mut w| w.insert(o.path.clone())).unwrap_or(true) {
            return Ok(());
        }
        if let Some(i) = o.path.rfind('/') {
            let dir = &o.path[..i];
            let known = self.dirs.lock().map(|d| d.contains(dir)).unwrap_or(false);
            if !known {
                let p = self.tmp.join(dir);
                std::fs::create_dir_all(&p).map_err(|e| OutputError::Io(p, e))?;
                if let Ok(mut d) = self.dirs.lock() {
                    d.insert(dir.to_string());
                }
            }
        }
        let target = self.tmp.join(&o.path);
        let n = match &o.data {
            OutputData::Bytes(b) => std::fs::write(&target, b).map(|_| b.len() as u64),
            OutputData::Shared(b) => std::fs::write(&target, &b[..]).map(|_| b.len() as u64),
            OutputData::Copy(from) => std::fs::copy(from, &target),
        }
        .map_err(|e| OutputError::Io(target, e))?;
        self.files.fetch_add(1, Relaxed);
        self.bytes.fetch_add(n, Relaxed);
        Ok(())
    }

    /// Marks the new folder as ours and swaps it in: old output aside, new one in, old removed.
    pub fn commit(mut self) -> Result<WriteStats, OutputError> {
        let _ = std::fs::remove_file(self.tmp.join(STAGING_MARKER));
        std::fs::write(self.tmp.join(MARKER), "This folder is generated by innobieb. It is replaced on every build.\n")
            .map_err(|e| OutputError::Io(self.tmp.join(MARKER), e))?;
        let old = self.parent.join(format!(".{}.innobieb-old-{}", self.name, std::process::id()));
        // An interruption waits until the swap is done (and then removes the old folder).
        let mut swap = interrupt::swapping(&old);
        let had_old = self.out_abs.exists();
        if had_old {
            std::fs::rename(&self.out_abs, &old).map_err(|e| OutputError::Io(self.out_abs.clone(), e))?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.out_abs) {
            swap.old = None;
            if had_old {
                let _ = std::fs::rename(&old, &self.out_abs);
            }
            return Err(OutputError::Io(self.out_abs.clone(), e));
        }
        self.committed = true;
        swap.tmp = None;
        drop(swap);
        if had_old {
            let _ = std::fs::remove_dir_all(&old);
        }
        interrupt::set_old(None);
        use std::sync::atomic::Ordering::Relaxed;
        Ok(WriteStats { files: self.files.load(Relaxed), bytes: self.bytes.load(Relaxed) })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
            interrupt::set_tmp(None);
        }
    }
}

/// Written into a staging folder first: it marks the folder as innobieb's temporary one (with
/// the pid of the build), so a later build may remove it when that build was killed.
pub const STAGING_MARKER: &str = ".innobieb-staging";

/// The lock that keeps two builds of one output folder apart: a file `.NAME.innobieb-lock`
/// next to it, created exclusively, holding the pid of the build. Removed when dropped (and on
/// SIGINT/SIGTERM); a lock whose pid is no longer running is stale and taken over.
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Takes the lock for `out_dir` (failing at once when another build holds it), then
    /// removes what killed builds of this output folder left behind.
    pub fn acquire(out_dir: &Path) -> Result<Lock, OutputError> {
        let out_abs = absolute(out_dir);
        let parent = out_abs.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        let name = out_abs.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "public".into());
        std::fs::create_dir_all(&parent).map_err(|e| OutputError::Io(parent.clone(), e))?;
        let path = parent.join(format!(".{name}.innobieb-lock"));
        interrupt::install();
        for attempt in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    use std::io::Write;
                    writeln!(f, "{}", std::process::id()).map_err(|e| OutputError::Io(path.clone(), e))?;
                    interrupt::set_lock(Some(path.clone()));
                    remove_stale(&parent, &name);
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    match text.trim().parse::<u32>() {
                        Ok(pid) if attempt == 0 && !pid_running(pid) => {
                            let _ = std::fs::remove_file(&path);
                        }
                        Ok(pid) => return Err(OutputError::Locked(pid, path)),
                        // Being written by a build that has just started.
                        Err(_) => return Err(OutputError::Locked(0, path)),
                    }
                }
                Err(e) => return Err(OutputError::Io(path, e)),
            }
        }
        Err(OutputError::Locked(0, path))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        interrupt::set_lock(None);
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Removes `.NAME.innobieb-tmp-PID` and `.NAME.innobieb-old-PID` folders next to the output
/// whose build is no longer running and that carry innobieb's mark (the caller holds the lock).
fn remove_stale(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let (tmp_prefix, old_prefix) = (format!(".{name}.innobieb-tmp-"), format!(".{name}.innobieb-old-"));
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let (pid, marks): (&str, &[&str]) = if let Some(pid) = file_name.strip_prefix(&tmp_prefix) {
            (pid, &[STAGING_MARKER, MARKER])
        } else if let Some(pid) = file_name.strip_prefix(&old_prefix) {
            (pid, &[MARKER])
        } else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let path = e.path();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && pid != std::process::id() && !pid_running(pid) && marks.iter().any(|m| path.join(m).is_file()) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// Whether a process with this pid exists (where that cannot be known: assume it does).
fn pid_running(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // Signal 0 checks existence only; EPERM means it exists (another user's).
        // SAFETY: kill with signal 0 sends nothing and has no memory effects.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        true
    }
}

/// What an interrupted build (SIGINT, SIGTERM, SIGHUP) removes before it exits: the staging
/// folder, the old output once the swap is done, and the lock.
mod interrupt {
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, MutexGuard};

    pub(super) struct Active {
        pub lock: Option<PathBuf>,
        pub tmp: Option<PathBuf>,
        pub old: Option<PathBuf>,
    }

    static ACTIVE: Mutex<Active> = Mutex::new(Active { lock: None, tmp: None, old: None });

    fn active() -> MutexGuard<'static, Active> {
        ACTIVE.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn set_lock(p: Option<PathBuf>) {
        active().lock = p;
    }

    pub(super) fn set_tmp(p: Option<PathBuf>) {
        active().tmp = p;
    }

    pub(super) fn set_old(p: Option<PathBuf>) {
        active().old = p;
    }

    /// Held while the output folder is swapped: an interruption waits for it.
    pub(super) fn swapping(old: &Path) -> MutexGuard<'static, Active> {
        let mut a = active();
        a.old = Some(old.to_path_buf());
        a
    }

    /// Starts the thread that cleans up on a signal (once per process).
    pub(super) fn install() {
        #[cfg(unix)]
        {
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| {
                use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
                let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
                    return;
                };
                std::thread::spawn(move || {
                    if let Some(sig) = signals.forever().next() {
                        clean_up();
                        eprintln!("\nInterrupted; the output folder was left as it was.");
                        std::process::exit(128 + sig);
                    }
                });
            });
        }
    }

    fn clean_up() {
        let a = active();
        if let Some(tmp) = &a.tmp {
            // Other threads may still be writing into it: try a few times.
            for _ in 0..5 {
                if std::fs::remove_dir_all(tmp).is_ok() || !tmp.exists() {
                    break;
                }
            }
        }
        if let Some(old) = &a.old {
            let _ = std::fs::remove_dir_all(old);
        }
        if let Some(lock) = &a.lock {
            let _ = std::fs::remove_file(lock);
        }
    }
}

fn absolute(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
    // Canonicalize what exists, so `a/../b` and symlinks compare correctly.
    match abs.canonicalize() {
        Ok(c) => c,
        Err(_) => match (abs.parent().and_then(|p| p.canonicalize().ok()), abs.file_name()) {
            (Some(parent), Some(name)) => parent.join(name),
            _ => abs,
        },
    }
}

/// An existing output folder must be empty or carry our marker.
fn check_ours(out: &Path) -> Result<(), OutputError> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(OutputError::NotOurs(out.to_path_buf()));
    }
    if out.join(MARKER).is_file() {
        return Ok(());
    }
    let mut entries = std::fs::read_dir(out).map_err(|e| OutputError::Io(out.to_path_buf(), e))?;
    if entries.next().is_none() { Ok(()) } else { Err(OutputError::NotOurs(out.to_path_buf())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_rejected() {
        for p in ["../x", "a/../../x", "/etc/passwd", "a//b", "a\\b", "C:/x", "", "a/./b"] {
            assert!(!is_safe_relative(p), "{p}");
        }
        assert!(is_safe_relative("tijdlijn/x/index.html"));
    }
}
