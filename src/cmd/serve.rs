//! `innobieb serve`: see `crate::serve`.

use super::SiteArgs;
use crate::console::Verbosity;
use crate::serve::{ServeOptions, run as serve};
use clap::Args;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Port to listen on.
    #[arg(long, short, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on. Anything but loopback exposes the preview to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Watch files and rebuild on changes (the default).
    #[arg(long, overrides_with = "no_watch")]
    pub watch: bool,
    /// Do not watch files.
    #[arg(long)]
    pub no_watch: bool,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
}

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
