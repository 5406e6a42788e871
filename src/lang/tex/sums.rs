//! `\sum` with its bounds, as the claim language writes them.
//!
//! The language's sums run over the whole range of their index (spec
//! §3.6): `∑_i E`, or `∑_{i=1}^{n} E` with the range's own bound, which the
//! resolver checks against the axes the index subscripts. The reader maps
//! the LaTeX conventions onto that:
//!
//! - `\sum_{i=1}^{N}`, `\sum_{i=1}^N`, `\sum^{N}_{i=1}`, `\sum\limits_{…}`:
//!   `∑_{i=1}^{N}` when `N` is a number or a declared symbol (a dimension);
//! - `\sum_{i=0}^{N-1}` (0-based, the whole range): `∑_{i=1}^{N}`, unless the
//!   index also appears in an affine subscript (`x_{i+1}`, `r(i-1)+k`),
//!   whose meaning the shift would change;
//! - `\sum_{i,j=1}^{n}`: `∑_{i=1}^{n} ∑_{j=1}^{n}`; `\sum_{i \in [N]}`:
//!   `∑_{i=1}^{N}`;
//! - `\sum_{i}`, `\sum_{ij}`, `\sum_i`: as written.
//!
//! Any other bound (part of a range, `i=2`, `N+1`, an undeclared symbol, an
//! upper bound without an index) leaves the equation unchecked with the
//! bound as the reason: never a sum over a range the note did not mean.

use super::{Mode, R, Reader, unsupported};

/// At most this many characters of a bound are quoted in a reason.
const QUOTED: usize = 32;

fn clip(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > QUOTED {
        format!("{}…", s.chars().take(QUOTED).collect::<String>())
    } else {
        s
    }
}

/// `{N}`, `\mathrm{N}`, `N`: the bound's plain text.
fn plain(s: &str) -> &str {
    let mut s = s.trim();
    loop {
        let before = s;
        if let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
            s = inner.trim();
        }
        for w in ["\\mathrm{", "\\mathit{", "\\text{", "\\mathnormal{"] {
            if let Some(inner) = s.strip_prefix(w).and_then(|r| r.strip_suffix('}')) {
                s = inner.trim();
            }
        }
        if s == before {
            return s;
        }
    }
}

/// A bound the language can write: a number or one letter (a dimension).
enum Bound {
    Number(String),
    Symbol(String),
}

fn bound(s: &str) -> Option<Bound> {
    let s = plain(s);
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let n: u64 = s.parse().ok()?;
        return (n >= 1).then(|| Bound::Number(n.to_string()));
    }
    let mut cs = s.chars();
    match (cs.next(), cs.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => Some(Bound::Symbol(c.to_string())),
        _ => None,
    }
}

/// `N-1` (spaces allowed): the `N`.
fn minus_one(s: &str) -> Option<&str> {
    let s = plain(s);
    let rest = s.strip_suffix('1')?.trim_end().strip_suffix('-')?;
    Some(rest.trim())
}

/// `i \in S`: (`i`, `S`); not `\infty` and the like.
fn split_in(s: &str) -> Option<(&str, &str)> {
    let p = s.find("\\in")?;
    let rest = &s[p + 3..];
    (!rest.starts_with(|c: char| c.is_ascii_alphabetic())).then(|| (&s[..p], rest))
}

/// The letters of `s` that stand alone (not part of a command name such
/// as `\cdot`).
fn standalone_letters(s: &str) -> Vec<char> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut k = 0;
    while k < b.len() {
        if b[k] == b'\\' {
            k += 1;
            while k < b.len() && b[k].is_ascii_alphabetic() {
                k += 1;
            }
            continue;
        }
        if b[k].is_ascii_alphabetic() {
            out.push(char::from(b[k]));
        }
        k += 1;
    }
    out
}

/// The index names of a sum's subscript `i`, `i,j`, `ij`: letters only.
fn indices(s: &str) -> Option<Vec<char>> {
    let letters: Vec<char> = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .collect();
    (!letters.is_empty() && letters.iter().all(char::is_ascii_alphabetic)).then_some(letters)
}

impl Reader<'_> {
    /// `\sum` at `i`, its name ending at `j`: the sum with its bounds.
    pub(super) fn sum(&mut self, i: usize, j: usize, end: usize) -> R<usize> {
        // The scripts, in either order, with `\limits` and spaces between.
        let mut lower: Option<(usize, usize)> = None;
        let mut upper: Option<(usize, usize)> = None;
        let mut k = j;
        let mut after = j;
        loop {
            k = self.skip_ws(k, end);
            if self.src[k..end].starts_with("\\limits") {
                k += "\\limits".len();
                continue;
            }
            if self.src[k..end].starts_with("\\nolimits") {
                k += "\\nolimits".len();
                continue;
            }
            match self.b.get(k) {
                Some(b'_') if lower.is_none() && k < end => {
                    let (a, b, next) = self.arg(k + 1, end)?;
                    lower = Some((a, b));
                    k = next;
                    after = next;
                }
                Some(b'^') if upper.is_none() && k < end => {
                    let (a, b, next) = self.arg(k + 1, end)?;
                    upper = Some((a, b));
                    k = next;
                    after = next;
                }
                _ => break,
            }
        }
        self.emit_name("\\sum", i);
        let Some((la, lb)) = lower else {
            return match upper {
                Some((a, b)) => unsupported(
                    i,
                    format!("\\sum^{{{}}} without its index", clip(&self.src[a..b])),
                ),
                None => Ok(j),
            };
        };
        let low = &self.src[la..lb];
        let shown = || match upper {
            Some((a, b)) => format!("\\sum_{{{}}}^{{{}}}", clip(low), clip(&self.src[a..b])),
            None => format!("\\sum_{{{}}}", clip(low)),
        };
        // `i \in [N]`.
        if let Some((idx, set)) = split_in(low)
            && upper.is_none()
        {
            let set = set.trim();
            let range = set
                .strip_prefix('[')
                .and_then(|s| s.strip_suffix(']'))
                .and_then(bound);
            return match (indices(idx), range) {
                (Some(ix), Some(b)) if ix.len() == 1 => {
                    self.bounded(&ix, &b, la, lb, i, &shown())?;
                    Ok(after)
                }
                _ => unsupported(
                    i,
                    format!("{}: a range the language has no sum for", shown()),
                ),
            };
        }
        let Some((idx, from)) = low.split_once('=') else {
            if upper.is_some() {
                return unsupported(
                    i,
                    format!("{}: an upper bound needs the lower one", shown()),
                );
            }
            // `\sum_{i}`, `\sum_{ij}`: as written.
            if indices(low).is_none() {
                return unsupported(
                    i,
                    format!("{}: a range the language has no sum for", shown()),
                );
            }
            self.emit("_{", la);
            self.seq(la, lb, Mode::Script)?;
            self.emit("}", lb);
            return Ok(after);
        };
        let Some(ix) = indices(idx) else {
            return unsupported(i, format!("{}: the index is not a letter", shown()));
        };
        let Some((ua, ub)) = upper else {
            return unsupported(i, format!("{}: no upper bound", shown()));
        };
        let up = &self.src[ua..ub];
        let b = match plain(from) {
            "1" => match bound(up) {
                Some(b) => b,
                None => {
                    return unsupported(
                        i,
                        format!("{}: the upper bound is not a dimension", shown()),
                    );
                }
            },
            "0" => match minus_one(up).and_then(bound) {
                Some(b) => {
                    if ix.iter().any(|c| self.affine_use(*c, after, end)) {
                        return unsupported(
                            i,
                            format!(
                                "{}: 0-based, with the index in an affine subscript",
                                shown()
                            ),
                        );
                    }
                    b
                }
                None => {
                    return unsupported(i, format!("{}: part of the range", shown()));
                }
            },
            _ => return unsupported(i, format!("{}: part of the range", shown())),
        };
        self.bounded(&ix, &b, la, ua, i, &shown())?;
        Ok(after)
    }

    /// `∑_{i=1}^{b}` for each index; `at_index`, `at_bound`: TeX offsets.
    fn bounded(
        &mut self,
        ix: &[char],
        b: &Bound,
        at_index: usize,
        at_bound: usize,
        at: usize,
        shown: &str,
    ) -> R<()> {
        let text = match b {
            Bound::Number(n) => n.clone(),
            Bound::Symbol(s) => {
                if !(self.known)(s) {
                    return unsupported(at, format!("{shown}: undeclared {s}"));
                }
                s.clone()
            }
        };
        for (n, c) in ix.iter().enumerate() {
            if n > 0 {
                self.emit(" \\sum", at);
            }
            self.emit("_{", at_index);
            self.emit(&c.to_string(), at_index);
            self.emit("=1}^{", at_index);
            self.emit(&text, at_bound);
            self.emit("}", at_bound);
        }
        Ok(())
    }

    /// Whether index `c` appears in an affine subscript (`_{i+1}`,
    /// `_{r(i-1)+k}`) in the rest of the row from `from`.
    fn affine_use(&self, c: char, from: usize, end: usize) -> bool {
        let row_end = self.src[from..end].find("\\\\").map_or(end, |k| from + k);
        let row = &self.src[from..row_end];
        let b = row.as_bytes();
        let mut k = 0;
        while let Some(p) = row[k..].find("_{") {
            let open = k + p + 1;
            let mut depth = 0usize;
            let mut e = open;
            while e < b.len() {
                match b[e] {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                e += 1;
            }
            let sub = &row[open + 1..e.min(row.len())];
            let has_index = standalone_letters(sub).contains(&c);
            if has_index && sub.contains(['+', '-', '(', '*']) {
                return true;
            }
            k = e.min(row.len()).max(open + 1);
        }
        false
    }
}
