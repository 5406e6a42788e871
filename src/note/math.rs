//! Display math is a block: `$$` that opens a line starts a display
//! equation that runs to the closing `$$`, as GitHub and pandoc read it.
//!
//! Before any Markdown parser sees a note, [`protect`] finds those
//! equations and masks their contents (every byte between the `$$`s
//! becomes `x`), so nothing inside is Markdown: no list markers, no setext
//! underlines, no blank lines, no `>`, no emphasis. The masked text has the
//! same length as the source, so every byte offset (and the line numbers
//! computed from the source) stays exact; whoever renders an equation takes
//! its LaTeX from the [`Equation`], not from the masked text.
//!
//! LaTeX comments are read here too: `% check` options are parsed, and every
//! comment is blanked out of [`Equation::tex`] (spaces, same length).

use std::ops::Range;

use super::options::parse_options;
use crate::config::CheckOverrides;
use crate::diag::{Diagnostic, Span};

/// Whether an equation must be, may be, or is not checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CheckMode {
    /// No `% check` comment: checked when it reads, else unchecked.
    #[default]
    Auto,
    /// `% check`: anything that keeps it from being checked is an `error`.
    Required,
    /// `% check: off`: display only.
    Off,
}

/// The `% check` options of one equation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EquationOptions {
    pub mode: CheckMode,
    pub should_fail: bool,
    pub einstein: bool,
    pub overrides: CheckOverrides,
    /// Unknown options and bad values, with spans in the note's source.
    pub errors: Vec<Diagnostic>,
}

/// One display equation of a note.
#[derive(Clone, Debug, PartialEq)]
pub struct Equation {
    /// Position among the note's display equations, from 0.
    pub index: usize,
    /// Byte range of the whole `$$…$$` in the note's source.
    pub range: Range<usize>,
    /// Byte offset in the source of the first byte of `tex`.
    pub tex_start: usize,
    /// The LaTeX between the `$$`s with the same byte length as the source
    /// it comes from (`tex[k]` is `source[tex_start + k]`): blockquote
    /// markers `>` of continuation lines and `%` comments are spaces.
    pub tex: String,
    /// 1-based file line of the opening `$$`.
    pub line: usize,
    pub options: EquationOptions,
}

/// An inline math span that may be a prose declaration (it holds `\in`).
#[derive(Clone, Debug, PartialEq)]
pub struct InlineMath {
    /// Byte offset in the source of the first byte of `tex`.
    pub tex_start: usize,
    pub tex: String,
}

/// The source with every display equation's contents masked, and the
/// equations found (without their options: see [`read_options`]).
pub(crate) fn protect(source: &str, body_start: usize) -> (String, Vec<Equation>) {
    let bytes = source.as_bytes();
    let mut masked = source.as_bytes().to_vec();
    let mut equations = Vec::new();
    let mut fence: Option<(u8, usize)> = None;
    let mut pos = body_start.min(source.len());
    let mut line_no = 1 + source[..pos].matches('\n').count();
    while pos < bytes.len() {
        let line_end = source[pos..].find('\n').map_or(source.len(), |i| pos + i);
        let line = &source[pos..line_end];
        // The line's content after indentation and blockquote markers.
        let lead = line
            .find(|c: char| !(c == ' ' || c == '\t' || c == '>'))
            .unwrap_or(line.len());
        let content = &line[lead..];
        if let Some((ch, len)) = fence {
            let run = content.bytes().take_while(|&b| b == ch).count();
            if run >= len && content[run..].trim().is_empty() {
                fence = None;
            }
        } else if let Some(f) = fence_open(content) {
            fence = Some(f);
        } else if content.starts_with("$$") {
            let open = pos + lead;
            // `$$x$$ is a vector …`: text after the closing `$$` makes it
            // inline math, as kramdown (Jekyll) reads it.
            if let Some(close) =
                find_close(source, open + 2).filter(|&c| !text_follows(source, c + 2))
            {
                let quote_depth = line[..lead].matches('>').count();
                let tex_start = open + 2;
                let mut tex = source[tex_start..close].to_string();
                if quote_depth > 0 {
                    tex = strip_quote_markers(&tex, quote_depth);
                }
                for b in &mut masked[tex_start..close] {
                    *b = b'x';
                }
                equations.push(Equation {
                    index: equations.len(),
                    range: open..close + 2,
                    tex_start,
                    tex,
                    line: line_no,
                    options: EquationOptions::default(),
                });
                line_no += source[pos..close].matches('\n').count();
                pos = close + 2;
                // The rest of the closing line is ordinary Markdown.
                continue;
            }
        }
        line_no += 1;
        pos = line_end + 1;
    }
    // Only ASCII `x` replaced whole UTF-8 sequences' bytes: still UTF-8.
    let masked = String::from_utf8(masked).unwrap_or_else(|_| source.to_string());
    (masked, equations)
}

/// A fence opener: three or more backticks or tildes.
fn fence_open(content: &str) -> Option<(u8, usize)> {
    let ch = *content.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let run = content.bytes().take_while(|&b| b == ch).count();
    (run >= 3 && !(ch == b'`' && content[run..].contains('`'))).then_some((ch, run))
}

/// The offset of the `$$` that closes a display equation opened before
/// `from` (a `\$` is an escaped dollar, not a delimiter).
/// Whether words follow on the line from `at` (not only spaces and
/// punctuation such as `.` `,` `;` `:`).
fn text_follows(source: &str, at: usize) -> bool {
    let rest = source[at..].split('\n').next().unwrap_or("");
    rest.chars()
        .any(|c| !(c.is_whitespace() || ".,;:!?)".contains(c)))
}

fn find_close(source: &str, from: usize) -> Option<usize> {
    let b = source.as_bytes();
    let mut i = from;
    while i + 1 < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'$' if b[i + 1] == b'$' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Blank up to `depth` leading `>` markers (and the spaces among them) on
/// every line after the first.
fn strip_quote_markers(tex: &str, depth: usize) -> String {
    let mut out = String::with_capacity(tex.len());
    for (i, line) in tex.split_inclusive('\n').enumerate() {
        if i == 0 {
            out.push_str(line);
            continue;
        }
        let mut seen = 0;
        let mut cut = 0;
        for (k, c) in line.char_indices() {
            match c {
                '>' if seen < depth => {
                    seen += 1;
                    cut = k + 1;
                }
                ' ' | '\t' => {}
                _ => break,
            }
        }
        out.push_str(&" ".repeat(cut));
        out.push_str(&line[cut..]);
    }
    out
}

/// Read the `%` comments of `eq.tex`: `% check…` sets the options (errors
/// with spans in the note's source), and every comment is blanked out of
/// the tex.
pub(crate) fn read_options(eq: &mut Equation) {
    let mut tex = eq.tex.clone().into_bytes();
    let mut options = EquationOptions::default();
    let text = eq.tex.clone();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(p) = comment_start(line) {
            let comment = line[p + 1..].trim_end_matches(['\n', '\r']);
            let at = offset + p + 1;
            read_comment(eq.tex_start + at, comment, &mut options);
            let end = offset + line.trim_end_matches(['\n', '\r']).len();
            for b in &mut tex[offset + p..end] {
                *b = b' ';
            }
        }
        offset += line.len();
    }
    eq.tex = String::from_utf8(tex).unwrap_or(text);
    eq.options = options;
}

/// The byte offset of an unescaped `%` in `line`.
fn comment_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'%' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// One comment's text after `%`, which starts at `at` in `source`.
fn read_comment(at: usize, comment: &str, o: &mut EquationOptions) {
    let trimmed = comment.trim_start();
    let Some(rest) = trimmed.strip_prefix("check") else {
        return;
    };
    if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-') {
        return; // `% checked by hand`: only a comment
    }
    let rest_at = at + (comment.len() - trimmed.len()) + 5;
    let (opts_text, opts_at) = match rest.trim_start().strip_prefix(':') {
        Some(r) => (r, rest_at + (rest.len() - r.len())),
        None => (rest, rest_at),
    };
    if o.mode == CheckMode::Auto {
        o.mode = CheckMode::Required;
    }
    let locate = |r: Range<usize>, message: String| {
        Diagnostic::error(Span::new(opts_at + r.start, opts_at + r.end), message)
    };
    // `off` is this comment's own word; the rest are block options.
    let mut words = String::new();
    for (i, w) in opts_text.split(' ').enumerate() {
        if i > 0 {
            words.push(' ');
        }
        if w == "off" {
            o.mode = CheckMode::Off;
            words.push_str(&" ".repeat(w.len()));
        } else {
            words.push_str(w);
        }
    }
    let parsed = parse_options(&words);
    if let Some(id) = parsed.id {
        o.errors.push(locate(
            parsed.id_at.unwrap_or(0..0),
            format!("an equation takes no id ('#{id}'); use \\label in its LaTeX"),
        ));
    }
    if parsed.hide {
        o.errors.push(locate(
            words.find("hide").map_or(0..0, |k| k..k + 4),
            "an equation cannot be hidden; use '% check: off' to only display it".to_string(),
        ));
    }
    o.should_fail |= parsed.should_fail;
    o.einstein |= parsed.einstein;
    merge(&mut o.overrides, parsed.overrides);
    for (range, message) in parsed.errors {
        o.errors
            .push(locate(range, format!("in '% check': {message}")));
    }
}

fn merge(into: &mut CheckOverrides, from: CheckOverrides) {
    macro_rules! take {
        ($($f:ident),*) => { $( if from.$f.is_some() { into.$f = from.$f; } )* };
    }
    take!(
        trials,
        seed,
        dim_range,
        rtol,
        atol,
        approx_rtol,
        flatten,
        layout,
        einstein,
        latex
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eqs(src: &str) -> (String, Vec<Equation>) {
        let (m, mut e) = protect(src, 0);
        for q in &mut e {
            read_options(q);
        }
        (m, e)
    }

    #[test]
    fn masks_contents_keeping_offsets() {
        let src = "Text\n\n$$\na\n\n- b\n=\n> c *d*\n$$\nafter\n";
        let (m, e) = eqs(src);
        assert_eq!(m.len(), src.len());
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 3);
        assert_eq!(&src[e[0].range.clone()], "$$\na\n\n- b\n=\n> c *d*\n$$");
        assert_eq!(e[0].tex, "\na\n\n- b\n=\n> c *d*\n");
        assert!(!m.contains("- b"));
        assert!(m.ends_with("$$\nafter\n"));
    }

    #[test]
    fn fences_and_quotes() {
        let src = "```\n$$\nnot math\n$$\n```\n\n> $$\n> a = b\n> $$\n";
        let (_, e) = eqs(src);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 7);
        assert_eq!(e[0].tex, "\n  a = b\n  ");
        assert_eq!(e[0].tex.len(), e[0].range.len() - 4);
    }

    #[test]
    fn check_comments() {
        let src = "$$\na = b % check: should-fail trials=7\n% just a note\n$$\n$$ x % check: off\n$$\n$$ y % check: bogus\n$$\n$$ z % check\n$$\n$$ w % checked by hand\n$$\n";
        let (_, e) = eqs(src);
        assert_eq!(e.len(), 5);
        assert!(e[0].options.should_fail);
        assert_eq!(e[0].options.overrides.trials, Some(7));
        assert_eq!(e[0].options.mode, CheckMode::Required);
        assert!(!e[0].tex.contains('%') && e[0].tex.contains("a = b"));
        assert_eq!(e[1].options.mode, CheckMode::Off);
        assert_eq!(e[2].options.errors.len(), 1);
        let err = &e[2].options.errors[0];
        let (line, col) = crate::diag::LineIndex::new(src).line_col(err.span.start);
        assert_eq!((line, col), (7, "$$ y % check: b".len()));
        assert_eq!(&src[err.span.start..err.span.end], "bogus");
        assert!(err.message.contains("bogus"), "{}", err.message);
        assert_eq!(e[3].options.mode, CheckMode::Required);
        assert_eq!(e[4].options.mode, CheckMode::Auto);
    }

    #[test]
    fn unclosed_and_escaped() {
        let (_, e) = eqs("$$ a \\$$ b $$\n$$ open\n");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].tex, " a \\$$ b ");
    }
}
