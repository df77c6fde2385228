//! The command line (clap): global flags and the `Command` enum, dispatched to `cmd::*`.
//! Each command's arguments live with the command (`cmd::build::BuildArgs`, ...).

use crate::cmd::{build::BuildArgs, check::CheckArgs, init::InitArgs, new::NewArgs, serve::ServeArgs};
use crate::console::{EXIT_INTERNAL, Verbosity};
use clap::{Parser, Subcommand};

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
