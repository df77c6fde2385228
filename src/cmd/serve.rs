//! `innobieb serve`: see `crate::serve`.

use crate::cli::{ServeArgs, Verbosity};
use crate::serve::{ServeOptions, run as serve};

pub fn run(args: &ServeArgs, verbosity: Verbosity) -> i32 {
    serve(ServeOptions {
        root: args.site.root.clone(),
        bind: args.bind.clone(),
        port: args.port,
        watch: !args.no_watch,
        drafts: args.site.drafts,
        open: args.open,
        verbosity,
    })
}
