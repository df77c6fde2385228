//! What the commands and the dev server print on the terminal: how chatty they are
//! (`Verbosity`), their exit codes, diagnostics, warnings and `-v` timings.
//!
//! Shared by `cli`, `cmd/*` and `serve`, below all three, so none of them imports another
//! for this. Never decides what to build; only reports.

use crate::diagnostic::Diagnostic;
use std::io::IsTerminal;

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

/// Prints one diagnostic to stderr, coloured on a terminal (unless `NO_COLOR` is set).
fn show(d: &Diagnostic) {
    let styled = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    eprintln!("{}\n", if styled { d.render_styled() } else { d.render() });
}

/// How many problems of one kind are shown in full unless `--all-errors` is given.
pub const SHOWN_PER_KIND: usize = 20;

/// Prints diagnostics to stderr (coloured on a terminal) and a count line.
pub fn print_diagnostics(diags: &[Diagnostic]) {
    print_diagnostics_limited(diags, false)
}

/// Like [`print_diagnostics`]. When one kind of problem occurs more than
/// [`SHOWN_PER_KIND`] times (and `all` is false), the problems are grouped by kind:
/// a line per kind with its count, the first ones in full, the rest counted, and a
/// closing line naming `--all-errors`.
pub fn print_diagnostics_limited(diags: &[Diagnostic], all: bool) {
    // A note standing for errors left out (many on one line) counts as those errors.
    let n: usize = diags.iter().map(|d| if d.hidden > 0 { d.hidden } else { 1 }).sum();
    let shown = diags.iter().filter(|d| d.hidden == 0).count();
    let more = if shown < n { format!(" ({shown} shown)") } else { String::new() };
    let count = format!("{n} error{} found{more}", if n == 1 { "" } else { "s" });
    let mut kinds: indexmap::IndexMap<String, Vec<&Diagnostic>> = indexmap::IndexMap::new();
    for d in diags {
        kinds.entry(d.kind()).or_default().push(d);
    }
    if all || kinds.values().all(|v| v.len() <= SHOWN_PER_KIND) {
        diags.iter().for_each(show);
        eprintln!("{count}");
        return;
    }
    // Most frequent kinds first; ties by name, so the report is stable.
    kinds.sort_by(|ka, a, kb, b| b.len().cmp(&a.len()).then_with(|| ka.cmp(kb)));
    let mut hidden = 0;
    for (kind, list) in &kinds {
        let shown = list.len().min(SHOWN_PER_KIND);
        let of = if shown < list.len() { format!(", the first {shown} shown") } else { String::new() };
        eprintln!("== {kind}: {} error{}{of} ==\n", list.len(), if list.len() == 1 { "" } else { "s" });
        list.iter().take(shown).copied().for_each(show);
        if shown < list.len() {
            eprintln!("... and {} more `{kind}` errors\n", list.len() - shown);
            hidden += list.len() - shown;
        }
    }
    let breakdown: Vec<String> = kinds.iter().map(|(k, v)| format!("{} {k}", v.len())).collect();
    eprintln!("{count} ({}); {hidden} not shown: run with --all-errors to see every one", breakdown.join(", "));
}

/// Prints warnings (problems that did not fail the build) and their count.
pub fn print_warnings(warnings: &[Diagnostic], all: bool) {
    if warnings.is_empty() {
        return;
    }
    let limit = if all { usize::MAX } else { SHOWN_PER_KIND };
    warnings.iter().take(limit).for_each(show);
    let n = warnings.len();
    let hidden = n.saturating_sub(limit);
    let rest = if hidden > 0 {
        format!("; {hidden} not shown: run with --all-errors to see every one")
    } else {
        String::new()
    };
    eprintln!("{n} warning{}{rest}", if n == 1 { "" } else { "s" });
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
