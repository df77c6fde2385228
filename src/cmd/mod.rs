//! One module per command; each has its clap arguments and `run(args, verbosity) -> exit code`.

pub mod build;
pub mod check;
pub mod init;
pub mod new;
pub mod serve;

use clap::Args;
use std::path::PathBuf;

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
