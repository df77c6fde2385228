//! `innobieb build`: build the site and swap it into the output folder atomically.

use crate::cli::{BuildArgs, EXIT_CONTENT, EXIT_INTERNAL, Verbosity};
use crate::pipeline::{BuildOptions, Cache, build_site};
use std::time::Instant;

pub fn run(args: &BuildArgs, verbosity: Verbosity) -> i32 {
    let start = Instant::now();
    let output = args.output_dir();
    let opts = BuildOptions {
        root: args.site.root.clone(),
        base_url: args.base_url.clone(),
        drafts: args.site.drafts,
        defer_search: false,
        // Stage progress on a terminal, unless quiet.
        progress: verbosity >= Verbosity::Normal && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        output: Some(output.clone()),
    };
    let built = match build_site(&opts, &mut Cache::none()) {
        Ok(b) => b,
        Err(failed) => {
            if failed.internal {
                for d in &failed.diagnostics {
                    eprintln!("error: {}", d.message);
                }
            } else {
                super::print_diagnostics_limited(&failed.diagnostics, args.site.all_errors);
            }
            super::print_timings(&failed.timings, verbosity);
            eprintln!("Build failed; {} was left as it was.", output.display());
            return if failed.internal { EXIT_INTERNAL } else { EXIT_CONTENT };
        }
    };
    super::print_warnings(&built.warnings, args.site.all_errors);
    super::print_timings(&built.timings, verbosity);
    super::print_template_metrics(&built.template_metrics, verbosity);
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
