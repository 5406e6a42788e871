//! Human output: one block per problem (`file:line:col`, the source line
//! with a caret, the message and evidence), then `N passed, N failed`.

use std::fmt::Write;

use crate::check::run::dims_str;
use crate::check::verdict::{ClaimResult, NoteResult, Status};
use crate::output::totals;

/// Colours for a terminal; all empty when colour is off.
struct Paint {
    red: &'static str,
    yellow: &'static str,
    green: &'static str,
    bold: &'static str,
    dim: &'static str,
    reset: &'static str,
}

impl Paint {
    fn new(color: bool) -> Paint {
        if color {
            Paint {
                red: "\x1b[31m",
                yellow: "\x1b[33m",
                green: "\x1b[32m",
                bold: "\x1b[1m",
                dim: "\x1b[2m",
                reset: "\x1b[0m",
            }
        } else {
            Paint {
                red: "",
                yellow: "",
                green: "",
                bold: "",
                dim: "",
                reset: "",
            }
        }
    }
}

/// `sources[i]` is the text of `results[i]`'s note (for the excerpt).
pub fn render(results: &[NoteResult], sources: &[&str], color: bool) -> String {
    let p = Paint::new(color);
    let mut out = String::new();
    for (n, src) in results
        .iter()
        .zip(sources.iter().chain(std::iter::repeat(&"")))
    {
        for c in n.claims() {
            if c.status.is_failure() {
                problem(&mut out, &n.path, src, c, &p);
            }
        }
    }
    let t = totals(results);
    let (col, word) = if t.failed() > 0 {
        (p.red, "FAILED")
    } else {
        (p.green, "ok")
    };
    let _ = writeln!(
        out,
        "{}{}{}: {} notes, {} claims ({} pass, {} fail, {} error, {} xfail, {} xpass)",
        col,
        word,
        p.reset,
        results.len(),
        t.total(),
        t.pass,
        t.fail,
        t.error,
        t.xfail,
        t.xpass
    );
    let mut cov = crate::check::verdict::EquationCoverage::default();
    for n in results {
        cov.merge(&n.coverage());
    }
    if cov.display > 0 {
        let _ = writeln!(out, "{}", coverage_line(&cov));
    }
    let _ = writeln!(
        out,
        "{}{} passed, {} failed{}",
        p.bold,
        t.passed(),
        t.failed(),
        p.reset
    );
    out
}

fn problem(out: &mut String, path: &str, src: &str, c: &ClaimResult, p: &Paint) {
    let (col, word) = match c.status {
        Status::Fail => (p.red, "fail"),
        Status::Error => (p.red, "error"),
        Status::Xpass => (p.yellow, "xpass"),
        _ => (p.dim, c.status.as_str()),
    };
    let mut head = format!("{path}:{}:{}: {col}{word}{}", c.line, c.col, p.reset);
    if let Some(b) = &c.block {
        let _ = write!(head, " [#{b}]");
    }
    if let Some(l) = &c.label {
        let _ = write!(head, " ({l})");
    }
    if c.status == Status::Xpass {
        head.push_str(": expected to fail (should-fail block), but it holds");
    }
    let _ = writeln!(out, "{}{head}{}", p.bold, p.reset);
    if let Some(line) = src.lines().nth(c.line.saturating_sub(1)) {
        let num = c.line.to_string();
        let _ = writeln!(out, "{} {num} |{} {}", p.dim, p.reset, line);
        let pad: String = line
            .chars()
            .take(c.col.saturating_sub(1))
            .map(|ch| if ch == '\t' { '\t' } else { ' ' })
            .collect();
        let _ = writeln!(
            out,
            "{} {} |{} {pad}{col}^{}",
            p.dim,
            " ".repeat(num.len()),
            p.reset,
            p.reset
        );
    }
    if let Some(m) = &c.message {
        let _ = writeln!(out, "  {m}");
    }
    if let Some(e) = &c.evidence {
        let _ = writeln!(
            out,
            "  {}evidence:{} trial {}, seed {}, {}{}",
            p.dim,
            p.reset,
            e.trial,
            e.seed,
            dims_str(&e.dims),
            if e.indices.is_empty() {
                String::new()
            } else {
                format!(", indices {}", dims_str(&e.indices))
            }
        );
        if let (Some(l), Some(r)) = (&e.lhs, &e.rhs)
            && l.rows * l.cols <= 16
            && r.rows * r.cols <= 16
        {
            let _ = writeln!(out, "  left  = {}", fmt_matrix(&l.data));
            let _ = writeln!(out, "  right = {}", fmt_matrix(&r.data));
        }
        if let Some(d) = &e.diagnosis {
            let _ = writeln!(out, "  {}diagnosis:{} {d}", p.yellow, p.reset);
        }
    }
    out.push('\n');
}

fn fmt_matrix(rows: &[Vec<f64>]) -> String {
    let rows: Vec<String> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|x| format!("{x:.4}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    format!("[{}]", rows.join("; "))
}

/// `equations: 12 display, 9 checked (8 passed, 1 failed), 3 unchecked (undeclared x: 2; \int: 1)`.
pub fn coverage_line(c: &crate::check::verdict::EquationCoverage) -> String {
    let mut s = format!(
        "equations: {} display, {} checked ({} passed, {} failed), {} unchecked",
        c.display, c.checked, c.passed, c.failed, c.unchecked
    );
    if !c.reasons.is_empty() {
        let mut reasons: Vec<(&String, &usize)> = c.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let parts: Vec<String> = reasons
            .iter()
            .map(|(r, n)| format!("{}: {n}", crate::output::junit::one_line(r)))
            .collect();
        s.push_str(&format!(" ({})", parts.join("; ")));
    }
    s
}

/// `notes/a.md:12: unchecked: undeclared x`, one line per unchecked display
/// equation (for `notecheck check -v`).
pub fn unchecked_list(results: &[NoteResult]) -> String {
    let mut out = String::new();
    for n in results {
        for e in &n.equations {
            if let crate::check::verdict::Coverage::Unchecked(reason) = &e.coverage {
                let _ = writeln!(
                    out,
                    "{}:{}: unchecked: {}",
                    n.path,
                    e.line,
                    crate::output::junit::one_line(reason)
                );
            }
        }
    }
    out
}
