//! A pre-expansion pass over a formula's LaTeX, before pulldown-latex sees
//! it: what real notes use and the crate lacks is rewritten around it.
//!
//! - Macros: `\newcommand`, `\renewcommand`, `\providecommand` (with an
//!   optional default first argument), `\def\x#1#2{…}`,
//!   `\DeclareMathOperator` (and `*`), and the project's and front matter's
//!   `math.macros`. Definitions are kept in a [`Macros`] table that lives as
//!   long as the note, so a macro is visible from its definition to the end
//!   of the note. Expansion is bounded ([`MAX_DEPTH`], [`MAX_OUTPUT`],
//!   [`MAX_EXPANSIONS`]): hostile input gets an error, never a hang.
//! - Rewrites: `\operatorname*{op}` → `\mathop{op}\limits` (limits under it
//!   in display math), `\mbox`/`\hbox` → `\text`, `\mod` → spaced `mod`,
//!   `\vert`/`\Vert` (not after `\left`, `\right`, `\big`…) → `|`/`\|`
//!   so that they do not stretch to their row's height.
//! - `\eqref{l}`/`\ref{l}` become placeholders (`\text{…}` holding a private
//!   use character and the reference's number) that the page resolves once
//!   every label of the note is known.
//!
//! Equation environments, `\tag`, `\label`, `\nonumber` are handled on the
//! expanded text by `math::MathContext` (see [`split_rows`]).

use std::collections::BTreeMap;

/// Deepest nesting of macro expansions.
pub const MAX_DEPTH: usize = 64;
/// Largest expanded formula, in bytes.
pub const MAX_OUTPUT: usize = 256 * 1024;
/// Most macro expansions in one formula.
pub const MAX_EXPANSIONS: usize = 20_000;

/// Opens a reference placeholder; the reference's index follows, then [`REF_CLOSE`].
pub const REF_OPEN: char = '\u{E000}';
pub const REF_CLOSE: char = '\u{E001}';

/// A user macro: number of arguments, the first one's default when it is
/// optional, and the replacement text (`#1`… for the arguments).
#[derive(Clone, Debug, PartialEq)]
pub struct Macro {
    pub args: usize,
    pub default: Option<String>,
    pub body: String,
}

/// Macros by name (without the backslash).
pub type Macros = BTreeMap<String, Macro>;

/// `math.macros` entries (`'\R': '\mathbb{R}'`) as macros; the number of
/// arguments is the largest `#n` in the body, as KaTeX does.
pub fn macros_from_config(table: &BTreeMap<String, String>, into: &mut Macros) {
    for (name, body) in table {
        let name = name.trim().trim_start_matches('\\');
        if name.is_empty() {
            continue;
        }
        let b = body.as_bytes();
        let args = (0..b.len().saturating_sub(1))
            .filter(|&i| b[i] == b'#' && b[i + 1].is_ascii_digit())
            .map(|i| usize::from(b[i + 1] - b'0'))
            .max()
            .unwrap_or(0);
        into.insert(
            name.to_string(),
            Macro {
                args,
                default: None,
                body: body.clone(),
            },
        );
    }
}

/// A reference met while expanding: `\eqref` (true) or `\ref` (false).
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub label: String,
    pub eqref: bool,
}

/// Expands `src` with `macros` (updated by the definitions it holds);
/// references are pushed onto `refs` and replaced by placeholders.
pub fn expand(
    src: &str,
    macros: &mut Macros,
    refs: &mut Vec<Reference>,
    display: bool,
) -> Result<String, String> {
    let mut ex = Expander {
        macros,
        refs,
        display,
        expansions: 0,
    };
    let mut out = String::with_capacity(src.len());
    ex.run(src, 0, &mut out)?;
    Ok(out)
}

struct Expander<'a> {
    macros: &'a mut Macros,
    refs: &'a mut Vec<Reference>,
    display: bool,
    expansions: usize,
}

/// The control word or symbol at `s` (which starts with `\`): (name, bytes used).
fn control(s: &str) -> (&str, usize) {
    let rest = &s[1..];
    let n = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphabetic() || *b == b'@')
        .count();
    if n > 0 {
        (&rest[..n], 1 + n)
    } else {
        match rest.chars().next() {
            Some(c) => (&rest[..c.len_utf8()], 1 + c.len_utf8()),
            None => ("", 1),
        }
    }
}

/// Skips spaces and newlines.
fn skip_ws(s: &str, i: usize) -> usize {
    i + s[i..]
        .bytes()
        .take_while(|b| b.is_ascii_whitespace())
        .count()
}

/// The balanced group at `s[i]` == `{`: (content, index after `}`).
fn group(s: &str, i: usize) -> Option<(&str, usize)> {
    let b = s.as_bytes();
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut depth = 0usize;
    let mut j = i;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 1,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&s[i + 1..j], j + 1));
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

/// An optional `[…]` argument at `i` (after spaces): (content, index after `]`).
fn optional(s: &str, i: usize) -> Option<(&str, usize)> {
    let i = skip_ws(s, i);
    if !s[i..].starts_with('[') {
        return None;
    }
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 1,
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b']' if depth == 0 => return Some((&s[i + 1..j], j + 1)),
            _ => {}
        }
        j += 1;
    }
    None
}

/// One argument at `i` (after spaces): a group's content, a control
/// sequence, or one character. (text, index after it).
fn argument(s: &str, i: usize) -> Option<(&str, usize)> {
    let i = skip_ws(s, i);
    match s[i..].chars().next()? {
        '{' => group(s, i),
        '\\' => {
            let (_, n) = control(&s[i..]);
            Some((&s[i..i + n], i + n))
        }
        '}' => None,
        c => Some((&s[i..i + c.len_utf8()], i + c.len_utf8())),
    }
}

/// The name defined by `\newcommand{\name}` or `\newcommand\name`.
fn defined_name(s: &str, i: usize) -> Option<(String, usize)> {
    let (arg, next) = argument(s, i)?;
    let arg = arg.trim();
    arg.strip_prefix('\\').map(|n| (n.to_string(), next))
}

const SIZERS: &[&str] = &[
    "left", "right", "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
    "biggl", "biggr", "Biggl", "Biggr", "bigm", "Bigm",
];

impl Expander<'_> {
    fn run(&mut self, s: &str, depth: usize, out: &mut String) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "macros nested deeper than {MAX_DEPTH}: is a macro defined in terms of itself?"
            ));
        }
        let mut i = 0;
        let mut prev_word = "";
        while i < s.len() {
            if out.len() > MAX_OUTPUT {
                return Err(format!(
                    "the formula grows beyond {} KB when its macros are expanded",
                    MAX_OUTPUT / 1024
                ));
            }
            let rest = &s[i..];
            let Some(c) = rest.chars().next() else { break };
            if c != '\\' {
                if c == '%' {
                    // A comment runs to the end of the line.
                    i += rest.find('\n').unwrap_or(rest.len());
                    continue;
                }
                out.push(c);
                i += c.len_utf8();
                if !c.is_whitespace() {
                    prev_word = "";
                }
                continue;
            }
            let (name, n) = control(rest);
            let after = i + n;
            let star = s[after..].starts_with('*');
            match name {
                "newcommand" | "renewcommand" | "providecommand" => {
                    let at = if star { after + 1 } else { after };
                    let (cs, mut j) = defined_name(s, at).ok_or_else(|| {
                        format!("\\{name} needs a command name, as \\{name}{{\\x}}{{…}}")
                    })?;
                    let mut args = 0;
                    if let Some((n, k)) = optional(s, j) {
                        args = n.trim().parse::<usize>().map_err(|_| {
                            format!("\\{name}{{\\{cs}}}[{n}]: the number of arguments must be 0–9")
                        })?;
                        if args > 9 {
                            return Err(format!("\\{name}{{\\{cs}}}: at most 9 arguments"));
                        }
                        j = k;
                    }
                    let mut default = None;
                    if args > 0
                        && let Some((d, k)) = optional(s, j)
                    {
                        default = Some(d.to_string());
                        j = k;
                    }
                    let (body, k) = group(s, skip_ws(s, j))
                        .ok_or_else(|| format!("\\{name}{{\\{cs}}} needs a body in braces"))?;
                    let exists = self.macros.contains_key(&cs);
                    if name != "providecommand" || !exists {
                        self.macros.insert(
                            cs,
                            Macro {
                                args,
                                default,
                                body: body.to_string(),
                            },
                        );
                    }
                    i = k;
                }
                "def" | "gdef" => {
                    let (cs, j) = defined_name(s, after)
                        .ok_or_else(|| "\\def needs a command name, as \\def\\x{…}".to_string())?;
                    let open = s[j..]
                        .find('{')
                        .map(|p| j + p)
                        .ok_or_else(|| format!("\\def\\{cs} needs a body in braces"))?;
                    let params = &s[j..open];
                    let args = params.matches('#').count().min(9);
                    let (body, k) =
                        group(s, open).ok_or_else(|| format!("\\def\\{cs}: unbalanced braces"))?;
                    self.macros.insert(
                        cs,
                        Macro {
                            args,
                            default: None,
                            body: body.to_string(),
                        },
                    );
                    i = k;
                }
                "DeclareMathOperator" => {
                    let at = if star { after + 1 } else { after };
                    let (cs, j) = defined_name(s, at).ok_or_else(|| {
                        "\\DeclareMathOperator needs a command name, as \\DeclareMathOperator{\\tr}{tr}"
                            .to_string()
                    })?;
                    let (text, k) = argument(s, j).ok_or_else(|| {
                        format!("\\DeclareMathOperator{{\\{cs}}} needs the operator's name")
                    })?;
                    let op = if star {
                        "operatorname*"
                    } else {
                        "operatorname"
                    };
                    self.macros.insert(
                        cs,
                        Macro {
                            args: 0,
                            default: None,
                            body: format!("\\{op}{{{text}}}"),
                        },
                    );
                    i = k;
                }
                "operatorname" if star => {
                    let (text, k) = argument(s, after + 1)
                        .ok_or_else(|| "\\operatorname* needs the operator's name".to_string())?;
                    let mut name = String::new();
                    self.run(text, depth + 1, &mut name)?;
                    let name = operator_name(&name);
                    let plain = name
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '\u{2009}'));
                    let limits = skip_ws(s, k);
                    let has_limits = s[limits..].starts_with("\\limits")
                        || s[limits..].starts_with("\\nolimits");
                    if plain && !name.trim().is_empty() {
                        out.push_str(&format!("\\mathop{{{}}}", name.trim()));
                        if self.display && !has_limits {
                            out.push_str("\\limits");
                        }
                    } else {
                        out.push_str(&format!("\\operatorname{{{name}}}"));
                    }
                    i = k;
                }
                "mbox" | "hbox" => {
                    out.push_str("\\text");
                    i = after;
                }
                "mod" => {
                    out.push_str("\\quad\\mathrm{mod}\\;");
                    i = after;
                }
                "vert" | "Vert" if !SIZERS.contains(&prev_word) => {
                    out.push_str(if name == "vert" { "|" } else { "\\|" });
                    i = after;
                }
                "eqref" | "ref" => {
                    let (label, k) = argument(s, after)
                        .ok_or_else(|| format!("\\{name} needs a label, as \\{name}{{eq:1}}"))?;
                    self.refs.push(Reference {
                        label: label.trim().to_string(),
                        eqref: name == "eqref",
                    });
                    out.push_str(&format!(
                        "\\text{{{REF_OPEN}{}{REF_CLOSE}}}",
                        self.refs.len() - 1
                    ));
                    i = k;
                }
                _ if self.macros.contains_key(name) => {
                    self.expansions += 1;
                    if self.expansions > MAX_EXPANSIONS {
                        return Err(format!(
                            "more than {MAX_EXPANSIONS} macro expansions in one formula"
                        ));
                    }
                    let m = self.macros[name].clone();
                    let mut j = after;
                    let mut args: Vec<String> = Vec::with_capacity(m.args);
                    for a in 0..m.args {
                        if a == 0
                            && let Some(d) = &m.default
                        {
                            match optional(s, j) {
                                Some((v, k)) => {
                                    args.push(v.to_string());
                                    j = k;
                                }
                                None => args.push(d.clone()),
                            }
                            continue;
                        }
                        let (v, k) = argument(s, j).ok_or_else(|| {
                            format!("\\{name} takes {} argument(s); one is missing", m.args)
                        })?;
                        args.push(v.to_string());
                        j = k;
                    }
                    let body = substitute(&m.body, &args).ok_or_else(|| {
                        format!(
                            "the formula grows beyond {} KB when its macros are expanded",
                            MAX_OUTPUT / 1024
                        )
                    })?;
                    // `\foo x` → the body, then a space so `\R x` does not glue.
                    self.run(&body, depth + 1, out)?;
                    if m.args == 0 && s[j..].starts_with(|c: char| c.is_ascii_alphabetic()) {
                        out.push(' ');
                    }
                    i = j;
                    prev_word = "";
                    continue;
                }
                _ => {
                    out.push_str(&s[i..after]);
                    i = after;
                }
            }
            prev_word = if name.bytes().all(|b| b.is_ascii_alphabetic()) {
                name
            } else {
                ""
            };
        }
        Ok(())
    }
}

/// An operator's name as plain text: `arg\,min` → `arg min` (thin space),
/// `\mathrm{argmin}` → `argmin`; anything else is kept.
fn operator_name(name: &str) -> String {
    let mut s = name
        .replace("\\,", "\u{2009}")
        .replace("\\;", " ")
        .replace("\\ ", " ")
        .replace("\\!", "");
    for wrap in ["\\mathrm{", "\\text{", "\\textrm{"] {
        if let Some(inner) = s.strip_prefix(wrap).and_then(|r| r.strip_suffix('}')) {
            s = inner.to_string();
        }
    }
    s
}

/// `#1`… in `body` replaced by `args`; `##` is `#`. `None` when the
/// result would be longer than [`MAX_OUTPUT`] (a macro that doubles its
/// argument at every level grows exponentially before anything is output).
fn substitute(body: &str, args: &[String]) -> Option<String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '#' {
            match chars.peek().map(|&(_, d)| d) {
                Some(d @ '1'..='9') => {
                    chars.next();
                    if let Some(a) = args.get(usize::from(d as u8 - b'1')) {
                        // TeX reads the body as tokens: `\boldsymbol#1` with
                        // `M` is `\boldsymbol M`, not `\boldsymbolM`.
                        if ends_with_control_word(&out)
                            && a.starts_with(|c: char| c.is_ascii_alphabetic())
                        {
                            out.push(' ');
                        }
                        if out.len() + a.len() > MAX_OUTPUT {
                            return None;
                        }
                        out.push_str(a);
                    }
                    continue;
                }
                Some('#') => {
                    chars.next();
                    out.push('#');
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    Some(out)
}

/// Whether `s` ends with a control word (`\\name`).
fn ends_with_control_word(s: &str) -> bool {
    let letters = s.bytes().rev().take_while(u8::is_ascii_alphabetic).count();
    letters > 0 && s[..s.len() - letters].ends_with('\\')
}

/// What a row of a display formula says about its number.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowMarks {
    /// `\tag{t}` (false) or `\tag*{t}` (true).
    pub tag: Option<(String, bool)>,
    pub label: Option<String>,
    pub nonumber: bool,
}

/// A display formula split for numbering.
#[derive(Clone, Debug, PartialEq)]
pub struct Rows {
    /// The environment the rows are typeset in (`aligned`, `gathered`,
    /// `array}{rcl`, `alignedat}{2`), or `None` for a formula without one.
    pub env: Option<String>,
    /// Whether LaTeX numbers the rows (`align`, `equation`, … not starred).
    pub numbered: bool,
    /// Only the last row takes a number (`multline`, `equation`).
    pub one_number: bool,
    /// Each row's LaTeX, with its marks taken out.
    pub rows: Vec<(String, RowMarks)>,
}

/// Splits an expanded display formula into rows with their `\tag`,
/// `\label`, `\nonumber`/`\notag` (see [`Rows`]).
pub fn split_rows(tex: &str) -> Rows {
    let t = tex.trim();
    if let Some(rest) = t.strip_prefix("\\begin")
        && let Some((env, after)) = group(rest, skip_ws(rest, 0))
    {
        let end = format!("\\end{{{env}}}");
        if t.ends_with(&end) && t.matches(&end).count() == 1 {
            let mut body = &rest[after..rest.len() - end.len()];
            let starred = env.ends_with('*');
            let base = env.trim_end_matches('*');
            let mut target = match base {
                "equation" => Some(None),
                "align" | "flalign" | "alignat" | "xalignat" => Some(Some("aligned".to_string())),
                "gather" | "multline" => Some(Some("gathered".to_string())),
                "eqnarray" => Some(Some("array}{rcl".to_string())),
                _ => None,
            };
            if base == "alignat"
                && let Some((n, k)) = group(body, skip_ws(body, 0))
            {
                target = Some(Some(format!("alignedat}}{{{n}")));
                body = &body[k..];
            }
            if let Some(env_out) = target {
                let one_number = matches!(base, "equation" | "multline");
                let rows = if base == "equation" {
                    vec![marks(body)]
                } else {
                    split_top(body).into_iter().map(marks).collect()
                };
                return Rows {
                    env: env_out,
                    numbered: !starred,
                    one_number,
                    rows,
                };
            }
        }
    }
    // Lines without an environment (`a \\ b`, as MathJax and KaTeX
    // allow in display math): centred rows, as `gathered`.
    let lines = split_top(tex);
    if lines.len() > 1 {
        return Rows {
            env: Some("gathered".to_string()),
            numbered: false,
            one_number: true,
            rows: lines.into_iter().map(marks).collect(),
        };
    }
    Rows {
        env: None,
        numbered: false,
        one_number: true,
        rows: vec![marks(tex)],
    }
}

/// `body` split at `\\` outside braces and nested environments; a final
/// empty row is dropped.
pub fn split_top(body: &str) -> Vec<&str> {
    let b = body.as_bytes();
    let mut rows = Vec::new();
    let (mut depth, mut env) = (0i32, 0i32);
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            b'\\' => {
                let (name, n) = control(&body[i..]);
                match name {
                    "begin" => env += 1,
                    "end" => env -= 1,
                    "\\" if depth == 0 && env == 0 => {
                        rows.push(&body[start..i]);
                        let mut j = i + n;
                        // `\\[2pt]` spacing belongs to the break.
                        if let Some((_, k)) = optional(body, j)
                            && body[j..].trim_start().starts_with('[')
                        {
                            j = k;
                        }
                        start = j;
                        i = j;
                        continue;
                    }
                    _ => {}
                }
                i += n;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    rows.push(&body[start..]);
    if rows.len() > 1 && rows.last().is_some_and(|r| r.trim().is_empty()) {
        rows.pop();
    }
    rows
}

/// A row's marks, taken out of its text.
fn marks(row: &str) -> (String, RowMarks) {
    let mut m = RowMarks::default();
    let mut out = String::with_capacity(row.len());
    let mut i = 0;
    while i < row.len() {
        let rest = &row[i..];
        if !rest.starts_with('\\') {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let (name, n) = control(rest);
        let after = i + n;
        match name {
            "tag" => {
                let star = row[after..].starts_with('*');
                let at = if star { after + 1 } else { after };
                if let Some((t, k)) = argument(row, at) {
                    m.tag = Some((t.trim().to_string(), star));
                    i = k;
                    continue;
                }
            }
            "label" => {
                if let Some((l, k)) = argument(row, after) {
                    m.label = Some(l.trim().to_string());
                    i = k;
                    continue;
                }
            }
            "nonumber" | "notag" => {
                m.nonumber = true;
                i = after;
                continue;
            }
            _ => {}
        }
        out.push_str(&row[i..after]);
        i = after;
    }
    (out, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(s: &str, m: &mut Macros) -> String {
        expand(s, m, &mut Vec::new(), true).unwrap()
    }

    #[test]
    fn newcommand_forms() {
        let mut m = Macros::new();
        assert_eq!(
            ex(r"\newcommand{\R}{\mathbb{R}}x \in \R^n", &mut m),
            r"x \in \mathbb{R}^n"
        );
        assert_eq!(ex(r"\newcommand\f[2]{#1+#2}\f{a}b", &mut m), "a+b");
        assert_eq!(
            ex(r"\newcommand{\g}[2][x]{#1^#2}\g{2} \g[y]{3}", &mut m),
            "x^2 y^3"
        );
        assert_eq!(
            ex(r"\renewcommand{\R}{\mathbf{R}}\R", &mut m),
            r"\mathbf{R}"
        );
        assert_eq!(ex(r"\providecommand{\R}{Q}\R", &mut m), r"\mathbf{R}");
        assert_eq!(ex(r"\def\v#1{\mathbf{#1}}\v{x}", &mut m), r"\mathbf{x}");
        assert_eq!(
            ex(r"\DeclareMathOperator{\tr}{tr}\tr A", &mut m),
            r"\operatorname{tr} A"
        );
        assert_eq!(ex(r"\R x", &mut m), r"\mathbf{R} x");
        assert_eq!(
            ex(r"\newcommand{\bm}[1]{\boldsymbol#1}\bm M", &mut m),
            r"\boldsymbol M"
        );
    }

    #[test]
    fn rewrites() {
        let mut m = Macros::new();
        assert_eq!(
            ex(r"\operatorname*{argmin}_x f", &mut m),
            r"\mathop{argmin}\limits_x f"
        );
        assert_eq!(
            ex(r"\mbox{if } a \mod b", &mut m),
            r"\text{if } a \quad\mathrm{mod}\; b"
        );
        assert_eq!(
            ex(r"\vert x \vert \left\vert y \right\vert", &mut m),
            r"| x | \left\vert y \right\vert"
        );
    }

    #[test]
    fn hostile_input_is_bounded() {
        let mut m = Macros::new();
        let e = expand(r"\newcommand{\a}{\a\a}\a", &mut m, &mut Vec::new(), true).unwrap_err();
        assert!(
            e.contains("deeper") || e.contains("grows") || e.contains("expansions"),
            "{e}"
        );
        // A macro that nests its argument ninefold at every level.
        let mut m = Macros::new();
        let nest = r"\def\a#1{\a{#1#1#1#1#1#1#1#1#1}}\a{x}";
        assert!(expand(nest, &mut m, &mut Vec::new(), true).is_err());
        let mut m = Macros::new();
        let bomb = r"\def\a{xxxxxxxxxx}\def\b{\a\a\a\a\a\a\a\a\a\a}\def\c{\b\b\b\b\b\b\b\b\b\b}\def\d{\c\c\c\c\c\c\c\c\c\c}\def\e{\d\d\d\d\d\d\d\d\d\d}\def\f{\e\e\e\e\e\e\e\e\e\e}\f\f\f";
        assert!(expand(bomb, &mut m, &mut Vec::new(), true).is_err());
    }

    #[test]
    fn rows_and_marks() {
        let r = split_rows(
            r"\begin{align} a &= b \label{x} \\ c &= d \nonumber \\ e &= f \tag{*} \\ \end{align}",
        );
        assert_eq!(r.env.as_deref(), Some("aligned"));
        assert!(r.numbered);
        assert_eq!(r.rows.len(), 3);
        assert_eq!(r.rows[0].1.label.as_deref(), Some("x"));
        assert!(r.rows[1].1.nonumber);
        assert_eq!(r.rows[2].1.tag, Some(("*".to_string(), false)));
        assert!(!r.rows[0].0.contains("label"));
        let r = split_rows(r"\begin{equation*} x \end{equation*}");
        assert!(!r.numbered && r.env.is_none());
        let r = split_rows(r"x = 1 \tag*{A}");
        assert_eq!(r.rows[0].1.tag, Some(("A".to_string(), true)));
    }
}
