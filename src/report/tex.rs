//! A pre-expansion pass over a formula's LaTeX, before pulldown-latex sees
//! it: what real notes use and the crate lacks is rewritten around it.
//!
//! - Macros: the note's definitions and `math.macros`, expanded by
//!   [`crate::lang::tex::macros`] (the claim reader expands them too, so
//!   the table lives in that earlier stage); see [`expand`].
//! - Rewrites: `\operatorname*{op}` → `\mathop{op}\limits` (limits under it
//!   in display math), `\mbox`/`\hbox` → `\text`, `\mod` → spaced `mod`,
//!   `\vert`/`\Vert` (not after `\left`, `\right`, `\big`…) → `|`/`\|`
//!   so that they do not stretch to their row's height; `$…$` inside
//!   `\text{…}` is split out as math (`math::math_in_text`).
//! - `\eqref{l}`/`\ref{l}` become placeholders (`\text{…}` holding a private
//!   use character and the reference's number) that the page resolves once
//!   every label of the note is known.
//!
//! Equation environments, `\tag`, `\label`, `\nonumber` are handled on the
//! expanded text by `math::MathContext` (see [`split_rows`]).

pub use crate::lang::tex::macros::{
    Macros, REF_CLOSE, REF_OPEN, Reference, expand, macros_from_config,
};
use crate::lang::tex::macros::{argument, control, group, optional, skip_ws};

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
