//! `innobieb init [DIR] --language en|nl`: writes the built-in theme's starter site
//! (`themes/default/starter/<language>/`) into a new or empty folder, and says what to do next.

use crate::config::Config;
use crate::console::{EXIT_INTERNAL, Verbosity};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to create the site in: new, or empty.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The site's language: its example pages, UI texts and dates.
    #[arg(long, default_value = "en", value_parser = ["en", "nl"])]
    pub language: String,
}

pub fn run(args: &InitArgs, verbosity: Verbosity) -> i32 {
    let dir = &args.dir;
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                eprintln!(
                    "error: {} is not empty; `innobieb init` writes a new site only into a new or empty folder\n  \
                     = help: give the name of a new folder: `innobieb init my-site`",
                    dir.display()
                );
                return EXIT_INTERNAL;
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", dir.display());
            return EXIT_INTERNAL;
        }
    }
    let starter = format!("starter/{}", args.language);
    let files: Vec<(&str, &[u8])> = crate::theme::files_in(&starter).collect();
    if files.is_empty() {
        eprintln!("error: no starter site for the language `{}`", args.language);
        return EXIT_INTERNAL;
    }
    for (rel, bytes) in &files {
        if let Err(e) = write_new(&dir.join(rel), bytes) {
            eprintln!("error: cannot write {}: {e}", dir.join(rel).display());
            return EXIT_INTERNAL;
        }
    }
    if verbosity >= Verbosity::Normal {
        println!("{}", next_steps(dir, files.len()));
    }
    0
}

/// Creates `path` with `bytes`; an existing file is an error, never overwritten.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::OpenOptions::new().write(true).create_new(true).open(path)?.write_all(bytes)
}

/// What to do after `init`, with the starter's own collection names.
fn next_steps(dir: &Path, files: usize) -> String {
    let collection = Config::load(dir)
        .ok()
        .and_then(|c| c.collections.keys().next().cloned())
        .unwrap_or_else(|| "<collection>".into());
    let mut steps = Vec::new();
    if dir != Path::new(".") {
        steps.push((format!("cd {}", shell_word(dir)), ""));
    }
    steps.push(("innobieb serve".into(), "preview at http://127.0.0.1:1111/, updated on every save"));
    steps.push((format!("innobieb new {collection} \"A title\""), "a new page, its fields written out to fill in"));
    steps.push(("innobieb build".into(), "the site for publishing, in public/"));
    let width = steps.iter().map(|(c, _)| c.chars().count()).max().unwrap_or(0);
    let lines: Vec<String> = steps
        .iter()
        .map(|(cmd, what)| if what.is_empty() { format!("  {cmd}") } else { format!("  {cmd:width$}   # {what}") })
        .collect();
    format!(
        "Created a knowledge base in {} ({files} files: site.yaml and the pages in content/).\n\n\
         Next steps:\n{}\n\n\
         site.yaml holds the content model; a comment explains each of its keys.",
        dir.display(),
        lines.join("\n")
    )
}

/// `dir` as one word for a POSIX shell: quoted when it holds anything but safe characters.
fn shell_word(dir: &Path) -> String {
    let s = dir.display().to_string();
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)) {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
