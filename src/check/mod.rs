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

#[cfg(test)]
thread_local! {
    /// Tests make the next check panic, to exercise the safety net.
    static FORCE_PANIC: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn check_unguarded(note: &Note, project: &ProjectConfig) -> NoteResult {
    #[cfg(test)]
    if FORCE_PANIC.with(|f| f.replace(false)) {
        panic!("forced by a test");
    }
    let settings = note
        .front
        .check
        .apply(&project.check.apply(&CheckSettings::default()));
    let mut dims: BTreeMap<String, u64> = project.dims.clone();
    dims.extend(note.front.dims.iter().map(|(k, v)| (k.clone(), *v)));
    let compiled =
        crate::lang::compile::compile_with_macros(note, &settings, &dims, &project.math.macros);
    let mut result = run::check_note(note, &compiled, &dims);
    // The note stage's warnings: a near-miss fence (```chek), a dimension
    // fixed to 1.
    let lines = note.line_index();
    result.warnings = note
        .warnings
        .iter()
        .cloned()
        .chain(crate::note::dims_warnings(note))
        .map(|w| {
            let (line, col) = lines.line_col(w.span.start);
            verdict::Warning {
                line,
                col,
                message: w.message,
            }
        })
        .collect();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::verdict::Status;
    use crate::note::parse_note;

    fn note(src: &str) -> Note {
        parse_note("t.md".into(), "t.md".into(), src.into())
    }

    #[test]
    fn a_panic_is_one_error_in_its_note_and_the_next_note_is_checked() {
        let project = ProjectConfig::default();
        let n = note("# T\n\n```check\n1 + 1 = 2\n```\n");
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        FORCE_PANIC.with(|f| f.set(true));
        let r = check(&n, &project);
        std::panic::set_hook(hook);
        assert_eq!(r.counts.error, 1);
        let c = &r.errors[0];
        assert_eq!((c.line, c.status), (1, Status::Error));
        let m = c.message.as_deref().unwrap();
        assert!(
            m.contains("a bug in notecheck") && m.contains("forced by a test"),
            "{m}"
        );
        // The budget opened by the panicking check was restored.
        assert_eq!(
            crate::eval::limits::max_entries(),
            crate::eval::limits::DEFAULT_MAX_ENTRIES
        );
        let r = check(&n, &project);
        assert_eq!((r.counts.pass, r.counts.error), (1, 0));
    }

    #[test]
    fn note_diagnostics_become_errors_and_warnings_at_their_spans() {
        let src = "---\ntitle: «∂»\ncheck:\n  trials: viele\n---\n# é\n\n1. ü ∂:\n\n   ```check #a bogus\n   1 = 1\n   ```\n\n```check #a\n```\n\n$$\na = a % check: off hide\n$$\n\n- ∂ ```x```\n\n  ```chek\n  ```\n";
        let n = note(src);
        let r = check(&n, &ProjectConfig::default());
        let errors: Vec<(usize, usize, &str)> = r
            .claims()
            .into_iter()
            .filter(|c| c.status == Status::Error)
            .map(|c| (c.line, c.col, c.message.as_deref().unwrap()))
            .collect();
        let diags = n.all_errors();
        assert_eq!(diags.len(), 4, "{diags:?}");
        assert_eq!(errors.len(), diags.len(), "{errors:?}");
        let at = |d: &crate::diag::Diagnostic| &src[d.span.start..d.span.end];
        let spanned: Vec<&str> = diags.iter().map(|d| at(d)).collect();
        assert_eq!(spanned, ["viele", "bogus", "#a", "hide"]);
        for (e, d) in errors.iter().zip(&diags) {
            assert_eq!((e.0, e.1), n.line_col(d.span.start), "{d:?}");
            assert!(e.2.ends_with(&d.message), "{e:?} {d:?}");
        }
        assert_eq!((errors[0].0, errors[0].1), (4, 11));
        assert_eq!((errors[1].0, errors[1].1), (10, 16));
        // The claims carry the spans, for the terminal's underline.
        let c = r
            .claims()
            .into_iter()
            .find(|c| c.status == Status::Error)
            .unwrap();
        assert_eq!(c.span, Some(diags[0].span));
        // The near-miss fence is a warning at the fence in the list item.
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert_eq!((r.warnings[0].line, r.warnings[0].col), (23, 3));
        assert!(r.warnings[0].message.contains("'chek'"));
    }

    #[test]
    fn block_options_set_the_limits() {
        let project = ProjectConfig::default();
        let n = note(
            "```check max_entries=3\nlet v ∈ R^{4}\nv^T v = norm(v)^2\n```\n\n```check max_entries=0 timeout=-1\n1 = 1\n```\n",
        );
        let r = check(&n, &project);
        let claims = r.claims();
        let m = claims[0].message.as_deref().unwrap_or("");
        assert!(
            m.contains("4×1 value (4 entries), more than max_entries = 3"),
            "{m}"
        );
        let bad: Vec<&str> = claims.iter().filter_map(|c| c.message.as_deref()).collect();
        assert!(
            bad.iter()
                .any(|m| m.contains("max_entries must be at least 1")),
            "{bad:?}"
        );
        assert!(
            bad.iter()
                .any(|m| m.contains("timeout must be a number of seconds > 0")),
            "{bad:?}"
        );
        assert_eq!(claims.last().unwrap().status, Status::Pass);
    }
}
