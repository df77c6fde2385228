//! The dev server.
