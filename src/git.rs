//! When each content file last changed, from git: one `git log` over the whole `content/`
//! folder (not a process per page), read newest first, so a file's first appearance is its
//! last commit. Outside a git work tree, or without git, there are no dates.
//!
//! A build uses commit dates only, so it is the same on every machine with the same history.
//! `serve` also counts files with uncommitted changes as changed today.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

/// Content file (path below `content/`) -> date of its last commit (`YYYY-MM-DD`).
pub type Dates = HashMap<String, String>;

/// The dates of the files under `root/content/`, or `None` outside a git work tree; with
/// `uncommitted_today`, files with changes not yet committed (or not yet in git) get `today`.
pub fn content_dates(root: &Path, uncommitted_today: Option<&str>) -> Option<Dates> {
    let content = root.join("content");
    // The path of content/ inside the repository, as git prints paths.
    let prefix = git(&content, &["rev-parse", "--show-prefix"])?.trim().to_string();
    // A repository without commits has no log: no dates yet.
    let log = git(&content, &["log", "--format=%x00%cs", "--name-only", "--no-renames", "--", "."]).unwrap_or_default();
    let mut dates = Dates::new();
    let mut date = String::new();
    for line in log.lines() {
        if let Some(d) = line.strip_prefix('\0') {
            date = d.trim().to_string();
        } else if let Some(rel) = unquote(line).strip_prefix(&prefix).filter(|r| !r.is_empty()) {
            dates.entry(rel.to_string()).or_insert_with(|| date.clone());
        }
    }
    if let Some(today) = uncommitted_today {
        let status = git(&content, &["status", "--porcelain", "--no-renames", "--untracked-files=all", "--", "."]);
        for line in status.as_deref().unwrap_or("").lines() {
            // `XY path`, the path from the repository's top.
            if let Some(rel) = line.get(3..).map(unquote).as_deref().and_then(|p| p.strip_prefix(&prefix)) {
                dates.insert(rel.to_string(), today.to_string());
            }
        }
    }
    Some(dates)
}

/// Runs git in `dir`; its output, or `None` when git is missing or fails (not a work tree).
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    if !dir.is_dir() {
        return None;
    }
    let out = Command::new("git")
        .arg("-c")
        .arg("core.quotePath=false")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A path as git prints it: names with unusual characters come in double quotes.
fn unquote(path: &str) -> String {
    match path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => path.to_string(),
    }
}
