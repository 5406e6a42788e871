//! Numbers in the prose: `e^{x}`, Euler's number to a power, when the
//! note has no name `e`; a term `+ 0` (the derivative of a constant).

use super::{Mode, R, Reader};

impl Reader<'_> {
    /// `e^{z_j}` at `i` → `\exp(z_j)`, when nothing declares `e` and the
    /// power holds a letter that is not a transpose mark: `e^T`, `e^\top`,
    /// `e^{-1}`, `e^2` stay the name `e` (a vector's transpose, a number's
    /// power). `None`: not such a power.
    pub(super) fn euler_power(&mut self, i: usize, end: usize) -> R<Option<usize>> {
        if self.b[i] != b'e'
            || i + 2 >= end
            || self.b[i + 1] != b'^'
            || (self.known)("e")
            || self.matrix > 0
        {
            return Ok(None);
        }
        let (a, b, after) = self.arg(i + 2, end)?;
        let power = self.src[a..b].trim();
        const TRANSPOSES: &[&str] = &[
            "T",
            "\\top",
            "\\intercal",
            "\\mathsf{T}",
            "\\mathrm{T}",
            "H",
            "*",
        ];
        if TRANSPOSES.contains(&power)
            || power.starts_with('\\') && TRANSPOSES.iter().any(|t| power.starts_with(t))
            || !power.bytes().any(|c| c.is_ascii_alphabetic())
            || self.b.get(after) == Some(&b'_')
        {
            return Ok(None);
        }
        self.emit("\\exp(", i);
        self.seq(a, b, Mode::Math)?;
        self.emit(")", b);
        Ok(Some(after))
    }

    /// A term `+ 0` / `- 0` at `i` (the `0`), between term boundaries: it
    /// adds nothing whatever the shapes, so it is dropped with its sign
    /// (read as a 1×1 zero it would not add to a vector). `None`: not one.
    pub(super) fn zero_term(&mut self, i: usize, end: usize) -> Option<usize> {
        if self.b[i] != b'0'
            || self.matrix > 0
            || self.b.get(i + 1).is_some_and(u8::is_ascii_digit)
            || self.b.get(i + 1) == Some(&b'.') && self.b.get(i + 2).is_some_and(u8::is_ascii_digit)
        {
            return None;
        }
        let before = self.text.trim_end();
        if before.len() <= self.row_start || !before.ends_with(['+', '-']) {
            return None;
        }
        let k = self.skip_ws(i + 1, end);
        if !(k >= end || self.ends_term(k, end)) {
            return None;
        }
        let keep = before.len() - 1;
        self.text.truncate(keep);
        self.map.truncate(keep);
        Some(i + 1)
    }
}
