//! Stage 5b: the search index, built from the content model (not by re-parsing HTML).

use crate::diagnostic::Diagnostic;
use crate::markdown::Rendered;
use crate::model::Site;
use crate::render::Output;

/// Builds the static search index files. Without the `search` feature, nothing.
pub fn build_index(site: &Site, rendered: &[Rendered]) -> Result<Vec<Output>, Diagnostic> {
    let _ = (site, rendered);
    Ok(Vec::new())
}
