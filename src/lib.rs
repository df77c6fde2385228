//! innobieb: a static site generator for typed, cross-linked knowledge bases.
//!
//! Modules in pipeline order; `pipeline::build_site` is the table of contents.
//! See ARCHITECTURE.md for the stages, the types between them and the invariants.

pub mod cli;
pub mod cmd;
pub mod config;
pub mod data;
pub mod date;
pub mod diagnostic;
pub mod load;
pub mod markdown;
pub mod model;
pub mod output;
pub mod parse;
pub mod pipeline;
pub mod render;
pub mod resolve;
pub mod schema;
pub mod search;
pub mod slug;

pub use pipeline::{BuildOptions, Built, Cache, Failed, build_site};
