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
        // Split once per note: a line lookup per problem would make a
        // large note with many failures quadratic.
        let lines: Vec<&str> = src.lines().collect();
        for c in n.claims() {
            if c.status.is_failure() {
                problem(&mut out, &n.path, &lines, c, &p);
            }
        }
        for w in &n.warnings {
            let _ = writeln!(
                out,
                "{}:{}:{}: {}warning{}: {}",
                n.path, w.line, w.col, p.yellow, p.reset, w.message
            );
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

fn problem(out: &mut String, path: &str, lines: &[&str], c: &ClaimResult, p: &Paint) {
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
    if let Some(line) = lines.get(c.line.saturating_sub(1)).copied() {
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
