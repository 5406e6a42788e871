//! `\underbrace{E}_{…}` and `\overbrace{E}^{…}`: the brace and its note
//! are only typeset, and the braced terms are read as they are shown.

use super::{Mode, R, Reader, unsupported};

impl Reader<'_> {
    /// The brace command at `i` (its name ends at `j`). A braced product
    /// is one factor. A braced sum is read as shown, without parentheses
    /// (`a - \underbrace{b - c}_{…}` is `a - b - c`, as TeX sets it) where
    /// that is the only reading: between `+ - =` (or a row's start or
    /// end); beside a factor (`2\underbrace{a + b}`), where the author may
    /// mean `2(a + b)`, it is unsupported.
    pub(super) fn brace(&mut self, i: usize, j: usize, end: usize, mode: Mode) -> R<usize> {
        let (a, b, after) = self.arg(j, end)?;
        let k = self.skip_ws(after, end);
        let after = if matches!(self.b.get(k), Some(b'_' | b'^')) {
            self.arg(k + 1, end)?.2
        } else {
            after
        };
        if !self.top_level_sum(a, b) {
            self.emit_name("(", i);
            self.seq(a, b, mode)?;
            self.emit(")", b);
            return Ok(after);
        }
        let left = self.text[self.row_start.min(self.text.len())..].trim_end();
        let left_ok = left.is_empty() || left.ends_with(['=', '+', '-', '(', '≈']);
        let n = self.skip_ws(after, end);
        let rest = &self.src[n..end];
        let right_ok = rest.is_empty()
            || rest.starts_with(['+', '-', '=', ')', '&', ',', '.', ';'])
            || rest.starts_with("\\\\")
            || rest.starts_with("\\end")
            || rest.starts_with("\\right")
            || rest.starts_with("\\tag")
            || rest.starts_with("\\label")
            || rest.starts_with("\\text");
        if !(left_ok && right_ok) {
            return unsupported(i, "\\underbrace of a sum beside a factor");
        }
        self.emit(" ", i);
        self.seq(a, b, mode)?;
        self.emit(" ", b);
        Ok(after)
    }

    /// Whether `[a, b)` holds a `+` or `-` outside any group (a leading
    /// sign counts: `-x` beside a factor is as unclear).
    fn top_level_sum(&self, a: usize, b: usize) -> bool {
        let mut depth = 0i32;
        let mut k = a;
        while k < b {
            match self.b[k] {
                b'\\' => k += 1,
                b'{' | b'(' | b'[' => depth += 1,
                b'}' | b')' | b']' => depth -= 1,
                b'+' | b'-' if depth == 0 => return true,
                _ => {}
            }
            k += 1;
        }
        false
    }
}
