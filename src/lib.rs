//! innobieb: a static site generator for typed, cross-linked knowledge bases.
//!
//! Modules in pipeline order; `pipeline::build_site` is the table of contents.
//! See ARCHITECTURE.md for the stages, the types between them and the invariants.

// Diagnostics are returned on the cold path only; boxing them would buy nothing.
#![allow(clippy::result_large_err)]

// Shared vocabulary.
pub mod diagnostic;
pub mod slug;
pub mod date;
pub mod theme;
pub mod i18n;
pub mod config;
// Stages, in the order they run.
pub mod load;
pub mod git;
pub mod parse;
pub mod schema;
pub mod model;
pub mod resolve;
pub mod links;
pub mod collisions;
pub mod markdown;
pub mod render;
pub mod data;
pub mod search;
pub mod output;
pub mod pipeline;
// Commands and the dev server.
pub mod serve;
pub mod cmd;
pub mod cli;

pub use pipeline::{BuildOptions, Built, Cache, Failed, build_site};
