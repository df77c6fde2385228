//! Shared test helpers. See tests/README.md.
#![allow(dead_code)]

pub mod http;
pub mod site;
