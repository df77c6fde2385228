//! Command-line arguments (clap) and dispatch to `cmd::*`.

use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "innobieb",
    version,
    about = "Build a typed, cross-linked knowledge base from Markdown into a static site"
)]
pub struct Cli {
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print the time each build stage takes.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a new, small knowledge base into DIR: site.yaml, a content model and a few pages.
    Init(InitArgs),
    /// Build the site into the output folder (public/ by default).
    Build(BuildArgs),
    /// Check content, references, links and templates without writing anything.
    Check(CheckArgs),
    /// Build, serve on http://127.0.0.1:1111/ and rebuild on every change.
    Serve(ServeArgs),
    /// Create a new page in a collection, with its fields filled in as a template.
    New(NewArgs),
}

#[derive(Debug, Args, Clone)]
pub struct SiteArgs {
    /// The site folder (the one with site.yaml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Include pages marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
    /// Show every error in full (by default, at most 20 of each kind are shown when there are more).
    #[arg(long)]
    pub all_errors: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Output folder, relative to the current directory [default: ROOT/public].
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Override base_url from site.yaml (for example for a preview deployment): an absolute
    /// http(s) URL or a path starting with `/`.
    #[arg(long, value_parser = parse_base_url)]
    pub base_url: Option<String>,
}

impl BuildArgs {
    /// The output folder: `--output`, or `public/` in the site folder.
    pub fn output_dir(&self) -> PathBuf {
        match &self.output {
            Some(out) => out.clone(),
            None if self.site.root == Path::new(".") => PathBuf::from("public"),
            None => self.site.root.join("public"),
        }
    }
}

fn parse_base_url(s: &str) -> Result<String, String> {
    crate::config::check_base_url(s)
        .map(|()| s.to_string())
        .map_err(|why| format!("{why}; write for example `https://example.org/kb/` or `/kb/`"))
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Port to listen on.
    #[arg(long, short, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on. Anything but loopback exposes the preview to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Watch files and rebuild on changes (the default).
    #[arg(long, overrides_with = "no_watch")]
    pub watch: bool,
    /// Do not watch files.
    #[arg(long)]
    pub no_watch: bool,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to create the site in: new, or empty.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The site's language: its example pages, UI texts and dates.
    #[arg(long, default_value = "en", value_parser = ["en", "nl"])]
    pub language: String,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The collection (as declared in site.yaml), for example `personen`.
    pub collection: String,
    /// The page's title; its file name is made from it.
    pub title: String,
    /// The site folder (the one with site.yaml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

/// How chatty the commands are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// Exit codes: 0 success, 1 problems in the site's input, 2 usage or internal errors.
pub const EXIT_CONTENT: i32 = 1;
pub const EXIT_INTERNAL: i32 = 2;

pub fn run(cli: Cli) -> i32 {
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let root = match &cli.command {
        Command::Build(a) => Some(&a.site.root),
        Command::Check(a) => Some(&a.site.root),
        Command::Serve(a) => Some(&a.site.root),
        Command::New(a) => Some(&a.root),
        Command::Init(_) => None,
    };
    if let Some(root) = root.filter(|r| !r.is_dir()) {
        eprintln!(
            "error: the site folder {} does not exist or is not a folder\n  \
             = help: pass --root with the folder that holds site.yaml, or start a site with `innobieb init {}`",
            root.display(),
            root.display()
        );
        return EXIT_INTERNAL;
    }
    match cli.command {
        Command::Init(args) => crate::cmd::init::run(&args, verbosity),
        Command::Build(args) => crate::cmd::build::run(&args, verbosity),
        Command::Check(args) => crate::cmd::check::run(&args, verbosity),
        Command::Serve(args) => crate::cmd::serve::run(&args, verbosity),
        Command::New(args) => crate::cmd::new::run(&args, verbosity),
    }
}
