//! Resolution of function calls (built-ins, declared functions, and a
//! matrix written against its argument, `W(x)`), powers and inverses.

use super::*;

impl Resolver {
    pub(super) fn call(&mut self, func: &ast::Ident, args: &[ast::Expr], span: Span) -> R<Expr> {
        match self.scope.get(&func.name).cloned() {
            Some(Binding::Func(f)) => {
                if args.len() != 1 {
                    return err(span, format!("{} takes one argument", func.name));
                }
                let a = self.term(&args[0])?;
                let (dom, cod) = (
                    self.program.funcs[f].domain.clone(),
                    self.program.funcs[f].codomain.clone(),
                );
                if !self.u.unify_shapes(&a.shape, &dom) {
                    return err(
                        args[0].span,
                        format!(
                            "{} takes a {} argument; this one is {}",
                            func.name,
                            dom,
                            a.shape.subst(&self.u)
                        ),
                    );
                }
                let fr = a.free.clone();
                return Ok(self.node(ExprKind::Apply(f, Box::new(a)), cod, fr, span));
            }
            Some(Binding::Var(_)) | Some(Binding::Def(_)) | Some(Binding::Broken { .. }) => {
                // `W(x)`: a product written without a space.
                let l = self.name(func)?;
                if args.len() != 1 {
                    return err(span, format!("'{}' is not a function", func.name));
                }
                let r = self.term(&args[0])?;
                return self.binary(
                    BinOp::Mul,
                    Span::new(func.span.end, func.span.end),
                    l,
                    r,
                    span,
                );
            }
            None => {}
        }
        let Some(b) = Builtin::from_name(&func.name) else {
            let mut msg = format!("unknown function '{}'", func.name);
            if let Some(hint) = spelled_otherwise(&func.name) {
                msg.push_str(&format!(": {hint}"));
            } else if let Some(near) = nearest_builtins(&func.name) {
                msg.push_str(&format!("; did you mean {near}?"));
            } else if let Some(s) = split_name(&func.name, &self.known_names()) {
                msg.push_str(&format!("; did you mean '{}'?", s.join(" ")));
            } else {
                msg.push_str(&format!(
                    "; no built-in is near. If you mean an arbitrary smooth function, declare it (let {} : R^{{…}} → R^{{…}}): it is then a random function in every trial",
                    func.name
                ));
            }
            return err(func.span, msg);
        };
        if args.len() != b.arity() {
            return err(
                span,
                format!(
                    "{} takes {} argument(s), not {}",
                    func.name,
                    b.arity(),
                    args.len()
                ),
            );
        }
        let mut rargs = Vec::new();
        let mut free = BTreeMap::new();
        for a in args {
            let r = self.term(a)?;
            self.merge_free(&mut free, &r.free.clone(), a.span)?;
            rargs.push(r);
        }
        let a0 = &rargs[0];
        let sh = a0.shape.clone();
        let shape = match b {
            Builtin::Vec => Shape::new(sh.size(), Dim::one()),
            Builtin::Tr | Builtin::Det | Builtin::Logdet => {
                self.square(&rargs[0], &func.name.to_string())?;
                Shape::scalar()
            }
            Builtin::Inv => {
                self.square(&rargs[0], "inv")?;
                sh
            }
            Builtin::Diag => {
                if sh.is_col() {
                    Shape::new(sh.rows.clone(), sh.rows.clone())
                } else if sh.is_row() {
                    Shape::new(sh.cols.clone(), sh.cols.clone())
                } else {
                    self.square(&rargs[0], "diag (of a matrix)")?;
                    Shape::new(sh.rows.clone(), Dim::one())
                }
            }
            Builtin::Kron => {
                let s1 = &rargs[1].shape;
                Shape::new(sh.rows.mul(&s1.rows), sh.cols.mul(&s1.cols))
            }
            Builtin::Sum | Builtin::Mean | Builtin::Norm => Shape::scalar(),
            Builtin::Pinv => sh.t(),
            Builtin::Adj => {
                self.square(&rargs[0], "adj")?;
                sh
            }
            Builtin::Eigvals => {
                self.square(&rargs[0], "eigvals")?;
                Shape::new(sh.rows.clone(), Dim::one())
            }
            // Each row of a matrix; a column vector as a whole.
            Builtin::Logsumexp if sh.is_col() || sh.is_row() => Shape::scalar(),
            Builtin::Logsumexp => Shape::new(sh.rows.clone(), Dim::one()),
            _ => sh,
        };
        let flatten = self.meaning.flatten;
        Ok(self.node(ExprKind::Call(b, rargs, flatten), shape, free, span))
    }

    pub(super) fn pow(&mut self, b: &ast::Expr, p: &ast::Expr, span: Span) -> R<Expr> {
        let base = self.expr(b)?;
        let pe = self.expr(p)?;
        if !pe.shape.is_scalar() || !pe.free.is_empty() {
            return err(p.span, "an exponent must be a scalar");
        }
        if !base.shape.is_scalar() {
            let k = match &pe.kind {
                ExprKind::Num(k) => Some(*k),
                ExprKind::Neg(inner) => match inner.kind {
                    ExprKind::Num(k) => Some(-k),
                    _ => None,
                },
                _ => None,
            };
            if k.is_none_or(|k| k.fract() != 0.0) {
                return err(p.span, "a matrix power needs an integer exponent");
            }
            self.square(&base, "a matrix power")?;
        }
        let (s, f) = (base.shape.clone(), base.free.clone());
        Ok(self.node(ExprKind::Pow(Box::new(base), Box::new(pe)), s, f, span))
    }

    pub(super) fn inverse(&mut self, x: &ast::Expr, span: Span) -> R<Expr> {
        let x = self.expr(x)?;
        self.square(&x, "an inverse")?;
        let (s, f) = (x.shape.clone(), x.free.clone());
        Ok(self.node(ExprKind::Inverse(Box::new(x)), s, f, span))
    }

    pub(super) fn square(&mut self, x: &Expr, what: &str) -> R<()> {
        if !self.u.unify(&x.shape.rows, &x.shape.cols) {
            return err(
                x.span,
                format!(
                    "{what} needs a square matrix; this is {}",
                    x.shape.subst(&self.u)
                ),
            );
        }
        Ok(())
    }
}
