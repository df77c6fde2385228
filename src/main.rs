//! The `innobieb` binary: parse arguments, run the command, exit with its code.

use clap::Parser;

fn main() {
    let cli = innobieb::cli::Cli::parse();
    std::process::exit(innobieb::cli::run(cli));
}
