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
//!   letter); `∑_{ij} E` is `∑_i ∑_j E`. Bounds `\sum_{i=1}^N` (lower bound
//!   1 only) give the index's range.
//! - `⊗` binds looser than the products and tighter than `+ -`.
//! - `E |_{X = V}` applies to the whole expression before the `|`.
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
    BinOp, Diagnostic, Dim, DimFactor, Expr, ExprKind, Ident, Index, Item, Link, Rel, Rhs, Space,
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

type PResult<T> = Result<T, Diagnostic>;

/// Binding powers.
const ADD: u8 = 1;
/// `⊗` binds looser than the products and tighter than `+ -` (spec §3.2).
const KRON: u8 = 2;
const PRODUCT: u8 = 3;
const PREFIX: u8 = 4;

/// Nesting beyond this is an error, not a stack overflow.
const MAX_DEPTH: usize = 64;
/// Longer statements are an error; this also bounds the depth of the trees
/// that later stages walk recursively.
const MAX_TOKENS: usize = 1000;

const SPACE_NAMES: &str = "a space (R, Sym, SPD, Orth, Diag, Pos, OneHot)";

fn error(span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(span, message)
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
    Error(Diagnostic),
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

fn not_a_claim(kind: &StmtKind, span: Span) -> Diagnostic {
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
    /// `^+`, `^\dagger`: the Moore–Penrose pseudo-inverse.
    Pinv(Span),
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
    fn expected(&self, what: &str) -> Diagnostic {
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

    fn unexpected(&self) -> Diagnostic {
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
                other => Err(error(
                    other.span(),
                    "an indexed family is subscripted by index letters, as in `let L_i = …`",
                )),
            })
            .collect()
    }

    // -- expressions -----------------------------------------------------

    fn expr(&mut self) -> PResult<Expr> {
        let e = self.expr_bp(ADD)?;
        if self.at(&Tok::Bar) {
            return self.at_point(e);
        }
        Ok(e)
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
            Tok::Op(BinOp::Kron) => Some(explicit(BinOp::Kron, KRON)),
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
            Tok::Partial | Tok::Partial2 => self.partial(),
            Tok::Frac => self.frac(),
            Tok::Bar => Err(error(
                t.span,
                "'|x|' is not read: write abs(x) for an absolute value, norm(x) for a norm; '|' after an expression is evaluation at a point, E |_{X = V}",
            )),
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
                        Exponent::Pinv(at) => ExprKind::Call {
                            func: Ident {
                                name: "pinv".into(),
                                span: at,
                            },
                            args: vec![*base],
                        },
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
            Tok::Dagger => Exponent::Pinv(t.span),
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
        let dagger = at(0).is_some_and(|t| matches!(t.tok, Tok::Dagger | Tok::Op(BinOp::Add)));
        let special = if at(0).is_some_and(|t| is_t(&t.tok)) && close_at(1) {
            Some((Exponent::Transpose, 2))
        } else if dagger && close_at(1) {
            Some((Exponent::Pinv(open), 2))
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
        if self.affine_in_braces() {
            return self.affine_subscript();
        }
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

    /// Whether the `{…}` at the cursor holds arithmetic (an affine subscript).
    fn affine_in_braces(&self) -> bool {
        self.toks[self.pos + 1..]
            .iter()
            .take_while(|t| t.tok != Tok::RBrace)
            .any(|t| matches!(t.tok, Tok::Op(_) | Tok::LParen))
    }

    /// `{p(i-1)+k, q(j-1)+l}`: comma-separated positions, each a letter, a
    /// number or an affine expression of indices (spec §3.6).
    fn affine_subscript(&mut self) -> PResult<Vec<Sub>> {
        let open = self.bump();
        let items = self.nested(|p| {
            let mut items = vec![p.expr_bp(ADD)?];
            while p.eat(&Tok::Comma).is_some() {
                items.push(p.expr_bp(ADD)?);
            }
            p.close(open, &Tok::RBrace)?;
            Ok(items)
        })?;
        let mut subs = Vec::new();
        for e in items {
            match &e.kind {
                ExprKind::Name(id) if self.text(e.span) == id.name => {
                    subs.extend(split_subscript(&id.name, e.span, true));
                }
                ExprKind::Num(v) if v.fract() == 0.0 && *v >= 0.0 => {
                    subs.push(Sub::Int(*v as u64, e.span));
                }
                _ => subs.push(Sub::Affine(Box::new(e))),
            }
        }
        Ok(subs)
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

/// `∂Y/∂X1` differentiated again by each later `X`: `∂²f/∂x∂y^T` is
/// `∂(∂f/∂x)/∂y^T`.
fn derivs(y: Expr, xs: Vec<Expr>, span: Span) -> Expr {
    xs.into_iter().fold(y, |y, x| deriv(y, x, span))
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
            | Tok::Partial2
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

#[path = "parser_calculus.rs"]
mod calculus;
#[path = "parser_space.rs"]
mod space;

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;
