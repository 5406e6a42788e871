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
