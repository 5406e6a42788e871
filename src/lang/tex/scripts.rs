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
