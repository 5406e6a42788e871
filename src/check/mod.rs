//! Stage 4: trials, tolerances, verdicts and evidence.

pub mod diagnose;
pub mod run;
pub mod verdict;

use std::collections::BTreeMap;

use crate::config::{CheckSettings, ProjectConfig};
use crate::note::Note;
use verdict::NoteResult;

/// Compile and check one note under the project's configuration.
pub fn check(note: &Note, project: &ProjectConfig) -> NoteResult {
    let settings = note
        .front
        .check
        .apply(&project.check.apply(&CheckSettings::default()));
    let mut dims: BTreeMap<String, u64> = project.dims.clone();
    dims.extend(note.front.dims.iter().map(|(k, v)| (k.clone(), *v)));
    let compiled = crate::lang::compile::compile(note, &settings, &dims);
    run::check_note(note, &compiled, &dims)
}
