//! The `innobieb` binary: parse arguments, run the command, exit with its code.

use clap::Parser;

/// mimalloc instead of the system allocator: building allocates many small strings and
/// values from several threads, where glibc's malloc spent a fifth of the time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = innobieb::cli::Cli::parse();
    std::process::exit(innobieb::cli::run(cli));
}
