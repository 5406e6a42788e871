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

/// The variables an expression reads (first use first).
pub(super) fn collect_vars(e: &Expr, out: &mut Vec<usize>) {
    fn walk(e: &Expr, out: &mut Vec<usize>, depth: usize) {
        if depth > 200 {
            return;
        }
        if let ExprKind::Var(v) = &e.kind
            && !out.contains(v)
        {
            out.push(*v);
        }
        for c in e.children() {
            walk(c, out, depth + 1);
        }
    }
    walk(e, out, 0);
}

/// The last-resort diagnosis of a failing equality that reads a declared
/// variable named like a particular point (`β̂`, `w̃`, `w*`): such a claim
/// is usually a condition (the gradient set to zero, the normal
/// equations), true at one point and not for every value the variable is
/// drawn with. Named only for variables (a `let` definition is a point
/// already), and worded as a question: the claim may also simply be wrong.
pub(super) fn condition_hint(program: &Program, claim: &Claim) -> Option<String> {
    // The variables read directly and through definitions (`e = y − X β̂`
    // makes `∂(eᵀe)/∂β = 0` a condition on β̂ too).
    fn reads(
        program: &Program,
        e: &Expr,
        vars: &mut Vec<usize>,
        defs: &mut Vec<usize>,
        depth: usize,
    ) {
        if depth > 200 {
            return;
        }
        match &e.kind {
            ExprKind::Var(v) if !vars.contains(v) => vars.push(*v),
            ExprKind::Def(d) if !defs.contains(d) => {
                defs.push(*d);
                if let Some(def) = program.defs.get(*d) {
                    reads(program, &def.expr, vars, defs, depth + 1);
                }
            }
            _ => {}
        }
        for c in e.children() {
            reads(program, c, vars, defs, depth + 1);
        }
    }
    let (mut used, mut defs) = (Vec::new(), Vec::new());
    reads(program, &claim.lhs, &mut used, &mut defs, 0);
    if let ClaimRhs::Expr(r) = &claim.rhs {
        reads(program, r, &mut used, &mut defs, 0);
    }
    let point =
        |n: &str| n.contains(['\u{0302}', '\u{0303}', '\u{2217}', '*']) || n.ends_with("_opt");
    let v = used.into_iter().find(|&v| {
        let var = &program.vars[v];
        !var.konst && point(&var.name)
    })?;
    let n = &program.vars[v].name;
    Some(format!(
        "a condition rather than an identity? {n} is declared, so it is drawn at random, and the equation does not hold for every {n}; if {n} is a particular point (a solution, a minimiser), define it instead (`{n} = …`, or `let {n} = …` in a check block) and the claim is checked there"
    ))
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
