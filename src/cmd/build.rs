//! `innobieb build`: build the site and swap it into the output folder atomically.

use super::SiteArgs;
use crate::console::{
    EXIT_CONTENT, EXIT_INTERNAL, Verbosity, print_diagnostics_limited, print_template_metrics, print_timings,
    print_warnings,
};
use crate::pipeline::{BuildOptions, build};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

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

pub fn run(args: &BuildArgs, verbosity: Verbosity) -> i32 {
    let start = Instant::now();
    let output = args.output_dir();
    let opts = BuildOptions {
        root: args.site.root.clone(),
        base_url: args.base_url.clone(),
        drafts: args.site.drafts,
        // Stage progress on a terminal, unless quiet.
        progress: verbosity >= Verbosity::Normal && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        output: Some(output.clone()),
    };
    let built = match build(&opts) {
        Ok(b) => b,
        Err(failed) => {
            if failed.internal {
                for d in &failed.diagnostics {
                    eprintln!("error: {}", d.message);
                }
            } else {
                print_diagnostics_limited(&failed.diagnostics, args.site.all_errors);
            }
            print_timings(&failed.timings, verbosity);
            eprintln!("Build failed; {} was left as it was.", output.display());
            return if failed.internal { EXIT_INTERNAL } else { EXIT_CONTENT };
        }
    };
    print_warnings(&built.warnings, args.site.all_errors);
    print_timings(&built.timings, verbosity);
    print_template_metrics(&built.template_metrics, verbosity);
    if verbosity >= Verbosity::Normal {
        let stats = built.written.unwrap_or_default();
        println!(
            "Built {} pages ({} collections, {} files, {:.1} MiB) in {:.2} s -> {}",
            built.page_count,
            built.collection_count,
            stats.files,
            stats.bytes as f64 / (1024.0 * 1024.0),
            start.elapsed().as_secs_f64(),
            output.display()
        );
    }
    0
}
