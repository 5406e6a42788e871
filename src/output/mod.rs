//! Outputs for the terminal and CI: human, JSON (and the CI formats).
//!
//! Each renders the verdicts ([`crate::check::verdict`]) and, for source
//! excerpts, the notes' text; none of them evaluates anything.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;

use crate::check::verdict::{Counts, NoteResult};

/// Totals over all notes.
pub fn totals(results: &[NoteResult]) -> Counts {
    let mut c = Counts::default();
    for r in results {
        c.merge(&r.counts);
    }
    c
}
