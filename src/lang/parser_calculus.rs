//! The parser's calculus: derivatives (`∂Y/∂X`, `∂²f/∂x∂y^T`, `∂/∂X E`,
//! `\\frac`), differentials, sums (with bounds), Kronecker deltas and
//! evaluation at a point (`E |_{X = V}`).

use super::*;

/// Indices of one `∑_{ijk…}`.
const MAX_SUM_INDICES: usize = 16;

impl<'a> Parser<'a> {
    /// `d(Y)`, or `d(Y)/d(X)`, at the `(`.
    pub(super) fn differential(&mut self, d: Span) -> PResult<Expr> {
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
    pub(super) fn at_differential_denominator(&self) -> bool {
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
    pub(super) fn delta(&mut self, start: Span) -> PResult<Expr> {
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
    pub(super) fn sum(&mut self) -> PResult<Expr> {
        let start = self.bump();
        self.expect(&Tok::Underscore, "its index, as in ∑_i")?;
        if self.relation_in_braces().is_some() {
            return self.bounded_sum(start);
        }
        let indices = self.subscript_items()?;
        if self.at(&Tok::Caret) {
            let message = "a sum with an upper bound needs its lower bound too: ∑_{i=1}^{n}";
            return Err(error(self.bump(), message));
        }
        let indices = indices
            .into_iter()
            .map(|sub| match sub {
                Sub::Letter(index) => Ok(index),
                other => Err(error(other.span(), "a sum's index is a letter, as in ∑_i")),
            })
            .collect::<PResult<Vec<_>>>()?;
        // Each index nests one sum: bound the depth like parentheses (a
        // sum over thousands of indices overflowed the stack of later stages).
        if indices.len() > MAX_SUM_INDICES {
            let message = format!("a sum over more than {MAX_SUM_INDICES} indices at once");
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

    /// `∑_{i=1}^{n} E`, at the `{`.
    pub(super) fn bounded_sum(&mut self, start: Span) -> PResult<Expr> {
        let open = self.bump();
        let index = self.ident("the sum's index, as in ∑_{i=1}^{n}")?;
        self.expect(&Tok::Rel(Rel::Eq), "'=', as in ∑_{i=1}^{n}")?;
        match self.token() {
            Some(t) if self.is_one(t) => {
                self.bump();
            }
            Some(t) => {
                let message = format!(
                    "a sum's lower bound is 1 (positions are 1-based), not '{}'",
                    self.text(t.span)
                );
                return Err(error(t.span, message));
            }
            None => return Err(self.expected("1")),
        }
        self.close(open, &Tok::RBrace)?;
        let caret = self.expect(&Tok::Caret, "'^' and the upper bound, as in ∑_{i=1}^{n}")?;
        let mut axes = self.dims(caret)?;
        let upper = match (axes.pop(), axes.is_empty()) {
            (Some(d), true) => d,
            _ => {
                let message =
                    "a sum's upper bound is one dimension symbol or number, as in ∑_{i=1}^{n}";
                return Err(error(caret.to(self.prev_span()), message));
            }
        };
        let body = self.expr_bp(PRODUCT)?;
        let span = start.to(body.span);
        let kind = ExprKind::BoundedSum {
            index: Index {
                name: index.name,
                span: index.span,
            },
            upper,
            body: Box::new(body),
        };
        Ok(node(kind, span))
    }

    /// A relation inside the `{…}` at the cursor (`\sum_{i=1}`).
    pub(super) fn relation_in_braces(&self) -> Option<Span> {
        if !self.at(&Tok::LBrace) {
            return None;
        }
        self.toks[self.pos..]
            .iter()
            .take_while(|t| t.tok != Tok::RBrace)
            .find(|t| matches!(t.tok, Tok::Rel(_)))
            .map(|t| t.span)
    }

    /// `∂Y/∂X`, `∂²f/∂x∂y^T`, `∂/∂X E`, `∂²/∂x∂x^T E`.
    pub(super) fn partial(&mut self) -> PResult<Expr> {
        let start = self.span_here();
        let order = self.partial_order()?;
        if self.at(&Tok::Op(BinOp::Div)) {
            // The operator form: `∂/∂X E` takes the product that follows.
            self.bump();
            let xs = self.denominators(order)?;
            let y = self.expr_bp(PRODUCT)?;
            let span = start.to(y.span);
            return Ok(derivs(y, xs, span));
        }
        let y = self.deriv_operand()?;
        self.expect(&Tok::Op(BinOp::Div), "'/' (a derivative is written ∂Y/∂X)")?;
        let xs = self.denominators(order)?;
        let span = start.to(self.prev_span());
        Ok(derivs(y, xs, span))
    }

    pub(super) fn span_here(&self) -> Span {
        self.token().map_or_else(|| self.end_span(), |t| t.span)
    }

    /// `∂` → 1, `∂²` or `∂^2` (`\partial^2`) → 2, at the `∂`.
    pub(super) fn partial_order(&mut self) -> PResult<usize> {
        if self.eat(&Tok::Partial2).is_some() {
            return Ok(2);
        }
        self.expect(&Tok::Partial, "'∂'")?;
        if self.at(&Tok::Caret) {
            let two = matches!(self.peek_at(1), Some(t) if self.text(t.span) == "2");
            if !two {
                let message = "a derivative of higher order is written ∂²f/∂x∂y^T";
                return Err(error(self.bump(), message));
            }
            self.pos += 2;
            return Ok(2);
        }
        Ok(1)
    }

    /// The `∂X` (or `∂x∂y^T` for order 2) of a derivative's denominator.
    pub(super) fn denominators(&mut self, order: usize) -> PResult<Vec<Expr>> {
        let mut xs = Vec::new();
        for k in 0..order {
            let what = if k == 0 {
                "'∂' (a derivative is written ∂Y/∂X)"
            } else {
                "a second '∂' (a second derivative is written ∂²f/∂x∂y^T)"
            };
            self.expect(&Tok::Partial, what)?;
            xs.push(self.deriv_operand()?);
        }
        Ok(xs)
    }

    /// What `∂` applies to: a name or a call with its subscripts and
    /// transposes, or a parenthesised expression.
    pub(super) fn deriv_operand(&mut self) -> PResult<Expr> {
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
    pub(super) fn frac(&mut self) -> PResult<Expr> {
        let start = self.bump();
        let open = self.expect(&Tok::LBrace, "'{'")?;
        if self.at(&Tok::Partial) || self.at(&Tok::Partial2) {
            let order = self.partial_order()?;
            let y = if self.at(&Tok::RBrace) {
                None
            } else {
                Some(self.deriv_operand()?)
            };
            self.close(open, &Tok::RBrace)?;
            let open = self.expect(&Tok::LBrace, "'{' for the denominator")?;
            if !self.at(&Tok::Partial) {
                return Err(self.expected("'\\partial' (the numerator is a derivative)"));
            }
            let xs = self.denominators(order)?;
            let end = self.close(open, &Tok::RBrace)?;
            let y = match y {
                Some(y) => y,
                // `\frac{\partial}{\partial X} E`: the operator form.
                None => self.expr_bp(PRODUCT)?,
            };
            let span = start.to(end).to(y.span);
            return Ok(derivs(y, xs, span));
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

    /// `E |_{X = V, Y = U}`, at the `|`: applies to the whole expression
    /// before it (up to a relation, a comma or a bracket).
    pub(super) fn at_point(&mut self, e: Expr) -> PResult<Expr> {
        let bar = self.bump();
        if !self.at(&Tok::Underscore) {
            return Err(error(
                bar,
                "'|' is read only as evaluation at a point, E |_{X = V}; write |x| as abs(x) and ‖x‖ as norm(x)",
            ));
        }
        self.bump();
        let open = self.expect(&Tok::LBrace, "'{', as in E |_{X = V}")?;
        let mut binds = Vec::new();
        self.nested(|p| {
            loop {
                let name = p.ident("the name of a variable, as in |_{X = V}")?;
                p.expect(&Tok::Rel(Rel::Eq), "'=', as in |_{X = V}")?;
                let value = p.expr_bp(ADD)?;
                binds.push((name, value));
                if p.eat(&Tok::Comma).is_none() {
                    break;
                }
            }
            p.close(open, &Tok::RBrace).map(|_| ())
        })?;
        let span = e.span.to(self.prev_span());
        let kind = ExprKind::At {
            expr: Box::new(e),
            binds,
        };
        Ok(node(kind, span))
    }
}
