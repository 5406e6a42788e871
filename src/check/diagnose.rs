//! Diagnosis of a failing equality: which usual mistake explains it.
//!
//! Works on the two values of the worst trial only, so it needs nothing
//! from earlier stages: a transposed side (or the other layout), a
//! constant factor (named), a missing symmetrisation, the same entries in
//! another order (the other flatten order, or swapped Kronecker factors).

use std::collections::BTreeMap;

use nalgebra::DMatrix;

use crate::config::{Flatten, Layout};
use crate::lang::ast::{BinOp, SpaceKind};
use crate::lang::ir::{Builtin, Expr, ExprKind, Program};

/// What the claim contains, so that a diagnosis names only a mistake the
/// claim could hold.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// A `vec` or a Jacobian (both sides non-scalar) appears: the flatten
    /// order matters.
    pub flatten_matters: bool,
    /// A Kronecker product appears.
    pub kron: bool,
    /// The square (non-symmetric) variables the claim uses, by name.
    pub square_vars: Vec<String>,
    /// A derivative appears: the other layout is a possible mistake.
    pub derivative: bool,
}

impl Context {
    /// What `lhs` and `rhs` contain.
    pub fn of(program: &Program, lhs: &Expr, rhs: Option<&Expr>) -> Context {
        let mut c = Context::default();
        let mut look = |e: &Expr| {
            visit(e, &mut |x| match &x.kind {
                ExprKind::Call(Builtin::Vec, ..) => c.flatten_matters = true,
                ExprKind::Deriv { y, x: t, .. } => {
                    c.derivative = true;
                    if !y.shape.is_scalar() && !t.view.shape.is_scalar() {
                        c.flatten_matters = true;
                    }
                }
                ExprKind::Binary(BinOp::Kron, ..) | ExprKind::Call(Builtin::Kron, ..) => {
                    c.kron = true
                }
                ExprKind::Var(v) => {
                    let var = &program.vars[*v];
                    let square = var.shape.rows == var.shape.cols && !var.shape.rows.is_one();
                    let symmetric =
                        matches!(var.kind, SpaceKind::Sym | SpaceKind::Spd | SpaceKind::Diag);
                    if square && !symmetric && !c.square_vars.contains(&var.name) {
                        c.square_vars.push(var.name.clone());
                    }
                }
                _ => {}
            })
        };
        look(lhs);
        if let Some(r) = rhs {
            look(r);
        }
        c
    }

    /// "the other flatten order", "swapped Kronecker factors", as applies.
    fn reorderings(&self) -> Option<String> {
        match (self.flatten_matters, self.kron) {
            (true, true) => Some(
                "the other flatten order (row- vs column-major), or swapped Kronecker factors"
                    .into(),
            ),
            (true, false) => Some("the other flatten order (row- vs column-major)".into()),
            (false, true) => Some("swapped Kronecker factors".into()),
            (false, false) => None,
        }
    }

    /// The transpose diagnosis, naming the layout only where a derivative is.
    fn transposed(&self) -> String {
        if self.derivative {
            "it holds after transposing one side: a transposed result, or the other layout (numerator vs denominator)".into()
        } else {
            "it holds after transposing one side: a transposed result".into()
        }
    }

    /// "(square variables here: A, B)".
    fn squares(&self) -> String {
        if self.square_vars.is_empty() {
            String::new()
        } else {
            format!(
                " (is {} used where its symmetric part belongs?)",
                self.square_vars.join(" or ")
            )
        }
    }
}

fn close(a: &DMatrix<f64>, b: &DMatrix<f64>, rtol: f64) -> bool {
    a.shape() == b.shape() && (a - b).norm() <= 1e-10 + rtol * a.norm().max(b.norm())
}

/// When the shapes differ, for a claim that contains `ctx`.
pub fn shapes_in(l: &DMatrix<f64>, r: &DMatrix<f64>, ctx: &Context) -> Option<String> {
    if l.shape() == (r.ncols(), r.nrows()) {
        if close(l, &r.transpose(), 1e-8) {
            return Some(ctx.transposed());
        }
        return Some(if ctx.derivative {
            "the shapes are each other's transpose: a transposed side, or the other layout?".into()
        } else {
            "the shapes are each other's transpose: a transposed side?".into()
        });
    }
    if l.len() == r.len() && same_entries(l, r) {
        return Some(if ctx.flatten_matters {
            "the same entries arranged in another shape: a missing or extra vec(), or the other flatten order".into()
        } else {
            "the same entries arranged in another shape: a missing or extra vec()".into()
        });
    }
    None
}

fn same_entries(l: &DMatrix<f64>, r: &DMatrix<f64>) -> bool {
    let mut a: Vec<f64> = l.iter().copied().collect();
    let mut b: Vec<f64> = r.iter().copied().collect();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let scale = a.iter().chain(&b).fold(1e-300f64, |m, x| m.max(x.abs()));
    a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= 1e-8 * scale)
}

/// Name a constant factor c such that left = c · right.
fn name_factor(c: f64, dims: &BTreeMap<String, u64>) -> Option<String> {
    let near = |x: f64| (c - x).abs() <= 1e-6 * x.abs().max(1.0);
    for (v, name) in [
        (2.0, "2"),
        (0.5, "1/2"),
        (-1.0, "-1"),
        (-2.0, "-2"),
        (-0.5, "-1/2"),
    ] {
        if near(v) {
            return Some(name.to_string());
        }
    }
    for (k, v) in dims {
        let v = *v as f64;
        if v > 1.0 {
            for (x, name) in [
                (v, k.clone()),
                (1.0 / v, format!("1/{k}")),
                (-v, format!("-{k}")),
                (-1.0 / v, format!("-1/{k}")),
            ] {
                if near(x) {
                    return Some(name);
                }
            }
        }
    }
    [(4.0, "4"), (0.25, "1/4")]
        .into_iter()
        .find(|(v, _)| near(*v))
        .map(|(_, n)| n.to_string())
}

/// When the shapes agree but the values do not.
#[cfg(test)]
pub fn values(
    l: &DMatrix<f64>,
    r: &DMatrix<f64>,
    dims: &BTreeMap<String, u64>,
    rtol: f64,
) -> Option<String> {
    let ctx = Context {
        derivative: true,
        ..Context::default()
    };
    values_in(l, r, dims, rtol, &ctx)
}

/// `values` for a claim that contains `ctx`.
pub fn values_in(
    l: &DMatrix<f64>,
    r: &DMatrix<f64>,
    dims: &BTreeMap<String, u64>,
    rtol: f64,
    ctx: &Context,
) -> Option<String> {
    let rtol = rtol.max(1e-8) * 10.0;
    // A symmetric side makes R + Rᵀ = 2R: that is a factor, not a symmetrisation.
    let square = l.nrows() == l.ncols();
    let (r_sym, l_sym) = (
        close(r, &r.transpose(), rtol),
        close(l, &l.transpose(), rtol),
    );
    if l.nrows() == l.ncols()
        && l.nrows() > 1
        && close(l, &r.transpose(), rtol)
        && !close(l, r, rtol)
    {
        return Some(ctx.transposed());
    }
    if square && l.nrows() > 1 {
        let sym = r + r.transpose();
        let sq = ctx.squares();
        if !r_sym && close(l, &sym, rtol) {
            return Some(format!(
                "a missing symmetrisation: the left side is R + Rᵀ where R is the right side{sq}"
            ));
        }
        if !r_sym && close(l, &(&sym * 0.5), rtol) {
            return Some(format!(
                "a missing symmetrisation: the left side is (R + Rᵀ)/2 where R is the right side{sq}"
            ));
        }
        let lsym = l + l.transpose();
        if !l_sym && close(r, &lsym, rtol) {
            return Some(format!(
                "a missing symmetrisation: the right side is L + Lᵀ where L is the left side{sq}"
            ));
        }
        if !l_sym && close(r, &(&lsym * 0.5), rtol) {
            return Some(format!(
                "a missing symmetrisation: the right side is (L + Lᵀ)/2 where L is the left side{sq}"
            ));
        }
    }
    // Two single numbers are always proportional: that explains nothing.
    let rr = r.dot(r);
    if rr > 0.0 && l.len() > 1 {
        let c = l.dot(r) / rr;
        if close(l, &(r * c), rtol) && (c - 1.0).abs() > 1e-6 {
            return Some(match name_factor(c, dims) {
                Some(n) => {
                    format!("the left side is {n} times the right side: a constant factor {n}")
                }
                None => format!("the left side is {c:.6} times the right side: a constant factor"),
            });
        }
    }
    None
}

/// The same entries in another order, named only by the reorderings the
/// claim could contain.
pub fn reordered_in(l: &DMatrix<f64>, r: &DMatrix<f64>, ctx: &Context) -> Option<String> {
    if !(l.shape() == r.shape() && l.len() > 1 && same_entries(l, r)) {
        return None;
    }
    Some(match ctx.reorderings() {
        Some(what) => format!("the same entries in a different order: {what}"),
        None => "the same entries in a different order (a transposed or permuted factor?)".into(),
    })
}

/// The constant c with left = c · right, when there is one (and it is not 1).
pub fn constant_factor(l: &DMatrix<f64>, r: &DMatrix<f64>, rtol: f64) -> Option<f64> {
    let rtol = rtol.max(1e-8) * 10.0;
    let rr = r.dot(r);
    if rr <= 0.0 || l.len() <= 1 || l.shape() != r.shape() {
        return None;
    }
    let c = l.dot(r) / rr;
    (close(l, &(r * c), rtol) && (c - 1.0).abs() > 1e-6).then_some(c)
}

/// Every name that fits the factor c in a trial with these dimensions:
/// numbers (2, 1/2, -1, …), dimensions (N, 1/N) and square roots of
/// dimensions (√d, 1/√d, as in attention's scaling).
pub fn factor_names(c: f64, dims: &BTreeMap<String, u64>) -> Vec<String> {
    let near = |x: f64| (c - x).abs() <= 1e-6 * x.abs().max(1.0);
    let mut out = Vec::new();
    for (v, name) in [
        (2.0, "2"),
        (0.5, "1/2"),
        (-1.0, "-1"),
        (-2.0, "-2"),
        (-0.5, "-1/2"),
        (4.0, "4"),
        (0.25, "1/4"),
    ] {
        if near(v) {
            out.push(name.to_string());
        }
    }
    for (k, v) in dims {
        let v = *v as f64;
        if v > 1.0 {
            let s = v.sqrt();
            for (x, name) in [
                (v, k.clone()),
                (1.0 / v, format!("1/{k}")),
                (-v, format!("-{k}")),
                (-1.0 / v, format!("-1/{k}")),
                (s, format!("√{k}")),
                (1.0 / s, format!("1/√{k}")),
            ] {
                if near(x) {
                    out.push(name);
                }
            }
        }
    }
    out
}

/// A variant of a claim that one usual mistake would explain.
pub struct Rewrite {
    pub explains: String,
    pub lhs: Expr,
    pub rhs: Expr,
}

/// Ids for nodes made here, far above the program's own.
struct Ids(usize);

impl Ids {
    fn node(&mut self, kind: ExprKind, like: &Expr) -> Expr {
        self.0 += 1;
        Expr {
            id: self.0,
            kind,
            shape: like.shape.clone(),
            free: like.free.clone(),
            span: like.span,
        }
    }
}

fn visit(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    e.children().into_iter().for_each(|x| visit(x, f));
}

/// Children first, so a node replaced by `f` is not visited again.
fn visit_mut(e: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    e.children_mut().into_iter().for_each(|x| visit_mut(x, f));
    f(e);
}

fn any(e: &Expr, p: &dyn Fn(&Expr) -> bool) -> bool {
    let mut found = false;
    visit(e, &mut |x| found |= p(x));
    found
}

/// The claim rewritten by each usual mistake that applies to it.
pub fn rewrites(program: &Program, lhs: &Expr, rhs: &Expr) -> Vec<Rewrite> {
    let mut out = Vec::new();
    let mut ids = Ids(program.node_count + 1_000_000);
    let both = |f: &mut dyn FnMut(&mut Expr)| {
        let (mut l, mut r) = (lhs.clone(), rhs.clone());
        visit_mut(&mut l, f);
        visit_mut(&mut r, f);
        (l, r)
    };
    // The flatten order changes only a vec or a Jacobian (a gradient is
    // shaped like its variable in either order).
    let is_vec_or_deriv = |x: &Expr| match &x.kind {
        ExprKind::Call(Builtin::Vec, ..) => true,
        ExprKind::Deriv { y, x: t, .. } => !y.shape.is_scalar() && !t.view.shape.is_scalar(),
        _ => false,
    };
    if any(lhs, &is_vec_or_deriv) || any(rhs, &is_vec_or_deriv) {
        let (l, r) = both(&mut |x| match &mut x.kind {
            ExprKind::Call(_, _, fl) | ExprKind::Deriv { flatten: fl, .. } => {
                *fl = match fl {
                    Flatten::ColumnMajor => Flatten::RowMajor,
                    Flatten::RowMajor => Flatten::ColumnMajor,
                }
            }
            _ => {}
        });
        out.push(Rewrite {
            explains: "it holds under the other flatten order (row-major vs column-major): a row/column-major mix-up".into(),
            lhs: l,
            rhs: r,
        });
    }
    let is_deriv = |x: &Expr| matches!(x.kind, ExprKind::Deriv { .. });
    if any(lhs, &is_deriv) || any(rhs, &is_deriv) {
        let (l, r) = both(&mut |x| {
            if let ExprKind::Deriv { layout, .. } = &mut x.kind {
                *layout = match layout {
                    Layout::Numerator => Layout::Denominator,
                    Layout::Denominator => Layout::Numerator,
                };
                x.shape = x.shape.t();
            }
        });
        out.push(Rewrite {
            explains: "it holds under the other layout (denominator vs numerator)".into(),
            lhs: l,
            rhs: r,
        });
    }
    // Swapped Kronecker factors, one product at a time, on either side.
    for side in 0..2 {
        let target = if side == 0 { lhs } else { rhs };
        let mut count = 0;
        visit(target, &mut |x| {
            if matches!(
                x.kind,
                ExprKind::Binary(BinOp::Kron, ..) | ExprKind::Call(Builtin::Kron, ..)
            ) {
                count += 1;
            }
        });
        for k in 0..count {
            let mut e = target.clone();
            let mut seen = 0;
            visit_mut(&mut e, &mut |x| {
                let hit = matches!(
                    x.kind,
                    ExprKind::Binary(BinOp::Kron, ..) | ExprKind::Call(Builtin::Kron, ..)
                );
                if hit {
                    if seen == k {
                        match &mut x.kind {
                            ExprKind::Binary(_, a, b) => std::mem::swap(a, b),
                            ExprKind::Call(_, args, _) if args.len() == 2 => args.swap(0, 1),
                            _ => {}
                        }
                    }
                    seen += 1;
                }
            });
            let (l, r) = if side == 0 {
                (e, rhs.clone())
            } else {
                (lhs.clone(), e)
            };
            out.push(Rewrite {
                explains: "it holds with the Kronecker factors swapped (A ⊗ B where B ⊗ A belongs)"
                    .into(),
                lhs: l,
                rhs: r,
            });
        }
    }
    // A missing symmetrisation: a square variable B where (B + Bᵀ)/2 belongs.
    for (v, var) in program.vars.iter().enumerate() {
        if var.shape.rows != var.shape.cols
            || var.shape.rows.is_one()
            || matches!(var.kind, SpaceKind::Sym | SpaceKind::Spd | SpaceKind::Diag)
        {
            continue;
        }
        for side in 0..2 {
            let target = if side == 0 { lhs } else { rhs };
            if !any(target, &|x| matches!(x.kind, ExprKind::Var(w) if w == v)) {
                continue;
            }
            let mut e = target.clone();
            visit_mut(&mut e, &mut |x| {
                if matches!(x.kind, ExprKind::Var(w) if w == v) {
                    let a = ids.node(ExprKind::Var(v), x);
                    let inner = ids.node(ExprKind::Var(v), x);
                    let at = ids.node(ExprKind::Transpose(Box::new(inner)), x);
                    let sum = ids.node(ExprKind::Binary(BinOp::Add, Box::new(a), Box::new(at)), x);
                    let mut half = ids.node(ExprKind::Num(0.5), x);
                    half.shape = crate::lang::shape::Shape::scalar();
                    half.free = Default::default();
                    *x = ids.node(ExprKind::Scale(Box::new(half), Box::new(sum)), x);
                }
            });
            let name = &var.name;
            let (l, r) = if side == 0 {
                (e, rhs.clone())
            } else {
                (lhs.clone(), e)
            };
            out.push(Rewrite {
                explains: format!(
                    "a missing symmetrisation: it holds with {name} replaced by ({name} + {name}ᵀ)/2 on the {} side",
                    if side == 0 { "left" } else { "right" }
                ),
                lhs: l,
                rhs: r,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_transpose_factor_and_symmetrisation() {
        let b = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 5.0]);
        let none = BTreeMap::new();
        assert!(
            values(&b.transpose(), &b, &none, 1e-8)
                .unwrap()
                .contains("transposing")
        );
        assert!(
            values(&(&b * 2.0), &b, &none, 1e-8)
                .unwrap()
                .contains("factor 2")
        );
        let n: BTreeMap<String, u64> = [("N".to_string(), 4)].into();
        assert!(values(&(&b / 4.0), &b, &n, 1e-8).unwrap().contains("1/N"));
        assert!(
            values(&(&b + b.transpose()), &b, &none, 1e-8)
                .unwrap()
                .contains("symmetrisation")
        );
    }
}
