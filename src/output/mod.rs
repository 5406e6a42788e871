//! Outputs for the terminal and CI: human, JSON, JUnit XML, GitHub
//! annotations.
//!
//! Each is an [`Emitter`]: it writes the checked notes
//! ([`CheckedNote`]: the note, for source excerpts, and its verdicts) to a
//! writer; none of them evaluates anything. What they share lives here:
//! the one number formatter ([`fmt_num`]), the totals and the summary
//! line, where a claim sits ([`Located`]) and its one-line reason
//! ([`headline`]).

pub mod github;
pub mod human;
pub mod json;
pub mod junit;

use std::fmt::Write as _;
use std::io;

use crate::check::verdict::{CheckedNote, ClaimResult, Counts, Holder, Status};

/// An output format: writes every checked note to `w`.
pub trait Emitter {
    fn emit(&self, notes: &[CheckedNote<'_>], w: &mut dyn io::Write) -> io::Result<()>;

    /// The output as a string (what [`Emitter::emit`] writes).
    fn render(&self, notes: &[CheckedNote<'_>]) -> String {
        let mut v = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.emit(notes, &mut v);
        String::from_utf8_lossy(&v).into_owned()
    }
}

/// Totals over all notes.
pub fn totals(notes: &[CheckedNote<'_>]) -> Counts {
    let mut c = Counts::default();
    for n in notes {
        c.merge(&n.result.counts);
    }
    c
}

/// `1 note`, `2 notes`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The verdict line every output ends with (before `N passed, N failed`):
/// `FAILED: 1 note of 3 (failed: 1 fail; passed: 2 pass)` or
/// `ok: 3 notes (passed: 5 pass, 1 xfail)`.
/// It counts notes; the claims appear only by status, so that it never
/// shows a total that differs from the line after it.
pub fn verdict_line(notes: &[CheckedNote<'_>]) -> (bool, String) {
    let t = totals(notes);
    let failed_notes = notes
        .iter()
        .filter(|n| n.result.counts.failed() > 0)
        .count();
    // The breakdown is grouped as the next line counts: what failed, what
    // passed (an xfail passes), so that no number seems to contradict it.
    let group = |name: &str, parts: &[(usize, &str)]| -> Option<String> {
        let nonzero: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, s)| format!("{n} {s}"))
            .collect();
        (!nonzero.is_empty()).then(|| format!("{name}: {}", nonzero.join(", ")))
    };
    let groups: Vec<String> = [
        group(
            "failed",
            &[(t.fail, "fail"), (t.error, "error"), (t.xpass, "xpass")],
        ),
        group("passed", &[(t.pass, "pass"), (t.xfail, "xfail")]),
    ]
    .into_iter()
    .flatten()
    .collect();
    let breakdown = if groups.is_empty() {
        "no claims".to_string()
    } else {
        groups.join("; ")
    };
    if failed_notes > 0 {
        (
            true,
            format!(
                "FAILED: {} of {} ({breakdown})",
                plural(failed_notes, "note"),
                notes.len()
            ),
        )
    } else {
        (
            false,
            format!("ok: {} ({breakdown})", plural(notes.len(), "note")),
        )
    }
}

/// `N passed, N failed`: the last line of the human output (CI runners
/// parse it; `failed` counts `fail`, `error` and `xpass`).
pub fn count_line(notes: &[CheckedNote<'_>]) -> String {
    let t = totals(notes);
    format!("{} passed, {} failed", t.passed(), t.failed())
}

/// A number for people, the same in every output: integers as such,
/// others to 6 significant digits (scientific notation outside 1e-4…1e6).
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let a = x.abs();
    if (1e-4..1e6).contains(&a) {
        let digits = (5 - a.log10().floor() as i32).max(0) as usize;
        let s = format!("{x:.digits$}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    } else {
        format!("{x:.5e}")
    }
}

/// A claim together with the name of what holds it: `#id` or `#block-N` of
/// its check block, `#eq-N` of a prose equation, or `note` for a problem of
/// the note itself (front matter, unreadable file).
pub struct Located<'a> {
    pub place: String,
    pub claim: &'a ClaimResult,
}

/// `#id` or `#block-N` of a block, `#eq-N` of a prose equation; `note`
/// for the note itself.
pub fn place(holder: Holder<'_>) -> String {
    match holder {
        Holder::Block(b) => format!(
            "#{}",
            crate::report::markdown::block_anchor(b.id.as_deref(), b.index)
        ),
        Holder::Equation(e) => format!("#{}", crate::report::equation::equation_anchor(e.index)),
        Holder::Note => "note".to_string(),
    }
}

/// Every claim of `note` in file order (as `NoteResult::claims`), with
/// the block each one belongs to.
pub fn located_claims<'a>(note: &'a CheckedNote<'_>) -> Vec<Located<'a>> {
    let mut v: Vec<Located> = note
        .result
        .located_claims()
        .into_iter()
        .map(|(b, c)| Located {
            place: place(b),
            claim: c,
        })
        .collect();
    // Stable: claims on one line keep their order in the block.
    v.sort_by_key(|l| (l.claim.line, l.claim.col));
    v
}

/// Whitespace runs (newlines included) collapsed to one space.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A label without its parentheses: `(2)` → `2`.
pub fn bare_label(label: &str) -> &str {
    label.trim_start_matches('(').trim_end_matches(')')
}

/// The one-line reason a failing claim fails (never empty).
pub fn headline(c: &ClaimResult) -> String {
    if c.status == Status::Xpass {
        return "expected to fail (should-fail block), but it holds".to_string();
    }
    c.message
        .as_deref()
        .and_then(|m| m.lines().map(str::trim).find(|l| !l.is_empty()))
        .map(str::to_string)
        .unwrap_or_else(|| match c.status {
            Status::Error => "the claim could not be evaluated".to_string(),
            _ => "the claim is false".to_string(),
        })
}

/// How to re-run one claim: `notecheck check notes/x.md:42`.
pub fn reproduce(path: &str, line: usize) -> String {
    format!("notecheck check {path}:{line}")
}

/// The evidence line of a failing claim: `trial 2, seed 7, n=3, indices i=2`.
pub fn trial_line(c: &ClaimResult) -> Option<String> {
    let e = c.evidence.as_ref()?;
    let mut s = format!("trial {}, seed {}, {}", e.trial, e.seed, dims_text(&e.dims));
    if !e.indices.is_empty() {
        let _ = write!(s, ", indices {}", dims_text(&e.indices));
    }
    Some(s)
}

/// `n=3, m=2`, or `no dimensions`.
pub fn dims_text(d: &std::collections::BTreeMap<String, u64>) -> String {
    crate::check::run::dims_str(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(-0.5), "-0.5");
        assert_eq!(fmt_num(1.0 / 3.0), "0.333333");
        assert_eq!(fmt_num(1.5e-10), "1.50000e-10");
        assert_eq!(fmt_num(f64::INFINITY), "inf");
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "note"), "1 note");
        assert_eq!(plural(0, "claim"), "0 claims");
        assert_eq!(plural(2, "claim"), "2 claims");
    }
}
