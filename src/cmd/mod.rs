//! One module per command; each has `run(args, verbosity) -> exit code`.

pub mod build;
pub mod check;
pub mod new;
pub mod serve;

use crate::cli::Verbosity;
use crate::diagnostic::Diagnostic;
use std::io::IsTerminal;

/// Prints diagnostics to stderr (coloured on a terminal) and a count line.
pub fn print_diagnostics(diags: &[Diagnostic]) {
    let styled = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for d in diags {
        eprintln!("{}\n", if styled { d.render_styled() } else { d.render() });
    }
    // A note standing for errors left out (many on one line) counts as those errors.
    let n: usize = diags.iter().map(|d| if d.hidden > 0 { d.hidden } else { 1 }).sum();
    let shown = diags.iter().filter(|d| d.hidden == 0).count();
    let more = if shown < n { format!(" ({shown} shown)") } else { String::new() };
    eprintln!("{n} error{} found{more}", if n == 1 { "" } else { "s" });
}

/// With `-v`: the templates that took the most time.
pub fn print_template_metrics(metrics: &[crate::render::TemplateMetric], verbosity: Verbosity) {
    if verbosity == Verbosity::Verbose && !metrics.is_empty() {
        eprintln!("  slowest templates (total over all pages, summed over threads):");
        for (t, d, n) in metrics.iter().take(5) {
            eprintln!("    {t:<28} {:>8.1} ms  {n:>6} pages", d.as_secs_f64() * 1000.0);
        }
    }
}

pub fn print_timings(timings: &[(&'static str, std::time::Duration)], verbosity: Verbosity) {
    if verbosity == Verbosity::Verbose {
        for (stage, d) in timings {
            eprintln!("  {stage:<10} {:>8.1} ms", d.as_secs_f64() * 1000.0);
        }
    }
}
