//! Resolution of the constructs added for issue 13: affine subscripts
//! (`{p(i-1)+k}`) and evaluation at a point (`E |_{X = V}`).

use super::*;

impl Resolver {
    /// The indices of an affine subscript are free, their ranges found
    /// elsewhere in the claim (an affine position gives no range).
    pub(super) fn affine_free(
        &mut self,
        r: &IndexRef,
        free: &mut BTreeMap<String, Dim>,
        span: Span,
    ) -> R<()> {
        if let IndexRef::Affine(terms) = r {
            for name in terms.iter().filter_map(|t| t.index.clone()) {
                if !free.contains_key(&name) {
                    let range = self.u.fresh();
                    let one: BTreeMap<String, Dim> = [(name, range)].into();
                    self.merge_free(free, &one, span)?;
                }
            }
        }
        Ok(())
    }

    /// `p(i-1)+k` → the terms `p·i`, `-p`, `k` (spec §3.6).
    pub(super) fn affine(&mut self, e: &ast::Expr) -> R<Vec<AffineTerm>> {
        use ast::ExprKind as A;
        let scale = |terms: Vec<AffineTerm>, k: i64, d: &Dim| -> Vec<AffineTerm> {
            terms
                .into_iter()
                .map(|t| AffineTerm {
                    coef: t.coef * k,
                    dims: t.dims.mul(d),
                    index: t.index,
                })
                .collect()
        };
        Ok(match &e.kind {
            A::Num(v) if v.fract() == 0.0 && v.abs() < 1e9 => vec![AffineTerm {
                coef: *v as i64,
                dims: Dim::one(),
                index: None,
            }],
            A::Name(id) => vec![AffineTerm {
                coef: 1,
                dims: Dim::one(),
                index: Some(id.name.clone()),
            }],
            A::Neg(x) => scale(self.affine(x)?, -1, &Dim::one()),
            A::Binary {
                op: op @ (BinOp::Add | BinOp::Sub),
                lhs,
                rhs,
                ..
            } => {
                let mut l = self.affine(lhs)?;
                let r = self.affine(rhs)?;
                let k = if *op == BinOp::Sub { -1 } else { 1 };
                l.extend(scale(r, k, &Dim::one()));
                l
            }
            A::Binary {
                op: BinOp::Mul,
                lhs,
                rhs,
                ..
            } => {
                let (k, d) = self.coefficient(lhs)?;
                scale(self.affine(rhs)?, k, &d)
            }
            A::Call { func, args } if args.len() == 1 => {
                let name = ast::Expr {
                    kind: A::Name(func.clone()),
                    span: func.span,
                };
                let (k, d) = self.coefficient(&name)?;
                scale(self.affine(&args[0])?, k, &d)
            }
            _ => {
                return err(
                    e.span,
                    "a subscript position is an affine expression of indices, whole numbers and dimension symbols, as in {p(i-1)+k}",
                );
            }
        })
    }

    /// The factor in front of an affine term: a whole number, a dimension
    /// symbol, or a product of them.
    pub(super) fn coefficient(&mut self, e: &ast::Expr) -> R<(i64, Dim)> {
        use ast::ExprKind as A;
        match &e.kind {
            A::Num(v) if v.fract() == 0.0 && v.abs() < 1e9 => Ok((*v as i64, Dim::one())),
            A::Name(id) => {
                if self.program.dim_symbols.contains(&id.name) || self.fixed_dims.contains(&id.name)
                {
                    Ok((1, Dim::sym(&id.name)))
                } else {
                    err(
                        e.span,
                        format!(
                            "in a subscript, '{}' multiplies an index, so it must be a dimension symbol of this note",
                            id.name
                        ),
                    )
                }
            }
            A::Binary {
                op: BinOp::Mul,
                lhs,
                rhs,
                ..
            } => {
                let (a, da) = self.coefficient(lhs)?;
                let (b, db) = self.coefficient(rhs)?;
                Ok((a * b, da.mul(&db)))
            }
            _ => err(
                e.span,
                "a factor in a subscript is a whole number or a dimension symbol",
            ),
        }
    }

    /// `E |_{X = V, Y = U}`.
    pub(super) fn at_point(
        &mut self,
        inner: &ast::Expr,
        binds: &[(ast::Ident, ast::Expr)],
        span: Span,
    ) -> R<Expr> {
        let mut out = Vec::new();
        let mut free = BTreeMap::new();
        for (name, value) in binds {
            let base = match self.scope.get(&name.name).cloned() {
                Some(Binding::Var(v)) => Base::Var(v),
                Some(Binding::Def(d)) => Base::Def(d),
                _ => {
                    return err(
                        name.span,
                        format!(
                            "'{}' is not a declared variable or a `let` name: E |_{{X = V}} replaces a variable X",
                            name.name
                        ),
                    );
                }
            };
            let want = match base {
                Base::Var(v) => self.program.vars[v].shape.clone(),
                Base::Def(d) => self.program.defs[d].expr.shape.clone(),
            };
            let v = self.term(value)?;
            if !self.u.unify_shapes(&v.shape, &want) {
                return err(
                    value.span,
                    format!(
                        "{} is {}, so the value put in its place must be {} too; this one is {}",
                        name.name,
                        want.subst(&self.u),
                        want.subst(&self.u),
                        v.shape.subst(&self.u)
                    ),
                );
            }
            let vf = v.free.clone();
            self.merge_free(&mut free, &vf, value.span)?;
            out.push((base, v));
        }
        let e = self.term(inner)?;
        let ef = e.free.clone();
        self.merge_free(&mut free, &ef, inner.span)?;
        let shape = e.shape.clone();
        Ok(self.node(ExprKind::At(Box::new(e), out), shape, free, span))
    }
}
