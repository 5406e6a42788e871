//! Stage 4: trials, tolerances, verdicts and evidence.

pub mod diagnose;
pub mod run;
pub mod verdict;

use std::collections::BTreeMap;

use crate::config::{CheckSettings, ProjectConfig};
use crate::note::Note;
use verdict::NoteResult;

/// Compile and check one note under the project's configuration.
///
/// Never panics: a panic while checking (a bug) is caught here, as a last
/// resort, and the note gets one `error` that says so; the other notes are
/// checked and rendered as usual.
pub fn check(note: &Note, project: &ProjectConfig) -> NoteResult {
    let run = std::panic::AssertUnwindSafe(|| check_unguarded(note, project));
    match std::panic::catch_unwind(run) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_string());
            run::crashed(
                note,
                &format!(
                    "internal error while checking this note (a bug in notecheck; please report it with this note): {what}"
                ),
            )
        }
    }
}

fn check_unguarded(note: &Note, project: &ProjectConfig) -> NoteResult {
    let settings = note
        .front
        .check
        .apply(&project.check.apply(&CheckSettings::default()));
    let mut dims: BTreeMap<String, u64> = project.dims.clone();
    dims.extend(note.front.dims.iter().map(|(k, v)| (k.clone(), *v)));
    let compiled = crate::lang::compile::compile(note, &settings, &dims);
    let mut result = run::check_note(note, &compiled, &dims);
    // The note stage's warnings: a near-miss fence (```chek), a dimension
    // fixed to 1.
    result.warnings = note
        .warnings
        .iter()
        .cloned()
        .chain(crate::note::dims_warnings(note))
        .map(|w| verdict::Warning {
            line: w.line,
            col: w.col,
            message: w.message,
        })
        .collect();
    result
}
