//! Rows of aligned environments: which columns hold the math.

use super::Reader;

impl Reader<'_> {
    /// Whether the row before the `&&` at `i` holds only words: `&`, spaces
    /// and `\text{…}` (or `\textbf`, `\mbox`, …) groups, at least one.
    pub(super) fn only_words_before(&self, i: usize) -> bool {
        let before = &self.src[..i];
        let start = match (before.rfind("\\\\"), before.rfind("\\begin{")) {
            (Some(r), Some(b)) if b > r => before[b..].find('}').map_or(i, |k| b + k + 1),
            (Some(r), _) => r + 2,
            (None, Some(b)) => before[b..].find('}').map_or(i, |k| b + k + 1),
            (None, None) => 0,
        };
        let mut j = start;
        let mut words = false;
        while j < i {
            match self.b[j] {
                b' ' | b'\t' | b'\r' | b'\n' | b'&' => j += 1,
                b'\\' => {
                    let (name, k) = self.command_at(j, i);
                    if !["text", "textbf", "textit", "textrm", "mbox"].contains(&name) {
                        return false;
                    }
                    let k = self.skip_ws(k, i);
                    if self.b.get(k) != Some(&b'{') {
                        return false;
                    }
                    match self.matching(k, i) {
                        Ok(close) => j = close + 1,
                        Err(_) => return false,
                    }
                    words = true;
                }
                _ => return false,
            }
        }
        words
    }
}
