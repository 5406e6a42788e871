//! `--format junit`: JUnit XML for GitLab, Jenkins and other CI servers.
//!
//! One `<testsuite>` per note (named by its path), one `<testcase>` per
//! claim, named by its block and line: `#vec-identity:42 (2) ∂f/∂w = x^T ⊗ I`.
//! `fail` and `xpass` are `<failure>`s, `error` is an `<error>`, `pass` and
//! `xfail` pass (an `xfail` says "expected failure" in its `<system-out>`).
//! Times are always `0`: the output is a pure function of the verdicts, so
//! the same notes and seed give the same bytes.

use std::fmt::Write;

use crate::check::run::dims_str;
use crate::check::verdict::{ClaimResult, Counts, Matrix, NoteResult, Status};

/// Values with more entries than this are left out of a failure's text.
const MAX_PRINTED_ENTRIES: usize = 144;

/// A claim together with the name of what holds it: `#id` or `#block-N` of
/// its check block, or `note` for a problem of the note itself (front matter,
/// unreadable file).
pub struct Located<'a> {
    pub place: String,
    pub claim: &'a ClaimResult,
}

/// Every claim of `note` in file order (as [`NoteResult::claims`]), with
/// the block each one belongs to.
pub fn located_claims(note: &NoteResult) -> Vec<Located<'_>> {
    let mut v: Vec<Located> = note
        .errors
        .iter()
        .map(|c| Located {
            place: "note".to_string(),
            claim: c,
        })
        .collect();
    for b in &note.blocks {
        let place = format!(
            "#{}",
            crate::report::markdown::block_anchor(b.id.as_deref(), b.index)
        );
        for c in b
            .errors
            .iter()
            .chain(b.stmts.iter().flat_map(|s| &s.claims))
        {
            v.push(Located {
                place: place.clone(),
                claim: c,
            });
        }
    }
    for e in &note.equations {
        let place = format!("#{}", crate::report::equation::equation_anchor(e.index));
        for c in e.claims() {
            v.push(Located {
                place: place.clone(),
                claim: c,
            });
        }
    }
    // Stable: claims on one line keep their order in the block.
    v.sort_by_key(|l| (l.claim.line, l.claim.col));
    v
}

/// The test case name: `#block:LINE (label) text`.
pub fn case_name(l: &Located) -> String {
    let c = l.claim;
    let mut s = format!("{}:{}", l.place, c.line);
    if let Some(label) = &c.label {
        let label = label.trim_start_matches('(').trim_end_matches(')');
        let _ = write!(s, " ({label})");
    }
    let text = one_line(&c.text);
    if !text.is_empty() {
        s.push(' ');
        s.push_str(&text);
    }
    s
}

/// Whitespace runs (newlines included) collapsed to one space.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
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
        let label = label.trim_start_matches('(').trim_end_matches(')');
        let _ = write!(s, " ({label})");
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
        let _ = writeln!(s, "dimensions: {}", dims_str(&e.dims));
        if !e.indices.is_empty() {
            let _ = writeln!(s, "indices: {}", dims_str(&e.indices));
        }
        // A shape mismatch has no finite difference to report.
        if e.max_abs_err.is_finite() {
            let mut largest = fmt_num(e.max_abs_err);
            if !e.location.is_empty() {
                let _ = write!(largest, " at {}", e.location);
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
        let _ = writeln!(s, "shapes: left {}, right {}", e.lhs_shape, e.rhs_shape);
        for (side, m) in [("left", &e.lhs), ("right", &e.rhs)] {
            if let Some(m) = m {
                s.push_str(&matrix_text(side, m));
            }
        }
        if let Some(d) = &e.diagnosis
            && !c.message.as_deref().unwrap_or("").contains(d.as_str())
        {
            let _ = writeln!(s, "diagnosis: {d}");
        }
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

/// A number for people: integers as such, others to 6 significant digits.
fn fmt_num(x: f64) -> String {
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

/// Counts of the claims in `cs`.
fn count(cs: &[Located]) -> Counts {
    let mut c = Counts::default();
    for l in cs {
        c.add(l.claim.status);
    }
    c
}

/// The JUnit XML document for `results`.
pub fn render(results: &[NoteResult]) -> String {
    let notes: Vec<(&NoteResult, Vec<Located>)> =
        results.iter().map(|n| (n, located_claims(n))).collect();
    let mut total = Counts::default();
    for (_, cs) in &notes {
        total.merge(&count(cs));
    }
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"notecheck\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"0\">",
        total.total(),
        total.fail + total.xpass,
        total.error
    );
    for (i, (n, cs)) in notes.iter().enumerate() {
        let c = count(cs);
        let path = attr(&n.path);
        let _ = writeln!(
            x,
            "  <testsuite name=\"{path}\" id=\"{i}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"0\" file=\"{path}\">",
            c.total(),
            c.fail + c.xpass,
            c.error
        );
        let _ = writeln!(
            x,
            "    <properties>\n      <property name=\"title\" value=\"{}\"/>\n    </properties>",
            attr(&n.title)
        );
        for l in cs {
            testcase(&mut x, n, l);
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

fn testcase(x: &mut String, n: &NoteResult, l: &Located) {
    let c = l.claim;
    let path = attr(&n.path);
    let _ = write!(
        x,
        "    <testcase name=\"{}\" classname=\"{path}\" file=\"{path}\" line=\"{}\" time=\"0\"",
        attr(&case_name(l)),
        c.line
    );
    let (tag, kind) = match c.status {
        Status::Pass => {
            x.push_str("/>\n");
            return;
        }
        Status::Xfail => {
            x.push_str(">\n");
            let mut out = String::from(
                "expected failure: the claim is in a should-fail block and is false, as expected\n",
            );
            out.push_str(&details(&n.path, l));
            let _ = writeln!(x, "      <system-out>{}</system-out>", text(&out));
            x.push_str("    </testcase>\n");
            return;
        }
        Status::Fail => ("failure", "fail"),
        Status::Xpass => ("failure", "xpass"),
        Status::Error => ("error", "error"),
    };
    x.push_str(">\n");
    let _ = writeln!(
        x,
        "      <{tag} message=\"{}\" type=\"{kind}\">{}</{tag}>",
        attr(&headline(c)),
        text(&details(&n.path, l))
    );
    x.push_str("    </testcase>\n");
}

/// Characters XML 1.0 cannot carry at all (control characters other than
/// tab, newline, carriage return; U+FFFE, U+FFFF) become U+FFFD.
fn xml_char(ch: char) -> char {
    match ch {
        '\t' | '\n' | '\r' => ch,
        c if (c as u32) < 0x20 => '\u{fffd}',
        '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
        c => c,
    }
}

/// Escaped for element content.
fn text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars().map(xml_char) {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\r' => o.push_str("&#13;"),
            c => o.push(c),
        }
    }
    o
}

/// Escaped for a double-quoted attribute value (newlines kept as `&#10;`).
fn attr(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars().map(xml_char) {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\n' => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            '\t' => o.push_str("&#9;"),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            attr("a<b & \"c\"\n'd'"),
            "a&lt;b &amp; &quot;c&quot;&#10;&apos;d&apos;"
        );
        assert_eq!(text("x\u{1b}[31m < y"), "x\u{fffd}[31m &lt; y");
    }

    #[test]
    fn numbers() {
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(-0.5), "-0.5");
        assert_eq!(fmt_num(1.0 / 3.0), "0.333333");
        assert_eq!(fmt_num(1.5e-10), "1.50000e-10");
    }
}
