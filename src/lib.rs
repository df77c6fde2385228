//! innobieb: a static site generator for typed, cross-linked knowledge bases.
//!
//! Modules in dependency order (the stages in pipeline order); `pipeline::build` is
//! the table of contents.
//! See ARCHITECTURE.md for the stages, the types between them and the invariants.

// Diagnostics are returned on the cold path only; boxing them would buy nothing.
#![allow(clippy::result_large_err)]
#![warn(unreachable_pub)]

// Modules in dependency order: each uses (`crate::...`) only modules declared above it,
// so there are no import cycles (ARCHITECTURE.md, "Dependency rule"; checked by
// tests/architecture.rs and `python3 .ci/import-cycles.py`).
//
// Leaves: shared vocabulary, used by the stages. `output` is the last stage to run but
// a leaf to import: the stages hand their files (`Output`) to it.
pub mod diagnostic;
pub mod hash;
pub mod slug;
pub mod date;
pub mod theme;
pub mod yaml;
pub mod i18n;
pub mod config;
pub mod output;
// Stages, in the order they run (the numbers of ARCHITECTURE.md and the module headers).
pub mod load; // 1
pub mod git;
pub mod parse; // 2
pub mod model;
pub mod schema;
pub mod collisions;
pub mod resolve; // 3
pub mod links;
pub mod markdown; // 4
pub mod search; // 5
pub mod render; // 6
pub mod pipeline;
// The terminal, the dev server and the commands.
pub mod console;
pub mod serve;
pub mod cmd;
pub mod cli;

pub use pipeline::{BuildOptions, Built, Failed, Rebuilder, build};
