//! The one diagnostics model shared by every stage: a [`Diagnostic`] is a
//! byte [`Span`] with a severity, a message, secondary labels and an
//! optional help line; a [`LineIndex`] maps byte offsets of a text to
//! 1-based lines and character columns.
//!
//! A span is a byte range of the text it was found in: the note's source, or
//! a check block's body (the compiler maps body offsets to file lines and
//! columns, adding back a list item's lost indentation).

/// Byte range `start..end` in the text a diagnostic was found in (a check
/// block's body, a statement, the note's source).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    #[default]
    Error,
    Warning,
    Note,
}

/// A secondary place attached to a diagnostic ("left factor is m×n").
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

/// A problem at a place: the one error and warning type of the pipeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub span: Span,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            span,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }
    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(span, message)
        }
    }
    /// With a secondary label.
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            text: text.into(),
        });
        self
    }
    /// With a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
    /// Every span moved by `delta` bytes (a diagnostic found in a part of a
    /// text, placed in the whole).
    pub fn shifted(mut self, delta: usize) -> Diagnostic {
        let shift = |s: Span| Span::new(s.start + delta, s.end + delta);
        self.span = shift(self.span);
        for l in &mut self.labels {
            l.span = shift(l.span);
        }
        self
    }
}

/// Byte offsets of a text's line starts: maps an offset to its line and
/// column with a binary search (a note of many statements stays linear).
#[derive(Clone, Debug)]
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of each line's first byte; `starts[0] == 0`.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The text indexed.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Line and column of byte `offset`: the line 0-based (the number of
    /// `'\n'` before the offset), the column 1-based in characters. An
    /// offset past the end is clamped to the end, one inside a character to
    /// that character's start.
    pub fn line_col0(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let k = self.starts.partition_point(|&s| s <= offset) - 1;
        let col = self.text[self.starts[k]..offset].chars().count() + 1;
        (k, col)
    }

    /// 1-based line and 1-based character column of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let (line, col) = self.line_col0(offset);
        (line + 1, col)
    }

    /// Byte offset of 1-based `line` and 1-based character column `col`
    /// (clamped to the line and the text).
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let start = self.line_start(line.saturating_sub(1));
        let end = self.line_start(line).min(self.text.len());
        let rest = &self.text[start.min(end)..end];
        start
            + rest
                .char_indices()
                .nth(col.saturating_sub(1))
                .map_or(rest.len(), |(i, _)| i)
    }

    /// Byte offset where 0-based line `line` starts (the end of the text
    /// past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }
}

/// Damerau–Levenshtein distance (an adjacent swap counts one), for the
/// "did you mean" of unknown names, functions and fence info strings.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_maps_offsets() {
        let ix = LineIndex::new("ab\ncé\n\nz");
        assert_eq!(ix.line_col(0), (1, 1));
        assert_eq!(ix.line_col(2), (1, 3)); // the '\n' itself
        assert_eq!(ix.line_col(3), (2, 1));
        assert_eq!(ix.line_col(4), (2, 2));
        // Inside 'é' (2 bytes at 4..6): that character's start.
        assert_eq!(ix.line_col(5), (2, 2));
        assert_eq!(ix.line_col(6), (2, 3));
        assert_eq!(ix.line_col(7), (3, 1));
        assert_eq!(ix.line_col(8), (4, 1));
        // Past the end: clamped.
        assert_eq!(ix.line_col(99), (4, 2));
        assert_eq!(ix.line_col0(8), (3, 1));
        assert_eq!(ix.line_start(1), 3);
        assert_eq!(ix.line_start(9), 9);
        assert_eq!(ix.offset_of(2, 2), 4);
        assert_eq!(ix.offset_of(2, 3), 6);
        assert_eq!(ix.offset_of(4, 1), 8);
        assert_eq!(ix.offset_of(9, 9), 9);
    }

    #[test]
    fn line_index_of_empty_text() {
        let ix = LineIndex::new("");
        assert_eq!(ix.line_col(0), (1, 1));
        assert_eq!(ix.line_col(5), (1, 1));
    }

    #[test]
    fn line_index_agrees_with_a_scan() {
        let text = "let x ∈ R^n\n  f = x·x  # ok\n\n∂f/∂x = 2x\n";
        let ix = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            let mut o = offset.min(text.len());
            while !text.is_char_boundary(o) {
                o -= 1;
            }
            let before = &text[..o];
            let start = before.rfind('\n').map_or(0, |p| p + 1);
            let want = (
                before.matches('\n').count(),
                before[start..].chars().count() + 1,
            );
            assert_eq!(ix.line_col0(offset), want, "offset {offset}");
        }
    }

    #[test]
    fn diagnostic_builders() {
        let d = Diagnostic::error(Span::new(2, 5), "shapes differ")
            .with_label(Span::new(2, 3), "left factor is m×n")
            .with_label(Span::new(4, 5), "right factor is k×n")
            .with_help("transpose one side")
            .shifted(10);
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(d.span, Span::new(12, 15));
        assert_eq!(d.labels[1].span, Span::new(14, 15));
        assert_eq!(d.labels[0].text, "left factor is m×n");
        assert_eq!(d.help.as_deref(), Some("transpose one side"));
        let w = Diagnostic::warning(Span::new(0, 1), "near miss");
        assert_eq!(w.severity, Severity::Warning);
        assert!(w.labels.is_empty() && w.help.is_none());
    }
}
