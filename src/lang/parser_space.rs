//! The parser's spaces and dimensions: `R^{n×m}`, `Sym^n`, `R^{m×(n k)}`,
//! and the errors that suggest a split (`R^{nxm}`).

use super::*;

impl<'a> Parser<'a> {
    // -- spaces ----------------------------------------------------------

    pub(super) fn space(&mut self) -> PResult<Space> {
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
    pub(super) fn dims(&mut self, kind: Span) -> PResult<Vec<Dim>> {
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
    pub(super) fn single_dim(&mut self, kind: Span, first: &'a Token) -> PResult<Vec<Dim>> {
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

    pub(super) fn braced_dims(&mut self, kind: Span) -> PResult<Vec<Dim>> {
        let open = self.bump();
        let pieces = self.dim_pieces(kind, open)?;
        if pieces.is_empty() {
            return Err(error(open.to(self.prev_span()), "empty dimensions"));
        }
        axes_of(&pieces)
    }

    /// The pieces of `{…}` after a space's `^`, through the `}`.
    pub(super) fn dim_pieces(&mut self, kind: Span, open: Span) -> PResult<Vec<DimPiece>> {
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
    pub(super) fn dim_word(
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
    pub(super) fn word(&self, t: &'a Token) -> &'a str {
        match &t.tok {
            Tok::Ident { name, .. } => name,
            _ => self.text(t.span),
        }
    }

    /// The source from the end of `span` through the next `}`.
    pub(super) fn rest_of_braces(&self, span: Span) -> &'a str {
        let end = self.toks[self.pos..]
            .iter()
            .find(|t| t.tok == Tok::RBrace)
            .map_or(span.end, |t| t.span.end);
        &self.src[span.end..end]
    }

    /// "dimension 'nxm' is not a dimension symbol …; did you mean R^{n×m}?"
    /// `prefix` and `suffix` surround the bad dimension in the suggestion.
    pub(super) fn bad_dim(
        &self,
        span: Span,
        prefix: &str,
        suffix: &str,
        in_parens: bool,
    ) -> Diagnostic {
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
}

pub(super) fn space_kind(name: &str) -> Option<SpaceKind> {
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
pub(super) fn dim_atom(text: &str) -> Option<DimFactor> {
    if text.chars().all(|c| c.is_ascii_digit()) {
        return text.parse().ok().map(DimFactor::Int);
    }
    let mut chars = text.chars();
    let symbol = chars.next().is_some_and(is_letter) && chars.all(|c| c.is_ascii_digit());
    symbol.then(|| DimFactor::Sym(text.to_string()))
}

/// The dimensions a bad one probably meant, and whether they were split
/// at `x`: `nxm` → (n, m; true), `nm` → (n, m; false), `2xnm` → (2, n, m).
pub(super) fn split_dims(text: &str) -> (Vec<String>, bool) {
    let parts: Vec<&str> = text.split('x').collect();
    let on_x = parts.len() > 1 && parts.iter().all(|p| !p.is_empty());
    let parts = if on_x { parts } else { vec![text] };
    let split = parts.into_iter().flat_map(letter_chunks).collect();
    (split, on_x)
}

/// `n1m2` → n1, m2; `12n` → 12, n.
pub(super) fn letter_chunks(text: &str) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    for c in text.chars() {
        match chunks.last_mut() {
            Some(last) if c.is_ascii_digit() => last.push(c),
            _ => chunks.push(c.to_string()),
        }
    }
    chunks
}

/// The pieces of a braced dimension list → its axes.
pub(super) fn axes_of(pieces: &[DimPiece]) -> PResult<Vec<Dim>> {
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
pub(super) fn axis(pieces: &[DimPiece], i: usize) -> PResult<(Dim, usize)> {
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
pub(super) fn product(pieces: &[DimPiece], i: usize, open: Span) -> PResult<(Dim, usize)> {
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
