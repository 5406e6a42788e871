//! Atoms: what `\nabla_X` (and an operator `\frac{\partial}{\partial X}`)
//! applies to.

use super::{MATH_STYLES, R, Reader, SIZES, WORD_STYLES, is_word_byte, unsupported};

/// Commands whose argument is part of the atom: `\hat{y}`, `\mathcal{L}`.
const ACCENTS: &[&str] = &[
    "hat",
    "widehat",
    "bar",
    "overline",
    "tilde",
    "widetilde",
    "mathcal",
    "mathscr",
];

impl Reader<'_> {
    /// The end of the atom at `i` (for `\nabla_X Y`): a name with its
    /// command, or a parenthesised group, with the scripts after it.
    pub(super) fn atom_end(&self, i: usize, end: usize) -> R<usize> {
        let i = self.skip_ws(i, end);
        if i >= end {
            return unsupported(i, "\\nabla without a function");
        }
        let mut j = match self.b[i] {
            b'(' | b'[' => self.balanced(i, end)?,
            b'{' => self.matching(i, end)? + 1,
            b'\\' => {
                let (name, j) = self.command_at(i, end);
                if name == "begin" {
                    let (a, b, _) = self.arg(j, end)?;
                    let close = format!("\\end{{{}}}", &self.src[a..b]);
                    match self.src[j..end].find(&close) {
                        Some(k) => j + k + close.len(),
                        None => return unsupported(i, "unbalanced \\begin"),
                    }
                } else if let Some(e) = self.norm_end(i, end) {
                    e
                } else if SIZES.contains(&name) {
                    self.balanced(self.skip_ws(j, end), end)?
                } else if MATH_STYLES.contains(&name)
                    || WORD_STYLES.contains(&name)
                    || ACCENTS.contains(&name)
                {
                    self.arg(j, end)?.2
                } else if ["frac", "dfrac", "tfrac"].contains(&name) {
                    let after_n = self.arg(j, end)?.2;
                    self.arg(after_n, end)?.2
                } else {
                    j
                }
            }
            c if is_word_byte(c) => {
                let mut j = i + 1;
                while j < end && self.b[j].is_ascii_digit() {
                    j += 1;
                }
                j
            }
            _ => return unsupported(i, "\\nabla without a function"),
        };
        // A call: f(x).
        if j < end && self.b[j] == b'(' {
            j = self.balanced(j, end)?;
        }
        while j < end && matches!(self.b[j], b'_' | b'^') {
            j = self.arg(j + 1, end)?.2;
        }
        Ok(j)
    }

    /// At `i`, a norm `\lVert … \rVert`, `\| … \|`, `\Vert … \Vert`
    /// (after `\left` or a size, or bare): the end past its closing bar.
    fn norm_end(&self, i: usize, end: usize) -> Option<usize> {
        let mut k = i;
        let (name, j) = self.command_at(k, end);
        if SIZES.contains(&name) {
            k = self.skip_ws(j, end);
        }
        let rest = &self.src[k..end];
        let (open, close) = [("\\lVert", "\\rVert"), ("\\|", "\\|"), ("\\Vert", "\\Vert")]
            .into_iter()
            .find(|(o, _)| rest.starts_with(o))?;
        let after_open = k + open.len();
        let c = self.src[after_open..end].find(close)?;
        Some(after_open + c + close.len())
    }

    /// Whether the atom `[a, b)` is a constant factor for a derivative in
    /// `var` (its TeX): a number (`2`, `0.5`), or a fraction without the
    /// variable's letter (`\frac{1}{2}`, `\tfrac12`, `\frac{1}{n}`,
    /// `\frac{\lambda}{2}`): then `\nabla_w \frac{1}{n} f` is ∇(f/n).
    pub(super) fn is_constant(&self, a: usize, b: usize, var: &str) -> bool {
        let t: String = self.src[a..b]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return true;
        }
        let Some(f) = ["\\frac", "\\dfrac", "\\tfrac"]
            .iter()
            .find_map(|f| t.strip_prefix(f))
        else {
            return false;
        };
        // The variable's letter: the last one of `\mathbf{w}`, `W_1`.
        let letter = var
            .trim_end_matches(|c: char| !c.is_ascii_alphabetic())
            .chars()
            .last();
        let fraction_letters: String = f.replace("\\lambda", "").replace("\\eta", "");
        !f.contains("\\partial")
            && letter.is_some_and(|l| !fraction_letters.contains(l))
            && !fraction_letters.contains("\\")
    }
}
