//! `innobieb check`: validate content, references, links and templates; write nothing.

use super::SiteArgs;
use crate::console::{EXIT_CONTENT, Verbosity, print_diagnostics_limited, print_timings, print_warnings};
use crate::pipeline::{BuildOptions, build};
use clap::Args;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
}

pub fn run(args: &CheckArgs, verbosity: Verbosity) -> i32 {
    let start = Instant::now();
    let opts = BuildOptions {
        root: args.site.root.clone(),
        base_url: None,
        drafts: args.site.drafts,
        progress: false,
        output: None,
    };
    // A full in-memory build: templates are rendered too, so template errors are found.
    match build(&opts) {
        Ok(built) => {
            print_warnings(&built.warnings, args.site.all_errors);
            print_timings(&built.timings, verbosity);
            if verbosity >= Verbosity::Normal {
                println!("No problems found in {} pages ({:.2} s).", built.page_count, start.elapsed().as_secs_f64());
            }
            0
        }
        Err(failed) => {
            print_diagnostics_limited(&failed.diagnostics, args.site.all_errors);
            EXIT_CONTENT
        }
    }
}
