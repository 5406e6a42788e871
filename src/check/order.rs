//! Orders (spec §3.7): `<`, `≤`, `>`, `≥` entry by entry, and the Loewner
//! orders `≺`, `⪯`, `≻`, `⪰` by the eigenvalues of the difference.
//!
//! `≤`, `≥`, `⪯`, `⪰` allow the tolerance of `=`: `a ≤ b + atol + rtol ·
//! max(|a|, |b|)` per entry; the smallest eigenvalue of `A − B` at least
//! `−(atol + rtol · max(‖A‖, ‖B‖))`. `<`, `>`, `≺`, `≻` are strict, with no
//! tolerance. A Loewner order between matrices that are not symmetric
//! (beyond the tolerance) is an error, not a verdict.

use nalgebra::DMatrix;

use super::{Ctx, Sample, broadcast_zero, compare, is_zero_literal, shape_str, sides};
use crate::check::verdict::ClaimResult;
use crate::eval::interp::Evaluator;
use crate::lang::ast::Rel;
use crate::lang::ir::{Claim, Expr};

/// How far one comparison is from holding.
struct Breach {
    /// Positive: the order is broken by this much (beyond the tolerance).
    excess: f64,
    /// Where, in words.
    what: String,
    tol: f64,
    /// The entry that breaks an entry-wise order (0-based).
    entry: Option<(usize, usize)>,
}

impl Ctx<'_> {
    pub(super) fn check_order(&self, claim: &Claim, rhs: &Expr) -> ClaimResult {
        let mut result = self.blank();
        let (rtol, atol) = (self.settings.rtol, self.settings.atol);
        // A constant number on one side compares with every entry.
        let zero_l = is_zero_literal(&claim.lhs);
        let zero_r = is_zero_literal(rhs);
        let (const_l, const_r) = (constant(&claim.lhs), constant(rhs));
        let mut worst: Option<(Breach, Sample)> = None;
        let mut max_excess = f64::NEG_INFINITY;
        for t in 1..=self.settings.trials.max(1) {
            let (trial, mut odometer) = match self.start_trial(t, claim) {
                Ok(s) => s,
                Err(e) => return self.errored(result, e),
            };
            let mut ev = Evaluator::plain(&trial);
            while odometer.advance(&mut ev.idx) {
                let (l, r) = match sides(&mut ev, &claim.lhs, rhs) {
                    Ok(s) => s,
                    Err((side, e)) => return self.side_failed(result, side, e, &trial),
                };
                let (l, r) = broadcast_zero(l, r, zero_l, zero_r);
                let (l, r) = broadcast_constant(l, r, const_l, const_r);
                if l.iter().chain(r.iter()).any(|x| !x.is_finite()) {
                    return self.errored(
                        result,
                        format!("a value is not finite in trial {t}: the order cannot be decided"),
                    );
                }
                if l.shape() != r.shape() {
                    let s = compare(t, l, r, rtol, atol).at_point(&trial.dims, &ev.idx);
                    result.message = Some(format!(
                        "the sides have different shapes: left is {}, right is {}",
                        shape_str(&s.lhs),
                        shape_str(&s.rhs)
                    ));
                    result.evidence = Some(self.evidence(&s, None));
                    return self.finish(false, result);
                }
                let breach = if claim.rel.is_loewner() {
                    match loewner(claim.rel, &l, &r, rtol, atol) {
                        Ok(b) => b,
                        Err(m) => return self.errored(result, format!("trial {t}: {m}")),
                    }
                } else {
                    entrywise(claim.rel, &l, &r, rtol, atol)
                };
                max_excess = max_excess.max(breach.excess);
                if worst.as_ref().is_none_or(|(w, _)| breach.excess > w.excess) {
                    let s = compare(t, l, r, rtol, atol).at_point(&trial.dims, &ev.idx);
                    worst = Some((breach, s));
                }
            }
        }
        let Some((breach, sample)) = worst else {
            return self.errored(result, "nothing to compare");
        };
        let holds = breach.excess <= 0.0;
        if !holds {
            let mut where_ = format!("trial {}", sample.trial);
            if !sample.indices.is_empty() {
                let idx: Vec<String> = sample
                    .indices
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                where_.push_str(&format!(" with {}", idx.join(", ")));
            }
            result.message = Some(format!(
                "{} does not hold in {where_}: {} (tolerance {:.1e})",
                claim.rel.symbol(),
                breach.what,
                breach.tol
            ));
            let mut evidence = self.evidence(&sample, None);
            if let Some((i, j)) = breach.entry {
                // The evidence names the entry that breaks the order.
                evidence.entry = Some((i + 1, j + 1));
                evidence.tolerance = breach.tol;
                evidence.max_abs_err = (sample.lhs[(i, j)] - sample.rhs[(i, j)]).abs();
            }
            result.evidence = Some(evidence);
            result.max_abs_err = Some(breach.excess);
        }
        self.finish(holds, result)
    }
}

/// `<`, `≤`, `>`, `≥` on every entry.
fn entrywise(rel: Rel, l: &DMatrix<f64>, r: &DMatrix<f64>, rtol: f64, atol: f64) -> Breach {
    let mut worst = Breach {
        excess: f64::NEG_INFINITY,
        what: String::new(),
        tol: 0.0,
        entry: None,
    };
    let scalar = l.len() == 1;
    for j in 0..l.ncols() {
        for i in 0..l.nrows() {
            let (a, b) = (l[(i, j)], r[(i, j)]);
            let tol = atol + rtol * a.abs().max(b.abs());
            // small ≤ big (+ tol), strict: small < big.
            let (small, big) = match rel {
                Rel::Lt | Rel::Le => (a, b),
                _ => (b, a),
            };
            let excess = match rel {
                Rel::Lt | Rel::Gt => {
                    if small < big {
                        small - big
                    } else {
                        (small - big).max(f64::MIN_POSITIVE)
                    }
                }
                _ => small - big - tol,
            };
            if excess > worst.excess {
                let at = if scalar {
                    String::new()
                } else {
                    format!("at entry ({}, {}) ", i + 1, j + 1)
                };
                worst = Breach {
                    excess,
                    what: format!(
                        "{at}the left side is {} and the right side is {}",
                        num(a),
                        num(b)
                    ),
                    tol: if matches!(rel, Rel::Lt | Rel::Gt) {
                        0.0
                    } else {
                        tol
                    },
                    entry: Some((i, j)),
                };
            }
        }
    }
    worst
}

/// `⪰` and friends: the smallest eigenvalue of the difference.
fn loewner(
    rel: Rel,
    l: &DMatrix<f64>,
    r: &DMatrix<f64>,
    rtol: f64,
    atol: f64,
) -> crate::eval::ER<Breach> {
    if !l.is_square() {
        return Err(format!(
            "{} compares square symmetric matrices; the sides are {}",
            rel.symbol(),
            shape_str(l)
        )
        .into());
    }
    let (d, name) = match rel {
        Rel::Succ | Rel::Succeq if r.iter().all(|x| *x == 0.0) => (l - r, "the left side"),
        Rel::Succ | Rel::Succeq => (l - r, "left − right"),
        _ if l.iter().all(|x| *x == 0.0) => (r - l, "the right side"),
        _ => (r - l, "right − left"),
    };
    let tol = atol + rtol * l.norm().max(r.norm());
    let asym = (&d - d.transpose()).amax();
    if asym > tol {
        return Err(format!(
            "{} compares symmetric matrices, and {name} is not symmetric (it differs from its transpose by up to {asym:.3e})",
            rel.symbol()
        )
        .into());
    }
    let sym = (&d + d.transpose()) * 0.5;
    let eig = nalgebra::SymmetricEigen::new(sym);
    let min = eig
        .eigenvalues
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let strict = matches!(rel, Rel::Succ | Rel::Prec);
    let excess = if strict {
        if min > 0.0 {
            -min
        } else {
            (-min).max(f64::MIN_POSITIVE)
        }
    } else {
        -min - tol
    };
    let kind = if strict {
        "positive definite"
    } else {
        "positive semidefinite"
    };
    Ok(Breach {
        excess,
        what: format!(
            "the smallest eigenvalue of {name} is {}, so it is not {kind}",
            num(min)
        ),
        tol: if strict { 0.0 } else { tol },
        entry: None,
    })
}

fn num(x: f64) -> String {
    format!("{x:.4e}")
}

/// A number written as such (`-1`, `0.5`).
fn constant(e: &Expr) -> Option<f64> {
    use crate::lang::ir::ExprKind;
    match &e.kind {
        ExprKind::Num(x) => Some(*x),
        ExprKind::Neg(x) => constant(x).map(|v| -v),
        _ => None,
    }
}

fn broadcast_constant(
    l: DMatrix<f64>,
    r: DMatrix<f64>,
    cl: Option<f64>,
    cr: Option<f64>,
) -> (DMatrix<f64>, DMatrix<f64>) {
    match (cl, cr) {
        (Some(c), None) if l.len() == 1 => (DMatrix::from_element(r.nrows(), r.ncols(), c), r),
        (None, Some(c)) if r.len() == 1 => {
            let full = DMatrix::from_element(l.nrows(), l.ncols(), c);
            (l, full)
        }
        _ => (l, r),
    }
}
