//! Diagnoses that look across trials or at the claim's variables (a
//! constant factor named consistently in every failing trial, an
//! orthogonal matrix's sign), and the claim-side helpers they need.

use super::*;

impl Ctx<'_> {
    /// An orthogonal variable whose determinant is −1 in exactly the
    /// failing trials: the claim holds for rotations only.
    pub(super) fn orthogonal_sign(&self, claim: &Claim, per_trial: &[Sample]) -> Option<String> {
        let mut used = Vec::new();
        let rhs = match &claim.rhs {
            ClaimRhs::Expr(e) => Some(e),
            ClaimRhs::Space { .. } => None,
        };
        for e in std::iter::once(&claim.lhs).chain(rhs) {
            collect_vars(e, &mut used);
        }
        for v in used {
            let var = &self.program.vars[v];
            if var.kind != SpaceKind::Orth {
                continue;
            }
            let mut matches = true;
            let (mut reflections, mut rotations) = (0, 0);
            for s in per_trial {
                let trial = self.trial(s.trial);
                let det = trial.value(v).ok()?.determinant();
                let fails = s.ratio > 1.0;
                if det < 0.0 {
                    reflections += 1;
                } else {
                    rotations += 1;
                }
                matches &= fails == (det < 0.0);
            }
            if matches && reflections > 0 && rotations > 0 {
                let n = &var.name;
                return Some(format!(
                    "{n} is orthogonal with det({n}) = −1 (a reflection) in every failing trial, and the claim holds in every trial where det({n}) = +1: it holds for rotations only (an orthogonal matrix's determinant is ±1)"
                ));
            }
        }
        None
    }
}

/// Whether a derivative appears in `e`, through definitions too (then a
/// derivative of `e` is nested).
pub(super) fn contains_derivative(program: &Program, e: &Expr) -> bool {
    fn walk(p: &Program, e: &Expr, depth: usize) -> bool {
        if depth > 200 {
            return true;
        }
        let w = |x: &Expr| walk(p, x, depth + 1);
        match &e.kind {
            ExprKind::Deriv { .. } | ExprKind::Differential(_) => true,
            ExprKind::Def(d) | ExprKind::Family(d, _) => {
                p.defs.get(*d).is_some_and(|def| w(&def.expr))
            }
            ExprKind::Matrix(rows) => rows.iter().flatten().any(w),
            ExprKind::Neg(x)
            | ExprKind::Transpose(x)
            | ExprKind::Inverse(x)
            | ExprKind::Apply(_, x)
            | ExprKind::Subscript(x, _)
            | ExprKind::Sum(_, _, x) => w(x),
            ExprKind::Binary(_, l, r) | ExprKind::Scale(l, r) | ExprKind::Pow(l, r) => w(l) || w(r),
            ExprKind::Call(_, args, _) => args.iter().any(w),
            ExprKind::At(x, binds) => w(x) || binds.iter().any(|(_, v)| w(v)),
            _ => false,
        }
    }
    walk(program, e, 0)
}

/// The variables an expression reads.
pub(super) fn collect_vars(e: &Expr, out: &mut Vec<usize>) {
    fn walk(e: &Expr, out: &mut Vec<usize>, depth: usize) {
        if depth > 200 {
            return;
        }
        match &e.kind {
            ExprKind::Var(v) if !out.contains(v) => out.push(*v),
            ExprKind::Matrix(rows) => rows.iter().flatten().for_each(|x| walk(x, out, depth + 1)),
            ExprKind::Neg(x)
            | ExprKind::Transpose(x)
            | ExprKind::Inverse(x)
            | ExprKind::Apply(_, x)
            | ExprKind::Subscript(x, _)
            | ExprKind::Differential(x)
            | ExprKind::Sum(_, _, x) => walk(x, out, depth + 1),
            ExprKind::Binary(_, l, r) | ExprKind::Scale(l, r) | ExprKind::Pow(l, r) => {
                walk(l, out, depth + 1);
                walk(r, out, depth + 1);
            }
            ExprKind::Call(_, args, _) => args.iter().for_each(|a| walk(a, out, depth + 1)),
            ExprKind::Deriv { y, x, .. } => {
                walk(y, out, depth + 1);
                walk(&x.view, out, depth + 1);
            }
            ExprKind::At(x, binds) => {
                walk(x, out, depth + 1);
                binds.iter().for_each(|(_, v)| walk(v, out, depth + 1));
            }
            _ => {}
        }
    }
    walk(e, out, 0);
}

/// A constant factor named consistently in every failing trial: with the
/// dimensions drawn anew per trial, `1/√d` and `1/2` are told apart.
pub(super) fn factor_across_trials(per_trial: &[Sample], rtol: f64) -> Option<String> {
    let failing: Vec<&Sample> = per_trial.iter().filter(|s| s.ratio > 1.0).collect();
    let mut common: Option<Vec<String>> = None;
    let mut example = (0.0, BTreeMap::new());
    for s in &failing {
        let c = diagnose::constant_factor(&s.lhs, &s.rhs, rtol)?;
        let names = diagnose::factor_names(c, &s.dims);
        example = (c, s.dims.clone());
        common = Some(match common {
            None => names,
            Some(prev) => prev.into_iter().filter(|n| names.contains(n)).collect(),
        });
    }
    let common = common?;
    let (first, rest) = common.split_first()?;
    let mut text =
        format!("the left side is {first} times the right side: a constant factor {first}");
    if !rest.is_empty() {
        let (c, dims) = example;
        text.push_str(&format!(
            " (equally {} with {}; the factor is {c:.6})",
            rest.join(", "),
            dims_str(&dims)
        ));
    }
    Some(text)
}

/// A side's shape as written (`n×m`), with this trial's numbers when they
/// say more (`n×m (3×2 here)`).
pub(super) fn symbolic_shape(e: &Expr, value: &DMatrix<f64>, other_is_zero: bool) -> String {
    let numeric = shape_str(value);
    let symbolic = e.shape.to_string();
    if other_is_zero || symbolic == numeric {
        numeric
    } else {
        format!("{symbolic} ({numeric} in this trial)")
    }
}
