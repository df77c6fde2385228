//! `innobieb serve`: see `crate::serve`.
use crate::cli::{ServeArgs, Verbosity};

pub fn run(_args: &ServeArgs, _verbosity: Verbosity) -> i32 {
    eprintln!("serve: not yet");
    2
}
