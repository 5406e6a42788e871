//! Walks over resolved expressions: substituting solved sizes, counting
//! index occurrences (the summation convention), finding a derivative's
//! base binding.

use super::*;

pub(super) fn placeholder() -> Expr {
    Expr {
        id: usize::MAX,
        kind: ExprKind::Num(0.0),
        shape: Shape::scalar(),
        free: BTreeMap::new(),
        span: Span::default(),
    }
}

/// Is `e` only reshapes, transposes and slices of one binding?
pub(super) fn is_view(e: &Expr) -> bool {
    view_base(e).is_some()
}

pub(super) fn view_base(e: &Expr) -> Option<Base> {
    match &e.kind {
        ExprKind::Var(v) => Some(Base::Var(*v)),
        ExprKind::Def(d) => Some(Base::Def(*d)),
        ExprKind::Transpose(x) | ExprKind::Subscript(x, _) => view_base(x),
        ExprKind::Call(Builtin::Vec, args, _) if args.len() == 1 => view_base(&args[0]),
        _ => None,
    }
}

pub(super) fn index_set(m: &BTreeMap<String, Dim>) -> String {
    if m.is_empty() {
        "none".to_string()
    } else {
        format!("{{{}}}", m.keys().cloned().collect::<Vec<_>>().join(", "))
    }
}

/// How often each free index occurs in one product term (for the
/// summation convention).
pub(super) fn occurrences(e: &Expr) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    occ_into(e, &mut m);
    m
}

pub(super) fn occ_into(e: &Expr, m: &mut BTreeMap<String, usize>) {
    let add_refs = |refs: &[&IndexRef], m: &mut BTreeMap<String, usize>| {
        for r in refs {
            if let IndexRef::Var(n) = r {
                *m.entry(n.clone()).or_insert(0) += 1;
            }
        }
    };
    match &e.kind {
        ExprKind::Subscript(b, refs) => {
            occ_into(b, m);
            add_refs(&refs.iter().collect::<Vec<_>>(), m);
        }
        ExprKind::Family(_, refs) => add_refs(&refs.iter().collect::<Vec<_>>(), m),
        ExprKind::Delta(a, b) => add_refs(&[a, b], m),
        ExprKind::Deriv { y, x, .. } => {
            occ_into(y, m);
            occ_into(&x.view, m);
        }
        ExprKind::Binary(BinOp::Add | BinOp::Sub, _, _) | ExprKind::Sum(..) => {
            for k in e.free.keys() {
                *m.entry(k.clone()).or_insert(0) += 1;
            }
        }
        ExprKind::Binary(_, l, r) | ExprKind::Scale(l, r) | ExprKind::Pow(l, r) => {
            occ_into(l, m);
            occ_into(r, m);
        }
        ExprKind::Neg(x)
        | ExprKind::Transpose(x)
        | ExprKind::Inverse(x)
        | ExprKind::Apply(_, x)
        | ExprKind::Differential(x) => occ_into(x, m),
        ExprKind::Call(_, args, _) => {
            for a in args {
                for k in a.free.keys() {
                    *m.entry(k.clone()).or_insert(0) += 1;
                }
            }
        }
        ExprKind::Matrix(_) => {
            for k in e.free.keys() {
                *m.entry(k.clone()).or_insert(0) += 1;
            }
        }
        _ => {}
    }
}

pub(super) fn subst_dim(d: &mut Dim, u: &Unifier, span: Span, what: &str) -> R<()> {
    *d = d.subst(u);
    if d.has_unknown() {
        return err(span, what.to_string());
    }
    Ok(())
}

pub(super) fn subst_expr(e: &mut Expr, u: &Unifier) -> R<()> {
    const NO_SIZE: &str =
        "the size of I cannot be inferred here (no size, or more than one, fits); write I_n";
    let span = e.span;
    e.shape = e.shape.subst(u);
    for (k, r) in e.free.iter_mut() {
        *r = r.subst(u);
        if r.has_unknown() {
            return err(
                span,
                format!(
                    "the range of index '{k}' cannot be inferred: use it on an axis of a matrix or vector"
                ),
            );
        }
    }
    match &mut e.kind {
        ExprKind::Identity(n) => subst_dim(n, u, span, NO_SIZE)?,
        ExprKind::Ones(n) => subst_dim(n, u, span, NO_SIZE)?,
        ExprKind::Sum(i, r, b) => {
            subst_dim(
                r,
                u,
                span,
                &format!("the range of index '{i}' cannot be inferred"),
            )?;
            subst_expr(b, u)?;
        }
        ExprKind::Matrix(rows) => {
            for r in rows {
                for x in r {
                    subst_expr(x, u)?;
                }
            }
        }
        ExprKind::Neg(x)
        | ExprKind::Transpose(x)
        | ExprKind::Inverse(x)
        | ExprKind::Apply(_, x)
        | ExprKind::Subscript(x, _)
        | ExprKind::Differential(x) => subst_expr(x, u)?,
        ExprKind::Binary(_, l, r) | ExprKind::Scale(l, r) | ExprKind::Pow(l, r) => {
            subst_expr(l, u)?;
            subst_expr(r, u)?;
        }
        ExprKind::Call(_, args, _) => {
            for a in args {
                subst_expr(a, u)?;
            }
        }
        ExprKind::Deriv { y, x, .. } => {
            subst_expr(y, u)?;
            subst_expr(&mut x.view, u)?;
        }
        ExprKind::At(x, binds) => {
            subst_expr(x, u)?;
            for (_, v) in binds {
                subst_expr(v, u)?;
            }
        }
        _ => {}
    }
    if e.shape.rows.has_unknown() || e.shape.cols.has_unknown() {
        return err(span, NO_SIZE);
    }
    Ok(())
}
