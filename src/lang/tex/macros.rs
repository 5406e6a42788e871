//! LaTeX macros of a note: `\newcommand`, `\renewcommand`,
//! `\providecommand` (with an optional default first argument),
//! `\def\x#1#2{…}`, `\DeclareMathOperator` (and `*`), and the project's
//! and front matter's `math.macros`. Definitions are kept in a [`Macros`]
//! table that lives as long as the note, so a macro is visible from its
//! definition to the end of the note. Expansion is bounded ([`MAX_DEPTH`],
//! [`MAX_OUTPUT`], [`MAX_EXPANSIONS`]): hostile input gets an error, never a
//! hang.
//!
//! Two stages expand: the claim reader ([`expand_for_claims`]: macros only,
//! with a byte map back to the formula as written, every byte of an
//! expansion at its macro's use) and the report's typesetting ([`expand`],
//! which also rewrites what pulldown-latex lacks, see `report::tex`). The
//! table lives here, in the earlier stage, so the report uses it from `lang`.

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

/// `math.macros` as YAML read them, with the arguments YAML took for a
/// comment given back: in `\norm: \left\| #1 \right\|` (unquoted), ` #`
/// starts a YAML comment, so the value read is `\left\|`. A value whose
/// line in `yaml` continues with ` #` and a digit (an argument, never how a
/// comment starts) is the whole rest of that line, as the author meant.
pub fn restore_yaml_arguments(table: &mut BTreeMap<String, String>, yaml: &str) {
    if !yaml.contains(" #") {
        return;
    }
    for line in yaml.lines() {
        let Some((key, value)) = line.split_once(": ") else {
            continue;
        };
        let key = key.trim().trim_start_matches("- ");
        let key = key
            .strip_prefix('\'')
            .and_then(|k| k.strip_suffix('\''))
            .map(str::to_string)
            .or_else(|| {
                key.strip_prefix('"')
                    .and_then(|k| k.strip_suffix('"'))
                    .map(|k| k.replace("\\\\", "\\"))
            })
            .unwrap_or_else(|| key.to_string());
        let value = value.trim();
        if value.starts_with(['\'', '"', '|', '>', '{', '[']) {
            continue;
        }
        let Some(p) = value.find(" #") else {
            continue;
        };
        if !value[p + 2..].starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        if let Some(v) = table.get_mut(&key)
            && v.trim() == value[..p].trim()
        {
            *v = value.to_string();
        }
    }
}

/// A reference met while expanding: `\eqref` (true) or `\ref` (false).
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub label: String,
    pub eqref: bool,
}

/// Expands `src` with `macros` (updated by the definitions it holds) for
/// typesetting: the rewrites of `report::tex` too; references are pushed
/// onto `refs` and replaced by placeholders.
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
        typeset: true,
        expansions: 0,
    };
    let mut out = Out::with_capacity(src.len());
    ex.run(src, 0, None, &mut out)?;
    Ok(out.text)
}

/// A formula with its macros expanded for the claim reader.
#[derive(Clone, Debug, PartialEq)]
pub struct Expanded {
    pub text: String,
    /// `map[k]`: the byte offset in the formula as written of `text[k]`
    /// (a macro's whole expansion is at the `\` of its use); one extra
    /// entry for the end.
    pub map: Vec<usize>,
}

/// Expands `src` with `macros` (updated by the definitions it holds) for
/// the claim reader: macros and definitions only, nothing rewritten.
pub fn expand_for_claims(src: &str, macros: &mut Macros) -> Result<Expanded, String> {
    let mut refs = Vec::new();
    let mut ex = Expander {
        macros,
        refs: &mut refs,
        display: true,
        typeset: false,
        expansions: 0,
    };
    let mut out = Out::with_capacity(src.len());
    ex.run(src, 0, None, &mut out)?;
    out.map.push(src.len());
    Ok(Expanded {
        text: out.text,
        map: out.map,
    })
}

/// Whether `src` may define a macro (a cheap test before expanding).
pub fn may_define(src: &str) -> bool {
    src.contains("command")
        || src.contains("\\def")
        || src.contains("\\gdef")
        || src.contains("DeclareMathOperator")
}

/// Expanded text and, for each byte, where it came from.
struct Out {
    text: String,
    map: Vec<usize>,
}

impl Out {
    fn with_capacity(n: usize) -> Out {
        Out {
            text: String::with_capacity(n),
            map: Vec::with_capacity(n),
        }
    }

    fn len(&self) -> usize {
        self.text.len()
    }

    fn push(&mut self, c: char, at: usize) {
        self.text.push(c);
        self.map.extend(std::iter::repeat_n(at, c.len_utf8()));
    }

    fn push_str(&mut self, s: &str, at: usize) {
        self.text.push_str(s);
        self.map.extend(std::iter::repeat_n(at, s.len()));
    }
}

struct Expander<'a> {
    macros: &'a mut Macros,
    refs: &'a mut Vec<Reference>,
    display: bool,
    /// Rewrites for pulldown-latex (`\mbox`, `\vert`, references…).
    typeset: bool,
    expansions: usize,
}

/// The control word or symbol at `s` (which starts with `\`): (name, bytes used).
pub fn control(s: &str) -> (&str, usize) {
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
pub fn skip_ws(s: &str, i: usize) -> usize {
    i + s[i..]
        .bytes()
        .take_while(|b| b.is_ascii_whitespace())
        .count()
}

/// The balanced group at `s[i]` == `{`: (content, index after `}`).
pub fn group(s: &str, i: usize) -> Option<(&str, usize)> {
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
pub fn optional(s: &str, i: usize) -> Option<(&str, usize)> {
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
pub fn argument(s: &str, i: usize) -> Option<(&str, usize)> {
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
    /// Expands `s` into `out`. `site`: where the bytes of `s` come from,
    /// `None` for the formula as written (each byte its own offset), else
    /// the offset of the macro use whose expansion `s` is.
    fn run(
        &mut self,
        s: &str,
        depth: usize,
        site: Option<usize>,
        out: &mut Out,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "macros nested deeper than {MAX_DEPTH}: is a macro defined in terms of itself?"
            ));
        }
        let at = |i: usize| site.unwrap_or(i);
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
                out.push(c, at(i));
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
                "operatorname" if star && self.typeset => {
                    let (text, k) = argument(s, after + 1)
                        .ok_or_else(|| "\\operatorname* needs the operator's name".to_string())?;
                    let mut name = Out::with_capacity(text.len());
                    self.run(text, depth + 1, Some(at(i)), &mut name)?;
                    let name = operator_name(&name.text);
                    let plain = name
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '\u{2009}'));
                    let limits = skip_ws(s, k);
                    let has_limits = s[limits..].starts_with("\\limits")
                        || s[limits..].starts_with("\\nolimits");
                    if plain && !name.trim().is_empty() {
                        out.push_str(&format!("\\mathop{{{}}}", name.trim()), at(i));
                        if self.display && !has_limits {
                            out.push_str("\\limits", at(i));
                        }
                    } else {
                        out.push_str(&format!("\\operatorname{{{name}}}"), at(i));
                    }
                    i = k;
                }
                "mbox" | "hbox" if self.typeset => {
                    out.push_str("\\text", at(i));
                    i = after;
                }
                "mod" if self.typeset => {
                    out.push_str("\\quad\\mathrm{mod}\\;", at(i));
                    i = after;
                }
                "vert" | "Vert" if self.typeset && !SIZERS.contains(&prev_word) => {
                    out.push_str(if name == "vert" { "|" } else { "\\|" }, at(i));
                    i = after;
                }
                "eqref" | "ref" if self.typeset => {
                    let (label, k) = argument(s, after)
                        .ok_or_else(|| format!("\\{name} needs a label, as \\{name}{{eq:1}}"))?;
                    self.refs.push(Reference {
                        label: label.trim().to_string(),
                        eqref: name == "eqref",
                    });
                    out.push_str(
                        &format!("\\text{{{REF_OPEN}{}{REF_CLOSE}}}", self.refs.len() - 1),
                        at(i),
                    );
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
                    self.run(&body, depth + 1, Some(at(i)), out)?;
                    if m.args == 0 && s[j..].starts_with(|c: char| c.is_ascii_alphabetic()) {
                        out.push(' ', at(j));
                    }
                    i = j;
                    prev_word = "";
                    continue;
                }
                _ => {
                    match site {
                        None => {
                            out.text.push_str(&s[i..after]);
                            out.map.extend(i..after);
                        }
                        Some(u) => out.push_str(&s[i..after], u),
                    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_expansion_maps_each_byte_to_its_use_and_rewrites_nothing() {
        let mut m = Macros::new();
        let src = r"\newcommand{\vx}[1]{\mathbf{#1}}\vx{y} = \mbox{a} \vert";
        let e = expand_for_claims(src, &mut m).unwrap();
        assert_eq!(e.text, r"\mathbf{y} = \mbox{a} \vert");
        assert_eq!(e.map.len(), e.text.len() + 1);
        let use_at = src.find(r"\vx{y}").unwrap();
        assert!(e.map[..10].iter().all(|&k| k == use_at));
        // Text outside a macro keeps its own offsets.
        let eq = e.text.find('=').unwrap();
        assert_eq!(&src[e.map[eq]..e.map[eq] + 1], "=");
        assert_eq!(*e.map.last().unwrap(), src.len());
        // The table keeps the definition for the next formula.
        assert_eq!(
            expand_for_claims(r"\vx z", &mut m).unwrap().text,
            r"\mathbf{z}"
        );
    }

    #[test]
    fn yaml_comments_that_are_arguments_are_given_back() {
        let yaml = "math:\n  macros:\n    \\norm: \\left\\| #1 \\right\\|\n    '\\R': \\mathbb{R}  # the reals\n    \\q: '#1 # #2'\n";
        let mut t: BTreeMap<String, String> = serde_yaml::from_str::<serde_yaml::Value>(yaml)
            .ok()
            .and_then(|v| serde_yaml::from_value(v["math"]["macros"].clone()).ok())
            .unwrap();
        assert_eq!(t["\\norm"], "\\left\\|");
        restore_yaml_arguments(&mut t, yaml);
        assert_eq!(t["\\norm"], "\\left\\| #1 \\right\\|");
        assert_eq!(t["\\R"], "\\mathbb{R}");
        assert_eq!(t["\\q"], "#1 # #2");
    }

    #[test]
    fn hostile_definitions_are_errors_for_the_claim_reader_too() {
        let mut m = Macros::new();
        let e = expand_for_claims(r"\def\a{\a\a}\a", &mut m).unwrap_err();
        assert!(e.contains("deeper") || e.contains("expansions"), "{e}");
        let mut m = Macros::new();
        let bomb = r"\def\a#1{\a{#1#1#1#1#1#1#1#1#1}}\a{x}";
        assert!(expand_for_claims(bomb, &mut m).is_err());
    }
}
