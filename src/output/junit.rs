//! `--format junit`: JUnit XML for GitLab, Jenkins and other CI servers,
//! written with `quick-junit`.
//!
//! One `<testsuite>` per note (named by its path), one `<testcase>` per
//! claim. A case is named by its block and label, or its text when it has
//! no label (`#vec-identity (2)`, `#true ∂f/∂w = x^T ⊗ I`), never by its
//! line, so that a CI server's history of a claim survives an edit above
//! it; the line is in the case's `line` property and its `file`
//! attribute's `path:line`. Names are unique within a suite: a name met
//! again gets ` [2]`, ` [3]`, … in file order. `fail` and `xpass` are
//! `<failure>`s, `error` is an `<error>`, `xfail` is `<skipped>` with the
//! reason, `pass` passes. Times are always `0`: the output is a pure
//! function of the verdicts, so the same notes and seed give the same
//! bytes.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::check::verdict::{CheckedNote, Matrix, Status};
use crate::output::{
    Emitter, Located, bare_label, dims_text, fmt_num, headline, located_claims, one_line, reproduce,
};

/// Values with more entries than this are left out of a failure's text.
const MAX_PRINTED_ENTRIES: usize = 144;

/// The JUnit XML document.
pub struct Junit;

impl Emitter for Junit {
    fn emit(&self, notes: &[CheckedNote<'_>], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        report(notes)
            .serialize(w)
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

/// The case name before disambiguation: `#block (label)`, or `#block text`
/// for a claim without a label.
pub fn case_name(l: &Located) -> String {
    let c = l.claim;
    match &c.label {
        Some(label) => format!("{} ({})", l.place, bare_label(label)),
        None => {
            let text = one_line(&c.text);
            if text.is_empty() {
                l.place.clone()
            } else {
                format!("{} {text}", l.place)
            }
        }
    }
}

/// Case names for `cases` (in file order), unique: the second and later
/// uses of a name get ` [2]`, ` [3]`, ….
pub fn unique_names(cases: &[Located]) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut taken: std::collections::BTreeSet<String> = cases.iter().map(case_name).collect();
    cases
        .iter()
        .map(|l| {
            let base = case_name(l);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                return base;
            }
            // A suffixed name could itself be some claim's text: skip on.
            let mut k = *n;
            loop {
                let name = format!("{base} [{k}]");
                if taken.insert(name.clone()) {
                    *n = k;
                    return name;
                }
                k += 1;
            }
        })
        .collect()
}

/// The report for `notes`.
pub fn report(notes: &[CheckedNote<'_>]) -> Report {
    let mut report = Report::new("notecheck");
    report.set_time(Duration::ZERO);
    for n in notes {
        let cases = located_claims(n);
        let path = n.result.path.as_str();
        let mut suite = TestSuite::new(path);
        suite.set_time(Duration::ZERO);
        suite.extra.insert("file".into(), path.into());
        suite.add_property(Property::new("title", n.result.title.as_str()));
        let names = unique_names(&cases);
        for (l, name) in cases.iter().zip(names) {
            suite.add_test_case(testcase(path, l, name));
        }
        report.add_test_suite(suite);
    }
    report
}

fn testcase(path: &str, l: &Located, name: String) -> TestCase {
    let c = l.claim;
    let status = match c.status {
        Status::Pass => TestCaseStatus::success(),
        Status::Xfail => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(
                "expected failure: the claim is in a should-fail block and is false, as expected",
            );
            s.set_description(details(path, l));
            s
        }
        Status::Fail | Status::Xpass | Status::Error => {
            let kind = if c.status == Status::Error {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(headline(c));
            s.set_type(c.status.as_str());
            s.set_description(details(path, l));
            s
        }
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(path);
    case.set_time(Duration::ZERO);
    case.extra.insert("file".into(), path.into());
    case.add_property(Property::new("line", c.line.to_string()));
    case.add_property(Property::new("col", c.col.to_string()));
    case.add_property(Property::new("place", l.place.as_str()));
    case.add_property(Property::new("source", c.source.as_str()));
    case
}

/// A failing claim's full story as plain text: where, what, why, and the
/// evidence that reproduces it (trial, seed, dimensions, indices, largest
/// difference and where it sits, both values when present, diagnosis).
pub fn details(path: &str, l: &Located) -> String {
    let c = l.claim;
    let mut s = format!(
        "{path}:{}:{}: {} [{}]",
        c.line,
        c.col,
        c.status.as_str(),
        l.place
    );
    if let Some(label) = &c.label {
        let _ = write!(s, " ({})", bare_label(label));
    }
    s.push('\n');
    if !c.text.trim().is_empty() {
        let _ = writeln!(s, "claim: {}", one_line(&c.text));
    }
    if c.status == Status::Xpass {
        s.push_str("expected to fail (should-fail block), but it holds in every trial\n");
    }
    if let Some(m) = &c.message {
        let m = m.trim_end();
        if !m.is_empty() {
            s.push_str(m);
            s.push('\n');
        }
    }
    if let Some(cmp) = &c.compared {
        let _ = writeln!(s, "compared: {cmp}");
    }
    if let Some(e) = &c.evidence {
        let _ = writeln!(s, "trial: {}", e.trial);
        let _ = writeln!(s, "seed: {}", e.seed);
        let _ = writeln!(s, "dimensions: {}", dims_text(&e.dims));
        if !e.indices.is_empty() {
            let _ = writeln!(s, "indices: {}", dims_text(&e.indices));
        }
        // A shape mismatch has no finite difference to report.
        if e.max_abs_err.is_finite() {
            let mut largest = fmt_num(e.max_abs_err);
            let location = e.location();
            if !location.is_empty() {
                let _ = write!(largest, " at {location}");
            }
            let _ = writeln!(s, "largest difference: {largest}");
            if e.rel_err.is_finite() {
                let _ = writeln!(
                    s,
                    "relative error: {}, tolerance: {}",
                    fmt_num(e.rel_err),
                    fmt_num(e.tolerance)
                );
            }
        }
        let _ = writeln!(
            s,
            "shapes: left {}, right {}",
            e.lhs_shape_text(),
            e.rhs_shape_text()
        );
        for (side, m) in [("left", &e.lhs), ("right", &e.rhs)] {
            if let Some(m) = m {
                s.push_str(&matrix_text(side, m));
            }
        }
        if let Some(d) = &e.diagnosis {
            let _ = writeln!(s, "diagnosis: {d}");
        }
        let _ = writeln!(s, "reproduce: {}", reproduce(path, c.line));
    } else if let (Some(a), Some(r)) = (c.max_abs_err, c.rel_err)
        && a.is_finite()
        && r.is_finite()
    {
        let _ = writeln!(
            s,
            "largest difference: {}, relative: {}",
            fmt_num(a),
            fmt_num(r)
        );
    }
    s
}

/// `left (3×2) =` then one line per row, columns aligned.
fn matrix_text(side: &str, m: &Matrix) -> String {
    let n: usize = m.data.iter().map(Vec::len).sum();
    if n > MAX_PRINTED_ENTRIES {
        return format!("{side} ({}×{}): too large to print\n", m.rows, m.cols);
    }
    let cells: Vec<Vec<String>> = m
        .data
        .iter()
        .map(|r| r.iter().map(|&x| fmt_num(x)).collect())
        .collect();
    let width = cells.iter().flatten().map(String::len).max().unwrap_or(1);
    let mut s = format!("{side} ({}×{}) =\n", m.rows, m.cols);
    for r in &cells {
        let row: Vec<String> = r.iter().map(|x| format!("{x:>width$}")).collect();
        let _ = writeln!(s, "  [ {} ]", row.join("  "));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::verdict::ClaimResult;

    fn claim(line: usize, label: Option<&str>, text: &str) -> ClaimResult {
        ClaimResult {
            label: label.map(str::to_string),
            ..ClaimResult::new(line, 1, text, Status::Pass)
        }
    }

    #[test]
    fn names_have_no_line_and_are_unique() {
        let cs = [
            claim(3, Some("(2)"), "a = b"),
            claim(3, Some("(2)"), "b = c"),
            claim(9, None, "x = y"),
            claim(12, None, "x = y"),
            claim(14, None, "x = y [2]"),
        ];
        let located: Vec<Located> = cs
            .iter()
            .map(|c| Located {
                place: "#b".into(),
                claim: c,
            })
            .collect();
        assert_eq!(
            unique_names(&located),
            [
                "#b (2)",
                "#b (2) [2]",
                "#b x = y",
                "#b x = y [3]",
                "#b x = y [2]"
            ]
        );
    }
}
