//! Human output: one block per problem (`file:line:col`, the source line
//! with a caret, the message and evidence), then `N passed, N failed`.

use std::fmt::Write;

use crate::check::verdict::{CheckedNote, ClaimResult, Status};
use crate::output::{Emitter, count_line, fmt_num, one_line, reproduce, trial_line, verdict_line};

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

/// The human output: one block per failing claim, then the verdict line
/// and `N passed, N failed`.
pub struct Human {
    /// ANSI colours (for a terminal).
    pub color: bool,
}

impl Emitter for Human {
    fn emit(&self, notes: &[CheckedNote<'_>], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        w.write_all(render(notes, self.color).as_bytes())
    }
}

/// The human output as a string.
pub fn render(notes: &[CheckedNote<'_>], color: bool) -> String {
    let p = Paint::new(color);
    let mut out = String::new();
    for n in notes {
        for c in n.result.claims() {
            if c.status.is_failure() {
                problem(&mut out, &n.result.path, &n.note.source, c, &p);
            }
        }
        for w in &n.result.warnings {
            let _ = writeln!(
                out,
                "{}:{}:{}: {}warning{}: {}",
                visible(&n.result.path),
                w.line,
                w.col,
                p.yellow,
                p.reset,
                visible(&w.message)
            );
        }
    }
    let (failed, verdict) = verdict_line(notes);
    let col = if failed { p.red } else { p.green };
    let (word, rest) = verdict.split_once(':').unwrap_or((&verdict, ""));
    let _ = writeln!(out, "{col}{word}{}:{rest}", p.reset);
    let mut cov = crate::check::verdict::EquationCoverage::default();
    for n in notes {
        cov.merge(&n.result.coverage());
    }
    if cov.display > 0 {
        let _ = writeln!(out, "{}", coverage_line(&cov));
    }
    let warnings: usize = notes.iter().map(|n| n.result.warnings.len()).sum();
    if warnings > 0 {
        let _ = writeln!(
            out,
            "{}{warnings} warning{}{}",
            p.yellow,
            if warnings == 1 { "" } else { "s" },
            p.reset
        );
    }
    let _ = writeln!(out, "{}{}{}", p.bold, count_line(notes), p.reset);
    out
}

/// `s` with every control character a terminal would act on shown as a
/// visible symbol, as rustc does: C0 controls as their Unicode pictures
/// (ESC → ␛, CR → ␍; tab and newline kept), DEL as ␡, C1 controls and the
/// bidirectional overrides and isolates (U+202E…) as `\u{202e}`.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    fn bad(c: char) -> bool {
        (c.is_control() && c != '\t' && c != '\n')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !s.chars().any(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if !bad(c) => out.push(c),
            '\u{7f}' => out.push('\u{2421}'),
            c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

fn problem(out: &mut String, path: &str, src: &str, c: &ClaimResult, p: &Paint) {
    let path = visible(path);
    let (col, word) = match c.status {
        Status::Fail => (p.red, "fail"),
        Status::Error => (p.red, "error"),
        Status::Xpass => (p.yellow, "xpass"),
        _ => (p.dim, c.status.as_str()),
    };
    let mut head = format!("{path}:{}:{}: {col}{word}{}", c.line, c.col, p.reset);
    if let Some(b) = &c.block {
        let _ = write!(head, " [#{}]", visible(b));
    }
    if let Some(l) = &c.label {
        let _ = write!(head, " ({})", visible(l));
    }
    if c.status == Status::Xpass {
        head.push_str(": expected to fail (should-fail block), but it holds");
    }
    let _ = writeln!(out, "{}{head}{}", p.bold, p.reset);
    if let Some(line) = src.lines().nth(c.line.saturating_sub(1)) {
        let num = c.line.to_string();
        let _ = writeln!(out, "{} {num} |{} {}", p.dim, p.reset, visible(line));
        let before: String = line.chars().take(c.col.saturating_sub(1)).collect();
        let pad: String = visible(&before)
            .chars()
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
        let _ = writeln!(out, "  {}", visible(m));
    }
    if let (Some(e), Some(trial)) = (&c.evidence, trial_line(c)) {
        let _ = writeln!(out, "  {}evidence:{} {trial}", p.dim, p.reset);
        if let (Some(l), Some(r)) = (&e.lhs, &e.rhs)
            && l.rows * l.cols <= 16
            && r.rows * r.cols <= 16
        {
            let _ = writeln!(out, "  left  = {}", fmt_matrix(&l.data));
            let _ = writeln!(out, "  right = {}", fmt_matrix(&r.data));
        }
        if let Some(d) = &e.diagnosis {
            let _ = writeln!(
                out,
                "  {}diagnosis:{} {}",
                p.yellow,
                p.reset,
                visible(&d.text)
            );
        }
        let _ = writeln!(
            out,
            "  {}reproduce:{} {}",
            p.dim,
            p.reset,
            reproduce(&path, c.line)
        );
    }
    out.push('\n');
}

fn fmt_matrix(rows: &[Vec<f64>]) -> String {
    let rows: Vec<String> = rows
        .iter()
        .map(|r| r.iter().map(|&x| fmt_num(x)).collect::<Vec<_>>().join(" "))
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
            .map(|(r, n)| format!("{}: {n}", visible(&one_line(r))))
            .collect();
        s.push_str(&format!(" ({})", parts.join("; ")));
    }
    s
}

/// `notes/a.md:12: unchecked: undeclared x`, one line per unchecked display
/// equation (for `notecheck check -v`).
pub fn unchecked_list(notes: &[CheckedNote<'_>]) -> String {
    let mut out = String::new();
    for n in notes {
        for e in &n.result.equations {
            if let crate::check::verdict::Coverage::Unchecked(reason) = &e.coverage {
                let _ = writeln!(
                    out,
                    "{}:{}: unchecked: {}",
                    visible(&n.result.path),
                    e.line,
                    visible(&one_line(reason))
                );
            }
        }
    }
    out
}
