//! Superscripts and subscripts whose reading depends on their contents.

/// A transpose mark as a superscript: `T`, `\top`, `\intercal`, …
pub(super) fn is_transpose(inner: &str) -> bool {
    matches!(
        inner,
        "T" | "\\top"
            | "\\intercal"
            | "\\mathsf{T}"
            | "\\mathrm{T}"
            | "\\textsf{T}"
            | "\\mathrm T"
            | "\\mathsf T"
            | "{T}"
    )
}

/// A subscript of two letter indices (`ij`, `i,j`, `pq`): a matrix entry.
pub(super) fn entry_pair(inner: &str) -> bool {
    let letters: Vec<char> = inner
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '{' | '}'))
        .collect();
    letters.len() == 2 && letters.iter().all(|c| c.is_ascii_alphabetic())
}

impl super::Reader<'_> {
    /// `\mathbf{Ax}` at `i`: a bold group of two or more letters, which the
    /// reader splits into a product (`A x`).
    pub(super) fn bold_letters(&self, i: usize, end: usize) -> bool {
        if self.b.get(i) != Some(&b'\\') || i >= end {
            return false;
        }
        let (name, j) = self.command_at(i, end);
        if !matches!(name, "mathbf" | "boldsymbol" | "bm" | "pmb") {
            return false;
        }
        self.arg(j, end).is_ok_and(|(a, b, _)| {
            let inner = self.src[a..b].trim();
            inner.len() >= 2 && inner.bytes().all(|c| c.is_ascii_alphabetic() || c == b' ')
        })
    }
}

impl super::Reader<'_> {
    /// `\frac{\partial x^T A}{\partial x}` (numerator `[na, nb)`, denominator
    /// `[da, db)`): where the numerator after `\partial` is more than one
    /// atom (or a bold group of letters, `\mathbf{Ax}`), the offset where
    /// that product starts; it is read whole, ∂(xᵀA)/∂x. `None` for one
    /// atom, `\partial^2`, a group `(…)` or a function (`\partial \log …`,
    /// which takes its argument anyway).
    pub(super) fn partial_product(
        &self,
        na: usize,
        nb: usize,
        da: usize,
        db: usize,
    ) -> Option<usize> {
        let p = self.skip_ws(na, nb);
        if !self.src[p..nb].starts_with("\\partial")
            || self
                .b
                .get(p + "\\partial".len())
                .is_some_and(u8::is_ascii_alphabetic)
            || !self.src[da..db].trim_start().starts_with("\\partial")
        {
            return None;
        }
        let mut y = self.skip_ws(p + "\\partial".len(), nb);
        while y < nb
            && [",", ";", "!", ":", " "]
                .iter()
                .any(|c| self.src[y..nb].starts_with(&format!("\\{c}")))
        {
            y = self.skip_ws((y + 2).min(nb), nb);
        }
        if y >= nb || matches!(self.b[y], b'^' | b'(') {
            return None;
        }
        if self.b[y] == b'\\' {
            let name = self.command_at(y, nb).0;
            if super::FUNCTIONS.contains(&name) || name == "ln" {
                return None;
            }
        }
        let more = self.atom_end(y, nb).is_ok_and(|e| self.skip_ws(e, nb) < nb);
        (more || self.bold_letters(y, nb)).then_some(y)
    }
}
