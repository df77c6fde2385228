//! Shared test helpers: a fixture site in a temp folder built with the real binary
//! (`Fixture`), a static file server (`server`) and a headless-Chromium client (`browser`).
#![allow(dead_code)]

pub mod browser;
pub mod server;

use std::path::{Path, PathBuf};
use std::process::Command;
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

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Fails the test, showing the output, unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "exit code\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    pub fn expect_success(&self) -> &Self {
        self.expect_code(0)
    }
}

/// A copy of `tests/fixtures/<name>` in a temp folder, removed on drop (kept when
/// the test fails, so it can be looked at; the path is printed).
pub struct Fixture {
    pub root: PathBuf,
}

impl Fixture {
    /// Copies `tests/fixtures/<name>`.
    pub fn copy(name: &str) -> Fixture {
        let root = temp_dir(&format!("fixture-{name}"));
        copy_dir(&repo_path("tests/fixtures").join(name), &root);
        Fixture { root }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("cannot write {rel}: {e}"));
        self
    }

    /// Copies a file of the repository into the fixture (one source of truth for
    /// files such as the theme's scripts).
    pub fn copy_from_repo(&self, repo_rel: &str, rel: &str) -> &Self {
        let to = self.root.join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(repo_path(repo_rel), &to).unwrap_or_else(|e| panic!("cannot copy {repo_rel}: {e}"));
        self
    }

    /// Runs `innobieb <args>` in the fixture folder.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_innobieb"))
            .args(args)
            .current_dir(&self.root)
            .env("NO_COLOR", "1")
            .output()
            .expect("cannot run innobieb");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `innobieb build -o <out>`, which must succeed.
    pub fn build_to(&self, out: &str) -> Run {
        let run = self.run(&["build", "-o", out]);
        run.expect_success();
        run
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.root.join(rel).exists()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    pub fn read_bytes(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.root.join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    /// Every file under `rel`, relative to it, with `/` separators, sorted.
    pub fn files(&self, rel: &str) -> Vec<String> {
        let base = self.root.join(rel);
        let mut out = Vec::new();
        collect(&base, &base, &mut out);
        out.sort();
        out
    }

    /// Every file under `rel` with its bytes, sorted by path.
    pub fn tree(&self, rel: &str) -> Vec<(String, Vec<u8>)> {
        self.files(rel)
            .into_iter()
            .map(|f| {
                let bytes = self.read_bytes(&format!("{rel}/{f}"));
                (f, bytes)
            })
            .collect()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("fixture kept for inspection: {}", self.root.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(base, &p, out);
        } else if let Ok(rel) = p.strip_prefix(base) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// Copies a folder recursively (following symbolic links).
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for e in std::fs::read_dir(src).unwrap_or_else(|e| panic!("{}: {e}", src.display())).flatten() {
        let p = e.path();
        let target = dst.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
}
