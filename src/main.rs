//! The `innobieb` binary: parse arguments, run the command, exit with its code.

use clap::Parser;
use innobieb::cli::{Cli, Command};

/// mimalloc instead of the system allocator: building allocates many small strings and
/// values from several threads, where glibc's malloc spent a fifth of the time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse();
    // (Unless the user chose a purge delay: mimalloc reads its environment variables itself.)
    if matches!(cli.command, Command::Serve(_)) && std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        keep_freed_memory();
    }
    std::process::exit(innobieb::cli::run(cli));
}

/// `serve` rebuilds in memory again and again, freeing most of what the last build made.
/// By default mimalloc (v3) gives freed memory back to the system after a second, so a
/// rebuild after a pause took fresh pages, which the kernel zeroes on first touch: the
/// largest single cost of a 10,000-page rebuild in `perf` (9% of the samples). Kept, the
/// server's resident memory stays near its peak (5% more after four rebuilds at 10,000
/// pages, see bench/README.md).
fn keep_freed_memory() {
    /// `mi_option_purge_delay` in mimalloc's `mi_option_e` (the same in v2 and v3): how many
    /// milliseconds freed memory is kept before it is returned; -1 keeps it.
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: setting an option is allowed at any time; it takes effect on the next purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}
