//! The built-ins added for second-order notes: `softplus`, `logsumexp`,
//! `pinv`, `adj`, `eigvals`, each written in scalar operations so that
//! dual numbers (at any nesting level) give exact derivatives.
//!
//! Restrictions, documented in ARCHITECTURE.md:
//! - `pinv` uses `(AᵀA)⁻¹Aᵀ` (tall) or `Aᵀ(AAᵀ)⁻¹` (wide): exact for
//!   full-rank inputs, which random instances are; a rank-deficient input
//!   is an evaluation error, not a silent wrong value.
//! - `adj` is the matrix of cofactors (transposed), exact for every square
//!   input up to 8×8; beyond, `det(A) A⁻¹` (an error for a singular A).
//! - `eigvals` runs cyclic Jacobi rotations on the matrix itself: the
//!   eigenvalues come out ascending, and their derivatives are exact where
//!   the eigenvalues are distinct (random symmetric matrices). A matrix
//!   that is not symmetric (beyond 1e-3 of its largest entry) is an error;
//!   the symmetric part of a nearly symmetric one is used.

use nalgebra::DMatrix;

use crate::eval::linalg;
use crate::eval::num::Num;

use crate::eval::ER;

/// `ln(1 + eˣ)`, as `relu(x) + ln(1 + e^{-|x|})` (no overflow).
pub fn softplus<T: Num>(x: T) -> T {
    x.relu() + (T::one() + (-x.abs()).exp()).ln()
}

/// `ln ∑ exp` of each row of a matrix (a column of results), or of a
/// vector as a whole (a scalar). The largest value is subtracted first.
pub fn logsumexp<T: Num>(a: &DMatrix<T>) -> DMatrix<T> {
    if a.ncols() == 1 || a.nrows() == 1 {
        return linalg::scalar(lse(a.iter().copied()));
    }
    DMatrix::from_fn(a.nrows(), 1, |i, _| lse(a.row(i).iter().copied()))
}

fn lse<T: Num>(xs: impl Iterator<Item = T> + Clone) -> T {
    let mut m = f64::NEG_INFINITY;
    for x in xs.clone() {
        m = m.max(x.re());
    }
    if !m.is_finite() {
        m = 0.0;
    }
    let shift = T::from_f64(m);
    let mut total = T::zero();
    for x in xs {
        total += (x - shift).exp();
    }
    shift + total.ln()
}

/// Moore–Penrose pseudo-inverse of a full-rank matrix.
pub fn pinv<T: Num>(a: &DMatrix<T>) -> ER<DMatrix<T>> {
    let at = a.transpose();
    let rank_deficient = || {
        crate::eval::EvalError::Undefined(
            "pinv: the matrix is rank-deficient (notecheck's pinv needs full rank)".into(),
        )
    };
    if a.nrows() >= a.ncols() {
        let ata = linalg::matmul(&at, a)?;
        linalg::solve(&ata, &at).ok_or_else(rank_deficient)
    } else {
        let aat = linalg::matmul(a, &at)?;
        // Aᵀ (A Aᵀ)⁻¹ = ((A Aᵀ)⁻¹ A)ᵀ, A Aᵀ being symmetric.
        Ok(linalg::solve(&aat, a)
            .ok_or_else(rank_deficient)?
            .transpose())
    }
}

/// The adjugate: the transposed matrix of cofactors.
pub fn adj<T: Num>(a: &DMatrix<T>) -> ER<DMatrix<T>> {
    let n = a.nrows();
    if !a.is_square() {
        return Err(format!("adj needs a square matrix, got {}×{}", n, a.ncols()).into());
    }
    if n == 1 {
        return Ok(linalg::scalar(T::one()));
    }
    if n > 8 {
        let d = linalg::det(a)?;
        let inv = linalg::inverse(a)
            .ok_or("adj of a singular matrix larger than 8×8 is not supported")?;
        return Ok(inv.map(|x| x * d));
    }
    let mut out = DMatrix::from_element(n, n, T::zero());
    for i in 0..n {
        for j in 0..n {
            let minor = a.clone().remove_row(i).remove_column(j);
            let c = linalg::det(&minor)?;
            // adj(A)_ji = (-1)^{i+j} det(minor_ij)
            out[(j, i)] = if (i + j) % 2 == 0 { c } else { -c };
        }
    }
    Ok(out)
}

/// Eigenvalues of a symmetric matrix, ascending, as a column.
pub fn eigvals<T: Num>(a: &DMatrix<T>) -> ER<DMatrix<T>> {
    let n = a.nrows();
    if !a.is_square() {
        return Err(format!("eigvals needs a square matrix, got {}×{}", n, a.ncols()).into());
    }
    let scale = a.iter().fold(0.0f64, |m, x| m.max(x.re().abs()));
    let mut asym = 0.0f64;
    for i in 0..n {
        for j in 0..i {
            asym = asym.max((a[(i, j)].re() - a[(j, i)].re()).abs());
        }
    }
    // Loose on purpose: a derivative's probes (finite differences along a
    // random direction) perturb one triangle of a symmetric variable; a
    // matrix that is not symmetric differs by the size of its entries.
    if asym > 1e-3 * scale.max(1e-300) {
        return Err(format!(
            "eigvals needs a symmetric matrix; this one differs from its transpose by up to {asym:.3e}"
        ).into());
    }
    // Symmetrise exactly (also the tangents), then rotate.
    let half = T::from_f64(0.5);
    let mut m = DMatrix::from_fn(n, n, |i, j| (a[(i, j)] + a[(j, i)]) * half);
    for _sweep in 0..60 {
        let mut off = 0.0f64;
        for p in 0..n {
            for q in p + 1..n {
                off += m[(p, q)].re() * m[(p, q)].re();
            }
        }
        if off.sqrt() <= 1e-15 * scale.max(1e-300) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if m[(p, q)].re() == 0.0 {
                    continue;
                }
                rotate(&mut m, p, q);
            }
        }
    }
    let mut vals: Vec<T> = (0..n).map(|i| m[(i, i)]).collect();
    vals.sort_by(|x, y| x.re().total_cmp(&y.re()));
    Ok(DMatrix::from_vec(n, 1, vals))
}

/// One Jacobi rotation zeroing `m[(p, q)]` (m symmetric).
fn rotate<T: Num>(m: &mut DMatrix<T>, p: usize, q: usize) {
    let n = m.nrows();
    let apq = m[(p, q)];
    let theta = (m[(q, q)] - m[(p, p)]) / (apq * T::from_f64(2.0));
    let sign = if theta.re() >= 0.0 {
        T::one()
    } else {
        -T::one()
    };
    let t = sign / (theta.abs() + (theta * theta + T::one()).sqrt());
    let c = T::one() / (t * t + T::one()).sqrt();
    let s = t * c;
    for k in 0..n {
        let (mkp, mkq) = (m[(k, p)], m[(k, q)]);
        m[(k, p)] = c * mkp - s * mkq;
        m[(k, q)] = s * mkp + c * mkq;
    }
    for k in 0..n {
        let (mpk, mqk) = (m[(p, k)], m[(q, k)]);
        m[(p, k)] = c * mpk - s * mqk;
        m[(q, k)] = s * mpk + c * mqk;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::num::Dual;

    #[test]
    fn eigvals_of_a_known_matrix_ascending() {
        let a = DMatrix::from_row_slice(3, 3, &[2.0, 1.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 5.0]);
        let v = eigvals(&a).unwrap();
        for (x, want) in v.iter().zip([1.0, 3.0, 5.0]) {
            assert!((x - want).abs() < 1e-12, "{v}");
        }
        let b = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 0.0, 1.0]);
        assert!(eigvals(&b).unwrap_err().message().contains("symmetric"));
    }

    #[test]
    fn eigvals_derivative_is_exact() {
        // d λ = vᵀ dA v for a simple eigenvalue: diag(1, 3) + t E12sym.
        let a = DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.5, 3.0]);
        let da = DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 0.0]);
        let d = a.zip_map(&da, Dual::var);
        let v = eigvals(&d).unwrap();
        let e = nalgebra::SymmetricEigen::new(a.clone());
        let k = if e.eigenvalues[0] < e.eigenvalues[1] {
            0
        } else {
            1
        };
        let u = e.eigenvectors.column(k);
        let want = (u.transpose() * &da * u)[(0, 0)];
        assert!((v[0].eps - want).abs() < 1e-10, "{} vs {want}", v[0].eps);
    }

    #[test]
    fn pinv_and_adj_agree_with_definitions() {
        let a = DMatrix::from_row_slice(3, 2, &[1.0, 2.0, 0.5, -1.0, 3.0, 0.25]);
        let p = pinv(&a).unwrap();
        assert!((&a * &p * &a - &a).amax() < 1e-12);
        let w = a.transpose();
        let pw = pinv(&w).unwrap();
        assert!((&w * &pw * &w - &w).amax() < 1e-12);
        let s = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 4.0]);
        assert!(pinv(&s).is_err());
        let m = DMatrix::from_row_slice(3, 3, &[2.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 4.0]);
        let adj_m = adj(&m).unwrap();
        let det = m.determinant();
        assert!((&m * &adj_m - DMatrix::identity(3, 3) * det).amax() < 1e-12);
        // A singular matrix still has an adjugate.
        assert!(adj(&s).unwrap()[(0, 0)] == 4.0);
    }

    #[test]
    fn softplus_and_logsumexp() {
        assert!((softplus(0.0f64) - 2f64.ln()).abs() < 1e-15);
        assert!((softplus(800.0f64) - 800.0).abs() < 1e-12);
        let x = DMatrix::from_column_slice(3, 1, &[1.0, 2.0, 1000.0]);
        let l = logsumexp(&x)[(0, 0)];
        assert!((l - 1000.0).abs() < 1e-12);
    }
}
