//! Tokens of the claim language.
//!
//! The ASCII, Unicode and LaTeX spellings of a symbol all lex to the same
//! token (`∈`, `in`, `\in` → [`Tok::Rel`]`(In)`), so the parser sees one
//! spelling. The lexer never fails: text it cannot read becomes a
//! [`Tok::Error`] token with a message, which the parser reports for the
//! statement that holds it.
//!
//! Two context rules live here rather than in the parser:
//! - right after `_` or `^`, an unbraced script is lexed as one
//!   [`Tok::Script`] (`W_mn`, `x^Tx` → `x`, `^`, `T`, `x`), following the
//!   LaTeX rule that an unbraced superscript is one symbol;
//! - a parenthesised number at the start of a line, followed by
//!   whitespace, is a [`Tok::Label`] (`(1c)`, `(2.2)`).

use super::ast::{BinOp, Rel, Span};

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A name, normalised: `\mathbf{W}` → `W`, `\phi` → `φ`, `ϕ` → `φ`,
    /// `\mathbb{R}` and `ℝ` → `ℝ`. `func` marks spellings that only name
    /// functions (`\exp`, `\operatorname{tr}`, `\mathrm{vec}`): they apply
    /// to a following `(` even across a space.
    Ident { name: String, func: bool },
    /// A numeric literal: `2`, `0.5`, `1e-3`, `\mathbf{1}`.
    Num(f64),
    /// The unbraced script right after `_` (the maximal run of letters and
    /// digits: `mn` in `W_mn`) or after `^` (one letter and its digits, or
    /// a run of digits: `T` in `x^Tx`).
    Script(String),
    /// A line label without its parentheses: `(1c)` → `1c`.
    Label(String),
    /// `=`; `≈` `~=` `\approx`; `≠` `!=` `\neq` `\ne`; `∈` `in` `\in`.
    Rel(Rel),
    /// A binary operator: `+`, `-` (also `−`), `*` `·` `⋅` `\cdot`,
    /// `⊙` `.*` `∘` `\odot` `\circ`, `⊘` `./` `\oslash`, `⊗` `\otimes`, `/`.
    Op(BinOp),
    /// `×` `\times` (between dimensions).
    Times,
    /// `→` `->` `\to` `\rightarrow`.
    Arrow,
    /// `∂` `\partial`.
    Partial,
    /// `∂²` `\partial^2` (the numerator of a second derivative).
    Partial2,
    /// `|` `\big|` `\Big|` `\bigg|` `\Bigg|` `\vert`: evaluation at a point (`E |_{X=V}`).
    Bar,
    /// `+` or `\dagger` right after `^`: the pseudo-inverse `X^+`.
    Dagger,
    /// `∑` `\sum`, and `Σ` or `sum` written right before `_`.
    Sum,
    /// `\frac` `\dfrac` `\tfrac`.
    Frac,
    /// `\top` `\intercal`.
    Top,
    /// `'` `′` `ᵀ`: a postfix transpose.
    Transpose,
    /// `^`.
    Caret,
    /// `_`.
    Underscore,
    /// `(` `\{` (and `\left(` etc.: size commands are dropped).
    LParen,
    /// `)` `\}`.
    RParen,
    /// `[` `\begin{bmatrix}` `\begin{pmatrix}` `\begin{matrix}`.
    LBracket,
    /// `]` `\end{bmatrix}` …
    RBracket,
    /// `{`.
    LBrace,
    /// `}`.
    RBrace,
    /// `,` and `&` (an entry separator in a matrix).
    Comma,
    /// `:`.
    Colon,
    /// `;` and `\\` (a row separator in a matrix).
    Semi,
    /// The end of a line.
    Newline,
    /// Text that is not a token, with a message for the note's author.
    Error(String),
}

/// A token and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// What it is.
    pub tok: Tok,
    /// Its bytes in the block body.
    pub span: Span,
    /// Whitespace or a spacing command (`\,`, `\quad`) separates it from
    /// the previous token.
    pub space_before: bool,
}

/// LaTeX Greek letter commands and the letters they stand for. Variant
/// forms (`\varphi`) come after the plain one, so the plain command is the
/// first match for a letter.
const GREEK: &[(&str, char)] = &[
    ("alpha", 'α'),
    ("beta", 'β'),
    ("gamma", 'γ'),
    ("delta", 'δ'),
    ("epsilon", 'ε'),
    ("varepsilon", 'ε'),
    ("zeta", 'ζ'),
    ("eta", 'η'),
    ("theta", 'θ'),
    ("vartheta", 'θ'),
    ("iota", 'ι'),
    ("kappa", 'κ'),
    ("lambda", 'λ'),
    ("mu", 'μ'),
    ("nu", 'ν'),
    ("xi", 'ξ'),
    ("pi", 'π'),
    ("varpi", 'π'),
    ("rho", 'ρ'),
    ("varrho", 'ρ'),
    ("sigma", 'σ'),
    ("varsigma", 'σ'),
    ("tau", 'τ'),
    ("upsilon", 'υ'),
    ("phi", 'φ'),
    ("varphi", 'φ'),
    ("chi", 'χ'),
    ("psi", 'ψ'),
    ("omega", 'ω'),
    ("Gamma", 'Γ'),
    ("Delta", 'Δ'),
    ("Theta", 'Θ'),
    ("Lambda", 'Λ'),
    ("Xi", 'Ξ'),
    ("Pi", 'Π'),
    ("Sigma", 'Σ'),
    ("Upsilon", 'Υ'),
    ("Phi", 'Φ'),
    ("Psi", 'Ψ'),
    ("Omega", 'Ω'),
];

/// The LaTeX command (without `\`) for a Greek letter, if it has one.
pub fn greek_command(c: char) -> Option<&'static str> {
    GREEK.iter().find(|(_, g)| *g == c).map(|(cmd, _)| *cmd)
}

/// Is `\cmd` a Greek letter (`phi` → true)?
pub fn greek_letter_command(cmd: &str) -> bool {
    greek_letter(cmd).is_some()
}

fn greek_letter(cmd: &str) -> Option<char> {
    GREEK.iter().find(|(c, _)| *c == cmd).map(|(_, g)| *g)
}

/// Commands that name a function: `\exp(x)` is the call `exp(x)`.
const FUNCTION_COMMANDS: &[&str] = &["exp", "log", "det", "tr", "sin", "cos", "tanh"];

/// Size and style commands that are dropped (`\left(` is `(`).
const IGNORED_COMMANDS: &[&str] = &[
    "left",
    "right",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "biggl",
    "biggr",
    "Biggl",
    "Biggr",
    "displaystyle",
];

/// Commands that only add space.
const SPACING_COMMANDS: &[&str] = &[",", ";", ":", "!", " ", "quad", "qquad"];

/// Commands that style their braced argument: `\mathbf{W}` is `W`.
const STYLE_COMMANDS: &[&str] = &[
    "mathbf",
    "boldsymbol",
    "bm",
    "mathit",
    "mathsf",
    "mathbb",
    "mathrm",
    "operatorname",
    "text",
    "textrm",
];

/// Matrix environments: `\begin{bmatrix} … \end{bmatrix}` is `[ … ]`.
const MATRIX_ENVIRONMENTS: &[&str] = &["bmatrix", "pmatrix", "matrix"];

/// A letter that may start or continue an identifier: Latin or Greek, `ℓ`,
/// or a precomposed Latin letter with a hat, bar or tilde (`ŵ`, `ā`, `ñ`).
pub fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || matches!(c, 'Α'..='Ω' | 'α'..='ω' | 'ϑ' | 'ϕ' | 'ϖ' | 'ϱ' | 'ϵ' | 'ℓ')
        || is_script_capital(c)
        || decompose(c).is_some()
}

/// A script capital, `\mathcal{L}` as a name: `ℒ`, `𝒜`.
pub fn is_script_capital(c: char) -> bool {
    matches!(
        c,
        '\u{1D49C}'..='\u{1D4B5}' | 'ℬ' | 'ℰ' | 'ℱ' | 'ℋ' | 'ℐ' | 'ℒ' | 'ℳ' | 'ℛ'
    )
}

/// The script capital of `letter` (`L` → `ℒ`), as Unicode has it.
pub fn script_capital(letter: char) -> Option<char> {
    if !letter.is_ascii_uppercase() {
        return None;
    }
    Some(match letter {
        'B' => 'ℬ',
        'E' => 'ℰ',
        'F' => 'ℱ',
        'H' => 'ℋ',
        'I' => 'ℐ',
        'L' => 'ℒ',
        'M' => 'ℳ',
        'R' => 'ℛ',
        c => char::from_u32(0x1D49C + (c as u32 - 'A' as u32))?,
    })
}

/// The combining accents a name may carry after its letter: hat, bar, tilde.
pub const ACCENTS: &[(char, &str)] =
    &[('\u{302}', "hat"), ('\u{304}', "bar"), ('\u{303}', "tilde")];

/// Is `c` one of the combining accents of [`ACCENTS`]?
pub fn is_accent(c: char) -> bool {
    ACCENTS.iter().any(|(a, _)| *a == c)
}

/// A precomposed accented Latin letter → its letter and combining accent
/// (`ŵ` → `w` + U+0302), so `ŵ`, `w` + U+0302 and `\hat{w}` are one name.
fn decompose(c: char) -> Option<(char, char)> {
    const HAT: &str = "âêîôûŵŷĉĝĥĵŝẑÂÊÎÔÛŴŶĈĜĤĴŜẐ";
    const HAT_BASE: &str = "aeiouwycghjszAEIOUWYCGHJSZ";
    const BAR: &str = "āēīōūȳĀĒĪŌŪȲ";
    const BAR_BASE: &str = "aeiouyAEIOUY";
    const TILDE: &str = "ãẽĩõũñỹÃẼĨÕŨÑỸ";
    const TILDE_BASE: &str = "aeiounyAEIOUNY";
    for (set, base, accent) in [
        (HAT, HAT_BASE, '\u{302}'),
        (BAR, BAR_BASE, '\u{304}'),
        (TILDE, TILDE_BASE, '\u{303}'),
    ] {
        if let Some(k) = set.chars().position(|x| x == c) {
            return base.chars().nth(k).map(|b| (b, accent));
        }
    }
    None
}

/// A name in its one spelling: precomposed accented letters decomposed.
fn normalise_name(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match decompose(c) {
            Some((b, a)) => {
                out.push(b);
                out.push(a);
            }
            None => out.push(normalise(c)),
        }
    }
    out
}

/// Greek variant letters spell the same name as the plain letter.
fn normalise(c: char) -> char {
    match c {
        'ϕ' => 'φ',
        'ϵ' => 'ε',
        'ϑ' => 'θ',
        'ϱ' => 'ρ',
        'ϖ' => 'π',
        'ς' => 'σ',
        c => c,
    }
}

/// Lexes a whole check-block body. Never fails; see [`Tok::Error`].
pub fn lex(src: &str) -> Vec<Token> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        out: Vec::new(),
        space: false,
        line_start: true,
    };
    lexer.run();
    lexer.out
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    out: Vec<Token>,
    /// Whitespace since the last token.
    space: bool,
    /// No token yet on this line.
    line_start: bool,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.src[self.pos..].chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat_while(&mut self, f: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&f) {
            self.bump();
        }
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.out.push(Token {
            tok,
            span: Span::new(start, self.pos),
            space_before: self.space,
        });
        self.space = false;
        self.line_start = false;
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            let start = self.pos;
            match c {
                '\n' => {
                    self.bump();
                    self.push(Tok::Newline, start);
                    self.line_start = true;
                    self.space = true;
                }
                c if c.is_whitespace() => {
                    self.bump();
                    self.space = true;
                }
                '#' => self.eat_while(|c| c != '\n'),
                '(' if self.line_start && self.label() => {}
                '\\' => self.command(),
                c if c.is_ascii_digit() => self.number(),
                c if is_letter(c) => self.word(),
                c => self.symbol(c),
            }
        }
    }

    /// `(1c)`, `(2.2)` at the start of a line, followed by whitespace.
    fn label(&mut self) -> bool {
        let rest = &self.src[self.pos..];
        let Some(len) = label_len(rest) else {
            return false;
        };
        let start = self.pos;
        let text = rest[1..len - 1].to_string();
        self.pos += len;
        self.push(Tok::Label(text), start);
        true
    }

    fn number(&mut self) {
        let start = self.pos;
        self.eat_while(|c| c.is_ascii_digit());
        if self.peek() == Some('.') && self.peek2().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            self.eat_while(|c| c.is_ascii_digit());
        }
        self.exponent();
        let text = &self.src[start..self.pos];
        let tok = match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Tok::Num(v),
            _ => Tok::Error(format!("'{text}' is not a number notecheck can use")),
        };
        self.push(tok, start);
    }

    /// The `e-3` of `1e-3`, only when digits follow.
    fn exponent(&mut self) {
        let rest = &self.src[self.pos..];
        let mut chars = rest.chars();
        if !matches!(chars.next(), Some('e' | 'E')) {
            return;
        }
        let after_sign = match rest[1..].strip_prefix(['+', '-']) {
            Some(s) => s,
            None => &rest[1..],
        };
        if after_sign.starts_with(|c: char| c.is_ascii_digit()) {
            self.pos += rest.len() - after_sign.len();
            self.eat_while(|c| c.is_ascii_digit());
        }
    }

    fn word(&mut self) {
        let start = self.pos;
        self.eat_while(|c| is_letter(c) || c.is_ascii_digit() || is_accent(c));
        let name: String = normalise_name(&self.src[start..self.pos]);
        let tok = match name.as_str() {
            "in" => Tok::Rel(Rel::In),
            "sum" | "Σ" if self.peek() == Some('_') => Tok::Sum,
            _ => Tok::Ident { name, func: false },
        };
        self.push(tok, start);
    }

    /// After `_` or `^`: an unbraced script, if one follows directly.
    fn script(&mut self, underscore: bool) {
        let start = self.pos;
        match self.peek() {
            Some(c) if underscore && (is_letter(c) || c.is_ascii_digit()) => {
                self.eat_while(|c| is_letter(c) || c.is_ascii_digit());
            }
            Some(c) if c.is_ascii_digit() => self.eat_while(|c| c.is_ascii_digit()),
            Some(c) if is_letter(c) => {
                self.bump();
                self.eat_while(|c| c.is_ascii_digit());
            }
            _ => return,
        }
        let text = self.src[start..self.pos].chars().map(normalise).collect();
        self.push(Tok::Script(text), start);
    }

    fn symbol(&mut self, c: char) {
        let start = self.pos;
        self.bump();
        let tok = match (c, self.peek()) {
            ('!', Some('=')) => self.double(Tok::Rel(Rel::Ne)),
            ('~', Some('=')) => self.double(Tok::Rel(Rel::Approx)),
            ('-', Some('>')) => self.double(Tok::Arrow),
            ('.', Some('*')) => self.double(Tok::Op(BinOp::Hadamard)),
            ('.', Some('/')) => self.double(Tok::Op(BinOp::HadamardDiv)),
            ('<', Some('=')) => self.double(Tok::Rel(Rel::Le)),
            ('>', Some('=')) => self.double(Tok::Rel(Rel::Ge)),
            ('∂', Some('²')) => self.double(Tok::Partial2),
            ('+', _) if self.out.last().is_some_and(|t| t.tok == Tok::Caret) && !self.space => {
                Tok::Dagger
            }
            ('~', _) => Tok::Error("'~' alone means nothing here ('~=' is ≈)".into()),
            ('²', _) => Tok::Error(
                "'²' is not read: write a square as x^2, and a second derivative as ∂²f/∂x∂x^T"
                    .into(),
            ),
            ('³', _) => Tok::Error("'³' is not read: write a power as x^3".into()),
            ('‖', _) => Tok::Error("'‖…‖' is not read: write a norm as norm(x)".into()),
            ('∇', _) => Tok::Error(
                "'∇' is not read: write a gradient as ∂f/∂x and a Hessian as ∂²f/∂x∂x^T".into(),
            ),
            ('≡', _) => Tok::Error(
                "'≡' is not read: write = for a claim, or let NAME = … for a definition".into(),
            ),
            ('⊤', _) => Tok::Error("'⊤' is not read: write a transpose as x^T".into()),
            _ => single_symbol(c).unwrap_or_else(|| Tok::Error(format!("unexpected '{c}'"))),
        };
        self.push(tok, start);
        match c {
            '^' => self.script(false),
            '_' => self.script(true),
            _ => {}
        }
    }

    fn double(&mut self, tok: Tok) -> Tok {
        self.bump();
        tok
    }

    fn command(&mut self) {
        let start = self.pos;
        self.bump();
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() => self.eat_while(|c| c.is_ascii_alphabetic()),
            Some(_) => {
                self.bump();
            }
            None => return self.push(Tok::Error("a lone '\\'".into()), start),
        }
        let name = &self.src[start + 1..self.pos];
        if SPACING_COMMANDS.contains(&name) {
            self.space = true;
        } else if IGNORED_COMMANDS.contains(&name) {
            self.sized_delimiter(name);
        } else if STYLE_COMMANDS.contains(&name) {
            let tok = self.styled(name);
            self.push(tok, start);
        } else if let Some(accent) = accent_command(name) {
            let tok = self.accented(name, accent);
            self.push(tok, start);
        } else if name == "begin" || name == "end" {
            let tok = self.environment(name == "begin");
            self.push(tok, start);
        } else {
            let tok = command_token(name)
                .unwrap_or_else(|| Tok::Error(format!("unknown LaTeX command '\\{name}'")));
            self.push(tok, start);
        }
    }

    /// After `\left`, `\bigl`, …: a sized square bracket groups like a
    /// parenthesis (`\left[ a + b \right]` is no matrix), and `\left.`
    /// is nothing.
    fn sized_delimiter(&mut self, command: &str) {
        if command == "displaystyle" {
            return;
        }
        let start = self.pos;
        match self.peek() {
            Some('.') => {
                self.bump();
            }
            Some('[') => {
                self.bump();
                self.push(Tok::LParen, start);
            }
            Some(']') => {
                self.bump();
                self.push(Tok::RParen, start);
            }
            _ => {}
        }
    }

    /// The `{…}` argument of a command, as text; `None` if it is missing
    /// or unbalanced.
    fn braced_argument(&mut self) -> Option<&'a str> {
        self.eat_while(|c| c == ' ' || c == '\t');
        let src = self.src;
        let rest = &src[self.pos..];
        let body = rest.strip_prefix('{')?;
        let end = body.find(['}', '{', '\n'])?;
        if !body[end..].starts_with('}') {
            return None;
        }
        self.pos += end + 2;
        Some(body[..end].trim())
    }

    /// `\mathbf{W}` → `W`, `\mathbf{1}` → 1, `\mathbb{R}` → `ℝ`,
    /// `\boldsymbol{\phi}` → `φ`, `\mathrm{vec}` → the function name `vec`.
    fn styled(&mut self, command: &str) -> Tok {
        let Some(arg) = self.braced_argument() else {
            return Tok::Error(format!("expected '{{…}}' after '\\{command}'"));
        };
        let name = match arg.strip_prefix('\\').and_then(greek_letter) {
            Some(g) => g.to_string(),
            None => arg.chars().map(normalise).collect(),
        };
        if command == "mathbb" {
            return match name.as_str() {
                "R" => ident("ℝ"),
                _ => Tok::Error(format!(
                    "'\\mathbb{{{arg}}}' is not a known space (only \\mathbb{{R}})"
                )),
            };
        }
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_digit()) {
            return name
                .parse()
                .map_or_else(|_| Tok::Error("number too large".into()), Tok::Num);
        }
        if !is_identifier(&name) {
            return Tok::Error(format!(
                "'\\{command}{{{arg}}}' must hold a name or a number"
            ));
        }
        let upright = matches!(command, "mathrm" | "operatorname" | "text" | "textrm");
        let func = upright && name.chars().count() > 1;
        Tok::Ident { name, func }
    }

    /// `\hat{w}` → `ŵ` (`w` + U+0302), `\bar{x}`, `\tilde{x}`, `\hat{\beta}`.
    fn accented(&mut self, command: &str, accent: char) -> Tok {
        let Some(arg) = self.braced_argument() else {
            return Tok::Error(format!(
                "expected '{{…}}' after '\\{command}', as in \\{command}{{w}}"
            ));
        };
        let letter = match arg.strip_prefix('\\') {
            Some(cmd) => greek_letter(cmd).or(if cmd == "ell" { Some('ℓ') } else { None }),
            None => {
                let mut chars = arg.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if is_letter(c) => Some(normalise(c)),
                    _ => None,
                }
            }
        };
        match letter {
            Some(c) => ident(&format!("{c}{accent}")),
            None => Tok::Error(format!(
                "'\\{command}{{{arg}}}': an accent goes on one letter, as in \\{command}{{w}}"
            )),
        }
    }

    /// `\begin{bmatrix}` → `[`, `\end{bmatrix}` → `]`.
    fn environment(&mut self, begin: bool) -> Tok {
        let which = if begin { "begin" } else { "end" };
        match self.braced_argument() {
            Some(env) if MATRIX_ENVIRONMENTS.contains(&env) => {
                if begin {
                    Tok::LBracket
                } else {
                    Tok::RBracket
                }
            }
            Some(env) => Tok::Error(format!(
                "unsupported environment '{env}': write a matrix as [1 2; 3 4] or with bmatrix"
            )),
            None => Tok::Error(format!("expected '{{…}}' after '\\{which}'")),
        }
    }
}

/// Whether `body` is a label's text: `digits[.digits…][letters]` (`1c`, `2.2`).
pub(crate) fn is_label(body: &str) -> bool {
    let numeric = body.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    !numeric.is_empty()
        && numeric
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
}

/// Length of a label `(digits[.digits…][letters])` at the start of `s`,
/// when whitespace, a spacing command or the end of the text follows it.
fn label_len(s: &str) -> Option<usize> {
    let inner = s.strip_prefix('(')?;
    let close = inner.find(')')?;
    let well_formed = is_label(&inner[..close]);
    let after = &inner[close + 1..];
    let separated = after.chars().next().is_none_or(char::is_whitespace)
        || ["\\quad", "\\qquad", "\\,", "\\;", "\\:"]
            .iter()
            .any(|space| after.starts_with(space));
    (well_formed && separated).then_some(close + 2)
}

/// The combining accent of `\hat`, `\bar`, `\tilde` (and their wide forms).
fn accent_command(name: &str) -> Option<char> {
    match name {
        "hat" | "widehat" => Some('\u{302}'),
        "bar" | "overline" => Some('\u{304}'),
        "tilde" | "widetilde" => Some('\u{303}'),
        _ => None,
    }
}

/// A letter followed by letters and digits.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_letter) && chars.all(|c| is_letter(c) || c.is_ascii_digit())
}

fn ident(name: &str) -> Tok {
    Tok::Ident {
        name: name.into(),
        func: false,
    }
}

/// The token of a one-character symbol.
fn single_symbol(c: char) -> Option<Tok> {
    Some(match c {
        '=' => Tok::Rel(Rel::Eq),
        '≈' => Tok::Rel(Rel::Approx),
        '≠' => Tok::Rel(Rel::Ne),
        '∈' => Tok::Rel(Rel::In),
        '<' => Tok::Rel(Rel::Lt),
        '>' => Tok::Rel(Rel::Gt),
        '≤' | '⩽' => Tok::Rel(Rel::Le),
        '≥' | '⩾' => Tok::Rel(Rel::Ge),
        '⪰' | '≽' => Tok::Rel(Rel::Succeq),
        '≻' => Tok::Rel(Rel::Succ),
        '⪯' | '≼' => Tok::Rel(Rel::Preceq),
        '≺' => Tok::Rel(Rel::Prec),
        '|' => Tok::Bar,
        '†' => Tok::Dagger,
        '+' => Tok::Op(BinOp::Add),
        '-' | '−' => Tok::Op(BinOp::Sub),
        '*' | '·' | '⋅' => Tok::Op(BinOp::Mul),
        '⊙' | '∘' => Tok::Op(BinOp::Hadamard),
        '⊘' => Tok::Op(BinOp::HadamardDiv),
        '⊗' => Tok::Op(BinOp::Kron),
        '/' => Tok::Op(BinOp::Div),
        '×' => Tok::Times,
        '→' => Tok::Arrow,
        '∂' => Tok::Partial,
        '∑' => Tok::Sum,
        '\'' | '′' | 'ᵀ' => Tok::Transpose,
        '^' => Tok::Caret,
        '_' => Tok::Underscore,
        '(' => Tok::LParen,
        ')' => Tok::RParen,
        '[' => Tok::LBracket,
        ']' => Tok::RBracket,
        '{' => Tok::LBrace,
        '}' => Tok::RBrace,
        ',' | '&' => Tok::Comma,
        ':' => Tok::Colon,
        ';' => Tok::Semi,
        'ℝ' => ident("ℝ"),
        _ => return None,
    })
}

/// The token of a LaTeX command that is neither spacing, style nor an
/// environment.
fn command_token(name: &str) -> Option<Tok> {
    if let Some(g) = greek_letter(name) {
        return Some(ident(&g.to_string()));
    }
    if FUNCTION_COMMANDS.contains(&name) {
        return Some(Tok::Ident {
            name: name.into(),
            func: true,
        });
    }
    Some(match name {
        "in" => Tok::Rel(Rel::In),
        "approx" => Tok::Rel(Rel::Approx),
        "neq" | "ne" => Tok::Rel(Rel::Ne),
        "lt" => Tok::Rel(Rel::Lt),
        "gt" => Tok::Rel(Rel::Gt),
        "le" | "leq" | "leqslant" => Tok::Rel(Rel::Le),
        "ge" | "geq" | "geqslant" => Tok::Rel(Rel::Ge),
        "succeq" | "succcurlyeq" => Tok::Rel(Rel::Succeq),
        "succ" => Tok::Rel(Rel::Succ),
        "preceq" | "preccurlyeq" => Tok::Rel(Rel::Preceq),
        "prec" => Tok::Rel(Rel::Prec),
        "dagger" => Tok::Dagger,
        "vert" | "rvert" | "lvert" | "|" => Tok::Bar,
        "ell" => ident("ℓ"),
        "times" => Tok::Times,
        "to" | "rightarrow" => Tok::Arrow,
        "partial" => Tok::Partial,
        "sum" => Tok::Sum,
        "frac" | "dfrac" | "tfrac" => Tok::Frac,
        "top" | "intercal" => Tok::Top,
        "cdot" => Tok::Op(BinOp::Mul),
        "otimes" => Tok::Op(BinOp::Kron),
        "odot" | "circ" => Tok::Op(BinOp::Hadamard),
        "oslash" => Tok::Op(BinOp::HadamardDiv),
        "\\" => Tok::Semi,
        "{" => Tok::LParen,
        "}" => Tok::RParen,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        lex(src).into_iter().map(|t| t.tok).collect()
    }

    fn id(name: &str) -> Tok {
        ident(name)
    }

    #[test]
    fn relations_in_every_spelling() {
        for (src, rel) in [
            ("=", Rel::Eq),
            ("≈", Rel::Approx),
            ("~=", Rel::Approx),
            ("\\approx", Rel::Approx),
            ("≠", Rel::Ne),
            ("!=", Rel::Ne),
            ("\\neq", Rel::Ne),
            ("\\ne", Rel::Ne),
            ("∈", Rel::In),
            ("in", Rel::In),
            ("\\in", Rel::In),
        ] {
            assert_eq!(toks(src), vec![Tok::Rel(rel)], "{src}");
        }
    }

    #[test]
    fn operators_in_every_spelling() {
        for (src, op) in [
            ("*", BinOp::Mul),
            ("·", BinOp::Mul),
            ("⋅", BinOp::Mul),
            ("\\cdot", BinOp::Mul),
            ("⊙", BinOp::Hadamard),
            (".*", BinOp::Hadamard),
            ("∘", BinOp::Hadamard),
            ("\\odot", BinOp::Hadamard),
            ("⊘", BinOp::HadamardDiv),
            ("./", BinOp::HadamardDiv),
            ("\\oslash", BinOp::HadamardDiv),
            ("⊗", BinOp::Kron),
            ("\\otimes", BinOp::Kron),
            ("/", BinOp::Div),
            ("+", BinOp::Add),
            ("-", BinOp::Sub),
            ("−", BinOp::Sub),
        ] {
            assert_eq!(toks(src), vec![Tok::Op(op)], "{src}");
        }
        for src in ["×", "\\times"] {
            assert_eq!(toks(src), vec![Tok::Times]);
        }
        for src in ["→", "->", "\\to", "\\rightarrow"] {
            assert_eq!(toks(src), vec![Tok::Arrow]);
        }
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(toks("\\mathbf{W}"), vec![id("W")]);
        assert_eq!(toks("\\boldsymbol{\\phi}"), vec![id("φ")]);
        assert_eq!(toks("\\phi ϕ φ \\varphi"), vec![id("φ"); 4]);
        assert_eq!(toks("\\mathbb{R} ℝ R"), vec![id("ℝ"), id("ℝ"), id("R")]);
        assert_eq!(toks("W1 Wx φ2"), vec![id("W1"), id("Wx"), id("φ2")]);
        assert_eq!(toks("\\mathbf{1}"), vec![Tok::Num(1.0)]);
        let vec = Tok::Ident {
            name: "vec".into(),
            func: true,
        };
        assert_eq!(
            toks("\\mathrm{vec} \\operatorname{vec} \\text{vec}"),
            vec![vec; 3]
        );
        assert_eq!(toks("\\mathrm{d}"), vec![id("d")]);
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("2 0.5 1e-3 2e"),
            vec![
                Tok::Num(2.0),
                Tok::Num(0.5),
                Tok::Num(1e-3),
                Tok::Num(2.0),
                id("e")
            ]
        );
        assert_eq!(
            toks("2.*x"),
            vec![Tok::Num(2.0), Tok::Op(BinOp::Hadamard), id("x")]
        );
    }

    #[test]
    fn scripts_after_underscore_and_caret() {
        let script = |s: &str| Tok::Script(s.into());
        assert_eq!(toks("W_mn"), vec![id("W"), Tok::Underscore, script("mn")]);
        assert_eq!(
            toks("x^Tx"),
            vec![id("x"), Tok::Caret, script("T"), id("x")]
        );
        assert_eq!(toks("A^n1"), vec![id("A"), Tok::Caret, script("n1")]);
        assert_eq!(toks("A^12"), vec![id("A"), Tok::Caret, script("12")]);
        assert_eq!(
            toks("W_{ij}"),
            vec![id("W"), Tok::Underscore, Tok::LBrace, id("ij"), Tok::RBrace]
        );
        assert_eq!(toks("sum_i"), vec![Tok::Sum, Tok::Underscore, script("i")]);
        assert_eq!(toks("Σ_i"), vec![Tok::Sum, Tok::Underscore, script("i")]);
        assert_eq!(toks("\\Sigma_i")[0], id("Σ"));
        assert_eq!(toks("sum(A)")[0], id("sum"));
    }

    #[test]
    fn labels_only_at_line_start() {
        assert_eq!(toks("(1c) x")[0], Tok::Label("1c".into()));
        assert_eq!(toks("  (2.2) x")[0], Tok::Label("2.2".into()));
        assert_eq!(toks("a\n(3) x")[2], Tok::Label("3".into()));
        assert_eq!(toks("x (1) y")[1], Tok::LParen);
        assert_eq!(toks("(2)x")[0], Tok::LParen);
        assert_eq!(toks("(1c)\\quad x")[0], Tok::Label("1c".into()));
        assert_eq!(toks("(a) x")[0], Tok::LParen);
    }

    #[test]
    fn comments_spacing_and_ignored_commands() {
        assert_eq!(toks("x # a comment = 3"), vec![id("x")]);
        assert_eq!(
            toks("\\left( x \\right)\\, \\quad y"),
            vec![Tok::LParen, id("x"), Tok::RParen, id("y")]
        );
        assert_eq!(
            toks("\\left[ a \\right] \\bigl[ \\bigr] \\left. \\right."),
            vec![Tok::LParen, id("a"), Tok::RParen, Tok::LParen, Tok::RParen]
        );
        let t = lex("f\\left(x\\right)\\,(y)");
        assert!(!t[1].space_before);
        assert!(t[4].space_before);
    }

    #[test]
    fn matrix_environments() {
        assert_eq!(
            toks("\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"),
            vec![
                Tok::LBracket,
                Tok::Num(1.0),
                Tok::Comma,
                Tok::Num(2.0),
                Tok::Semi,
                Tok::Num(3.0),
                Tok::Comma,
                Tok::Num(4.0),
                Tok::RBracket
            ]
        );
    }

    #[test]
    fn errors_are_tokens() {
        assert_eq!(
            toks("\\foo"),
            vec![Tok::Error("unknown LaTeX command '\\foo'".into())]
        );
        assert!(matches!(toks("@")[0], Tok::Error(_)));
        assert!(matches!(toks("é")[0], Tok::Error(_)));
        assert!(matches!(toks("\\mathbf{")[0], Tok::Error(_)));
        assert!(matches!(toks("\\mathbb{Q}")[0], Tok::Error(_)));
        assert!(matches!(toks("\\begin{align}")[0], Tok::Error(_)));
        assert!(matches!(toks("\\")[0], Tok::Error(_)));
    }

    #[test]
    fn spans_are_byte_offsets() {
        let t = lex("φ ∈ ℝ");
        assert_eq!(t[0].span, Span::new(0, 2));
        assert_eq!(t[1].span, Span::new(3, 6));
        assert_eq!(t[2].span, Span::new(7, 10));
    }
}
