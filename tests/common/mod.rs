//! Shared test helpers. See tests/README.md.
#![allow(dead_code)]

pub mod site;
