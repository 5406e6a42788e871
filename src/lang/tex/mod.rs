//! The LaTeX reader: a display equation of the prose → statements of the
//! claim language, which [`crate::lang::parser`] then reads into the same
//! [`crate::lang::ast`] as a check block.
//!
//! The reader rewrites TeX into claim-language text and keeps, for every
//! byte it writes, the offset in the TeX it came from ([`Reading::map`]), so
//! each statement, relation and error stays at its exact line and column in
//! the note. What it does (spec section 6):
//! - letters are symbols as TeX sets them: `Wx` → `W x`,
//!   `\mathbf{XW}` → `X W`; a letter keeps the digits after it (`W1`);
//!   `\mathrm{name}` / `\operatorname{name}` is one name, and a function's
//!   name (`\text{vec}`, `\mathrm{tr}`) the function;
//! - `\mathbf W_1` is `W1` when `W1` is known and `W` is not;
//! - `\frac{dY}{dX}` (also `\mathrm{d}`) and `\nabla_X Y` are derivatives;
//! - environments `aligned`, `align`, `split`, `gather`, `equation`,
//!   `eqnarray` (starred or not) are dropped: `\\` ends a row (one line of
//!   the claim text), `&` is nothing, so a row `&= …` continues the chain;
//! - `,\quad`, `,\qquad` and `\text{and}` separate statements; a trailing
//!   `,` `.` `;` of a row is punctuation; `\tag{2a}` is the row's label;
//! - `\underbrace{E}_{…}`, `\overbrace{E}^{…}` (a sum in one is read as
//!   shown, see `brace`), `\boxed`, colours, sizes,
//!   spacing, `\label`, `\nonumber` change nothing; `\|x\|` is `norm(x)`;
//! - `\sum_{i=1}^{N}` is the bounded sum `∑_{i=1}^{N}`, `\sum_{i=0}^{N-1}`
//!   too; a bound that is not the whole range is unsupported (see `sums`);
//! - `:=`, `\coloneqq`, `\triangleq`, `\equiv` are `=`.
//!
//! Anything it does not know (`\int`, `\cdots`, `\begin{cases}`, `|x|`) is
//! [`Unsupported`]: the equation is then unchecked, with that reason.

mod atom;
mod brace;
pub mod macros;
mod numbers;
mod rows;
mod scripts;
mod sums;

/// An equation rewritten in the claim language.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// One statement (or chain line) per line.
    pub text: String,
    /// `map[k]` is the byte offset in the TeX of `text[k]`; one extra entry
    /// for the end.
    pub map: Vec<usize>,
}

impl Reading {
    /// The TeX offset of byte `k` of the text.
    pub fn tex_offset(&self, k: usize) -> usize {
        self.map
            .get(k)
            .or(self.map.last())
            .copied()
            .unwrap_or_default()
    }
}

/// A construct the claim language does not have, at a TeX offset.
#[derive(Clone, Debug, PartialEq)]
pub struct Unsupported {
    pub offset: usize,
    /// Short, groupable: `\int`, `\begin{cases}`, `|…|`.
    pub reason: String,
}

/// Built-in functions that `\text{…}`, `\mathrm{…}`, `\operatorname{…}` name:
/// the language's own list.
pub use crate::lang::ir::BUILTIN_NAMES as FUNCTIONS;

const ALIGN_ENVS: &[&str] = &[
    "aligned",
    "align",
    "align*",
    "split",
    "gather",
    "gather*",
    "gathered",
    "equation",
    "equation*",
    "eqnarray",
    "eqnarray*",
    "multline",
    "multline*",
    "alignat",
    "alignat*",
    "alignedat",
    "flalign",
    "flalign*",
];
const MATRIX_ENVS: &[&str] = &["bmatrix", "pmatrix", "matrix"];
const SPACING: &[&str] = &[
    ",",
    ";",
    ":",
    "!",
    " ",
    "quad",
    "qquad",
    "enspace",
    "thinspace",
    "medspace",
    "thickspace",
    "negthinspace",
    "displaystyle",
    "textstyle",
    "limits",
    "nolimits",
    "nonumber",
    "notag",
];
const SIZES: &[&str] = &[
    "left", "right", "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
    "biggl", "biggr", "Biggl", "Biggr", "bigm", "Bigm",
];
/// Style commands whose argument is read as math (letters split).
const MATH_STYLES: &[&str] = &[
    "mathbf",
    "boldsymbol",
    "bm",
    "mathit",
    "mathsf",
    "mathnormal",
    "pmb",
    "vb",
    "mathord",
];
/// Commands whose argument is one upright word.
const WORD_STYLES: &[&str] = &[
    "mathrm",
    "operatorname",
    "text",
    "textrm",
    "mbox",
    "textit",
    "textbf",
];
const ONE_ARG_DROPPED: &[&str] = &[
    "color", "label", "hspace", "vspace", "phantom", "hphantom", "eqref", "ref",
];
const ILLUSTRATIONS: &[&str] = &["cdots", "ldots", "dots", "vdots", "ddots", "dotsc", "dotsb"];

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Letters are symbols.
    Math,
    /// Inside `_{…}` / `^{…}`: letters are kept together (`W_{ij}`).
    Script,
}

struct Reader<'a> {
    src: &'a str,
    b: &'a [u8],
    known: &'a dyn Fn(&str) -> bool,
    text: String,
    map: Vec<usize>,
    row_start: usize,
    row_tag: Option<(String, usize)>,
    matrix: usize,
    norm_open: usize,
    /// Names `W1` this equation declares or defines (`\mathbf W_1 = …`).
    joined: Vec<String>,
    /// Nesting of groups being read (bounded: no stack overflow on input).
    depth: usize,
}

type R<T> = Result<T, Unsupported>;

fn unsupported<T>(offset: usize, reason: impl Into<String>) -> R<T> {
    Err(Unsupported {
        offset,
        reason: reason.into(),
    })
}

/// Read `tex` (a display equation's contents). `known(name)` says whether a
/// name is declared or defined at the equation (for `\mathbf W_1` and `d`).
pub fn read(tex: &str, known: &dyn Fn(&str) -> bool) -> Result<Reading, Unsupported> {
    let mut r = Reader {
        src: tex,
        b: tex.as_bytes(),
        known,
        text: String::with_capacity(tex.len() + 16),
        map: Vec::with_capacity(tex.len() + 16),
        row_start: 0,
        row_tag: None,
        matrix: 0,
        norm_open: 0,
        joined: Vec::new(),
        depth: 0,
    };
    r.seq(0, tex.len(), Mode::Math)?;
    r.end_row(tex.len());
    r.map.push(tex.len());
    Ok(Reading {
        text: r.text,
        map: r.map,
    })
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphabetic()
}

impl Reader<'_> {
    fn emit(&mut self, s: &str, at: usize) {
        self.text.push_str(s);
        self.map.extend(std::iter::repeat_n(at, s.len()));
    }

    /// A name: separated by a space from a name or number just before it.
    fn emit_name(&mut self, s: &str, at: usize) {
        if self
            .text
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == ')' || c == '}')
        {
            self.emit(" ", at);
        }
        self.emit(s, at);
    }

    /// End the current row: trailing punctuation dropped, the `\tag` label
    /// put in front (unless the row continues a chain), a newline.
    fn end_row(&mut self, at: usize) {
        let row_start = self.row_start.min(self.text.len());
        let trimmed = row_start + self.text[row_start..].trim_end().len();
        self.text.truncate(trimmed);
        self.map.truncate(trimmed);
        if self.text.len() > self.row_start && self.text.ends_with([',', '.', ';']) {
            self.text.pop();
            self.map.pop();
        }
        // A `\tag` that is not a label of the language (`\tag{ridge}`) is
        // only typeset: the row is checked without a label.
        if let Some((label, tag_at)) = self.row_tag.take()
            && crate::lang::lexer::is_label(&label)
        {
            let row = self.text[self.row_start..].trim_start();
            let continues =
                row.starts_with(['=', '≈', '≠', '<', '>', '≤', '≥']) || row.starts_with("\\approx");
            if !continues && !row.is_empty() {
                let lead = self.text.len() - self.row_start - row.len();
                let at_text = self.row_start + lead;
                let ins = format!("({label}) ");
                self.text.insert_str(at_text, &ins);
                let pos = at_text;
                self.map
                    .splice(pos..pos, std::iter::repeat_n(tag_at, ins.len()));
            }
        }
        self.emit("\n", at);
        self.row_start = self.text.len();
    }

    fn skip_ws(&self, mut i: usize, end: usize) -> usize {
        while i < end && matches!(self.b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    }

    /// The control word or symbol at `i` (a `\`): (name, end).
    fn command_at(&self, i: usize, end: usize) -> (&str, usize) {
        let mut j = i + 1;
        if j < end && is_word_byte(self.b[j]) {
            while j < end && is_word_byte(self.b[j]) {
                j += 1;
            }
            if j < end && self.b[j] == b'*' {
                j += 1;
            }
        } else if j < end {
            j += self.src[j..].chars().next().map_or(1, char::len_utf8);
        }
        (&self.src[i + 1..j], j)
    }

    /// The argument at `i` (spaces skipped): a braced group's inside, or one
    /// token. Returns (inner start, inner end, end after it).
    fn arg(&self, i: usize, end: usize) -> R<(usize, usize, usize)> {
        let i = self.skip_ws(i, end);
        if i >= end {
            return unsupported(i, "a command without its argument");
        }
        match self.b[i] {
            b'{' => {
                let close = self.matching(i, end)?;
                Ok((i + 1, close, close + 1))
            }
            b'\\' => {
                let (_, j) = self.command_at(i, end);
                Ok((i, j, j))
            }
            _ => {
                let j = i + self.src[i..].chars().next().map_or(1, char::len_utf8);
                Ok((i, j, j))
            }
        }
    }

    /// The `}` matching the `{` at `i`.
    fn matching(&self, i: usize, end: usize) -> R<usize> {
        let mut depth = 0usize;
        let mut j = i;
        while j < end {
            match self.b[j] {
                b'\\' => j += 1,
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(j);
                    }
                }
                _ => {}
            }
            j += 1;
        }
        unsupported(i, "unbalanced braces")
    }

    /// Where the rest of the row is blank (punctuation before it is trailing).
    fn rest_of_row_blank(&self, i: usize, end: usize) -> bool {
        let j = self.skip_ws(i, end);
        j >= end
            || self.src[j..end].starts_with("\\\\")
            || self.src[j..end].starts_with("\\end")
            || self.src[j..end].starts_with("\\tag")
            || self.src[j..end].starts_with("\\label")
            || self.src[j..end].starts_with("\\nonumber")
            || self.src[j..end].starts_with("\\notag")
    }

    /// Whether the factor list of an operator's operand ends at `k`: a
    /// relation, `+`/`-`, punctuation, `&`, `\\`, a relation or spacing
    /// command, a label, or an evaluation bar (`\big|`).
    fn ends_term(&self, k: usize, end: usize) -> bool {
        match self.b[k] {
            b'=' | b'<' | b'>' | b'+' | b'-' | b'&' | b',' | b';' | b'.' | b'|' => true,
            b'\\' => {
                if self.b.get(k + 1) == Some(&b'\\') {
                    return true;
                }
                let (name, j) = self.command_at(k, end);
                const STOPS: &[&str] = &[
                    "le",
                    "leq",
                    "ge",
                    "geq",
                    "lt",
                    "gt",
                    "ne",
                    "neq",
                    "approx",
                    "in",
                    "notin",
                    "succ",
                    "succeq",
                    "prec",
                    "preceq",
                    "quad",
                    "qquad",
                    "text",
                    "tag",
                    "tag*",
                    "label",
                    "notag",
                    "nonumber",
                    "end",
                    "mid",
                    "vert",
                    "cdots",
                    "ldots",
                    "iff",
                    "implies",
                    "to",
                    "rightarrow",
                    "Rightarrow",
                    "equiv",
                    "sim",
                    "simeq",
                    "cong",
                    "pm",
                    "mp",
                ];
                const BARS: &[&str] = &[
                    "big", "Big", "bigg", "Bigg", "bigr", "Bigr", "biggr", "Biggr", "right",
                ];
                if STOPS.contains(&name) {
                    return true;
                }
                if BARS.contains(&name) {
                    let n = self.skip_ws(j, end);
                    return self.b.get(n) == Some(&b'|') || self.src[n..end].starts_with("\\vert");
                }
                false
            }
            _ => false,
        }
    }

    /// After the opening bracket at `i`: the end past its match (`\right)` too).
    fn balanced(&self, i: usize, end: usize) -> R<usize> {
        let mut depth = 0i32;
        let mut j = i;
        while j < end {
            match self.b[j] {
                b'\\' => j += 1,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(j + 1);
                    }
                }
                _ => {}
            }
            j += 1;
        }
        unsupported(i, "unbalanced brackets")
    }

    /// The text after a differential `d` at the start of `[i, end)`.
    fn strip_d(&self, i: usize, end: usize) -> Option<usize> {
        if (self.known)("d") {
            return None;
        }
        let i = self.skip_ws(i, end);
        let s = &self.src[i..end];
        for p in [
            "\\mathrm{d}",
            "\\text{d}",
            "\\operatorname{d}",
            "\\mathrm d",
            "\\textrm{d}",
        ] {
            if let Some(rest) = s.strip_prefix(p) {
                return Some(end - rest.len());
            }
        }
        let rest = s.strip_prefix('d')?;
        let ok = rest.is_empty()
            || rest.starts_with(|c: char| c.is_ascii_alphabetic() || " \\({^".contains(c));
        ok.then_some(i + 1)
    }

    fn seq(&mut self, start: usize, end: usize, mode: Mode) -> R<()> {
        if self.depth >= 64 {
            return unsupported(start, "nested too deeply");
        }
        self.depth += 1;
        let mut i = start;
        while i < end {
            match self.one(i, end, mode) {
                Ok(j) if j > i => i = j,
                Ok(_) => i += self.src[i..].chars().next().map_or(1, char::len_utf8),
                Err(e) => {
                    self.depth -= 1;
                    return Err(e);
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Read one token at `i`; returns where the next one starts.
    fn one(&mut self, i: usize, end: usize, mode: Mode) -> R<usize> {
        let c = self.b[i];
        if c == b'(' && mode == Mode::Math && self.text[self.row_start..].trim().is_empty() {
            // A label `(2a)` at the start of a row.
            if let Some(close) = self.src[i..end].find(')') {
                let inner = &self.src[i + 1..i + close];
                let digits = inner.trim_end_matches(|c: char| c.is_ascii_lowercase());
                if !digits.is_empty()
                    && digits
                        .split('.')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                {
                    self.emit(&self.src[i..=i + close], i);
                    self.emit(" ", i + close);
                    return Ok(i + close + 1);
                }
            }
        }
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | b'~' => {
                if !self.text.ends_with([' ', '\n']) {
                    self.emit(" ", i);
                }
                Ok(i + 1)
            }
            b'&' if self.matrix == 0
                && self.b.get(i + 1) == Some(&b'&')
                && self.only_words_before(i) =>
            {
                // `&\text{Prediction:} &&\hat y = Xw`: the columns before
                // `&&` are a caption in words; the math is after it.
                let keep = self.row_start.min(self.text.len());
                self.text.truncate(keep);
                self.map.truncate(keep);
                Ok(i + 2)
            }
            b'&' if self.matrix == 0 && self.b.get(i + 1) == Some(&b'&') => {
                // `&&` starts an annotation column: skip to the end of the row.
                let mut j = i;
                while j < end
                    && !self.b[j..end].starts_with(b"\\\\")
                    && !self.b[j..end].starts_with(b"\\end")
                {
                    if self.b[j] == b'{' {
                        j = self.matching(j, end)?;
                    }
                    j += 1;
                }
                Ok(j.min(end))
            }
            b'&' => {
                if self.matrix > 0 {
                    self.emit("&", i);
                } else if !self.text.ends_with([' ', '\n']) {
                    self.emit(" ", i);
                }
                Ok(i + 1)
            }
            b'{' => {
                let close = self.matching(i, end)?;
                let scripted = matches!(self.b.get(close + 1), Some(b'^' | b'_'));
                if scripted {
                    self.emit("(", i);
                }
                self.seq(i + 1, close, mode)?;
                if scripted {
                    self.emit(")", close);
                }
                Ok(close + 1)
            }
            b'}' => unsupported(i, "unbalanced braces"),
            // TeX's square brackets group, as parentheses do (a matrix is an
            // environment): `\left[ e^T e \right]` is `(eᵀ e)`, never the
            // claim language's matrix literal.
            b'[' if mode == Mode::Math => {
                self.emit("(", i);
                Ok(i + 1)
            }
            b']' if mode == Mode::Math => {
                self.emit(")", i);
                Ok(i + 1)
            }
            b'_' | b'^' => self.script(i, end),
            b',' => {
                let j = self.skip_ws(i + 1, end);
                let rest = &self.src[j..end];
                if mode == Mode::Math
                    && self.matrix == 0
                    && (rest.starts_with("\\quad") || rest.starts_with("\\qquad"))
                {
                    let (_, k) = self.command_at(j, end);
                    self.end_row(i);
                    Ok(k)
                } else if self.rest_of_row_blank(i + 1, end) {
                    Ok(i + 1)
                } else {
                    self.emit(",", i);
                    Ok(i + 1)
                }
            }
            b'.' | b';' | b'?' | b':' if self.rest_of_row_blank(i + 1, end) => Ok(i + 1),
            // An evaluation bar `E \Big|_{X = V}` (the size dropped before it).
            b'|' if self.b.get(self.skip_ws(i + 1, end)) == Some(&b'_') => {
                self.emit(" |", i);
                Ok(i + 1)
            }
            b'|' => unsupported(i, "|…|"),
            b'!' => unsupported(i, "!"),
            b':' if self.b.get(i + 1) == Some(&b'=') => {
                self.emit(" = ", i);
                Ok(i + 2)
            }
            b'\\' => self.command(i, end, mode),
            c if c.is_ascii_digit() => {
                if mode == Mode::Math
                    && let Some(j) = self.zero_term(i, end)
                {
                    return Ok(j);
                }
                let mut j = i;
                while j < end && (self.b[j].is_ascii_digit() || self.b[j] == b'.') {
                    j += 1;
                }
                let num = self.src[i..j].trim_end_matches('.');
                if mode == Mode::Math {
                    self.emit_name(num, i);
                } else {
                    self.emit(num, i);
                }
                Ok(i + num.len().max(1))
            }
            c if is_word_byte(c) => {
                if mode == Mode::Script {
                    self.emit(&self.src[i..i + 1], i);
                    return Ok(i + 1);
                }
                if let Some(j) = self.euler_power(i, end)? {
                    return Ok(j);
                }
                if c == b'd' && self.matrix == 0 && !(self.known)("d") {
                    let next = self.b.get(i + 1).copied();
                    if next.is_some_and(|n| is_word_byte(n) || n == b'(' || n == b'\\') {
                        self.emit_name("d", i);
                        // The name that follows is glued: `dX`.
                        let mark = self.text.len();
                        let j = self.one(i + 1, end, mode)?;
                        if self.text[mark..].starts_with(' ') {
                            self.text.remove(mark);
                            self.map.remove(mark);
                        }
                        return Ok(j);
                    }
                }
                let mut j = i + 1;
                while j < end && self.b[j].is_ascii_digit() {
                    j += 1;
                }
                self.emit_name(&self.src[i..j], i);
                Ok(j)
            }
            _ => {
                let ch = self.src[i..].chars().next().unwrap_or(' ');
                let mut buf = [0u8; 4];
                self.emit(ch.encode_utf8(&mut buf), i);
                Ok(i + ch.len_utf8())
            }
        }
    }

    /// `_…` or `^…` at `i`.
    fn script(&mut self, i: usize, end: usize) -> R<usize> {
        let (a, b, after) = self.arg(i + 1, end)?;
        let sup = self.b[i] == b'^';
        let inner = self.src[a..b].trim();
        // Transposes and primes.
        if sup && scripts::is_transpose(inner) {
            self.emit("^T", i);
            return Ok(after);
        }
        // `X_{ij}^T`, `(BA)_{pq}^T`: TeX sets both scripts on the base, as
        // `X^T_{ij}`; a transposed entry (a number) would mean nothing, so
        // the transpose is the matrix's: entry (i, j) of Xᵀ.
        if !sup && scripts::entry_pair(inner) {
            let k = self.skip_ws(after, end);
            if k < end
                && self.b[k] == b'^'
                && let Ok((c, d, after_t)) = self.arg(k + 1, end)
                && scripts::is_transpose(self.src[c..d].trim())
            {
                self.emit("^T", k);
                self.emit("_{", i);
                self.seq(a, b, Mode::Script)?;
                self.emit("}", b);
                return Ok(after_t);
            }
        }
        if sup && matches!(inner, "\\prime" | "'") {
            self.emit("'", i);
            return Ok(after);
        }
        self.emit(if sup { "^" } else { "_" }, i);
        let braced = self.b.get(self.skip_ws(i + 1, end)) == Some(&b'{');
        if braced || self.b.get(a) == Some(&b'\\') {
            self.emit("{", a);
            self.seq(a, b, Mode::Script)?;
            self.emit("}", b);
        } else {
            self.seq(a, b, Mode::Script)?;
        }
        Ok(after)
    }

    fn command(&mut self, i: usize, end: usize, mode: Mode) -> R<usize> {
        let (name, j) = self.command_at(i, end);
        let name = name.to_string();
        let n = name.as_str();
        if n == "\\" {
            if self.matrix > 0 {
                self.emit("\\\\", i);
            } else {
                self.end_row(i);
            }
            // `\\[2pt]`
            let k = self.skip_ws(j, end);
            if self.b.get(k) == Some(&b'[') {
                return Ok(self.balanced(k, end)?.min(end));
            }
            return Ok(j);
        }
        if SPACING.contains(&n) {
            if !self.text.ends_with([' ', '\n']) {
                self.emit(" ", i);
            }
            return Ok(j);
        }
        if SIZES.contains(&n) {
            let k = self.skip_ws(j, end);
            if k < end && self.b[k] == b'.' {
                return Ok(k + 1);
            }
            return Ok(k);
        }
        if ILLUSTRATIONS.contains(&n) {
            return unsupported(i, format!("\\{n}"));
        }
        match n {
            "begin" | "end" => {
                let (a, b, after) = self.arg(j, end)?;
                let env = self.src[a..b].trim();
                if ALIGN_ENVS.contains(&env) {
                    if env.starts_with("alignat") || env.starts_with("alignedat") {
                        // `\begin{alignat}{2}`
                        if n == "begin" && self.b.get(after) == Some(&b'{') {
                            return Ok(self.matching(after, end)? + 1);
                        }
                    }
                    return Ok(after);
                }
                if MATRIX_ENVS.contains(&env) {
                    if n == "begin" && self.illustration(after, end) {
                        return unsupported(i, "matrix of entries (an illustration)");
                    }
                    if n == "begin" {
                        self.matrix += 1;
                        self.emit_name(&format!("\\begin{{{env}}}"), i);
                    } else {
                        self.matrix = self.matrix.saturating_sub(1);
                        self.emit(&format!("\\end{{{env}}}"), i);
                    }
                    return Ok(after);
                }
                unsupported(i, format!("\\begin{{{env}}}"))
            }
            "tag" | "tag*" => {
                let (a, b, after) = self.arg(j, end)?;
                let label = self.src[a..b].trim().trim_matches(['(', ')']).to_string();
                // `\tag{if A is symmetric, 6.1.8}`: a condition the row
                // holds under, not a label.
                if label.contains(char::is_whitespace)
                    && label
                        .split(|c: char| !c.is_alphabetic())
                        .any(|w| w.chars().count() >= 2)
                {
                    return unsupported(i, "\\tag with words (a condition?)");
                }
                self.row_tag = Some((label, i));
                Ok(after)
            }
            "mathcal" | "mathscr" => {
                // `\mathcal{L}`: a name of its own, `ℒ`.
                let (a, b, after) = self.arg(j, end)?;
                let inner = self.src[a..b].trim();
                let letter = inner.chars().next().filter(|_| inner.len() == 1);
                match letter.and_then(crate::lang::lexer::script_capital) {
                    Some(c) => {
                        self.emit_name(&c.to_string(), i);
                        Ok(after)
                    }
                    None => unsupported(i, format!("\\{n}{{{inner}}}")),
                }
            }
            "mathbb" => {
                let (a, b, after) = self.arg(j, end)?;
                match self.src[a..b].trim() {
                    "R" => {
                        // `\mathbb R_{>0}`, `\mathbb R_+`, `\mathbb R_{++}`:
                        // positive entries, the language's `Pos`.
                        let k = self.skip_ws(after, end);
                        if self.b.get(k) == Some(&b'_') {
                            let (sa, sb, s_after) = self.arg(k + 1, end)?;
                            let sub: String = self.src[sa..sb].split_whitespace().collect();
                            if matches!(sub.as_str(), ">0" | "+" | "++" | "\\gt0") {
                                self.emit_name("Pos", i);
                                return Ok(s_after);
                            }
                        }
                        self.emit_name("ℝ", i);
                        Ok(after)
                    }
                    other => unsupported(i, format!("\\mathbb{{{other}}}")),
                }
            }
            "hat" | "widehat" | "bar" | "overline" | "tilde" | "widetilde" => {
                // `\hat{\mathbf w}`: the accented name `ŵ`, as the language
                // writes it (`\hat{w}`).
                let (a, b, after) = self.arg(j, end)?;
                let mut inner = self.src[a..b].trim();
                loop {
                    let before = inner;
                    for st in MATH_STYLES {
                        let cmd = format!("\\{st}");
                        if let Some(r) = inner.strip_prefix(cmd.as_str()) {
                            let r = r.trim();
                            inner = r
                                .strip_prefix('{')
                                .and_then(|r| r.strip_suffix('}'))
                                .unwrap_or(r)
                                .trim();
                        }
                    }
                    if let Some(r) = inner.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
                        inner = r.trim();
                    }
                    if inner == before {
                        break;
                    }
                }
                let letter = inner.len() == 1 && inner.as_bytes()[0].is_ascii_alphabetic()
                    || inner
                        .strip_prefix('\\')
                        .is_some_and(crate::lang::lexer::greek_letter_command);
                if !letter {
                    return unsupported(i, format!("\\{n}"));
                }
                self.emit_name(&format!("\\{n}{{{inner}}}"), i);
                Ok(after)
            }
            "frac" | "dfrac" | "tfrac" => {
                let (na, nb, after_n) = self.arg(j, end)?;
                let (da, db, after_d) = self.arg(after_n, end)?;
                let num = self.src[na..nb].trim();
                let d_op = self
                    .strip_d(na, nb)
                    .is_some_and(|r| self.src[r..nb].trim().is_empty());
                if num == "\\partial" || d_op {
                    // The operator form `\frac{\partial}{\partial X} Y`.
                    let den = self.strip_d(da, db).unwrap_or(da);
                    let den = if self.src[den..db].trim_start().starts_with("\\partial") {
                        self.src[den..db]
                            .find("\\partial")
                            .map_or(den, |k| den + k + 8)
                    } else {
                        den
                    };
                    // The operator applies to the whole product after it
                    // (`\frac{\partial}{\partial w} w^T w` is ∂(w^T w)/∂w),
                    // up to a relation, a sum, a row or column break.
                    let y_start = self.skip_ws(after_d, end);
                    let mut y_end = self.atom_end(y_start, end)?;
                    loop {
                        let k = self.skip_ws(y_end, end);
                        if k >= end || self.ends_term(k, end) {
                            break;
                        }
                        match self.atom_end(k, end) {
                            Ok(e) if e > k => y_end = e,
                            _ => break,
                        }
                    }
                    self.emit_name("\\frac{\\partial ", i);
                    self.emit("(", y_start);
                    self.seq(y_start, y_end, mode)?;
                    self.emit(")", y_end);
                    self.emit("}{\\partial ", da);
                    self.seq(den, db, mode)?;
                    self.emit("}", db);
                    return Ok(y_end);
                }
                match (self.strip_d(na, nb), self.strip_d(da, db)) {
                    (Some(nr), Some(dr)) => {
                        self.emit_name("\\frac{\\partial", i);
                        self.emit(" ", i);
                        self.seq(nr, nb, mode)?;
                        self.emit("}{\\partial ", da);
                        self.seq(dr, db, mode)?;
                        self.emit("}", db);
                    }
                    _ => {
                        self.emit_name("\\frac{", i);
                        // `\frac{\partial x^T A}{\partial x}`: ∂(xᵀA)/∂x.
                        let whole = self.partial_product(na, nb, da, db);
                        if let Some(y) = whole {
                            self.seq(na, y, mode)?;
                            self.emit("(", y);
                            self.seq(y, nb, mode)?;
                            self.emit(")", nb);
                        } else {
                            self.seq(na, nb, mode)?;
                        }
                        self.emit("}{", da);
                        self.seq(da, db, mode)?;
                        self.emit("}", db);
                    }
                }
                Ok(after_d)
            }
            "nabla" => {
                let k = self.skip_ws(j, end);
                if self.b.get(k) != Some(&b'_') {
                    return unsupported(i, "\\nabla without a variable");
                }
                let (xa, xb, after_x) = self.arg(k + 1, end)?;
                let y_start = self.skip_ws(after_x, end);
                let mut y_end = self.atom_end(y_start, end)?;
                // `\nabla_w \frac{1}{2}\|r\|^2`: a number is a factor of
                // what follows, never the whole function.
                let product = self.is_constant(y_start, y_end, &self.src[xa..xb]);
                if product {
                    y_end = self.atom_end(y_end, end)?;
                }
                self.emit_name("\\frac{\\partial ", i);
                if product {
                    self.emit("(", y_start);
                }
                self.seq(y_start, y_end, Mode::Math)?;
                if product {
                    self.emit(")", y_end);
                }
                self.emit("}{\\partial ", xa);
                self.seq(xa, xb, Mode::Math)?;
                self.emit("}", xb);
                Ok(y_end)
            }
            "underbrace" | "overbrace" => self.brace(i, j, end, mode),
            "underset" | "overset" | "stackrel" => {
                let (a0, b0, after0) = self.arg(j, end)?;
                let (a, b, after) = self.arg(after0, end)?;
                let base = self.src[a..b].trim();
                let over = self.src[a0..b0].trim();
                if base == "=" || over.contains("def") || base == "\\triangleq" {
                    self.emit(" = ", i);
                    return Ok(after);
                }
                self.seq(a, b, mode)?;
                Ok(after)
            }
            "boxed" | "textcolor" | "colorbox" | "cancel" | "bcancel" => {
                let (mut a, mut b, mut after) = self.arg(j, end)?;
                if n != "boxed" {
                    (a, b, after) = self.arg(after, end)?;
                }
                if n.contains("cancel") {
                    return unsupported(i, format!("\\{n}"));
                }
                let _ = (a, b);
                self.seq(a, b, mode)?;
                Ok(after)
            }
            _ if ONE_ARG_DROPPED.contains(&n) => Ok(self.arg(j, end)?.2),
            "coloneqq" | "coloneq" | "triangleq" | "equiv" | "doteq" | "eqqcolon" => {
                self.emit(" = ", i);
                Ok(j)
            }
            "|" | "lVert" | "rVert" | "Vert" => {
                let opening = n == "lVert" || (n != "rVert" && self.norm_open == 0);
                if opening {
                    self.norm_open += 1;
                    self.emit_name("norm(", i);
                    Ok(j)
                } else {
                    self.norm_open = self.norm_open.saturating_sub(1);
                    self.emit(")", i);
                    // `\|x\|_2`, `\|A\|_F`: the 2-norm and Frobenius norm.
                    if self.b.get(j) == Some(&b'_') {
                        let (a, b, after) = self.arg(j + 1, end)?;
                        if matches!(
                            self.src[a..b].trim(),
                            "2" | "F" | "\\mathrm{F}" | "\\text{F}"
                        ) {
                            return Ok(after);
                        }
                    }
                    Ok(j)
                }
            }
            "lvert" | "rvert" | "vert" | "mid" => unsupported(i, "|…|"),
            "times" if mode == Mode::Math => {
                self.emit(" \\cdot ", i);
                Ok(j)
            }
            "sum" => self.sum(i, j, end),
            _ if MATH_STYLES.contains(&n) => {
                let (a, b, after) = self.arg(j, end)?;
                self.styled_name(a, b, after, end, mode)
            }
            _ if WORD_STYLES.contains(&n) || n == "operatorname*" => {
                let (a, b, after) = self.arg(j, end)?;
                let word = self.src[a..b].trim();
                let text_cmd = n.starts_with("text") || n == "mbox";
                if word == "d" {
                    // A differential's `d`: glued to what follows.
                    self.emit_name("d", i);
                    let mark = self.text.len();
                    let k = if after < end {
                        self.one(after, end, mode)?
                    } else {
                        after
                    };
                    if self.text[mark..].starts_with(' ') {
                        self.text.remove(mark);
                        self.map.remove(mark);
                    }
                    return Ok(k);
                }
                if matches!(word, "T" | "t") && mode == Mode::Script {
                    self.emit("T", a);
                    return Ok(after);
                }
                let lower = word.to_ascii_lowercase();
                let func = match lower.as_str() {
                    "trace" => Some("tr"),
                    "tr" => Some("tr"),
                    w => FUNCTIONS.iter().find(|f| **f == w).copied(),
                };
                if let Some(f) = func {
                    self.emit_name(&format!("\\operatorname{{{f}}}"), a);
                    return self.argument_of_function(after, end, mode);
                }
                if text_cmd {
                    let w = word.trim_matches(|c: char| c == ',' || c.is_whitespace());
                    if matches!(w, "and" | "und" | "et") {
                        self.end_row(i);
                        return Ok(after);
                    }
                    if w.starts_with('(') && w.ends_with(')') && w.len() > 2 {
                        self.emit(w, a);
                        self.emit(" ", b);
                        return Ok(after);
                    }
                    // Prose.
                    if !self.text.ends_with([' ', '\n']) {
                        self.emit(" ", i);
                    }
                    return Ok(after);
                }
                if word.chars().all(|c| c.is_ascii_alphanumeric()) && !word.is_empty() {
                    if mode == Mode::Script {
                        self.emit(word, a);
                    } else {
                        self.emit_name(word, a);
                    }
                    return Ok(after);
                }
                self.seq(a, b, mode)?;
                Ok(after)
            }
            // `\ln` is the natural logarithm, the language's `log`.
            "ln" if mode == Mode::Math => {
                self.emit_name("\\log", i);
                self.argument_of_function(j, end, mode)
            }
            // `\sqrt{x}` is `sqrt(x)`, entry-wise; `\sqrt[n]{x}` has no reading.
            "sqrt" if mode == Mode::Math => {
                if self.b.get(self.skip_ws(j, end)) == Some(&b'[') {
                    return unsupported(i, "\\sqrt[n]");
                }
                let (a, b, after) = self.arg(j, end)?;
                self.emit_name("sqrt", i);
                self.emit("(", a);
                self.seq(a, b, mode)?;
                self.emit(")", b);
                Ok(after)
            }
            _ => {
                // Everything else is the claim language's own LaTeX, if its
                // lexer knows it.
                let cmd = format!("\\{n}");
                let known = crate::lang::lexer::lex(&cmd)
                    .iter()
                    .all(|t| !matches!(t.tok, crate::lang::lexer::Tok::Error(_)));
                if !known {
                    return unsupported(i, cmd);
                }
                if FUNCTIONS.contains(&n) && mode == Mode::Math {
                    self.emit_name(&cmd, i);
                    return self.argument_of_function(j, end, mode);
                }
                if crate::lang::lexer::greek_letter_command(n) && mode == Mode::Math {
                    self.emit_name(&cmd, i);
                } else {
                    if self.text.ends_with(|c: char| c.is_alphanumeric()) {
                        self.emit(" ", i);
                    }
                    self.emit(&cmd, i);
                    if self.b.get(j).is_some_and(|c| is_word_byte(*c)) {
                        self.emit(" ", j);
                    }
                }
                Ok(j)
            }
        }
    }

    /// Whether the matrix starting at `i` lists entries such as `x_{11}`,
    /// `b_1`, `z_{i1}` or `\cdots`: an illustration of one size, not a claim.
    fn illustration(&self, i: usize, end: usize) -> bool {
        let body_end = self.src[i..end].find("\\end{").map_or(end, |k| i + k);
        let body = &self.src[i..body_end];
        let b = body.as_bytes();
        (0..b.len()).any(|k| {
            b[k] == b'_'
                && (b.get(k + 1).is_some_and(u8::is_ascii_digit)
                    || (b.get(k + 1) == Some(&b'{')
                        && body[k + 1..]
                            .split('}')
                            .next()
                            .is_some_and(|s| s.bytes().any(|c| c.is_ascii_digit()))))
        }) || body.contains("dots")
            || body.contains("\\partial")
    }

    /// After a function's name: `\log P_{ic}` is `\log(P_{ic})`, as TeX
    /// writers mean it; `\log(x)` is left as it is.
    fn argument_of_function(&mut self, i: usize, end: usize, mode: Mode) -> R<usize> {
        let mut k = self.skip_ws(i, end);
        while k < end && self.b[k] == b'\\' {
            let (name, j) = self.command_at(k, end);
            if !SPACING.contains(&name) {
                break;
            }
            k = self.skip_ws(j, end);
        }
        let rest = &self.src[k..end];
        if k >= end
            || rest.starts_with('(')
            || rest.starts_with("\\left")
            || rest.starts_with("\\big")
            || rest.starts_with("\\Big")
            || rest.starts_with('^')
            || rest.starts_with('_')
        {
            return Ok(i);
        }
        let e = self.atom_end(k, end)?;
        self.emit("(", k);
        self.seq(k, e, mode)?;
        self.emit(")", e);
        Ok(e)
    }

    /// Whether a declaration's `\in` (or the `,` of a list of names)
    /// follows at `i`: then `\mathbf W_1` names `W1`.
    fn declares_next(&self, i: usize, end: usize) -> bool {
        let j = self.skip_ws(i, end);
        let rest = &self.src[j..end];
        (rest.starts_with("\\in") && !rest[3..].starts_with(|c: char| c.is_ascii_alphabetic()))
            || rest.starts_with('∈')
            || rest.starts_with('=')
            || rest.starts_with("&=")
            || rest.starts_with("& =")
            || (rest.starts_with(',') && rest.contains("\\in"))
    }

    /// `\mathbf{…}` and the like: the argument's letters are symbols;
    /// `\mathbf W_1` is `W1` when `W1` is known and `W` is not.
    fn styled_name(
        &mut self,
        a: usize,
        b: usize,
        after: usize,
        end: usize,
        mode: Mode,
    ) -> R<usize> {
        let word = self.src[a..b].trim();
        if word.len() == 1 && word.as_bytes()[0].is_ascii_alphabetic() && mode == Mode::Math {
            let k = after;
            if self.b.get(k) == Some(&b'_') {
                let (sa, sb, s_after) = self.arg(k + 1, end)?;
                let sub = self.src[sa..sb].trim();
                if !sub.is_empty() && sub.chars().all(|c| c.is_ascii_digit()) {
                    let joined = format!("{word}{sub}");
                    if ((self.known)(&joined)
                        || self.joined.contains(&joined)
                        || self.declares_next(s_after, end))
                        && !(self.known)(word)
                    {
                        self.joined.push(joined.clone());
                        self.emit_name(&joined, a);
                        return Ok(s_after);
                    }
                }
            }
        }
        self.seq(a, b, mode)?;
        Ok(after)
    }
}

#[cfg(test)]
mod tests;
