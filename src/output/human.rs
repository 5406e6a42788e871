//! Human output: one block per problem (`file:line:col`, the source line
//! with a caret, the message and evidence), then `N passed, N failed`.

use std::fmt::Write;

use crate::check::verdict::{CheckedNote, ClaimResult, Status};
use crate::diag::LineIndex;
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

/// Whether the human output on standard output takes colour: a terminal,
/// and no `NO_COLOR` in the environment.
pub fn stdout_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// The human output as a string.
pub fn render(notes: &[CheckedNote<'_>], color: bool) -> String {
    let p = Paint::new(color);
    let mut out = String::new();
    for n in notes {
        // Split once per note: a line lookup per problem would make a
        // large note with many failures quadratic.
        let lines: Vec<&str> = n.note.source.lines().collect();
        let index = LineIndex::new(&n.note.source);
        for c in n.result.claims() {
            if c.status.is_failure() {
                problem(&mut out, &n.result.path, &lines, &index, c, &p);
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

/// Longest source line shown whole in an excerpt, in characters.
const EXCERPT_MAX: usize = 160;

/// The source line to show under a problem and the caret's column in it:
/// a line longer than [`EXCERPT_MAX`] is cut to a window around the
/// column, with "…" where text was left out (a note may be one huge line).
fn excerpt(line: &str, col: usize) -> (String, usize) {
    let n = line.chars().count();
    if n <= EXCERPT_MAX {
        return (line.to_string(), col);
    }
    let at = col.saturating_sub(1).min(n);
    let start = at.saturating_sub(EXCERPT_MAX / 2);
    let end = (start + EXCERPT_MAX).min(n);
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(line.chars().skip(start).take(end - start));
    if end < n {
        shown.push('…');
    }
    (shown, at - start + 1 + usize::from(start > 0))
}

/// The source lines under `c`'s span and labels with the whole span
/// underlined and each label under its span (rendered by
/// annotate-snippets), or `None` when there is no span or the lines are
/// too long or hold characters a terminal would act on (then the line is
/// shown with a caret, see [`excerpt`]).
fn snippet(index: &LineIndex, c: &ClaimResult, color: bool) -> Option<String> {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
    let text = index.text();
    let mut span = c.span?;
    // A span over several lines (a chain's link, from its left side on the
    // line before) is underlined on the line of its relation only.
    if index.line_col0(span.start).0 != index.line_col0(span.end).0 {
        span.start = span.start.max(index.offset_of(c.line, c.col)).min(span.end);
        let (k, _) = index.line_col0(span.start);
        let eol = index.line_start(k + 1).saturating_sub(1).max(span.start);
        span.end = span.end.min(eol);
    }
    let spans = || std::iter::once(span).chain(c.labels.iter().map(|l| l.span));
    let first = spans().map(|s| index.line_col0(s.start).0).min()?;
    let last = spans().map(|s| index.line_col0(s.end).0).max()?;
    let base = index.line_start(first);
    let end = index.line_start(last + 1).min(text.len());
    let shown = text.get(base..end)?.trim_end_matches('\n');
    if shown.contains('\r')
        || shown.lines().any(|l| l.chars().count() > EXCERPT_MAX)
        || visible(shown) != shown
        || spans().any(|s| s.start < base || s.end > base + shown.len() || s.end < s.start)
    {
        return None;
    }
    let level = match c.status {
        Status::Xpass => Level::WARNING,
        _ => Level::ERROR,
    };
    let mut snip = Snippet::source(shown)
        .line_start(first + 1)
        .fold(false)
        .annotation(AnnotationKind::Primary.span(span.start - base..span.end - base));
    for l in &c.labels {
        snip = snip.annotation(
            AnnotationKind::Context
                .span(l.span.start - base..l.span.end - base)
                .label(l.text.as_str()),
        );
    }
    let mut group = Group::with_level(level).element(snip);
    if let Some(h) = &c.help {
        group = group.element(Level::HELP.message(h.as_str()));
    }
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    Some(renderer.render(&[group]))
}

fn problem(
    out: &mut String,
    path: &str,
    lines: &[&str],
    index: &LineIndex,
    c: &ClaimResult,
    p: &Paint,
) {
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
    if let Some(shown) = snippet(index, c, !p.reset.is_empty()) {
        let _ = writeln!(out, "{shown}");
    } else if let Some(line) = lines.get(c.line.saturating_sub(1)).copied() {
        let num = c.line.to_string();
        let (line, at) = excerpt(line, c.col);
        let _ = writeln!(out, "{} {num} |{} {}", p.dim, p.reset, visible(&line));
        let before: String = line.chars().take(at.saturating_sub(1)).collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Diagnostic, Span};

    fn error_at(line: usize, col: usize, d: &Diagnostic) -> ClaimResult {
        ClaimResult {
            message: Some(d.message.clone()),
            ..ClaimResult::new(line, col, "", Status::Error)
        }
        .placed(d)
    }

    #[test]
    fn a_snippet_underlines_the_span_labels_both_sides_and_shows_help() {
        let source = "# T\n\n```check\nA W = W A\n```\n";
        let at = source.find("A W").unwrap();
        let d = Diagnostic::error(Span::new(at + 1, at + 2), "shape mismatch")
            .with_label(Span::new(at, at + 1), "left factor is n×m")
            .with_label(Span::new(at + 2, at + 3), "right factor is n×n")
            .with_help("transpose W");
        let index = LineIndex::new(source);
        let shown = snippet(&index, &error_at(4, 2, &d), false).unwrap();
        assert_eq!(
            shown,
            "  |\n4 | A W = W A\n  | -^- right factor is n×n\n  | |\n  | left factor is n×m\n  |\n  = help: transpose W"
        );
        // A whole claim is underlined, not one caret.
        let claim = Diagnostic::error(Span::new(at, at + 9), "the sides differ");
        let shown = snippet(&index, &error_at(4, 5, &claim), false).unwrap();
        assert!(shown.contains("4 | A W = W A\n  | ^^^^^^^^^"), "{shown}");
        // A control character in the line: no snippet (the caret excerpt
        // shows it made visible).
        let bad = "x\u{1b}[2J = y\n";
        let d = Diagnostic::error(Span::new(0, 1), "unknown name 'x'");
        assert!(snippet(&LineIndex::new(bad), &error_at(1, 1, &d), false).is_none());
    }
}
