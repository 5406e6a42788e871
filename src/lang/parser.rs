//! The claim language's parser: a check block's body → [`Item`]s.
//!
//! Hand-written. The block is first cut into statements (one per line, `;`
//! outside `[…]` separates, a line that starts with a relation continues the
//! previous claim), then each statement is parsed by recursive descent, with
//! Pratt binding powers for the operators. Tightest first: postfix
//! (`^T`, `_i`, …), primaries (names, calls, `(…)`, derivatives, sums),
//! unary minus, products (one left-associative level), `+ -`, and the
//! relations at the top of a statement.
//!
//! Decisions where the spec leaves room:
//! - Unary minus binds tighter than products (spec §3.2 lists it first):
//!   `-a b` is `(-a) b`. A `-` right after a factor is always subtraction.
//! - An unbraced subscript is the run of letters and digits after `_`; each
//!   letter with the digits after it is one index, each other digit one
//!   position: `W_mn` → m, n; `x_n1` → n1; `A_12` → 1, 2. Braced numbers
//!   are whole: `A_{12}` → 12, `A_{1,2}` → 1, 2.
//! - An unbraced superscript is one symbol, as in LaTeX: `x^Tx` is `x^T x`;
//!   `^12` takes the whole number. `^-1`, `^-T` are accepted unbraced.
//! - `Σ` and `sum` written right before `_` are sums (`\Sigma` is always the
//!   letter); `∑_{ij} E` is `∑_i ∑_j E`. Bounds (`\sum_{i=1}^N`) are an
//!   error: the range comes from the axis the index subscripts.
//! - `δ_…` is the Kronecker delta and takes exactly two indices.
//! - `d(` with no space is always a differential; `d(Y)/d(X)` a derivative.
//! - In a matrix literal, a row whose entries are separated by commas (or
//!   `&`) reads spaces as products, like everywhere else. In a row without
//!   commas, a space separates entries, as in MATLAB: `[1 -2; x 0]` has
//!   four entries, while `[a - b]` and `[2x]` have one. Parentheses restore
//!   the usual reading: `[(W x) b]`.
//! - A continuation line of a statement that could not be parsed belongs
//!   to that statement's error. A label on a continuation line is an error.
//! - `let f := E` is accepted as `let f = E`. `\begin{bmatrix}` (`&`, `\\`)
//!   is a matrix literal; `\left[ … \right]` groups like parentheses.
//! - A statement of more than 1000 tokens, or nested more than 64 deep, is
//!   an error rather than a risk to the stack of later stages.

use super::ast::{
    BinOp, Dim, DimFactor, Expr, ExprKind, Ident, Index, Item, Link, ParseError, Rel, Rhs, Space,
    SpaceKind, Span, Stmt, StmtKind, Sub,
};
use super::lexer::{Tok, Token, is_letter, lex};

/// Parses a check block's body (the text between the fences). Spans are
/// byte offsets into `src`. Returns one item per statement in source
/// order; a statement that cannot be parsed is one [`Item::Error`] and
/// parsing goes on with the next. Never panics.
pub fn parse_block(src: &str) -> Vec<Item> {
    let tokens = lex(src);
    let mut items = Vec::new();
    for unit in units(&tokens) {
        match unit {
            Unit::Error(e) => items.push(Item::Error(e)),
            Unit::Stmt(s) => items.extend(parse_logical(src, &s)),
        }
    }
    items
}

type PResult<T> = Result<T, ParseError>;

/// Binding powers.
const ADD: u8 = 1;
const PRODUCT: u8 = 2;
const PREFIX: u8 = 3;

/// Nesting beyond this is an error, not a stack overflow.
const MAX_DEPTH: usize = 64;
/// Longer statements are an error; this also bounds the depth of the trees
/// that later stages walk recursively.
const MAX_TOKENS: usize = 1000;

const SPACE_NAMES: &str = "a space (R, Sym, SPD, Orth, Diag, Pos, OneHot)";

fn error(span: Span, message: impl Into<String>) -> ParseError {
    ParseError {
        span,
        message: message.into(),
    }
}

fn node(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

/// The span from the first to the last of `tokens` (not empty).
fn covering(tokens: &[Token]) -> Span {
    match (tokens.first(), tokens.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => Span::default(),
    }
}

// ---------------------------------------------------------------------------
// Statements: splitting the block

/// One statement's tokens before parsing: the part of its first line, and
/// the continuation lines that extend its chain.
struct Logical<'t> {
    label: Option<String>,
    head: &'t [Token],
    conts: Vec<&'t [Token]>,
}

enum Unit<'t> {
    Stmt(Logical<'t>),
    Error(ParseError),
}

fn units(tokens: &[Token]) -> Vec<Unit<'_>> {
    let mut units = Vec::new();
    for line in tokens.split(|t| t.tok == Tok::Newline) {
        for segment in segments(line) {
            add_segment(&mut units, segment);
        }
    }
    units
}

/// A line cut at each `;` outside `[…]`.
fn segments(line: &[Token]) -> Vec<&[Token]> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, t) in line.iter().enumerate() {
        match t.tok {
            Tok::LBracket => depth += 1,
            Tok::RBracket => depth = depth.saturating_sub(1),
            Tok::Semi if depth == 0 => {
                out.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&line[start..]);
    out
}

fn add_segment<'t>(units: &mut Vec<Unit<'t>>, segment: &'t [Token]) {
    let (label, body) = match segment.split_first() {
        Some((
            Token {
                tok: Tok::Label(l),
                span,
                ..
            },
            rest,
        )) => (Some((l.clone(), *span)), rest),
        _ => (None, segment),
    };
    let Some(first) = body.first() else {
        if let Some((_, span)) = label {
            units.push(Unit::Error(error(
                span,
                "a label must be followed by a statement on the same line",
            )));
        }
        return;
    };
    if !matches!(first.tok, Tok::Rel(_)) {
        units.push(Unit::Stmt(Logical {
            label: label.map(|(l, _)| l),
            head: body,
            conts: Vec::new(),
        }));
        return;
    }
    if let Some((_, span)) = label {
        let message = "a label goes on the first line of a chain, not on a continuation line";
        return units.push(Unit::Error(error(span, message)));
    }
    match units.last_mut() {
        Some(Unit::Stmt(previous)) => previous.conts.push(body),
        _ => units.push(Unit::Error(error(
            covering(body),
            "a line that starts with a relation continues the claim before it, but there is no statement before it",
        ))),
    }
}

// ---------------------------------------------------------------------------
// Statements: parsing

fn parse_logical(src: &str, s: &Logical) -> Vec<Item> {
    let kind = match run(src, s.head, Parser::statement) {
        Ok(kind) => kind,
        Err(e) => return vec![Item::Error(e)],
    };
    let mut stmt = Stmt {
        kind,
        span: covering(s.head),
        label: s.label.clone(),
    };
    let Some(last) = s.conts.last() else {
        return vec![Item::Stmt(stmt)];
    };
    let conts_span = covering(s.conts[0]).to(covering(last));
    let StmtKind::Claim { links, .. } = &mut stmt.kind else {
        let e = not_a_claim(&stmt.kind, conts_span);
        return vec![Item::Stmt(stmt), Item::Error(e)];
    };
    for cont in &s.conts {
        let after_space = matches!(
            links.last(),
            Some(Link {
                rhs: Rhs::Space(_),
                ..
            })
        );
        match run(src, cont, |p| p.links(after_space)) {
            Ok(more) => links.extend(more),
            Err(e) => return vec![Item::Error(e)],
        }
    }
    stmt.span = stmt.span.to(conts_span);
    vec![Item::Stmt(stmt)]
}

fn not_a_claim(kind: &StmtKind, span: Span) -> ParseError {
    let what = match kind {
        StmtKind::Declare { .. } | StmtKind::FnDecl { .. } => "a declaration",
        StmtKind::Define { .. } => "a definition",
        StmtKind::Show { .. } => "a `show`",
        StmtKind::Claim { .. } => "a claim",
    };
    error(
        span,
        format!(
            "a line that starts with a relation continues the claim before it, but the statement before it is {what}"
        ),
    )
}

/// Runs `f` over one statement's tokens, after reporting any token the
/// lexer could not read.
fn run<'a, T>(
    src: &'a str,
    toks: &'a [Token],
    f: impl FnOnce(&mut Parser<'a>) -> PResult<T>,
) -> PResult<T> {
    for t in toks {
        if let Tok::Error(message) = &t.tok {
            return Err(error(t.span, message.clone()));
        }
    }
    if toks.len() > MAX_TOKENS {
        let message =
            format!("a statement of more than {MAX_TOKENS} symbols is too long; split it");
        return Err(error(covering(toks), message));
    }
    let mut parser = Parser {
        src,
        toks,
        pos: 0,
        depth: 0,
        space_separates: false,
    };
    f(&mut parser)
}

/// An infix operator found at the cursor.
struct Infix {
    op: BinOp,
    bp: u8,
    span: Span,
    /// Written as a symbol (consumed), not juxtaposition.
    explicit: bool,
}

/// What a superscript means.
enum Exponent {
    Transpose,
    Inverse,
    InverseTranspose,
    Pow(Expr),
}

/// A piece of a braced dimension list.
enum Piece {
    Factor(DimFactor),
    Sep,
    Open,
    Close,
}

struct DimPiece {
    piece: Piece,
    span: Span,
}

/// The parser of one statement (or one continuation line).
struct Parser<'a> {
    src: &'a str,
    toks: &'a [Token],
    pos: usize,
    depth: usize,
    /// Inside a matrix row whose entries are separated by spaces.
    space_separates: bool,
}

impl<'a> Parser<'a> {
    // -- cursor ----------------------------------------------------------

    fn token(&self) -> Option<&'a Token> {
        self.toks.get(self.pos)
    }

    fn peek(&self) -> Option<&'a Tok> {
        self.token().map(|t| &t.tok)
    }

    fn peek_at(&self, n: usize) -> Option<&'a Token> {
        self.toks.get(self.pos + n)
    }

    fn at(&self, tok: &Tok) -> bool {
        self.peek() == Some(tok)
    }

    fn at_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident { name, .. }) if name == word)
    }

    /// Consumes the current token and returns its span.
    fn bump(&mut self) -> Span {
        match self.token() {
            Some(t) => {
                self.pos += 1;
                t.span
            }
            None => self.end_span(),
        }
    }

    fn eat(&mut self, tok: &Tok) -> Option<Span> {
        self.at(tok).then(|| self.bump())
    }

    fn text(&self, span: Span) -> &'a str {
        &self.src[span.start..span.end]
    }

    fn prev_span(&self) -> Span {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or_else(|| self.end_span(), |t| t.span)
    }

    fn end_span(&self) -> Span {
        self.toks
            .last()
            .map_or_else(Span::default, |t| Span::new(t.span.end, t.span.end))
    }

    /// Runs `f` outside any matrix row (inside parentheses, braces, calls).
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.space_separates, false);
        let result = f(self);
        self.space_separates = saved;
        result
    }

    // -- errors ----------------------------------------------------------

    /// "expected WHAT after 'PREV', found 'X'", at X (or at PREV when the
    /// statement ends).
    fn expected(&self, what: &str) -> ParseError {
        let after = match self.pos.checked_sub(1).and_then(|i| self.toks.get(i)) {
            Some(prev) => format!(" after '{}'", self.text(prev.span)),
            None => String::new(),
        };
        match self.token() {
            Some(t) => error(
                t.span,
                format!("expected {what}{after}, found '{}'", self.text(t.span)),
            ),
            None => error(self.prev_span(), format!("expected {what}{after}")),
        }
    }

    fn unexpected(&self) -> ParseError {
        match self.token() {
            None => error(self.end_span(), "unexpected end of the statement"),
            Some(t) if t.tok == Tok::Times => error(
                t.span,
                "'×' goes between the dimensions of a space (R^{n×m}); for a product write a space or '*'",
            ),
            Some(t) => error(t.span, format!("unexpected '{}'", self.text(t.span))),
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> PResult<Span> {
        self.eat(tok).ok_or_else(|| self.expected(what))
    }

    /// Consumes the `close` matching the bracket at `open`.
    fn close(&mut self, open: Span, close: &Tok) -> PResult<Span> {
        if let Some(span) = self.eat(close) {
            return Ok(span);
        }
        let opened = self.text(open);
        Err(match self.token() {
            None => error(open, format!("unclosed '{opened}' opened here")),
            Some(t) => error(
                t.span,
                format!(
                    "expected '{}' to close the '{opened}', found '{}'",
                    closing(close),
                    self.text(t.span)
                ),
            ),
        })
    }

    fn finish(&self) -> PResult<()> {
        match self.token() {
            None => Ok(()),
            Some(_) => Err(self.unexpected()),
        }
    }

    // -- statements ------------------------------------------------------

    fn statement(&mut self) -> PResult<StmtKind> {
        let kind = if self.at_word("let") {
            self.bump();
            self.let_stmt()?
        } else if self.at_word("show") {
            self.bump();
            StmtKind::Show { expr: self.expr()? }
        } else {
            self.claim()?
        };
        self.finish()?;
        Ok(kind)
    }

    fn claim(&mut self) -> PResult<StmtKind> {
        let head = self.expr()?;
        if self.token().is_none() {
            return Err(error(
                head.span,
                "a claim needs a relation (=, ≈, ≠, ∈); to name a value write `let NAME = …`",
            ));
        }
        let links = self.links(false)?;
        Ok(StmtKind::Claim { head, links })
    }

    /// `(REL RHS)+` to the end of the statement. `after_space`: the chain
    /// so far ends in a space, which nothing may follow.
    fn links(&mut self, mut after_space: bool) -> PResult<Vec<Link>> {
        let mut links = Vec::new();
        while let Some(t) = self.token() {
            let Tok::Rel(rel) = t.tok else {
                return Err(self.unexpected());
            };
            if after_space {
                let message = "nothing can follow a space in a chain; write this relation as a claim of its own";
                return Err(error(t.span, message));
            }
            self.bump();
            let rhs = match rel {
                Rel::In => Rhs::Space(self.space()?),
                _ => Rhs::Expr(self.expr()?),
            };
            after_space = matches!(rhs, Rhs::Space(_));
            links.push(Link {
                rel,
                rel_span: t.span,
                rhs,
            });
        }
        Ok(links)
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match self.token() {
            Some(Token {
                tok: Tok::Ident { name, .. },
                span,
                ..
            }) => {
                self.bump();
                Ok(Ident {
                    name: name.clone(),
                    span: *span,
                })
            }
            _ => Err(self.expected(what)),
        }
    }

    /// After `let`.
    fn let_stmt(&mut self) -> PResult<StmtKind> {
        let name = self.ident("a name")?;
        match self.peek() {
            Some(Tok::Comma | Tok::Rel(Rel::In)) => self.declare(name),
            Some(Tok::Colon) if matches!(self.peek_at(1), Some(t) if t.tok == Tok::Rel(Rel::Eq)) => {
                self.bump();
                self.define(name, Vec::new())
            }
            Some(Tok::Colon) => self.fn_decl(name),
            Some(Tok::Underscore) => {
                self.bump();
                let indices = self.family_indices()?;
                self.define(name, indices)
            }
            Some(Tok::Rel(Rel::Eq)) => self.define(name, Vec::new()),
            Some(Tok::LParen) => Err(error(
                self.bump(),
                "a definition names a value (`let f = …`); declare a function with `let f : R^… → R^…`",
            )),
            _ => Err(self.expected("'∈', ':' or '='")),
        }
    }

    /// `let x, y ∈ SPACE [const]`, after the first name.
    fn declare(&mut self, first: Ident) -> PResult<StmtKind> {
        let mut names = vec![first];
        while self.eat(&Tok::Comma).is_some() {
            names.push(self.ident("a name")?);
        }
        self.expect(&Tok::Rel(Rel::In), "'∈'")?;
        let space = self.space()?;
        let konst = self.at_word("const");
        if konst {
            self.bump();
        }
        Ok(StmtKind::Declare {
            names,
            space,
            konst,
        })
    }

    /// `let φ : SPACE → SPACE`, at the `:`.
    fn fn_decl(&mut self, name: Ident) -> PResult<StmtKind> {
        self.bump();
        let domain = self.space()?;
        self.expect(&Tok::Arrow, "'→'")?;
        let codomain = self.space()?;
        Ok(StmtKind::FnDecl {
            name,
            domain,
            codomain,
        })
    }

    /// `let L_i = E`, at the `=`.
    fn define(&mut self, name: Ident, indices: Vec<Index>) -> PResult<StmtKind> {
        self.expect(&Tok::Rel(Rel::Eq), "'='")?;
        let expr = self.expr()?;
        if let Some(Tok::Rel(_)) = self.peek() {
            let message =
                "a definition has a single '='; write a claim about the value on a line of its own";
            return Err(error(self.bump(), message));
        }
        Ok(StmtKind::Define {
            name,
            indices,
            expr,
        })
    }

    /// The `i` of `let L_i = …`.
    fn family_indices(&mut self) -> PResult<Vec<Index>> {
        self.subscript_items()?
            .into_iter()
            .map(|sub| match sub {
                Sub::Letter(index) => Ok(index),
                Sub::Int(_, span) => Err(error(
                    span,
                    "an indexed family is subscripted by index letters, as in `let L_i = …`",
                )),
            })
            .collect()
    }

    // -- spaces ----------------------------------------------------------

    fn space(&mut self) -> PResult<Space> {
        let Some(t) = self.token() else {
            return Err(self.expected(SPACE_NAMES));
        };
        let kind = match &t.tok {
            Tok::Ident { name, .. } => space_kind(name),
            _ => None,
        };
        let Some(kind) = kind else {
            return Err(self.expected(SPACE_NAMES));
        };
        self.bump();
        let axes = match self.eat(&Tok::Caret) {
            Some(_) => self.dims(t.span)?,
            None => Vec::new(),
        };
        Ok(Space {
            kind,
            axes,
            span: t.span.to(self.prev_span()),
        })
    }

    /// After `^` in a space: `n`, `3`, `{n×m}`.
    fn dims(&mut self, kind: Span) -> PResult<Vec<Dim>> {
        let Some(t) = self.token() else {
            return Err(self.expected("dimensions"));
        };
        match &t.tok {
            Tok::LBrace => self.braced_dims(kind),
            Tok::Script(_) | Tok::Ident { .. } | Tok::Num(_) => {
                self.bump();
                self.single_dim(kind, t)
            }
            _ => Err(self.expected("dimensions, as in R^n or R^{n×m}")),
        }
    }

    /// `R^n`, `R^3`; `R^nxm` is an error that suggests `R^{n×m}`.
    fn single_dim(&mut self, kind: Span, first: &'a Token) -> PResult<Vec<Dim>> {
        let mut span = first.span;
        while let Some(next) = self.token().filter(|n| {
            !n.space_before && matches!(n.tok, Tok::Ident { .. } | Tok::Num(_) | Tok::Script(_))
        }) {
            span = span.to(next.span);
            self.bump();
        }
        let word = if span == first.span {
            self.word(first)
        } else {
            self.text(span)
        };
        match dim_atom(word) {
            Some(factor) => Ok(vec![Dim {
                factors: vec![factor],
                span,
            }]),
            None => {
                let prefix = format!("{}^{{", self.text(kind));
                Err(self.bad_dim(span, &prefix, "}", false))
            }
        }
    }

    fn braced_dims(&mut self, kind: Span) -> PResult<Vec<Dim>> {
        let open = self.bump();
        let pieces = self.dim_pieces(kind, open)?;
        if pieces.is_empty() {
            return Err(error(open.to(self.prev_span()), "empty dimensions"));
        }
        axes_of(&pieces)
    }

    /// The pieces of `{…}` after a space's `^`, through the `}`.
    fn dim_pieces(&mut self, kind: Span, open: Span) -> PResult<Vec<DimPiece>> {
        let mut pieces = Vec::new();
        let mut parens = 0usize;
        loop {
            let Some(t) = self.token() else {
                return Err(error(open, "unclosed '{' opened here"));
            };
            let piece = match &t.tok {
                Tok::RBrace => {
                    self.bump();
                    return Ok(pieces);
                }
                Tok::Times | Tok::Op(BinOp::Mul) => Piece::Sep,
                Tok::LParen => {
                    parens += 1;
                    Piece::Open
                }
                Tok::RParen => {
                    parens = parens.saturating_sub(1);
                    Piece::Close
                }
                Tok::Num(_) | Tok::Ident { .. } => {
                    self.dim_word(t, &mut pieces, kind, parens > 0)?;
                    self.bump();
                    continue;
                }
                _ => {
                    let message = format!(
                        "unexpected '{}' in the dimensions of a space",
                        self.text(t.span)
                    );
                    return Err(error(t.span, message));
                }
            };
            pieces.push(DimPiece {
                piece,
                span: t.span,
            });
            self.bump();
        }
    }

    /// A number or word among dimensions: `n`, `3`, `n1`, the `x` of
    /// `n x m`, `x3` right after a number (`2x3`); `nxm` is an error.
    fn dim_word(
        &self,
        t: &'a Token,
        pieces: &mut Vec<DimPiece>,
        kind: Span,
        in_parens: bool,
    ) -> PResult<()> {
        let text = self.word(t);
        let sep = |span| DimPiece {
            piece: Piece::Sep,
            span,
        };
        if text == "x" {
            pieces.push(sep(t.span));
            return Ok(());
        }
        let after_number = !t.space_before
            && matches!(
                pieces.last(),
                Some(DimPiece {
                    piece: Piece::Factor(DimFactor::Int(_)),
                    ..
                })
            );
        let (bad, span, atom) = match text.strip_prefix('x') {
            Some(rest) if after_number => {
                let number = pieces.last().map_or(t.span, |p| p.span);
                pieces.push(sep(Span::new(t.span.start, t.span.start + 1)));
                let rest_span = Span::new(t.span.start + 1, t.span.end);
                (number.to(t.span), rest_span, dim_atom(rest))
            }
            _ => (t.span, t.span, dim_atom(text)),
        };
        let Some(factor) = atom else {
            let prefix = &self.src[kind.start..bad.start];
            let suffix = self.rest_of_braces(bad);
            return Err(self.bad_dim(bad, prefix, suffix, in_parens));
        };
        pieces.push(DimPiece {
            piece: Piece::Factor(factor),
            span,
        });
        Ok(())
    }

    /// A token as a word: an identifier's normalised name (`\alpha` → `α`),
    /// else its source text.
    fn word(&self, t: &'a Token) -> &'a str {
        match &t.tok {
            Tok::Ident { name, .. } => name,
            _ => self.text(t.span),
        }
    }

    /// The source from the end of `span` through the next `}`.
    fn rest_of_braces(&self, span: Span) -> &'a str {
        let end = self.toks[self.pos..]
            .iter()
            .find(|t| t.tok == Tok::RBrace)
            .map_or(span.end, |t| t.span.end);
        &self.src[span.end..end]
    }

    /// "dimension 'nxm' is not a dimension symbol …; did you mean R^{n×m}?"
    /// `prefix` and `suffix` surround the bad dimension in the suggestion.
    fn bad_dim(&self, span: Span, prefix: &str, suffix: &str, in_parens: bool) -> ParseError {
        let name = self.text(span);
        let (parts, on_x) = split_dims(name);
        let with = |middle: String| format!("{prefix}{middle}{suffix}");
        let hint = if on_x || in_parens {
            let joiner = if in_parens && !on_x { " " } else { "×" };
            with(parts.join(joiner))
        } else {
            format!(
                "{} (two axes) or {} (one axis of their product)",
                with(parts.join("×")),
                with(format!("({})", parts.join(" ")))
            )
        };
        let message = format!(
            "dimension '{name}' is not a dimension symbol (one letter, optionally digits); did you mean {hint}?"
        );
        error(span, message)
    }

    // -- expressions -----------------------------------------------------

    fn expr(&mut self) -> PResult<Expr> {
        self.expr_bp(ADD)
    }

    /// An expression whose operators bind at least as tightly as `min`.
    fn expr_bp(&mut self, min: u8) -> PResult<Expr> {
        if self.depth >= MAX_DEPTH {
            let span = self.token().map_or_else(|| self.end_span(), |t| t.span);
            return Err(error(span, "expression nested too deeply"));
        }
        self.depth += 1;
        let result = self.expr_bp_unguarded(min);
        self.depth -= 1;
        result
    }

    fn expr_bp_unguarded(&mut self, min: u8) -> PResult<Expr> {
        let mut lhs = self.prefix()?;
        while let Some(infix) = self.infix().filter(|i| i.bp >= min) {
            if infix.explicit {
                self.bump();
            }
            let rhs = self.expr_bp(infix.bp + 1)?;
            let span = lhs.span.to(rhs.span);
            let kind = ExprKind::Binary {
                op: infix.op,
                op_span: infix.span,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
            lhs = node(kind, span);
        }
        Ok(lhs)
    }

    /// The infix operator at the cursor: a symbol, or juxtaposition before
    /// anything that starts a factor.
    fn infix(&self) -> Option<Infix> {
        let t = self.token()?;
        let explicit = |op, bp| Infix {
            op,
            bp,
            span: t.span,
            explicit: true,
        };
        match t.tok {
            Tok::Op(op @ (BinOp::Add | BinOp::Sub)) => {
                let sign_of_next_entry = self.space_separates
                    && t.space_before
                    && self.peek_at(1).is_some_and(|n| !n.space_before);
                (!sign_of_next_entry).then(|| explicit(op, ADD))
            }
            Tok::Op(op) => Some(explicit(op, PRODUCT)),
            ref tok if starts_factor(tok) && !(self.space_separates && t.space_before) => {
                let gap = Span::new(self.prev_span().end, t.span.start);
                Some(Infix {
                    op: BinOp::Mul,
                    bp: PRODUCT,
                    span: gap,
                    explicit: false,
                })
            }
            _ => None,
        }
    }

    fn prefix(&mut self) -> PResult<Expr> {
        if let Some(minus) = self.eat(&Tok::Op(BinOp::Sub)) {
            let operand = self.expr_bp(PREFIX)?;
            let span = minus.to(operand.span);
            return Ok(node(ExprKind::Neg(Box::new(operand)), span));
        }
        let primary = self.primary()?;
        self.postfix(primary)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let Some(t) = self.token() else {
            return Err(self.expected("an expression"));
        };
        match &t.tok {
            Tok::Num(v) => {
                self.bump();
                Ok(node(ExprKind::Num(*v), t.span))
            }
            Tok::Ident { name, func } => self.ident_expr(t, name, *func),
            Tok::Sum => self.sum(),
            Tok::Partial => self.partial(),
            Tok::Frac => self.frac(),
            Tok::LParen => self.group(&Tok::RParen),
            Tok::LBrace => self.group(&Tok::RBrace),
            Tok::LBracket => self.matrix(),
            _ => Err(self.expected("an expression")),
        }
    }

    /// A name, a call `f(…)`, a differential `d(…)` or a delta `δ_ij`.
    fn ident_expr(&mut self, t: &Token, name: &str, func: bool) -> PResult<Expr> {
        self.bump();
        let paren_follows = self
            .token()
            .is_some_and(|n| n.tok == Tok::LParen && (func || !n.space_before));
        let ident = Ident {
            name: name.to_string(),
            span: t.span,
        };
        if paren_follows && name == "d" && !func {
            self.differential(t.span)
        } else if paren_follows {
            self.call(ident)
        } else if name == "δ" && self.at(&Tok::Underscore) {
            self.delta(t.span)
        } else {
            Ok(node(ExprKind::Name(ident), t.span))
        }
    }

    fn call(&mut self, func: Ident) -> PResult<Expr> {
        let open = self.bump();
        let args = self.nested(|p| {
            let mut args = vec![p.expr()?];
            while p.eat(&Tok::Comma).is_some() {
                args.push(p.expr()?);
            }
            p.close(open, &Tok::RParen)?;
            Ok(args)
        })?;
        let span = func.span.to(self.prev_span());
        Ok(node(ExprKind::Call { func, args }, span))
    }

    /// `( E )` or `{ E }`; the expression's span grows to cover the brackets.
    fn group(&mut self, close: &Tok) -> PResult<Expr> {
        let open = self.bump();
        let mut inner = self.nested(|p| p.expr())?;
        let end = self.close(open, close)?;
        inner.span = open.to(end);
        Ok(inner)
    }

    /// `d(Y)`, or `d(Y)/d(X)`, at the `(`.
    fn differential(&mut self, d: Span) -> PResult<Expr> {
        let y = self.group(&Tok::RParen)?;
        if self.at_differential_denominator() {
            self.bump();
            self.bump();
            let x = self.group(&Tok::RParen)?;
            let span = d.to(x.span);
            return Ok(deriv(y, x, span));
        }
        let span = d.to(y.span);
        Ok(node(ExprKind::Differential(Box::new(y)), span))
    }

    /// At `/d(`.
    fn at_differential_denominator(&self) -> bool {
        let slash = self.at(&Tok::Op(BinOp::Div));
        let d = matches!(self.peek_at(1), Some(Token { tok: Tok::Ident { name, func: false }, .. }) if name == "d");
        let paren = matches!(
            self.peek_at(2),
            Some(Token {
                tok: Tok::LParen,
                space_before: false,
                ..
            })
        );
        slash && d && paren
    }

    /// `δ_ij`, at the `_`.
    fn delta(&mut self, start: Span) -> PResult<Expr> {
        self.bump();
        let subs = self.subscript_items()?;
        let span = start.to(self.prev_span());
        match <[Sub; 2]>::try_from(subs) {
            Ok([a, b]) => Ok(node(ExprKind::Delta(a, b), span)),
            Err(_) => Err(error(
                span,
                "δ (the Kronecker delta) takes exactly two indices, as in δ_ij",
            )),
        }
    }

    /// `∑_i E`: the sum of the product that follows.
    fn sum(&mut self) -> PResult<Expr> {
        let start = self.bump();
        self.expect(&Tok::Underscore, "its index, as in ∑_i")?;
        if let Some(rel) = self.relation_in_braces() {
            let message = "a sum takes no bounds: the range of its index comes from the axis it subscripts (write ∑_i)";
            return Err(error(rel, message));
        }
        let indices = self.subscript_items()?;
        if self.at(&Tok::Caret) {
            let message =
                "a sum takes no bounds: the range of its index comes from the axis it subscripts";
            return Err(error(self.bump(), message));
        }
        let indices = indices
            .into_iter()
            .map(|sub| match sub {
                Sub::Letter(index) => Ok(index),
                Sub::Int(_, span) => Err(error(span, "a sum's index is a letter, as in ∑_i")),
            })
            .collect::<PResult<Vec<_>>>()?;
        // Each index nests one sum: bound the depth like parentheses.
        if indices.len() > MAX_DEPTH / 4 {
            let message = format!("a sum over more than {} indices at once", MAX_DEPTH / 4);
            return Err(error(indices[0].span, message));
        }
        let body = self.expr_bp(PRODUCT)?;
        let span = start.to(body.span);
        Ok(indices.into_iter().rev().fold(body, |body, index| {
            let kind = ExprKind::Sum {
                index,
                body: Box::new(body),
            };
            node(kind, span)
        }))
    }

    /// A relation inside the `{…}` at the cursor (`\sum_{i=1}`).
    fn relation_in_braces(&self) -> Option<Span> {
        if !self.at(&Tok::LBrace) {
            return None;
        }
        self.toks[self.pos..]
            .iter()
            .take_while(|t| t.tok != Tok::RBrace)
            .find(|t| matches!(t.tok, Tok::Rel(_)))
            .map(|t| t.span)
    }

    /// `∂Y/∂X`.
    fn partial(&mut self) -> PResult<Expr> {
        let start = self.bump();
        let y = self.deriv_operand()?;
        self.expect(&Tok::Op(BinOp::Div), "'/' (a derivative is written ∂Y/∂X)")?;
        self.expect(&Tok::Partial, "'∂' (a derivative is written ∂Y/∂X)")?;
        let x = self.deriv_operand()?;
        let span = start.to(x.span);
        Ok(deriv(y, x, span))
    }

    /// What `∂` applies to: a name or a call with its subscripts and
    /// transposes, or a parenthesised expression.
    fn deriv_operand(&mut self) -> PResult<Expr> {
        let primary = match self.token() {
            Some(
                t @ Token {
                    tok: Tok::Ident { name, func },
                    ..
                },
            ) => self.ident_expr(t, name, *func)?,
            Some(Token {
                tok: Tok::LParen, ..
            }) => self.group(&Tok::RParen)?,
            Some(Token {
                tok: Tok::LBrace, ..
            }) => self.group(&Tok::RBrace)?,
            _ => {
                let what = "what is differentiated (a name, a call like vec(W), or a parenthesised expression)";
                return Err(self.expected(what));
            }
        };
        self.postfix(primary)
    }

    /// `\frac{\partial Y}{\partial X}`, `\frac{d(Y)}{d(X)}`, or a quotient.
    fn frac(&mut self) -> PResult<Expr> {
        let start = self.bump();
        let open = self.expect(&Tok::LBrace, "'{'")?;
        if self.eat(&Tok::Partial).is_some() {
            let y = self.deriv_operand()?;
            self.close(open, &Tok::RBrace)?;
            let open = self.expect(&Tok::LBrace, "'{' for the denominator")?;
            self.expect(&Tok::Partial, "'\\partial' (the numerator is a derivative)")?;
            let x = self.deriv_operand()?;
            let end = self.close(open, &Tok::RBrace)?;
            return Ok(deriv(y, x, start.to(end)));
        }
        let num = self.nested(|p| p.expr())?;
        self.close(open, &Tok::RBrace)?;
        let open = self.expect(&Tok::LBrace, "'{' for the denominator")?;
        let den = self.nested(|p| p.expr())?;
        let end = self.close(open, &Tok::RBrace)?;
        let span = start.to(end);
        Ok(match (num.kind, den.kind) {
            (ExprKind::Differential(y), ExprKind::Differential(x)) => {
                node(ExprKind::Deriv { y, x }, span)
            }
            (n, d) => {
                let kind = ExprKind::Binary {
                    op: BinOp::Div,
                    op_span: start,
                    lhs: Box::new(node(n, num.span)),
                    rhs: Box::new(node(d, den.span)),
                };
                node(kind, span)
            }
        })
    }

    // -- matrices --------------------------------------------------------

    fn matrix(&mut self) -> PResult<Expr> {
        let open = self.bump();
        let saved = self.space_separates;
        let rows = self.matrix_rows(open);
        self.space_separates = saved;
        let (rows, end) = rows?;
        Ok(node(ExprKind::Matrix(rows), open.to(end)))
    }

    /// The rows of a matrix literal, after its `[`; and the closing span.
    fn matrix_rows(&mut self, open: Span) -> PResult<(Vec<Vec<Expr>>, Span)> {
        let mut rows: Vec<Vec<Expr>> = Vec::new();
        let mut row = Vec::new();
        let mut want_entry = true;
        self.space_separates = !self.row_has_comma();
        loop {
            let Some(t) = self.token() else {
                return Err(error(
                    open,
                    format!("unclosed '{}' opened here", self.text(open)),
                ));
            };
            match t.tok {
                Tok::Semi | Tok::RBracket if want_entry => {
                    let message = if row.is_empty() {
                        "empty matrix row"
                    } else {
                        "expected an entry after ','"
                    };
                    return Err(error(t.span, message));
                }
                Tok::Semi | Tok::RBracket => {
                    self.bump();
                    push_row(&mut rows, std::mem::take(&mut row))?;
                    if t.tok == Tok::RBracket {
                        return Ok((rows, t.span));
                    }
                    self.space_separates = !self.row_has_comma();
                    want_entry = true;
                }
                Tok::Comma if !want_entry => {
                    self.bump();
                    want_entry = true;
                }
                ref tok if want_entry || self.starts_next_entry(tok) => {
                    row.push(self.expr()?);
                    want_entry = false;
                }
                _ => {
                    let found = self.text(t.span);
                    return Err(error(t.span, format!("unexpected '{found}' in a matrix")));
                }
            }
        }
    }

    /// In a space-separated row, right after an entry.
    fn starts_next_entry(&self, tok: &Tok) -> bool {
        self.space_separates && (starts_factor(tok) || matches!(tok, Tok::Op(BinOp::Sub)))
    }

    /// Whether the matrix row at the cursor has a comma outside brackets.
    fn row_has_comma(&self) -> bool {
        let mut depth = 0usize;
        for t in &self.toks[self.pos..] {
            match t.tok {
                Tok::LParen | Tok::LBracket | Tok::LBrace => depth += 1,
                Tok::Semi | Tok::RBracket if depth == 0 => return false,
                Tok::Comma if depth == 0 => return true,
                Tok::RParen | Tok::RBracket | Tok::RBrace => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        false
    }

    // -- postfix ---------------------------------------------------------

    /// Superscripts, subscripts and `'` after a primary.
    fn postfix(&mut self, mut e: Expr) -> PResult<Expr> {
        loop {
            e = match self.peek() {
                Some(Tok::Caret) => {
                    self.bump();
                    let exponent = self.superscript()?;
                    let span = e.span.to(self.prev_span());
                    let base = Box::new(e);
                    let kind = match exponent {
                        Exponent::Transpose => ExprKind::Transpose(base),
                        Exponent::Inverse => ExprKind::Inverse(base),
                        Exponent::InverseTranspose => ExprKind::InverseTranspose(base),
                        Exponent::Pow(k) => ExprKind::Pow(base, Box::new(k)),
                    };
                    node(kind, span)
                }
                Some(Tok::Underscore) => {
                    self.bump();
                    let subs = self.subscript_items()?;
                    let span = e.span.to(self.prev_span());
                    let kind = ExprKind::Subscript {
                        base: Box::new(e),
                        subs,
                    };
                    node(kind, span)
                }
                Some(Tok::Transpose) => {
                    let span = e.span.to(self.bump());
                    node(ExprKind::Transpose(Box::new(e)), span)
                }
                _ => return Ok(e),
            }
        }
    }

    /// What follows `^`.
    fn superscript(&mut self) -> PResult<Exponent> {
        let Some(t) = self.token() else {
            return Err(self.expected("an exponent"));
        };
        let exponent = match &t.tok {
            tok if is_t(tok) => Exponent::Transpose,
            Tok::Script(s) | Tok::Ident { name: s, .. } => Exponent::Pow(script_atom(s, t.span)),
            Tok::Num(v) => Exponent::Pow(node(ExprKind::Num(*v), t.span)),
            Tok::Op(BinOp::Sub) => {
                self.bump();
                return self.negative_exponent();
            }
            Tok::LBrace => return self.braced_exponent(),
            _ => return Err(self.expected("an exponent (T, -1, a number, a name or {…})")),
        };
        self.bump();
        Ok(exponent)
    }

    /// After `^-`: `1`, `T`, or a number.
    fn negative_exponent(&mut self) -> PResult<Exponent> {
        let minus = self.prev_span();
        let exponent = match self.token() {
            Some(t) if is_t(&t.tok) => Exponent::InverseTranspose,
            Some(t) if self.is_one(t) => Exponent::Inverse,
            Some(Token {
                tok: Tok::Num(v),
                span,
                ..
            }) => Exponent::Pow(node(ExprKind::Num(-v), minus.to(*span))),
            _ => return Err(self.expected("1, T or a number")),
        };
        self.bump();
        Ok(exponent)
    }

    /// `{T}`, `{\top}`, `{-1}`, `{-T}`, or `{E}`: a power.
    fn braced_exponent(&mut self) -> PResult<Exponent> {
        let open = self.bump();
        let at = |n: usize| self.peek_at(n);
        let close_at = |n: usize| at(n).is_some_and(|t| t.tok == Tok::RBrace);
        let minus = at(0).is_some_and(|t| t.tok == Tok::Op(BinOp::Sub));
        let special = if at(0).is_some_and(|t| is_t(&t.tok)) && close_at(1) {
            Some((Exponent::Transpose, 2))
        } else if minus && at(1).is_some_and(|t| is_t(&t.tok)) && close_at(2) {
            Some((Exponent::InverseTranspose, 3))
        } else if minus && at(1).is_some_and(|t| self.is_one(t)) && close_at(2) {
            Some((Exponent::Inverse, 3))
        } else {
            None
        };
        if let Some((exponent, len)) = special {
            self.pos += len;
            return Ok(exponent);
        }
        let power = self.nested(|p| p.expr())?;
        self.close(open, &Tok::RBrace)?;
        Ok(Exponent::Pow(power))
    }

    fn is_one(&self, t: &Token) -> bool {
        matches!(t.tok, Tok::Num(_)) && self.text(t.span) == "1"
    }

    /// The items of a subscript, after its `_`: `mn`, `{i,j}`, `{12}`, `\alpha`.
    fn subscript_items(&mut self) -> PResult<Vec<Sub>> {
        let Some(t) = self.token() else {
            return Err(self.expected("a subscript"));
        };
        let subs = match &t.tok {
            Tok::Script(s) => split_subscript(s, t.span, true),
            Tok::Ident { name, .. } => split_subscript(name, t.span, self.text(t.span) == name),
            Tok::Num(_) => vec![self.position(t)?],
            Tok::LBrace => return self.braced_subscript(),
            _ => return Err(self.expected("a subscript")),
        };
        self.bump();
        Ok(subs)
    }

    fn braced_subscript(&mut self) -> PResult<Vec<Sub>> {
        let open = self.bump();
        let mut subs = Vec::new();
        loop {
            let Some(t) = self.token() else {
                return Err(error(open, "unclosed '{' opened here"));
            };
            match &t.tok {
                Tok::RBrace if subs.is_empty() => {
                    return Err(error(open.to(t.span), "empty subscript"));
                }
                Tok::RBrace => {
                    self.bump();
                    return Ok(subs);
                }
                Tok::Comma => {}
                Tok::Ident { name, .. } => {
                    let exact = self.text(t.span) == name;
                    subs.extend(split_subscript(name, t.span, exact));
                }
                Tok::Num(_) => subs.push(self.position(t)?),
                _ => {
                    let message = format!(
                        "a subscript holds index letters and whole numbers, not '{}'",
                        self.text(t.span)
                    );
                    return Err(error(t.span, message));
                }
            }
            self.bump();
        }
    }

    /// A numeric subscript: a 1-based position.
    fn position(&self, t: &Token) -> PResult<Sub> {
        let text = self.text(t.span);
        text.parse::<u64>()
            .map(|n| Sub::Int(n, t.span))
            .map_err(|_| {
                let message =
                    format!("'{text}' is not a position: a numeric subscript is a whole number");
                error(t.span, message)
            })
    }
}

/// Appends a matrix row, checking it is as long as the others.
fn push_row(rows: &mut Vec<Vec<Expr>>, row: Vec<Expr>) -> PResult<()> {
    if let (Some(first), Some(a), Some(b)) = (rows.first(), row.first(), row.last())
        && first.len() != row.len()
    {
        let message = format!(
            "row {} has {} entries but row 1 has {}",
            rows.len() + 1,
            row.len(),
            first.len()
        );
        return Err(error(a.span.to(b.span), message));
    }
    rows.push(row);
    Ok(())
}

fn deriv(y: Expr, x: Expr, span: Span) -> Expr {
    let kind = ExprKind::Deriv {
        y: Box::new(y),
        x: Box::new(x),
    };
    node(kind, span)
}

/// A token that can start a factor, so that juxtaposition can be a product.
fn starts_factor(tok: &Tok) -> bool {
    matches!(
        tok,
        Tok::Num(_)
            | Tok::Ident { .. }
            | Tok::Sum
            | Tok::Partial
            | Tok::Frac
            | Tok::LParen
            | Tok::LBrace
            | Tok::LBracket
    )
}

/// `T` or `\top` in a superscript.
fn is_t(tok: &Tok) -> bool {
    match tok {
        Tok::Top => true,
        Tok::Script(s) | Tok::Ident { name: s, .. } => s == "T",
        _ => false,
    }
}

/// An unbraced exponent: a number (`^2`) or a name (`^k`).
fn script_atom(s: &str, span: Span) -> Expr {
    match s.parse::<f64>() {
        Ok(v) if s.chars().all(|c| c.is_ascii_digit()) => node(ExprKind::Num(v), span),
        _ => {
            let ident = Ident {
                name: s.to_string(),
                span,
            };
            node(ExprKind::Name(ident), span)
        }
    }
}

fn closing(tok: &Tok) -> &'static str {
    match tok {
        Tok::RParen => ")",
        Tok::RBracket => "]",
        _ => "}",
    }
}

fn space_kind(name: &str) -> Option<SpaceKind> {
    Some(match name {
        "R" | "ℝ" => SpaceKind::R,
        "Sym" => SpaceKind::Sym,
        "SPD" => SpaceKind::Spd,
        "Orth" => SpaceKind::Orth,
        "Diag" => SpaceKind::Diag,
        "Pos" => SpaceKind::Pos,
        "OneHot" => SpaceKind::OneHot,
        _ => return None,
    })
}

/// A dimension as written: a whole number or a dimension symbol (one
/// letter, optionally followed by digits).
fn dim_atom(text: &str) -> Option<DimFactor> {
    if text.chars().all(|c| c.is_ascii_digit()) {
        return text.parse().ok().map(DimFactor::Int);
    }
    let mut chars = text.chars();
    let symbol = chars.next().is_some_and(is_letter) && chars.all(|c| c.is_ascii_digit());
    symbol.then(|| DimFactor::Sym(text.to_string()))
}

/// The dimensions a bad one probably meant, and whether they were split
/// at `x`: `nxm` → (n, m; true), `nm` → (n, m; false), `2xnm` → (2, n, m).
fn split_dims(text: &str) -> (Vec<String>, bool) {
    let parts: Vec<&str> = text.split('x').collect();
    let on_x = parts.len() > 1 && parts.iter().all(|p| !p.is_empty());
    let parts = if on_x { parts } else { vec![text] };
    let split = parts.into_iter().flat_map(letter_chunks).collect();
    (split, on_x)
}

/// `n1m2` → n1, m2; `12n` → 12, n.
fn letter_chunks(text: &str) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    for c in text.chars() {
        match chunks.last_mut() {
            Some(last) if c.is_ascii_digit() => last.push(c),
            _ => chunks.push(c.to_string()),
        }
    }
    chunks
}

/// A run of subscript letters and digits as items: each letter with the
/// digits after it is one index, each other digit one position. `exact`:
/// `text` is the source at `span`, so each item gets its own span.
fn split_subscript(text: &str, span: Span, exact: bool) -> Vec<Sub> {
    let mut subs = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let mut end = start + c.len_utf8();
        if !c.is_ascii_digit() {
            while let Some(&(i, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                end = i + d.len_utf8();
                chars.next();
            }
        }
        let item_span = if exact {
            Span::new(span.start + start, span.start + end)
        } else {
            span
        };
        subs.push(match c.to_digit(10) {
            Some(d) => Sub::Int(u64::from(d), item_span),
            None => Sub::Letter(Index {
                name: text[start..end].to_string(),
                span: item_span,
            }),
        });
    }
    subs
}

/// The pieces of a braced dimension list → its axes.
fn axes_of(pieces: &[DimPiece]) -> PResult<Vec<Dim>> {
    let mut axes = Vec::new();
    let mut i = 0;
    loop {
        let (dim, next) = axis(pieces, i)?;
        axes.push(dim);
        i = next;
        match pieces.get(i) {
            None => return Ok(axes),
            Some(DimPiece {
                piece: Piece::Sep, ..
            }) => i += 1,
            Some(p) => {
                let message = "two dimensions need '×' between them (R^{n×m}), or parentheses for their product (R^{(n m)})";
                return Err(error(p.span, message));
            }
        }
    }
}

/// One axis starting at `pieces[i]`: a factor, or a parenthesised product.
/// Returns it and the index after it.
fn axis(pieces: &[DimPiece], i: usize) -> PResult<(Dim, usize)> {
    match pieces.get(i) {
        Some(DimPiece {
            piece: Piece::Factor(f),
            span,
        }) => Ok((
            Dim {
                factors: vec![f.clone()],
                span: *span,
            },
            i + 1,
        )),
        Some(DimPiece {
            piece: Piece::Open,
            span,
        }) => product(pieces, i, *span),
        Some(DimPiece {
            piece: Piece::Close,
            span,
        }) => Err(error(*span, "unmatched ')'")),
        Some(DimPiece { span, .. }) => Err(error(*span, "expected a dimension before this '×'")),
        None => {
            let span = pieces.last().map_or_else(Span::default, |p| p.span);
            Err(error(span, "expected a dimension after this"))
        }
    }
}

/// `(n k)`, `(n×k)`, `((k×l)×m)`: one axis, the product of its factors.
fn product(pieces: &[DimPiece], i: usize, open: Span) -> PResult<(Dim, usize)> {
    let mut factors = Vec::new();
    let mut depth = 0usize;
    for (j, p) in pieces.iter().enumerate().skip(i) {
        match &p.piece {
            Piece::Open => depth += 1,
            Piece::Close => {
                depth -= 1;
                if depth == 0 {
                    if factors.is_empty() {
                        return Err(error(open.to(p.span), "empty parentheses in dimensions"));
                    }
                    let span = open.to(p.span);
                    return Ok((Dim { factors, span }, j + 1));
                }
            }
            Piece::Factor(f) => factors.push(f.clone()),
            Piece::Sep => {}
        }
    }
    Err(error(open, "unclosed '(' opened here"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact rendering of an expression, to compare trees.
    fn sx(e: &Expr) -> String {
        let list = |es: &[Expr], sep: &str| es.iter().map(sx).collect::<Vec<_>>().join(sep);
        match &e.kind {
            ExprKind::Num(v) => format!("{v}"),
            ExprKind::Name(i) => i.name.clone(),
            ExprKind::Matrix(rows) => {
                let rows: Vec<String> = rows.iter().map(|r| list(r, " ")).collect();
                format!("[{}]", rows.join("; "))
            }
            ExprKind::Neg(x) => format!("(neg {})", sx(x)),
            ExprKind::Binary { op, lhs, rhs, .. } => {
                format!("({} {} {})", op.symbol(), sx(lhs), sx(rhs))
            }
            ExprKind::Transpose(x) => format!("(T {})", sx(x)),
            ExprKind::Inverse(x) => format!("(inv {})", sx(x)),
            ExprKind::InverseTranspose(x) => format!("(invT {})", sx(x)),
            ExprKind::Pow(x, k) => format!("(^ {} {})", sx(x), sx(k)),
            ExprKind::Call { func, args } => format!("{}({})", func.name, list(args, ", ")),
            ExprKind::Subscript { base, subs } => format!("(_ {} {})", sx(base), subs_sx(subs)),
            ExprKind::Deriv { y, x } => format!("(∂ {} {})", sx(y), sx(x)),
            ExprKind::Differential(x) => format!("(d {})", sx(x)),
            ExprKind::Sum { index, body } => format!("(∑{} {})", index.name, sx(body)),
            ExprKind::Delta(a, b) => format!("(δ {})", subs_sx(&[a.clone(), b.clone()])),
        }
    }

    fn subs_sx(subs: &[Sub]) -> String {
        let items: Vec<String> = subs
            .iter()
            .map(|s| match s {
                Sub::Letter(i) => i.name.clone(),
                Sub::Int(n, _) => format!("#{n}"),
            })
            .collect();
        items.join(" ")
    }

    fn space_sx(s: &Space) -> String {
        let axes: Vec<String> = s
            .axes
            .iter()
            .map(|d| {
                let f: Vec<String> = d
                    .factors
                    .iter()
                    .map(|f| match f {
                        DimFactor::Int(n) => n.to_string(),
                        DimFactor::Sym(s) => s.clone(),
                    })
                    .collect();
                f.join("·")
            })
            .collect();
        format!("{}[{}]", s.kind.name(), axes.join("×"))
    }

    fn rel_sx(r: Rel) -> &'static str {
        match r {
            Rel::Eq => "=",
            Rel::Approx => "≈",
            Rel::Ne => "≠",
            Rel::In => "∈",
        }
    }

    fn stmt_sx(s: &Stmt) -> String {
        match &s.kind {
            StmtKind::Declare {
                names,
                space,
                konst,
            } => {
                let names: Vec<&str> = names.iter().map(|n| n.name.as_str()).collect();
                let konst = if *konst { " const" } else { "" };
                format!("let {} ∈ {}{konst}", names.join(", "), space_sx(space))
            }
            StmtKind::FnDecl {
                name,
                domain,
                codomain,
            } => format!(
                "let {} : {} → {}",
                name.name,
                space_sx(domain),
                space_sx(codomain)
            ),
            StmtKind::Define {
                name,
                indices,
                expr,
            } => {
                let idx: Vec<&str> = indices.iter().map(|i| i.name.as_str()).collect();
                format!("let {}[{}] := {}", name.name, idx.join(" "), sx(expr))
            }
            StmtKind::Claim { head, links } => {
                let mut out = sx(head);
                for l in links {
                    let rhs = match &l.rhs {
                        Rhs::Expr(e) => sx(e),
                        Rhs::Space(s) => space_sx(s),
                    };
                    out.push_str(&format!(" {} {rhs}", rel_sx(l.rel)));
                }
                out
            }
            StmtKind::Show { expr } => format!("show {}", sx(expr)),
        }
    }

    /// The single statement of `src`.
    fn one(src: &str) -> Stmt {
        match parse_block(src).as_slice() {
            [Item::Stmt(s)] => s.clone(),
            other => panic!("{src:?}: expected one statement, got {other:?}"),
        }
    }

    fn parsed(src: &str) -> String {
        stmt_sx(&one(src))
    }

    /// The expression of `show src`.
    fn ex(src: &str) -> String {
        match one(&format!("show {src}")).kind {
            StmtKind::Show { expr } => sx(&expr),
            k => panic!("{k:?}"),
        }
    }

    /// The single error of `src`.
    fn err(src: &str) -> ParseError {
        match parse_block(src).as_slice() {
            [Item::Error(e)] => e.clone(),
            other => panic!("{src:?}: expected one error, got {other:?}"),
        }
    }

    fn at(src: &str, span: Span) -> &str {
        &src[span.start..span.end]
    }

    fn summary(src: &str) -> Vec<String> {
        parse_block(src)
            .iter()
            .map(|item| match item {
                Item::Stmt(s) => stmt_sx(s),
                Item::Error(e) => format!("error: {}", e.message),
            })
            .collect()
    }

    // -- statements --------------------------------------------------------

    #[test]
    fn declarations() {
        assert_eq!(parsed("let W ∈ R^{n×m}"), "let W ∈ R[n×m]");
        assert_eq!(parsed("let x, y ∈ R^m"), "let x, y ∈ R[m]");
        assert_eq!(parsed("let A ∈ Sym^n"), "let A ∈ Sym[n]");
        assert_eq!(parsed("let A ∈ R^{m×n} const"), "let A ∈ R[m×n] const");
        assert_eq!(
            parsed("let \\mathbf{W} \\in \\mathbb{R}^{n \\times m}"),
            "let W ∈ R[n×m]"
        );
        assert_eq!(parsed("let x in R^3"), "let x ∈ R[3]");
        assert_eq!(parsed("let v ∈ ℝ^{n1}"), "let v ∈ R[n1]");
        assert_eq!(parsed("let s ∈ R"), "let s ∈ R[]");
        assert_eq!(parsed("let Y ∈ OneHot^{N×C}"), "let Y ∈ OneHot[N×C]");
        assert_eq!(parsed("let S ∈ \\mathrm{SPD}^n"), "let S ∈ SPD[n]");
        assert_eq!(parsed("let Q ∈ Orth^3"), "let Q ∈ Orth[3]");
        assert_eq!(parsed("let D ∈ Diag^n"), "let D ∈ Diag[n]");
        assert_eq!(parsed("let P ∈ Pos^{p×q}"), "let P ∈ Pos[p×q]");
    }

    #[test]
    fn dimension_lists() {
        let space = |s: &str| parsed(&format!("let A ∈ {s}"))["let A ∈ ".len()..].to_string();
        assert_eq!(space("R^{m×(n k)}"), "R[m×n·k]");
        assert_eq!(space("R^{m×(n×k)}"), "R[m×n·k]");
        assert_eq!(space("R^{m×(n*k)}"), "R[m×n·k]");
        assert_eq!(space("R^{(k×l×m)×n}"), "R[k·l·m×n]");
        assert_eq!(space("R^{m×n×k}"), "R[m×n×k]");
        assert_eq!(space("R^{2x3}"), "R[2×3]");
        assert_eq!(space("R^{2xn}"), "R[2×n]");
        assert_eq!(space("R^{n x m}"), "R[n×m]");
        assert_eq!(space("R^{n*m}"), "R[n×m]");
        assert_eq!(space("R^{(m×n)×(k×l)}"), "R[m·n×k·l]");
        assert_eq!(space("R^{1×C}"), "R[1×C]");
    }

    #[test]
    fn dimension_errors_suggest_the_split() {
        let src = "let W ∈ R^{nxm}";
        let e = err(src);
        assert_eq!(
            e.message,
            "dimension 'nxm' is not a dimension symbol (one letter, optionally digits); did you mean R^{n×m}?"
        );
        assert_eq!(at(src, e.span), "nxm");
        let e = err("let W ∈ R^{nm}");
        assert!(
            e.message.ends_with(
                "did you mean R^{n×m} (two axes) or R^{(n m)} (one axis of their product)?"
            ),
            "{}",
            e.message
        );
        assert!(
            err("let W ∈ R^nxm")
                .message
                .ends_with("did you mean R^{n×m}?")
        );
        assert!(
            err("let W ∈ \\mathbb{R}^{nxm}")
                .message
                .ends_with("did you mean \\mathbb{R}^{n×m}?")
        );
        assert!(
            err("let W ∈ R^{m×(nk)}")
                .message
                .ends_with("did you mean R^{m×(n k)}?")
        );
        assert!(
            err("let W ∈ R^{2xnm}")
                .message
                .ends_with("did you mean R^{2×n×m}?")
        );
        assert!(
            err("let W ∈ R^{n m}")
                .message
                .starts_with("two dimensions need '×'")
        );
        assert_eq!(err("let W ∈ R^{}").message, "empty dimensions");
        assert_eq!(err("let W ∈ R^{n×m").message, "unclosed '{' opened here");
        assert_eq!(err("let W ∈ R^{(n×m}").message, "unclosed '(' opened here");
        assert!(err("let W ∈ R^{2.5}").message.contains("'2.5'"));
        assert!(err("let W ∈ R^{n+m}").message.starts_with("unexpected '+'"));
        assert!(
            err("let W ∈ Q^n")
                .message
                .starts_with("expected a space (R, Sym")
        );
    }

    #[test]
    fn function_declarations() {
        for arrow in ["→", "->", "\\to"] {
            assert_eq!(
                parsed(&format!("let φ : R^{{1×C}} {arrow} R")),
                "let φ : R[1×C] → R[]"
            );
        }
        assert_eq!(
            parsed("let \\psi : R^{k×l} → R^{m×n}"),
            "let ψ : R[k×l] → R[m×n]"
        );
        assert!(err("let φ : R^n R").message.starts_with("expected '→'"));
    }

    #[test]
    fn definitions() {
        assert_eq!(parsed("let f = W x"), "let f[] := (· W x)");
        assert_eq!(parsed("let L_i = φ(Z_i)"), "let L[i] := φ((_ Z i))");
        assert_eq!(parsed("let w = vec(W)"), "let w[] := vec(W)");
        assert_eq!(parsed("let A = [1 2; 3 4]"), "let A[] := [1 2; 3 4]");
        assert_eq!(parsed("let f := W x"), "let f[] := (· W x)");
        assert_eq!(parsed("let A_{ij} = B_ji"), "let A[i j] := (_ B j i)");
        assert!(err("let L_1 = x").message.starts_with("an indexed family"));
        let e = err("let f = a = b");
        assert!(e.message.starts_with("a definition has a single '='"));
        assert_eq!(e.span, Span::new(10, 11));
        assert!(
            err("let f(x) = x")
                .message
                .starts_with("a definition names a value")
        );
        assert!(
            err("let = 3")
                .message
                .starts_with("expected a name after 'let'")
        );
        assert!(
            err("let x")
                .message
                .starts_with("expected '∈', ':' or '=' after 'x'")
        );
    }

    #[test]
    fn show() {
        assert_eq!(parsed("show ∂f/∂w"), "show (∂ f w)");
        assert!(
            err("show")
                .message
                .starts_with("expected an expression after 'show'")
        );
    }

    #[test]
    fn claims_and_every_relation() {
        assert_eq!(parsed("f = I W x"), "f = (· (· I W) x)");
        assert_eq!(parsed("a ≈ b"), "a ≈ b");
        assert_eq!(parsed("a ~= b \\approx c"), "a ≈ b ≈ c");
        assert_eq!(parsed("a ≠ b != c \\neq d \\ne e"), "a ≠ b ≠ c ≠ d ≠ e");
        assert_eq!(parsed("∂r/∂A ∈ R^{m×(n k)}"), "(∂ r A) ∈ R[m×n·k]");
        assert_eq!(parsed("x in R^n"), "x ∈ R[n]");
        assert_eq!(parsed("x \\in \\mathbb{R}^{n}"), "x ∈ R[n]");
        assert_eq!(parsed("a = b ∈ R^n"), "a = b ∈ R[n]");
        let e = err("W x");
        assert_eq!(
            e.message,
            "a claim needs a relation (=, ≈, ≠, ∈); to name a value write `let NAME = …`"
        );
        assert_eq!(e.span, Span::new(0, 3));
        assert!(
            err("x ∈ R^n = y")
                .message
                .starts_with("nothing can follow a space")
        );
    }

    #[test]
    fn relation_spans() {
        let src = "f = a ≈ b";
        let StmtKind::Claim { links, .. } = one(src).kind else {
            panic!()
        };
        assert_eq!(at(src, links[0].rel_span), "=");
        assert_eq!(at(src, links[1].rel_span), "≈");
    }

    #[test]
    fn continuation_lines() {
        let src = "f = W x\n  = I W x\n  = (x^T ⊗ I) vec(W)";
        let s = one(src);
        assert_eq!(
            stmt_sx(&s),
            "f = (· W x) = (· (· I W) x) = (· (⊗ (T x) I) vec(W))"
        );
        assert_eq!(s.span, Span::new(0, src.len()));
        let StmtKind::Claim { links, .. } = &s.kind else {
            panic!()
        };
        assert_eq!(links[1].rel_span, Span::new(10, 11));
        // blank lines and comments between are ignored
        assert_eq!(parsed("a = b\n\n# why\n  ≈ c # because"), "a = b ≈ c");
        // ASCII and LaTeX relations continue too
        assert_eq!(parsed("a = b\n!= c\n\\in R"), "a = b ≠ c ∈ R[]");
    }

    #[test]
    fn continuation_errors() {
        assert_eq!(
            summary("= a"),
            [
                "error: a line that starts with a relation continues the claim before it, but there is no statement before it"
            ]
        );
        assert_eq!(
            summary("let f = W x\n = y"),
            [
                "let f[] := (· W x)",
                "error: a line that starts with a relation continues the claim before it, but the statement before it is a definition"
            ]
        );
        // a continuation belongs to its statement's error
        assert_eq!(
            summary("a = (b\n = c\nd = e"),
            ["error: unclosed '(' opened here", "d = e"]
        );
        // an error in a continuation line makes the statement an error
        let src = "a = b\n = c +";
        let e = err(src);
        assert_eq!(e.message, "expected an expression after '+'");
        assert_eq!(at(src, e.span), "+");
        assert_eq!(
            summary("a = b\n(2) = c"),
            [
                "a = b",
                "error: a label goes on the first line of a chain, not on a continuation line"
            ]
        );
    }

    #[test]
    fn labels() {
        let s = one("(1c) ∂f_i/∂W_mn = δ_im x_n");
        assert_eq!(s.label.as_deref(), Some("1c"));
        assert_eq!(s.span.start, 5);
        assert_eq!(one("(2.2) x = y").label.as_deref(), Some("2.2"));
        assert_eq!(one("  (3) x = y").label.as_deref(), Some("3"));
        assert_eq!(one("x = y").label, None);
        // only at the start of a line: a later statement has none
        let items = parse_block("(1) a = b; c = d");
        let labels: Vec<Option<String>> = items
            .iter()
            .map(|i| match i {
                Item::Stmt(s) => s.label.clone(),
                Item::Error(_) => panic!(),
            })
            .collect();
        assert_eq!(labels, [Some("1".to_string()), None]);
        // without a space it is a factor
        assert_eq!(parsed("(2)x = y"), "(· 2 x) = y");
        assert_eq!(
            summary("(1)"),
            ["error: a label must be followed by a statement on the same line"]
        );
    }

    #[test]
    fn semicolons_comments_and_blank_lines() {
        assert_eq!(
            summary("let x ∈ R^n; let y ∈ R^n # two\n\n  x = y ; ;"),
            ["let x ∈ R[n]", "let y ∈ R[n]", "x = y"]
        );
        assert_eq!(
            summary("let A = [1 2; 3 4]; A = A"),
            ["let A[] := [1 2; 3 4]", "A = A"]
        );
        assert_eq!(summary("# only a comment\n\n"), Vec::<String>::new());
    }

    #[test]
    fn statement_spans_are_byte_offsets() {
        let src = "let x ∈ R^n\n(1) φ(x) = y  # c";
        let items = parse_block(src);
        let Item::Stmt(s) = &items[1] else { panic!() };
        assert_eq!(at(src, s.span), "φ(x) = y");
    }

    // -- expressions -------------------------------------------------------

    #[test]
    fn precedence() {
        assert_eq!(ex("W x + b"), "(+ (· W x) b)");
        assert_eq!(ex("-a b"), "(· (neg a) b)");
        assert_eq!(ex("a - b"), "(- a b)");
        assert_eq!(ex("a -b"), "(- a b)");
        assert_eq!(ex("a * -b"), "(· a (neg b))");
        assert_eq!(ex("x^T ⊗ I"), "(⊗ (T x) I)");
        assert_eq!(ex("a ⊙ b ⊘ c ⊗ d / e"), "(/ (⊗ (⊘ (⊙ a b) c) d) e)");
        assert_eq!(ex("a + b c - d"), "(- (+ a (· b c)) d)");
        assert_eq!(ex("-x^T"), "(neg (T x))");
        assert_eq!(ex("- - x"), "(neg (neg x))");
        assert_eq!(ex("2^n det(A)"), "(· (^ 2 n) det(A))");
        assert_eq!(ex("(P - Y)/N"), "(/ (- P Y) N)");
        assert_eq!(ex("a (b + c)"), "(· a (+ b c))");
        assert_eq!(ex("W (x)"), "(· W x)");
        assert_eq!(ex("a .* b ./ c"), "(⊘ (⊙ a b) c)");
        assert_eq!(ex("a · b ⋅ c \\cdot d * e"), "(· (· (· (· a b) c) d) e)");
        assert_eq!(
            ex("a ∘ b \\odot c \\oslash d \\otimes e"),
            "(⊗ (⊘ (⊙ (⊙ a b) c) d) e)"
        );
        assert_eq!(ex("a − b"), "(- a b)");
    }

    #[test]
    fn transposes_inverses_and_powers() {
        for t in [
            "x^T",
            "xᵀ",
            "x'",
            "x^\\top",
            "x^{T}",
            "x^{\\top}",
            "x^ T",
            "x^\\intercal",
        ] {
            assert_eq!(ex(t), "(T x)", "{t}");
        }
        assert_eq!(ex("x^Tx"), "(· (T x) x)");
        assert_eq!(ex("A^{-1}"), "(inv A)");
        assert_eq!(ex("A^-1"), "(inv A)");
        assert_eq!(ex("A^{-T}"), "(invT A)");
        assert_eq!(ex("A^-T"), "(invT A)");
        assert_eq!(ex("A^{-\\top}"), "(invT A)");
        assert_eq!(ex("A^2"), "(^ A 2)");
        assert_eq!(ex("A^12"), "(^ A 12)");
        assert_eq!(ex("A^k"), "(^ A k)");
        assert_eq!(ex("A^{1/2}"), "(^ A (/ 1 2))");
        assert_eq!(ex("A^{-2}"), "(^ A (neg 2))");
        assert_eq!(ex("A^-2"), "(^ A -2)");
        assert_eq!(ex("A^{k}"), "(^ A k)");
        assert_eq!(ex("A^\\alpha"), "(^ A α)");
        assert_eq!(ex("x''"), "(T (T x))");
    }

    #[test]
    fn subscripts() {
        assert_eq!(ex("Z_i"), "(_ Z i)");
        assert_eq!(ex("W_{ij}"), "(_ W i j)");
        assert_eq!(ex("W_{i,j}"), "(_ W i j)");
        assert_eq!(ex("W_{i j}"), "(_ W i j)");
        assert_eq!(ex("W_ij"), "(_ W i j)");
        assert_eq!(ex("W_mn"), "(_ W m n)");
        assert_eq!(ex("x_n1"), "(_ x n1)");
        assert_eq!(ex("A_{1,2}"), "(_ A #1 #2)");
        assert_eq!(ex("A_{12}"), "(_ A #12)");
        assert_eq!(ex("A_12"), "(_ A #1 #2)");
        assert_eq!(ex("A_1"), "(_ A #1)");
        assert_eq!(ex("W_i^T"), "(T (_ W i))");
        assert_eq!(ex("W^T_i"), "(_ (T W) i)");
        assert_eq!(ex("(A B)_ik"), "(_ (· A B) i k)");
        assert_eq!(ex("1_n"), "(_ 1 n)");
        assert_eq!(ex("\\mathbf{1}_n"), "(_ 1 n)");
        assert_eq!(ex("1_N^T"), "(T (_ 1 N))");
        assert_eq!(ex("I_n"), "(_ I n)");
        assert_eq!(ex("I_{3}"), "(_ I #3)");
        assert_eq!(ex("x_\\alpha"), "(_ x α)");
        assert_eq!(ex("x_{\\mu\\nu}"), "(_ x μ ν)");
        assert!(
            err("show W_{i+1}")
                .message
                .starts_with("a subscript holds index letters")
        );
        assert_eq!(err("show W_{}").message, "empty subscript");
    }

    #[test]
    fn subscript_spans() {
        let src = "show W_mn";
        let StmtKind::Show { expr } = one(src).kind else {
            panic!()
        };
        let ExprKind::Subscript { subs, .. } = expr.kind else {
            panic!()
        };
        assert_eq!(at(src, subs[0].span()), "m");
        assert_eq!(at(src, subs[1].span()), "n");
        assert_eq!(at(src, expr.span), "W_mn");
    }

    #[test]
    fn primaries() {
        assert_eq!(ex("2"), "2");
        assert_eq!(ex("0.5"), "0.5");
        assert_eq!(ex("1e-3"), "0.001");
        assert_eq!(ex("W1 b2 Wx"), "(· (· W1 b2) Wx)");
        assert_eq!(ex("φ"), "φ");
        assert_eq!(
            ex("\\phi \\psi \\sigma \\alpha \\delta"),
            "(· (· (· (· φ ψ) σ) α) δ)"
        );
        assert_eq!(ex("\\mathbf{W}\\mathbf{x}"), "(· W x)");
        assert_eq!(ex("\\boldsymbol{W} \\mathit{x}"), "(· W x)");
        assert_eq!(ex("{a + b} c"), "(· (+ a b) c)");
        assert_eq!(ex("\\left( a + b \\right) c"), "(· (+ a b) c)");
        assert_eq!(ex("\\bigl( a \\bigr)"), "a");
        assert_eq!(
            ex("a \\, b \\; c \\quad d \\qquad e \\! f \\: g"),
            "(· (· (· (· (· (· a b) c) d) e) f) g)"
        );
        assert_eq!(ex("dX"), "dX");
    }

    #[test]
    fn calls() {
        assert_eq!(ex("vec(W)"), "vec(W)");
        assert_eq!(ex("kron(A, B)"), "kron(A, B)");
        assert_eq!(ex("W(x)"), "W(x)");
        assert_eq!(ex("\\mathrm{vec}(W)"), "vec(W)");
        assert_eq!(ex("\\operatorname{tr}(A)"), "tr(A)");
        assert_eq!(ex("\\text{vec}(W)"), "vec(W)");
        assert_eq!(ex("\\operatorname{tr} (A)"), "tr(A)");
        for f in ["exp", "log", "det", "tr", "sin", "cos", "tanh"] {
            assert_eq!(ex(&format!("\\{f}(x)")), format!("{f}(x)"));
        }
        assert_eq!(ex("f\\left(x\\right)"), "f(x)");
        assert_eq!(ex("vec(W)^T"), "(T vec(W))");
        assert_eq!(ex("sum(A)"), "sum(A)");
        let e = err("show f(a, b");
        assert_eq!(e.message, "unclosed '(' opened here");
        assert_eq!(e.span, Span::new(6, 7));
        assert!(
            err("show f()")
                .message
                .starts_with("expected an expression after '(', found ')'")
        );
    }

    #[test]
    fn derivatives() {
        assert_eq!(ex("∂f/∂W"), "(∂ f W)");
        assert_eq!(ex("\\partial f/\\partial W"), "(∂ f W)");
        assert_eq!(ex("\\partial f / \\partial W"), "(∂ f W)");
        assert_eq!(ex("d(f)/d(W)"), "(∂ f W)");
        assert_eq!(ex("\\frac{\\partial f}{\\partial W}"), "(∂ f W)");
        assert_eq!(
            ex("\\frac{\\partial \\mathbf{r}}{\\partial \\mathbf{A}}"),
            "(∂ r A)"
        );
        assert_eq!(ex("\\frac{d(f)}{d(W)}"), "(∂ f W)");
        assert_eq!(ex("∂L_i/∂Z_i"), "(∂ (_ L i) (_ Z i))");
        assert_eq!(ex("∂f_i/∂W_mn"), "(∂ (_ f i) (_ W m n))");
        assert_eq!(ex("∂f/∂W^T"), "(∂ f (T W))");
        assert_eq!(ex("∂f/∂vec(W)"), "(∂ f vec(W))");
        assert_eq!(
            ex("∂(v_i A_ij v_j)/∂v_k"),
            "(∂ (· (· (_ v i) (_ A i j)) (_ v j)) (_ v k))"
        );
        assert_eq!(ex("∂L/∂Z ∂Z/∂b"), "(· (∂ L Z) (∂ Z b))");
        assert_eq!(ex("∂f/∂x^T x"), "(· (∂ f (T x)) x)");
        assert_eq!(ex("d(X^{-1})"), "(d (inv X))");
        assert_eq!(ex("d(X Y) - dX Y"), "(- (d (· X Y)) (· dX Y))");
        assert_eq!(ex("d (X)"), "(· d X)");
        assert_eq!(ex("\\frac{a}{b}"), "(/ a b)");
        assert_eq!(ex("\\frac{a + b}{2} c"), "(· (/ (+ a b) 2) c)");
        assert!(
            err("show ∂f")
                .message
                .starts_with("expected '/' (a derivative is written ∂Y/∂X)")
        );
        assert!(err("show ∂f/x").message.starts_with("expected '∂'"));
        assert!(
            err("show ∂/∂x")
                .message
                .starts_with("expected what is differentiated")
        );
    }

    #[test]
    fn deltas() {
        assert_eq!(ex("δ_ij"), "(δ i j)");
        assert_eq!(ex("\\delta_{ij}"), "(δ i j)");
        assert_eq!(ex("δ_{i,j}"), "(δ i j)");
        assert_eq!(ex("δ_im x_n"), "(· (δ i m) (_ x n))");
        assert_eq!(ex("δ"), "δ");
        let e = err("show δ_i");
        assert!(
            e.message
                .starts_with("δ (the Kronecker delta) takes exactly two indices")
        );
        assert_eq!(e.span, Span::new(5, 9));
    }

    #[test]
    fn sums() {
        assert_eq!(ex("∑_i L_i + 1"), "(+ (∑i (_ L i)) 1)");
        assert_eq!(
            ex("∑_i ∂L_i/∂Z_i ∂Z_i/∂b"),
            "(∑i (· (∂ (_ L i) (_ Z i)) (∂ (_ Z i) b)))"
        );
        for s in ["sum_i", "\\sum_i", "\\sum_{i}", "Σ_i", "∑_{i}"] {
            assert_eq!(ex(&format!("{s} x_i")), "(∑i (_ x i))", "{s}");
        }
        assert_eq!(ex("∑_{ij} A_ij"), "(∑i (∑j (_ A i j)))");
        assert_eq!(ex("2 ∑_i x_i y_i"), "(· 2 (∑i (· (_ x i) (_ y i))))");
        assert_eq!(ex("-∑_i x_i"), "(neg (∑i (_ x i)))");
        assert_eq!(ex("\\Sigma_{ij}"), "(_ Σ i j)");
        assert!(
            err("show \\sum_{i=1}^N x_i")
                .message
                .starts_with("a sum takes no bounds")
        );
        assert!(
            err("show \\sum_i^N x_i")
                .message
                .starts_with("a sum takes no bounds")
        );
        assert!(err("show ∑ x").message.starts_with("expected its index"));
        assert!(
            err("show ∑_1 x")
                .message
                .starts_with("a sum's index is a letter")
        );
    }

    #[test]
    fn matrices() {
        assert_eq!(ex("[1 2; 3 4]"), "[1 2; 3 4]");
        assert_eq!(ex("[1, -2; x 0]"), "[1 (neg 2); x 0]");
        assert_eq!(ex("[a -b]"), "[a (neg b)]");
        assert_eq!(ex("[a - b]"), "[(- a b)]");
        assert_eq!(ex("[a-b]"), "[(- a b)]");
        assert_eq!(ex("[2x y]"), "[(· 2 x) y]");
        assert_eq!(ex("[W x, b]"), "[(· W x) b]");
        assert_eq!(ex("[(W x) b]"), "[(· W x) b]");
        assert_eq!(ex("[x' y']"), "[(T x) (T y)]");
        assert_eq!(ex("[f(a b) c]"), "[f((· a b)) c]");
        assert_eq!(ex("[a * b c]"), "[(· a b) c]");
        assert_eq!(
            ex("\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"),
            "[1 2; 3 4]"
        );
        assert_eq!(ex("\\begin{bmatrix} a b & c \\end{bmatrix}"), "[(· a b) c]");
        assert_eq!(ex("[1 2] x"), "(· [1 2] x)");
        assert!(
            err("show [1 2; 3]")
                .message
                .starts_with("row 2 has 1 entries but row 1 has 2")
        );
        assert_eq!(err("show [1 2; 3 4").message, "unclosed '[' opened here");
        assert_eq!(err("show []").message, "empty matrix row");
        assert_eq!(err("show [1,]").message, "expected an entry after ','");
        assert!(err("show [1 = 2]").message.starts_with("unexpected '='"));
    }

    // -- errors ------------------------------------------------------------

    #[test]
    fn errors_have_messages_and_spans() {
        let src = "f = a +";
        let e = err(src);
        assert_eq!(e.message, "expected an expression after '+'");
        assert_eq!(at(src, e.span), "+");
        let src = "f = (a + b";
        let e = err(src);
        assert_eq!(e.message, "unclosed '(' opened here");
        assert_eq!(at(src, e.span), "(");
        let src = "f = a ) b";
        let e = err(src);
        assert_eq!(e.message, "unexpected ')'");
        assert_eq!(at(src, e.span), ")");
        let src = "f = \\foo x";
        let e = err(src);
        assert_eq!(e.message, "unknown LaTeX command '\\foo'");
        assert_eq!(at(src, e.span), "\\foo");
        let src = "f = a × b";
        assert!(
            err(src)
                .message
                .starts_with("'×' goes between the dimensions")
        );
        let src = "f = a + ) b";
        let e = err(src);
        assert_eq!(e.message, "expected an expression after '+', found ')'");
        assert_eq!(at(src, e.span), ")");
        assert_eq!(
            err("f = (a]").message,
            "expected ')' to close the '(', found ']'"
        );
    }

    #[test]
    fn an_error_does_not_stop_the_block() {
        assert_eq!(
            summary("let x ∈ R^n\nx = (\nlet y ∈ R^n; y = ) ; z = z\nshow y"),
            [
                "let x ∈ R[n]",
                "error: expected an expression after '('",
                "let y ∈ R[n]",
                "error: expected an expression after '=', found ')'",
                "z = z",
                "show y"
            ]
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("f = {}x{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(err(&deep).message, "expression nested too deeply");
        let minus = format!("f = {}x", "-".repeat(100));
        assert_eq!(err(&minus).message, "expression nested too deeply");
        let long = format!("f = x{}", " + x".repeat(600));
        assert!(err(&long).message.contains("too long"));
    }

    /// A small deterministic generator, so the garbage is the same every run.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) % n as u64) as usize
        }
    }

    #[test]
    fn garbage_never_panics() {
        // '|' separates the pieces the garbage is made of.
        let pieces: Vec<&str> = "(|)|[|]|{|}|\\left(|\\right)|_|^|'|ᵀ|-|+|*|/|./|.*|=|≈|~|~=|!|!=|∈|in|R|ℝ|×|\
             x|nxm|2|1e|1e-|0.5|.|,|;|:|->|→|∂|∑|Σ|sum|δ|d|let|show|const|W|φ|é|漢|🙂|\\|\
             \\frac|\\partial|\\mathbf{|\\mathbf{W}|\\mathbb{R}|\\begin{bmatrix}|\\end{bmatrix}|\\\\|&|#|\n| |  |\
             (1a) |\t|\r|\\sum_|_{|^{|^-|T|\\top|\\foo|\\,|$|\u{0}|ϕ|₁|(1)\\quad "
            .split('|')
            .collect();
        let mut rng = Lcg(7);
        for _ in 0..3000 {
            let len = rng.next(24);
            let src: String = (0..len).map(|_| pieces[rng.next(pieces.len())]).collect();
            for item in parse_block(&src) {
                let span = match &item {
                    Item::Stmt(s) => s.span,
                    Item::Error(e) => e.span,
                };
                assert!(span.start <= span.end && span.end <= src.len(), "{src:?}");
                assert!(src.is_char_boundary(span.start) && src.is_char_boundary(span.end));
                if let Item::Error(e) = &item {
                    assert!(!e.message.is_empty());
                }
            }
        }
        for src in [
            "",
            "\n\n",
            "(((((",
            ")))))",
            "]]]][[[",
            "{{{",
            "}}}",
            "🙂🙂 = 漢",
            "∂∂∂/∂",
            "= = =",
            "let let let",
        ] {
            parse_block(src);
        }
    }

    // -- the spec's appendix -------------------------------------------------

    const SPEC_BLOCKS: &[&str] = &[
        "f = W x\n  = I W x\n  = (x^T ⊗ I) vec(W)",
        "let W ∈ R^{n×m}\nlet x, y ∈ R^m\nlet A ∈ Sym^n\nlet A ∈ R^{m×n} const\nlet φ : R^{1×C} → R\n\
         let f = W x\nlet L_i = φ(Z_i)\nlet w = vec(W)\nlet A = [1 2; 3 4]\nf = I W x = (x^T ⊗ I) vec(W)\n\
         ∂r/∂A ∈ R^{m×(n k)}\nshow ∂f/∂w",
        "d(X^{-1}) = -X^{-1} dX X^{-1}\nd(X Y) = dX Y\nd(A X) = A dX\n(P - Y)/N = 2^n det(A)",
        "let A ∈ R^{n×k}\nlet φ : R^{n×k} → R^m\nlet r = φ(A)\n(2.2) ∂r/∂A ∈ R^{m×(n×k)}\n\
         (3a) ∂r/∂A ∈ R^{m×n×k}\n∂r_i/∂A ∈ R^{n×k}",
        "let W ∈ R^{k×l}\nlet ψ : R^{k×l} → R^{m×n}\nlet A = ψ(W)\n(1c) ∂A_ij/∂W ∈ R^{k×l}\n\
         ∂A/∂W ∈ R^{(m×n)×(k×l)}",
        "(1c) ∂A/∂W ∈ R^{(k×l×m)×n}",
        "let W ∈ R^{n×m}\nlet x ∈ R^m\nlet f = W x\n(1b) f_i = W_ij x_j\n\
         (1c) ∂f_i/∂W_mn = ∂f_i/∂W_pq ∂W_pq/∂W_mn = δ_ip x_q δ_pm δ_qn = δ_im x_n",
        "let w = vec(W)\n(1) f = I W x = (x^T ⊗ I) vec(W) = (x^T ⊗ I) w\n(2) ∂f/∂w = x^T ⊗ I",
        "let X ∈ R^{N×D}\nlet W ∈ R^{D×C}\nlet b ∈ R^{1×C}\nlet B = 1_N b\nlet Z = X W + B\n\
         let φ : R^{1×C} → R\nlet L_i = φ(Z_i)\nlet L = ∑_i L_i\n\
         (2a) ∂L_i/∂b = ∂L_i/∂Z_i ∂Z_i/∂b = ∂L_i/∂Z_i I = ∂L_i/∂Z_i\n∂L_i/∂b ∈ R^{1×C}\n\
         (2b) ∂L/∂b = ∑_i ∂L_i/∂b = ∑_i ∂L_i/∂Z_i\n∂L/∂b = 1_N^T ∂L/∂Z",
    ];

    #[test]
    fn every_spec_block_parses() {
        for block in SPEC_BLOCKS {
            for item in parse_block(block) {
                assert!(matches!(item, Item::Stmt(_)), "{block}\n{item:?}");
            }
        }
    }

    #[test]
    fn spec_appendix_trees() {
        assert_eq!(
            summary(SPEC_BLOCKS[8])[8..],
            [
                "(∂ (_ L i) b) = (· (∂ (_ L i) (_ Z i)) (∂ (_ Z i) b)) \
                 = (· (∂ (_ L i) (_ Z i)) I) = (∂ (_ L i) (_ Z i))",
                "(∂ (_ L i) b) ∈ R[1×C]",
                "(∂ L b) = (∑i (∂ (_ L i) b)) = (∑i (∂ (_ L i) (_ Z i)))",
                "(∂ L b) = (· (T (_ 1 N)) (∂ L Z))",
            ]
        );
        assert_eq!(
            summary(SPEC_BLOCKS[6])[4],
            "(∂ (_ f i) (_ W m n)) = (· (∂ (_ f i) (_ W p q)) (∂ (_ W p q) (_ W m n))) \
             = (· (· (· (δ i p) (_ x q)) (δ p m)) (δ q n)) = (· (δ i m) (_ x n))"
        );
    }
}
