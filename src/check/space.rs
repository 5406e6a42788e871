//! Membership claims (`X ∈ R^{m×n}`, `∈ Sym`, `∈ SPD`, `∈ Orth`, …): the
//! value's shape, or its tensor view's axes, and its structure, on every
//! trial and free-index value.

use nalgebra::DMatrix;

use super::{Ctx, Sample, axes_str, compare, dims_str, figure, index_note, not_finite};
use crate::check::verdict::ClaimResult;
use crate::eval::interp::Evaluator;
use crate::eval::limits;
use crate::lang::ast::SpaceKind;
use crate::lang::ir::{Claim, Expr, ExprKind};
use crate::lang::shape::Dim;

impl Ctx<'_> {
    pub(super) fn check_space(
        &self,
        claim: &Claim,
        kind: SpaceKind,
        axes: &[Dim],
        text: &str,
    ) -> ClaimResult {
        let mut result = self.blank();
        let mut failure: Option<(String, Sample)> = None;
        for t in 1..=self.settings.trials.max(1) {
            let (trial, mut odometer) = match self.start_trial(t, claim) {
                Ok(s) => s,
                Err(e) => return self.errored(result, e),
            };
            let want: Option<Vec<usize>> = axes.iter().map(|d| d.eval(&trial.dims)).collect();
            let Some(want) = want else {
                return self.errored(result, format!("a dimension of {text} has no value"));
            };
            let mut ev = Evaluator::plain(&trial);
            while odometer.advance(&mut ev.idx) {
                let v = match ev.eval(&claim.lhs) {
                    Ok(v) => v,
                    Err(e) => return self.side_failed(result, "", e, &trial),
                };
                if let Some(m) = not_finite(&v) {
                    let at = index_note(&ev.idx);
                    return self.errored(
                        result,
                        format!("not finite in trial {t}: the value {m}{at}"),
                    );
                }
                if t == 1 && result.figure.is_none() {
                    result.figure = figure(t, &trial, &ev.idx, &claim.lhs, None, &v, None);
                }
                let got_axes = if want.len() > 2 {
                    match tensor_axes(&claim.lhs, &mut ev) {
                        Ok(Some(ax)) => ax,
                        Ok(None) => {
                            return self.errored(
                                result,
                                format!("{text} has {} axes: only a derivative ∂Y/∂X has a tensor view with more than two", want.len()),
                            );
                        }
                        Err(m) => return self.errored(result, m),
                    }
                } else {
                    vec![v.nrows(), v.ncols()]
                };
                let want_matrix = match (want.len(), kind.is_square()) {
                    (0, _) => vec![1, 1],
                    (1, true) => vec![want[0], want[0]],
                    (1, false) => vec![want[0], 1],
                    _ => want.clone(),
                };
                let problem = if got_axes != want_matrix {
                    Some(format!(
                        "the value is {}, but {text} is {} here",
                        axes_str(&got_axes),
                        axes_str(&want_matrix)
                    ))
                } else {
                    structure_problem(kind, &v)
                };
                if let Some(p) = problem
                    && failure.is_none()
                {
                    let s = compare(t, v.clone(), v, 0.0, 0.0);
                    failure = Some((p, s.at_point(&trial.dims, &ev.idx)));
                }
            }
        }
        let holds = failure.is_none();
        if let Some((p, s)) = failure {
            result.message = Some(format!("{p} (trial {}, {})", s.trial, dims_str(&s.dims)));
            // The figures show the trial (and index values) of the evidence.
            if result.figure.is_some() {
                let trial = self.trial(s.trial);
                result.figure = figure(
                    s.trial,
                    &trial,
                    &s.zero_based_indices(),
                    &claim.lhs,
                    None,
                    &s.lhs,
                    None,
                );
            }
            let mut ev = self.evidence(&s, None);
            ev.rhs = None;
            ev.rhs_shape = None;
            ev.space = Some(text.to_string());
            result.evidence = Some(ev);
        }
        self.finish(holds, result)
    }
}

/// Axes of the tensor view of a derivative: Y's axes then X's.
fn tensor_axes(e: &Expr, ev: &mut Evaluator<f64>) -> crate::eval::ER<Option<Vec<usize>>> {
    let ExprKind::Deriv { y, x, .. } = &e.kind else {
        return Ok(None);
    };
    let yv = ev.eval(y)?;
    let xv = ev.eval(&x.view)?;
    let axes = |m: &DMatrix<f64>| -> Vec<usize> {
        match m.shape() {
            (1, 1) => vec![],
            (r, 1) => vec![r],
            (r, c) => vec![r, c],
        }
    };
    let mut v = axes(&yv);
    v.extend(axes(&xv));
    Ok(Some(v))
}

fn structure_problem(kind: SpaceKind, v: &DMatrix<f64>) -> Option<String> {
    let scale = v.iter().fold(1.0f64, |m, x| m.max(x.abs()));
    let tol = 1e-9 * scale;
    let square = v.nrows() == v.ncols();
    let sym = square && (v - v.transpose()).amax() <= tol;
    match kind {
        SpaceKind::R => None,
        SpaceKind::Sym if !sym => Some("the value is not symmetric".into()),
        SpaceKind::Spd if !sym || !cholesky_succeeds(v) => {
            Some("the value is not symmetric positive definite".into())
        }
        SpaceKind::Orth if !square || !orthogonal(v) => {
            Some("the value is not orthogonal (QᵀQ ≠ I)".into())
        }
        SpaceKind::Diag
            if (0..v.nrows()).any(|i| (0..v.ncols()).any(|j| i != j && v[(i, j)].abs() > tol)) =>
        {
            Some("the value is not diagonal".into())
        }
        SpaceKind::Pos if v.iter().any(|x| *x <= 0.0) => {
            Some("the value has entries that are not positive".into())
        }
        SpaceKind::OneHot
            if (0..v.nrows()).any(|i| {
                let row = v.row(i);
                row.iter().filter(|x| **x == 1.0).count() != 1
                    || row.iter().any(|x| *x != 0.0 && *x != 1.0)
            }) =>
        {
            Some("the value is not one-hot (each row a single 1)".into())
        }
        _ => None,
    }
}

/// Cholesky of a symmetric `v` runs to the end (positive pivots). Stops
/// at the claim's deadline (the claim is then an `error` anyway).
fn cholesky_succeeds(v: &DMatrix<f64>) -> bool {
    let n = v.nrows();
    let mut l = DMatrix::<f64>::zeros(n, n);
    for j in 0..n {
        if limits::expired() {
            return false;
        }
        let d = v[(j, j)] - (0..j).map(|k| l[(j, k)] * l[(j, k)]).sum::<f64>();
        if d.is_nan() || d <= 0.0 {
            return false;
        }
        let d = d.sqrt();
        l[(j, j)] = d;
        for i in j + 1..n {
            let s = v[(i, j)] - (0..j).map(|k| l[(i, k)] * l[(j, k)]).sum::<f64>();
            l[(i, j)] = s / d;
        }
    }
    true
}

/// QᵀQ = I up to 1e-9 (a product that stops at the claim's deadline).
fn orthogonal(v: &DMatrix<f64>) -> bool {
    match crate::eval::linalg::matmul(&v.transpose(), v) {
        Ok(p) => (p - DMatrix::identity(v.ncols(), v.ncols())).amax() <= 1e-9,
        Err(_) => false,
    }
}
